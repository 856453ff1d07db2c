#!/usr/bin/env bash
# Builds the web console into web/dist (npm packages from the npm registry; nothing is fetched
# at run time). Skips the work when dist is newer than its sources.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
web="$root/web"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "==> installing nodejs and npm"
  sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq nodejs npm >/dev/null
fi
cd "$web"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci (web console)"
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -f dist/index.html ] || [ -n "$(find src index.html vite.config.js package-lock.json public \
      -newer dist/index.html -print -quit 2>/dev/null)" ]; then
  echo "==> building web/dist"
  npm run --silent build >/dev/null
fi
