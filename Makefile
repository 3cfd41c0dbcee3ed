# Two commands: `make run` (the app with demo data on http://localhost:$PORT, default 3000)
# and `make test` (the whole test suite). `make test ARGS="-k signup -x"` passes arguments to pytest.
.PHONY: setup run test

setup:
	scripts/setup.sh dev

run:
	scripts/run.sh

test:
	scripts/test.sh $(ARGS)
