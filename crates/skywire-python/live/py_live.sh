#!/usr/bin/env bash
# The live check: skynet's cluster.call reaching Python functions (README.md, "Live check").
#   SKYNET=/path/to/skynet PYTHON=/path/to/venv/bin/python crates/skywire-python/live/py_live.sh
# Needs skynet built (make linux) and the skywire package installed for $PYTHON.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
skynet="${SKYNET:-/tmp/skynet}"
python="${PYTHON:-python3}"
port="${PY_PORT:-2528}"
mkdir -p "$skynet/scen"
cp "$here/py_live.lua" "$skynet/scen/py_live.lua"
cp "$here/config.py_live" "$skynet/scen/config.py_live"
"$python" "$here/py_live_node.py" "127.0.0.1:$port" &
node=$!
trap 'kill $node 2>/dev/null || true' EXIT
sleep 1
cd "$skynet"
echo "skynet $(git rev-parse HEAD 2>/dev/null || echo '(not a git checkout)')"
PY_TARGET="127.0.0.1:$port" timeout 60 ./skynet scen/config.py_live
