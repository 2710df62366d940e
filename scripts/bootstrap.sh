#!/usr/bin/env bash
# Installs what `make run`, `make test` and `make bench` need on Debian 12, and only what is missing,
# so a second run costs a dpkg query and an npm check.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libsqlite3-dev libpq-dev libsodium-dev libspdlog-dev libfmt-dev
  libcli11-dev libtomlplusplus-dev libpcre2-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  postgresql postgresql-contrib postgresql-client sqlite3
  chromium wrk time clang-format openssl
)
# Node.js may come from another source (e.g. NodeSource, whose nodejs bundles npm): take Debian's only when absent.
command -v node >/dev/null || DEBIAN_PACKAGES+=(nodejs)
command -v npm >/dev/null || DEBIAN_PACKAGES+=(npm)

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) != 0 ]]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The web app and the test tools (openai SDK, playwright-core) come from npm, installed from the lock files.
install_npm() {
  local dir=$1
  if [[ ! -d $dir/node_modules ]] || [[ $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    echo "bootstrap: npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
[[ -f web/package.json ]] && install_npm web
[[ -f tests/package.json ]] && install_npm tests
# The peer gateway the benchmark measures against is only needed by `make bench`.
if [[ ${PLAZA_BENCH:-} == 1 && -f bench/package.json ]]; then install_npm bench; fi
exit 0
