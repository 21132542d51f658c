#!/usr/bin/env bash
# Aggregate generation throughput of an OpenAI-compatible server: 1 stream alone, then N concurrent streams, same
# prompt lengths and token counts, greedy; and the time to first token of a request arriving while N-1 others stream
# vs on an idle server. Runs grove serve (--parallel N) and, when present, llama-server (-np N) on the same file,
# alternately, ROUNDS times. Loopback only.
# Usage: bench/serve/batch-throughput.sh MODEL.gguf [N=4] [TOKENS=32] [ROUNDS=2] [THREADS=2]
set -euo pipefail
MODEL=$1 N=${2:-4} TOKENS=${3:-32} ROUNDS=${4:-2} THREADS=${5:-2}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
LLAMA=/work/peer/build/bin/llama-server
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# One streamed chat request; prints "seconds_to_first_content total_seconds completion_tokens".
stream() {
  python3 - "$1" "$2" "$TOKENS" <<'PY'
import json, sys, time, urllib.request
base, text, tokens = sys.argv[1], sys.argv[2], int(sys.argv[3])
body = json.dumps({"messages": [{"role": "user", "content": text}], "max_tokens": tokens, "temperature": 0,
                   "stream": True, "stream_options": {"include_usage": True}}).encode()
start = time.time(); first = None; used = None
req = urllib.request.Request(base + "/v1/chat/completions", body, {"Content-Type": "application/json"})
with urllib.request.urlopen(req, timeout=600) as r:
    for line in r:
        line = line.decode().strip()
        if not line.startswith("data: ") or line == "data: [DONE]": continue
        chunk = json.loads(line[6:])
        if chunk.get("usage"): used = chunk["usage"]["completion_tokens"]
        if first is None and chunk.get("choices") and chunk["choices"][0].get("delta", {}).get("content"): first = time.time() - start
print(f"{first or 0:.3f} {time.time() - start:.3f} {used or 0}")
PY
}

measure() { # name base
  local name=$1 base=$2
  read -r _ t1 k1 < <(stream "$base" "warm up")
  read -r idle_ttft t1 k1 < <(stream "$base" "Tell me about the forest, alone")
  local start end total=0 out; out=$(mktemp -d)
  start=$(date +%s.%N)
  for i in $(seq 1 "$N"); do stream "$base" "Tell me about the forest, stream $i" >"$out/$i" & done
  wait
  end=$(date +%s.%N)
  for i in $(seq 1 "$N"); do total=$((total + $(awk '{print $3}' "$out/$i"))); done
  # TTFT of a request arriving while N-1 others stream.
  for i in $(seq 2 "$N"); do stream "$base" "Tell me about the forest, background $i" >/dev/null & done
  sleep 1
  read -r busy_ttft _ _ < <(stream "$base" "Tell me about the forest, late")
  wait
  echo "$name: 1 stream $(echo "$k1 / $t1" | bc -l | xargs printf %.1f) tok/s; $N streams $(echo "$total / ($end - $start)" | bc -l | xargs printf %.1f) tok/s aggregate; TTFT idle ${idle_ttft}s, with $((N - 1)) streaming ${busy_ttft}s"
  rm -rf "$out"
}

dotnet build "$ROOT/src/GroveMoE.Cli" -c Release -v q -nologo >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  p=$(port)
  dotnet "$ROOT/src/GroveMoE.Cli/bin/Release/net10.0/grove.dll" serve -m "$MODEL" --port "$p" --parallel "$N" -t "$THREADS" --ctx 1024 --quiet >/dev/null 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$p/health" >/dev/null; do sleep 0.5; done
  measure "round $round grove --parallel $N" "http://127.0.0.1:$p"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  if [ -x "$LLAMA" ]; then
    p=$(port)
    "$LLAMA" -m "$MODEL" --port "$p" -np "$N" -t "$THREADS" -c $((1024 * N)) --log-disable >/dev/null 2>&1 &
    pid=$!
    until curl -sf "http://127.0.0.1:$p/health" >/dev/null; do sleep 0.5; done
    measure "round $round llama-server -np $N" "http://127.0.0.1:$p"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  fi
done
