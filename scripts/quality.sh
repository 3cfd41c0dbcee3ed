#!/usr/bin/env bash
# `make quality`: the static checks that run before the tests in .ci/run, in this order:
#   1. ruff check           lint (pycodestyle, pyflakes, imports, bugbear, pyupgrade, simplify)
#   2. ruff format --check  formatting (run `ruff format .` to apply it)
#   3. mypy                 types: strict on stages_app/models and stages_app/services
#   4. alembic check        the models and the migrations agree (a scratch SQLite database
#                           migrated to head, compared with the models)
# Every tool is pinned in requirements-dev.txt. Stops at the first failing check.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh dev
source scripts/env.sh

step() { echo "==> $*"; }

step "ruff check"
ruff check .
step "ruff format --check"
ruff format --check .
step "mypy"
mypy
step "alembic check (models = migrations)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
REFLEX_DB_URL="sqlite:///$scratch/check.db" alembic upgrade head >/dev/null
REFLEX_DB_URL="sqlite:///$scratch/check.db" alembic check
echo "quality: all checks passed"
