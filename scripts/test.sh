#!/usr/bin/env bash
# README command 2: install what is missing, build, and run every test — on SQLite and on a
# throwaway PostgreSQL server started here on a private port and data directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${YISHU_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh" "$build"

pgdir=$(mktemp -d /tmp/yishu-pg.XXXXXX)
chmod 755 "$pgdir"
port=${YISHU_TEST_PG_PORT:-$((20000 + RANDOM % 20000))}
cleanup() { "$root/scripts/pg-server.sh" stop "$pgdir"; rm -rf "$pgdir"; }
trap cleanup EXIT
echo "==> starting PostgreSQL on 127.0.0.1:$port"
export YISHU_TEST_PG_URL=$("$root/scripts/pg-server.sh" start "$pgdir" "$port")
export YISHU_REQUIRE_PG=1
export YISHU_SHARED_DIR=${YISHU_SHARED_DIR:-$(cd "$root/.." && pwd)/shared}

echo "==> running the tests"
cd "$build"
ctest --output-on-failure -j "${YISHU_TEST_JOBS:-2}" --timeout 900

# The readers' fuzz targets: clang + libFuzzer in a build of their own (fuzz/CMakeLists.txt), so
# the GCC build above stays as it is; each target runs YISHU_FUZZ_SECONDS (20) as a CTest test.
echo "==> fuzzing the readers (libFuzzer, ${YISHU_FUZZ_SECONDS:-20} s per format)"
fuzz_build=${YISHU_FUZZ_BUILD_DIR:-$build-fuzz}
cmake -S "$root/fuzz" -B "$fuzz_build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
  -DYISHU_SHARED_DIR="$YISHU_SHARED_DIR" -DYISHU_FUZZ_SECONDS="${YISHU_FUZZ_SECONDS:-20}" >/dev/null
ninja -C "$fuzz_build" ${NINJA_JOBS:+-j$NINJA_JOBS}
(cd "$fuzz_build" && ctest --output-on-failure --timeout 600)

echo "==> browser tests of the web console"
"$root/scripts/web-test.sh" "$build/src/cli/yishu"
