#!/usr/bin/env bash
# Constrained vs free decoding speed of `grove run` on one file, alternating, several seeds and rounds.
# Usage: bench/grammar/constrained-speed.sh MODEL [ROUNDS] [MODES]   (run under `flock -x /work/quiet.lock`)
# MODES: free, schema (bench/grammar/person-schema.json), json (--json); GROVE=path/to/grove picks the binary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
grove=${GROVE:-$here/../../src/GroveMoE.Cli/bin/Release/net10.0/grove}
model=$1; rounds=${2:-3}; modes=${3:-free schema json}
run() { # mode seed -> generation t/s
  local extra=()
  case $1 in schema) extra=(--json-schema "$here/person-schema.json");; json) extra=(--json);; esac
  "$grove" run --model "$model" -p "Describe a person" -n 48 -v --seed "$2" "${extra[@]}" 2>&1 >/dev/null \
    | sed -n 's/.*generation \([0-9]*\) tok: \([0-9.]*\) t\/s.*/\1 \2/p'
}
for round in $(seq 1 "$rounds"); do
  for seed in 1 2; do
    for mode in $modes; do
      echo "round $round seed $seed $mode $(run $mode $seed)"
    done
  done
done
