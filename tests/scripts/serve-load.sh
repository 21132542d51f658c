#!/usr/bin/env bash
# Load test of grove serve from a second process on loopback: ROUNDS rounds of N concurrent streaming chat requests
# (demo model, --parallel P). Every stream must end with [DONE], parse chunk by chunk, keep one id and deliver as
# many tokens as its usage says; the server's resident memory after each round must stay flat.
# Usage: serve-load.sh [N=8] [ROUNDS=3] [P=2] [TOKENS=16]
N=${1:-8} ROUNDS=${2:-3} P=${3:-2} TOKENS=${4:-16}
source "$(dirname "$0")/serve-common.sh" --parallel "$P" --quiet
OUT=$(mktemp -d)
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$GROVE_PID/status"; }
echo "N=$N concurrent streams x $ROUNDS rounds, parallel $P, $TOKENS tokens each; RSS after start: $(rss) MiB"
bad=0 rss_first=0 rss_last=0
for round in $(seq 1 "$ROUNDS"); do
  start=$(date +%s.%N)
  for i in $(seq 1 "$N"); do
    timeout 300 curl -sN -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$BASE/v1/chat/completions" \
      -d "{\"messages\":[{\"role\":\"user\",\"content\":\"request $round.$i\"}],\"max_tokens\":$TOKENS,\"stream\":true,\"stream_options\":{\"include_usage\":true}}" \
      >"$OUT/$i.sse" &
  done
  wait $(jobs -p | grep -v "^$GROVE_PID$") 2>/dev/null || true
  seconds=$(echo "$(date +%s.%N) - $start" | bc)
  for i in $(seq 1 "$N"); do
    f="$OUT/$i.sse"
    chunks=$(grep '^data: {' "$f" | sed 's/^data: //')
    if [ "$(grep '^data: ' "$f" | tail -1)" != "data: [DONE]" ] \
      || ! jq -e . <<<"$chunks" >/dev/null 2>&1 \
      || [ "$(jq -r .id <<<"$chunks" | sort -u | wc -l)" != 1 ] \
      || [ "$(jq -r '.usage.completion_tokens // empty' <<<"$chunks")" != "$TOKENS" ] \
      || [ "$(jq -r '.choices[0].finish_reason // empty' <<<"$chunks")" != length ]; then
      echo "corrupt or incomplete stream: round $round request $i"; bad=$((bad + 1))
    fi
  done
  now=$(rss)
  [ "$round" = 1 ] && rss_first=$now
  rss_last=$now
  echo "round $round: $N streams in ${seconds}s ($(echo "$N * $TOKENS / $seconds" | bc) tok/s total), RSS $now MiB"
done
growth=$((rss_last - rss_first))
echo "RSS after round 1: $rss_first MiB, after round $ROUNDS: $rss_last MiB (growth $growth MiB)"
[ "$bad" = 0 ] || { echo "FAIL: $bad bad streams"; exit 1; }
[ "$growth" -le 32 ] || { echo "FAIL: memory grew by $growth MiB"; exit 1; }
echo "$((N * ROUNDS)) passed, 0 failed"
