#!/usr/bin/env bash
# README command 1: install what is missing, build, generate the demo district into
# ./data/demo (SQLite, the embedded default) and serve it.
#   scripts/demo.sh                  # scale 0.1 (about 110,000 persons)
#   YISHU_DEMO_SCALE=1 scripts/demo.sh   # the full district (about 1.1 million persons)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build-web.sh"
data=${YISHU_DATA_DIR:-$root/data/demo}
scale=${YISHU_DEMO_SCALE:-0.1}
listen=${YISHU_LISTEN:-127.0.0.1:8080}
exec "$root/build/src/cli/yishu" demo --data-dir "$data" --scale "$scale" --listen "$listen"
