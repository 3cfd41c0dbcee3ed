#!/usr/bin/env bash
# `make mutate`: mutation testing of the rules (not in CI: it takes a long time).
# mutmut (pinned in requirements-dev.txt; settings under [tool.mutmut] in pyproject.toml) copies
# stages_app and the tests to mutants/, changes services/applications.py, access.py and search.py
# one small edit at a time (a comparison flipped, a constant changed, a call removed…) and runs
# the rule tests that cover the changed function. A mutant no test kills ("survived") is a rule
# the tests do not pin down: look at it with `.venv/bin/mutmut show <name>` and write the test.
#   make mutate                       # SQLite only (MUTATE_PG=1: PostgreSQL variants too)
#   make mutate ARGS="'stages_app.services.access*'"   # only some functions (mutmut's globs)
# Results stay in mutants/ (ignored by git); a second run re-tests only what changed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"

scripts/setup.sh dev
source scripts/env.sh
# mutmut runs the tests inside mutants/: the reference data and the settings must not depend on
# the working directory
export STAGES_DATA_DIR="${STAGES_DATA_DIR:-$(cd "$root/.." && pwd)/shared/data}"
export CI=  # a skip is a skip here (the PostgreSQL variants are deselected below unless asked)
if [[ -z ${MUTATE_PG:-} ]]; then
  export PYTEST_ADDOPTS="${PYTEST_ADDOPTS:-} -k 'not postgresql'"
fi
jobs="${MUTATE_JOBS:-$(nproc)}"
mutmut run --max-children "$jobs" "$@" || true
echo
echo "==> Surviving mutants (each one a change of the code that no test noticed)"
mutmut results --all false 2>/dev/null | grep -E ': (survived|no tests|suspicious|timeout)' || echo "none"
echo
echo "==> Summary (text only: the change is inside a message; logic: it changes what the code does)"
mutmut results --all true 2>/dev/null | python scripts/mutation_report.py "${MUTATE_REPORT_ARGS:-}"
