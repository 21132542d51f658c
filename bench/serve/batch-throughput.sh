#!/usr/bin/env bash
# Serving under load, grove serve --parallel N vs llama-server -np N on the same file and the same load
# (bench/serve/load.py): one stream's tokens/s, N concurrent streams' aggregate tokens/s, time to first token on an
# idle server and while N-1 others stream. The two servers alternate, ROUNDS times; one JSON line per server and round.
# Build first (dotnet build src/GroveMoE.Cli -c Release): this script measures, it never builds.
# Usage: bench/serve/batch-throughput.sh MODEL.gguf [N=4] [TOKENS=64] [ROUNDS=2] [THREADS=2]
# GROVE_ONLY=1 skips llama-server. Every wait is bounded: a server that dies or never gets healthy is an error.
set -euo pipefail
MODEL=$1 N=${2:-4} TOKENS=${3:-64} ROUNDS=${4:-2} THREADS=${5:-2}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GROVE="$ROOT/src/GroveMoE.Cli/bin/Release/net10.0/grove.dll"
LLAMA=/work/peer/build/bin/llama-server
# This VM advertises AMX but faults on it: the shim makes ggml fall back to its AVX-512 kernels.
NOAMX=/tmp/noamx/noamx.so
[ -f "$GROVE" ] || { echo "error: $GROVE not built" >&2; exit 1; }
[ -f "$MODEL" ] || { echo "error: no model file $MODEL" >&2; exit 1; }

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
SERVER_PID=
LOG=$(mktemp)
stop() { [ -n "$SERVER_PID" ] && { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }; SERVER_PID=; }
trap 'stop; rm -f "$LOG"' EXIT

# Waits for /health to say ok (at most 180 s); fails if the server exits first.
wait_healthy() {
  for _ in $(seq 1 360); do
    curl -sf --max-time 2 "$1/health" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "error: the server exited during start-up:" >&2; tail -5 "$LOG" >&2; return 1; }
    sleep 0.5
  done
  echo "error: the server was not healthy after 180 s" >&2; return 1
}

measure() { # name base
  local result
  result=$(timeout 600 python3 "$ROOT/bench/serve/load.py" "$2" --streams "$N" --tokens "$TOKENS") \
    || { echo "error: $1: the load failed" >&2; tail -5 "$LOG" >&2; return 1; }
  echo "{\"round\": $round, \"server\": \"$1\", \"result\": $result}"
}

for round in $(seq 1 "$ROUNDS"); do
  p=$(port)
  dotnet "$GROVE" serve -m "$MODEL" --port "$p" --parallel "$N" -t "$THREADS" --ctx 1024 --quiet >"$LOG" 2>&1 &
  SERVER_PID=$!
  wait_healthy "http://127.0.0.1:$p"
  measure "grove --parallel $N" "http://127.0.0.1:$p"
  stop
  if [ -z "${GROVE_ONLY:-}" ]; then
    p=$(port)
    LD_PRELOAD=$NOAMX "$LLAMA" -m "$MODEL" --port "$p" -np "$N" -t "$THREADS" -tb "$THREADS" -c $((1024 * N)) --no-webui >"$LOG" 2>&1 &
    SERVER_PID=$!
    wait_healthy "http://127.0.0.1:$p"
    measure "llama-server -np $N" "http://127.0.0.1:$p"
    stop
  fi
done
