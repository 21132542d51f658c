#!/usr/bin/env bash
# Prompt processing (pp64) and generation (tg32) speed of llama.cpp and our runtime on one GGUF file.
# usage: compare-speed.sh MODEL.gguf
# env: PEER_BIN (default <repo>/.peer/build/bin, holds llama-bench), GROVE (our CLI binary; built when unset),
#      THREADS (default 2), PROMPT (64), GENERATE (32), REPS (3)
# Our row is skipped with a note when this checkout's grove has no bench command.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
peer_bin="${PEER_BIN:-$repo/.peer/build/bin}"
model="${1:?usage: compare-speed.sh MODEL.gguf}"
threads="${THREADS:-2}" prompt="${PROMPT:-64}" generate="${GENERATE:-32}" reps="${REPS:-3}"
[ -f "$model" ] || { echo "compare-speed: no such file: $model" >&2; exit 1; }
[ -x "$peer_bin/llama-bench" ] || { echo "compare-speed: no $peer_bin/llama-bench (run build-llama.sh)" >&2; exit 1; }

if [ -z "${GROVE:-}" ]; then
    nice dotnet build "$repo/src/GroveMoE.Cli/GroveMoE.Cli.csproj" -c Release -v quiet -nologo >/dev/null
    GROVE="$repo/src/GroveMoE.Cli/bin/Release/net10.0/grove"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$peer_bin/llama-bench" -m "$model" -p "$prompt" -n "$generate" -t "$threads" -r "$reps" -o json >"$work/llama.json" 2>"$work/llama.log" \
    || { cat "$work/llama.log" >&2; exit 1; }
has_grove_bench=0
if "$GROVE" bench --help >/dev/null 2>&1; then
    has_grove_bench=1
    "$GROVE" bench --model "$model" --threads "$threads" --prompt "$prompt" --generate "$generate" \
        --repetitions "$reps" --json >"$work/grove.json"
fi

python3 - "$work/llama.json" "$work/grove.json" "$has_grove_bench" "$prompt" "$generate" <<'PY'
import json, sys
llama_path, grove_path, has_grove, prompt, generate = sys.argv[1:]
print(f"{'engine':<10} {'test':<6} {'t/s':>9} {'± sd':>8}")
for run in json.load(open(llama_path)):
    test = f"pp{run['n_prompt']}" if run["n_prompt"] else f"tg{run['n_gen']}"
    print(f"{'llama.cpp':<10} {test:<6} {run['avg_ts']:>9.2f} {run['stddev_ts']:>8.2f}")
if has_grove == "1":
    ours = json.load(open(grove_path))
    if ours.get("n_prompt"):
        print(f"{'grove':<10} {'pp' + prompt:<6} {ours['pp_tps']:>9.2f} {ours['pp_sd']:>8.2f}")
    if ours.get("n_gen"):
        print(f"{'grove':<10} {'tg' + generate:<6} {ours['tg_tps']:>9.2f} {ours['tg_sd']:>8.2f}")
else:
    print("grove      (no 'grove bench' in this checkout: llama.cpp only)")
PY
