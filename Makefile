# Two commands: `make run` (the app with demo data on http://localhost:$PORT, default 3000)
# and `make test` (the whole test suite). `make test ARGS="-k signup -x"` passes arguments to pytest.
# `make quality`: lint, format, types, models = migrations (run by .ci/run before the tests).
# `make mutate`: mutation testing of the rules (slow, not in CI; see CONTRIBUTING.md).
.PHONY: setup run test quality mutate

setup:
	scripts/setup.sh dev

run:
	scripts/run.sh

test:
	scripts/test.sh $(ARGS)

quality:
	scripts/quality.sh

mutate:
	scripts/mutate.sh $(ARGS)
