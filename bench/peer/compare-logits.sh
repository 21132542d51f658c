#!/usr/bin/env bash
# Compares our logits with llama.cpp's on GroveMoE GGUF files, one table row per file.
# usage: compare-logits.sh [--generate] DIR_OR_FILES...
#   --generate DIR  first writes tiny/small x F32/F16/Q8_0/Q4_0 x group_scale 0/0.05 synthetic files into DIR
# env: PEER_BIN (default <repo>/.peer/build/bin, holds llama-logits), GROVE (our CLI binary; built when unset),
#      TOKENS (comma-separated prompt), THREADS (default 2),
#      NOISE=1 adds two rows per file: llama.cpp and ours against llama.cpp on the file dequantized to F32, i.e.
#      each engine's own activation-quantization drift, the yardstick for the engine-to-engine row.
# Reference = llama.cpp. With group_scale 0 the two should agree to quantization noise; with 0.05 they
# differ by design (llama.cpp's adjugate path departs from the authors, see shared spec).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
peer_bin="${PEER_BIN:-$repo/.peer/build/bin}"
tokens="${TOKENS:-17,940,3,1500,42,7,2047,256,1024,88,600,1999,5,321,1234,77}"
threads="${THREADS:-2}"

if [ "${1:-}" = "--generate" ]; then
    dir="${2:?--generate needs a directory}"
    mkdir -p "$dir"
    for preset in tiny small; do
        for type in F32 F16 Q8_0 Q4_0; do
            for scale in 0 0.05; do
                file="$dir/$preset-$type-gs$scale.gguf"
                [ -f "$file" ] || nice dotnet run "$here/make-synthetic.cs" -- "$preset" "$type" "$scale" "$file"
            done
        done
    done
    shift 2
    set -- "$dir" "$@"
fi
[ $# -gt 0 ] || { echo "usage: compare-logits.sh [--generate DIR] DIR_OR_FILES..." >&2; exit 1; }
[ -x "$peer_bin/llama-logits" ] || { echo "compare-logits: no $peer_bin/llama-logits (run build-llama.sh)" >&2; exit 1; }

if [ -z "${GROVE:-}" ]; then
    nice dotnet build "$repo/src/GroveMoE.Cli/GroveMoE.Cli.csproj" -c Release -v quiet -nologo >/dev/null
    GROVE="$repo/src/GroveMoE.Cli/bin/Release/net10.0/grove"
fi

files=()
for arg in "$@"; do
    if [ -d "$arg" ]; then files+=("$arg"/*.gguf); else files+=("$arg"); fi
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf '%-28s %4s %10s %9s %10s %9s\n' file rows 'max|d|' 'max|ref|' 'rel' argmax
for file in "${files[@]}"; do
    name="$(basename "$file" .gguf)"
    "$peer_bin/llama-logits" "$file" "$tokens" "$work/peer.npy" "$threads"
    "$GROVE" logits --model "$file" --tokens "$tokens" --threads "$threads" --out "$work/ours.npy" >"$work/grove.log" 2>&1 \
        || { cat "$work/grove.log" >&2; exit 1; }
    python3 "$here/compare-npy.py" "$work/peer.npy" "$work/ours.npy" "$name"
    if [ "${NOISE:-0}" = 1 ]; then
        nice dotnet run "$here/dequantize-to-f32.cs" -- "$file" "$work/f32.gguf"
        "$peer_bin/llama-logits" "$work/f32.gguf" "$tokens" "$work/f32.npy" "$threads"
        python3 "$here/compare-npy.py" "$work/f32.npy" "$work/peer.npy" "  llama.cpp vs f32-dequant"
        python3 "$here/compare-npy.py" "$work/f32.npy" "$work/ours.npy" "  ours vs f32-dequant"
        rm -f "$work/f32.gguf"
    fi
done
