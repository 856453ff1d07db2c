#!/usr/bin/env bash
# Browser tests of the web console against the real server.
#   scripts/web-test.sh [path/to/yishu]      (or env YISHU_BIN; default build/src/cli/yishu)
# Installs what is missing (Debian's chromium and CJK fonts, the npm packages), builds web/dist
# when it is missing or older than its sources, creates a throwaway data directory with one user
# per role and a seed catalogue, starts `yishu serve` on a free loopback port, runs
# `node --test web/tests/`, stops the server, and exits with the tests' status.
# Screenshots go to test-artifacts/screenshots/ (or $YISHU_ARTIFACTS_DIR).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
web="$root/web"
bin=${1:-${YISHU_BIN:-$root/build/src/cli/yishu}}
[ -x "$bin" ] || { echo "web-test: no yishu binary at $bin" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

# --- tools -------------------------------------------------------------------------------------
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
if [ ! -x "$CHROMIUM" ] || ! installed fonts-noto-cjk; then
  echo "==> installing chromium and CJK fonts"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    chromium fonts-noto-cjk >/dev/null
fi
"$root/scripts/build-web.sh"
cd "$web"

# --- a server with one user per role -------------------------------------------------------------
tmp=$(mktemp -d /tmp/yishu-web-test.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

password='Yishu-web-Test-2026!'
data="$tmp/data"
export YISHU_SERVER_STATIC_DIR="$web/dist"
YISHU_ADMIN_PASSWORD="$password" "$bin" --data-dir "$data" init >/dev/null
"$bin" --data-dir "$data" catalogue import "$web/tests/fixtures/catalogue.yaml" >/dev/null
# Records for the base libraries (tests/08-masterdata): 60 residents in 户籍, 20 of them in 低保
# with the same ID number, and 27 elderly-care records without one (clean matches, moved
# addresses, a wrong birth year, strangers) — small, but enough for the model to train on; 8
# enterprises, 4 of them in the textile directory.
for f in GA_HOUSEHOLD:persons-ga-household MZ_DIBAO:persons-mz-dibao MZ_ELDERLY:persons-mz-elderly \
  SC_ENTERPRISE:entities-sc-enterprise SC_TEXTILE_FIRMS:entities-sc-textile; do
  "$bin" --data-dir "$data" ingest --resource "${f%%:*}" "$web/tests/fixtures/${f#*:}.csv" >/dev/null
done
add_user() { # USERNAME ROLE DEPARTMENT NAME
  YISHU_USER_PASSWORD="$password" "$bin" --data-dir "$data" user add "$1" --role "$2" \
    ${3:+--department "$3"} --name "$4" >/dev/null
}
add_user steward_ga dept_steward GA "公安数据管理员"
add_user user_mz dept_user MZ "民政业务人员"
add_user auditor security_auditor "" "安全审计员"
add_user operator authorized_operator SJY "数据运营公司"
add_user citizen public "" "公众用户"

port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
"$bin" --data-dir "$data" serve --listen "127.0.0.1:$port" >"$tmp/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$tmp/server.log" >&2; echo "web-test: the server did not start" >&2; exit 1; }
  sleep 0.1
done
echo "==> yishu serve on 127.0.0.1:$port; browser tests"

export YISHU_WEB_URL="http://127.0.0.1:$port"
export YISHU_WEB_PASSWORD="$password"
export YISHU_ARTIFACTS_DIR=${YISHU_ARTIFACTS_DIR:-$root/test-artifacts/screenshots}
mkdir -p "$YISHU_ARTIFACTS_DIR"
status=0
node --test --test-reporter=spec "$web/tests/" || status=$?
if [ "$status" != 0 ]; then
  echo "---- server log (tail) ----" >&2
  tail -n 40 "$tmp/server.log" >&2 || true
fi
echo "screenshots: $YISHU_ARTIFACTS_DIR"
exit "$status"
