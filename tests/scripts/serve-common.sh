# Shared by serve-curl.sh and serve-load.sh: builds grove, starts `grove serve` with the demo model on a free
# loopback port and stops it on exit. Sets GROVE_PID, BASE (http://127.0.0.1:PORT) and KEY.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dotnet build "$ROOT/src/GroveMoE.Cli" -c Release -v q -nologo >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
KEY="serve-script-key"
SERVER_LOG=$(mktemp)
dotnet "$ROOT/src/GroveMoE.Cli/bin/Release/net10.0/grove.dll" serve --port "$PORT" --api-key "$KEY" --ctx 512 -n 32 "$@" >"$SERVER_LOG" 2>&1 &
GROVE_PID=$!
trap 'kill "$GROVE_PID" 2>/dev/null || true; wait "$GROVE_PID" 2>/dev/null || true; rm -f "$SERVER_LOG"' EXIT
for _ in $(seq 1 300); do
  curl -sf -H "Authorization: Bearer $KEY" "$BASE/health" >/dev/null 2>&1 && break
  kill -0 "$GROVE_PID" 2>/dev/null || { cat "$SERVER_LOG"; echo "grove serve exited" >&2; exit 1; }
  sleep 0.2
done
