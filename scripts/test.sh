#!/usr/bin/env bash
# `make test`: the whole test suite (unit, state and real-browser tests) on a fresh or existing tree.
#   - sets up .venv with requirements-dev.txt
#   - installs Debian's chromium, poppler-utils and LibreOffice Calc when missing (as root)
#   - starts the local PostgreSQL and Redis when installed but down (best effort). Without them
#     the PostgreSQL and Redis variants of the tests are skipped and say why; under CI=true
#     (.ci/run) they FAIL instead: what CI lands must have been proven on both (tests/needs.py)
#   - runs `python -m pytest` with any arguments given: scripts/test.sh -k signup -x
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"

scripts/setup.sh dev

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }

# Debian packages the tests use: chromium (browser journeys), poppler-utils (pdftotext: the PDFs'
# text), LibreOffice Calc (the CSV export opened in a real spreadsheet).
missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
command -v soffice >/dev/null || missing+=(libreoffice-calc-nogui)
if (( ${#missing[@]} )); then
  echo "==> Installing Debian packages for the tests: ${missing[*]}"
  as_root apt-get update -qq \
    && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || echo "WARNING: could not install ${missing[*]} (apt-get): browser tests fail without chromium, PDF/spreadsheet checks are skipped" >&2
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { for _ in $(seq 1 40); do port_open "$1" && return 0; sleep 0.25; done; return 1; }

if ! port_open 5432; then
  if [[ -d /etc/postgresql ]] && command -v pg_ctlcluster >/dev/null; then
    echo "==> Starting PostgreSQL"
    for version in $(ls /etc/postgresql); do
      as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    wait_port 5432 || echo "WARNING: PostgreSQL did not start: PostgreSQL tests will be skipped (fail under CI=true)" >&2
  else
    echo "NOTE: no PostgreSQL on 127.0.0.1:5432 (TEST_DATABASE_URL unset): PostgreSQL tests will be skipped (fail under CI=true)"
  fi
fi
if ! port_open 6379; then
  if command -v redis-server >/dev/null; then
    echo "==> Starting Redis"
    as_root mkdir -p /var/lib/redis /var/log/redis || true
    as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
    wait_port 6379 || echo "WARNING: Redis did not start: Redis tests will be skipped (fail under CI=true)" >&2
  else
    echo "NOTE: no Redis on 127.0.0.1:6379: Redis tests will be skipped (fail under CI=true)"
  fi
fi

source scripts/env.sh
if [[ -n ${CI:-} && ${CI,,} != false && ${CI} != 0 ]]; then
  port_open 5432 || echo "CI=true: PostgreSQL is not reachable on 127.0.0.1:5432: the tests that need it will FAIL" >&2
  port_open 6379 || echo "CI=true: Redis is not reachable on 127.0.0.1:6379: the tests that need it will FAIL" >&2
fi
# Tests never touch your database: anything that falls back on the default URL gets a scratch file.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export REFLEX_DB_URL="sqlite:///$scratch/scratch.db"
unset REFLEX_REDIS_URL

rm -rf test-artifacts && mkdir -p test-artifacts   # screenshots and accessibility reports

set +e
python -m pytest "$@"
rc=$?
set -e
if [[ $rc -eq 5 ]]; then
  echo "FAILED: pytest collected no tests (exit code 5)." >&2
fi
exit "$rc"
