#!/usr/bin/env bash
# Builds the llama.cpp peer (libllama, llama-bench, llama-completion) and our llama-logits probe.
# usage: build-llama.sh BUNDLE_OR_SOURCE_DIR [OUT_DIR]
#   BUNDLE_OR_SOURCE_DIR  a llama.cpp git bundle (e.g. node-llama-cpp's llama/gitRelease.bundle) or a checkout
#   OUT_DIR               defaults to <repo>/.peer (git-ignored); binaries land in OUT_DIR/build/bin
# env: PEER_SRC / PEER_BUILD override OUT_DIR/src and OUT_DIR/build; JOBS (default 2).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
source_arg="${1:?usage: build-llama.sh BUNDLE_OR_SOURCE_DIR [OUT_DIR]}"
out="${2:-$repo/.peer}"
src="${PEER_SRC:-$out/src}"
build="${PEER_BUILD:-$out/build}"
jobs="${JOBS:-2}"

mkdir -p "$out"
if [ -d "$source_arg/ggml" ]; then
    src="$(cd "$source_arg" && pwd)"
elif [ ! -d "$src/ggml" ]; then
    git clone --quiet "$source_arg" "$src"
fi

cmake -S "$src" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DGGML_NATIVE=ON \
    -DLLAMA_CURL=OFF \
    -DLLAMA_OPENSSL=OFF \
    -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_SERVER=OFF \
    -DLLAMA_BUILD_APP=OFF \
    -DLLAMA_BUILD_TOOLS=ON

nice cmake --build "$build" --config Release -j "$jobs" --target llama llama-bench llama-completion

nice cc -O2 -std=c11 -Wall -Wextra -o "$build/bin/llama-logits" "$here/llama-logits.c" \
    -I"$src/include" -I"$src/ggml/include" \
    -L"$build/bin" -lllama -lggml -lggml-base -Wl,-rpath,"$build/bin"

echo "peer binaries: $build/bin (llama-bench, llama-completion, llama-logits)"
