#!/usr/bin/env bash
# Create .venv (Python 3.11) at the repository root and install the requirements.
#   scripts/setup.sh        runtime requirements (requirements.txt)
#   scripts/setup.sh dev    + test tools (requirements-dev.txt)
# pip is skipped when a stamp in .venv shows the requirements files are unchanged.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

mode="${1:-}"
case "$mode" in
  "") req=requirements.txt ;;
  dev) req=requirements-dev.txt ;;
  *) echo "usage: scripts/setup.sh [dev]" >&2; exit 2 ;;
esac

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_install() {
  command -v apt-get >/dev/null || return 1
  as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@"
}

PYTHON="${PYTHON:-python3.11}"
if [[ ! -x .venv/bin/python ]]; then
  if ! command -v "$PYTHON" >/dev/null; then
    echo "setup: $PYTHON not found, installing it with apt-get" >&2
    apt_install python3.11 python3.11-venv || { echo "setup: please install Python 3.11 (python3.11, python3.11-venv)" >&2; exit 1; }
  fi
  echo "setup: creating .venv with $("$PYTHON" --version 2>&1)"
  if ! "$PYTHON" -m venv .venv; then
    rm -rf .venv
    echo "setup: venv failed (ensurepip missing?), installing python3.11-venv" >&2
    apt_install python3.11-venv || { echo "setup: please install python3.11-venv" >&2; exit 1; }
    "$PYTHON" -m venv .venv
  fi
fi

# The stamp for a requirements file is the hash of every file it pulls in with -r.
req_hash() {
  local files=("$1")
  [[ $1 != requirements.txt ]] && files+=(requirements.txt)
  { .venv/bin/python -c 'import sys; print(sys.version)'; cat "${files[@]}"; } | sha256sum | cut -d' ' -f1
}
up_to_date() { [[ -f .venv/.stamp-$1 && "$(cat ".venv/.stamp-$1")" == "$(req_hash "$1")" ]]; }

if up_to_date "$req" || { [[ $req == requirements.txt ]] && up_to_date requirements-dev.txt; }; then
  echo "setup: .venv up to date ($req)"
else
  echo "setup: installing $req"
  .venv/bin/python -m pip install --disable-pip-version-check -q -r "$req"
  req_hash "$req" > ".venv/.stamp-$req"
fi
