#!/usr/bin/env bash
# Installs what Yishu needs from Debian's packages (only what is missing) and builds it.
# Used by both README commands; safe to run again.
#   scripts/setup.sh [build-dir]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}

packages=(
  build-essential cmake ninja-build pkg-config git
  libboost-dev nlohmann-json3-dev libsqlite3-dev libpq-dev libgcrypt20-dev libargon2-dev
  libtomlplusplus-dev libyaml-cpp-dev libcli11-dev libfmt-dev libgtest-dev libgmock-dev
  libbenchmark-dev libuchardet-dev libbz2-dev unicode-data liborcus-dev zlib1g-dev clang
  libclang-rt-dev libtcmalloc-minimal4
  sqlite3 postgresql prometheus openssl python3-jsonschema
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The postgresql package starts a cluster on port 5432; the tests start their own on a private port.
fi

echo "==> building in $build"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" ${NINJA_JOBS:+-j$NINJA_JOBS}
