#!/usr/bin/env bash
# Logits of llama.cpp and of grove on the same quantized files, each against the float64 reference forward pass
# on the weights the file holds (reference-logits.cs): which engine stays closer to the file's exact semantics.
# usage: compare-kquant-logits.sh FILES...   (use group_scale 0 files: at 0.05 llama.cpp departs from the authors by design)
# env: LLAMA_LOGITS (llama-logits binary), GROVE (our CLI; built when unset), TOKENS, THREADS (default 2)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
llama="${LLAMA_LOGITS:?set LLAMA_LOGITS to a llama-logits binary (build-llama.sh builds one)}"
tokens="${TOKENS:-17,940,3,1500,42,7,2047,256,1024,88,600,1999,5,321,1234,77}"
threads="${THREADS:-2}"
if [ -z "${GROVE:-}" ]; then
    nice dotnet build "$repo/src/GroveMoE.Cli/GroveMoE.Cli.csproj" -c Release -v quiet -nologo >/dev/null
    GROVE="$repo/src/GroveMoE.Cli/bin/Release/net10.0/grove"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf '%-28s %4s %10s %9s %10s %10s %9s\n' file rows 'max|d|' 'max|ref|' 'rel' 'rms rel' argmax
for file in "$@"; do
    name="$(basename "$file" .gguf)"
    nice dotnet run "$here/reference-logits.cs" -- "$file" "$tokens" "$work/ref.npy"
    # No repacked/AMX buffers: see llama-logits.c (SIGILL on CPUs that report AMX without granting tile state).
    LLAMA_NO_EXTRA_BUFTS="${LLAMA_NO_EXTRA_BUFTS:-1}" "$llama" "$file" "$tokens" "$work/peer.npy" "$threads"
    "$GROVE" logits --model "$file" --tokens "$tokens" --threads "$threads" --out "$work/ours.npy" >"$work/grove.log" 2>&1 \
        || { cat "$work/grove.log" >&2; exit 1; }
    python3 "$here/compare-npy.py" "$work/ref.npy" "$work/peer.npy" "$name llama.cpp"
    python3 "$here/compare-npy.py" "$work/ref.npy" "$work/ours.npy" "$name grove"
done
