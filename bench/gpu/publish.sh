#!/usr/bin/env bash
# Self-contained, trimmed linux-x64 build of the grove CLI with the ILGPU offload, runnable without the .NET SDK.
# ILGPU reads its kernels' IL and its own intrinsics through reflection, so it and the kernel assembly are kept
# whole (trimmer roots) while the rest of the framework is trimmed.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:-bench/gpu/publish}"
dotnet publish src/GroveMoE.Cli/GroveMoE.Cli.csproj -c Release -r linux-x64 --self-contained true \
  -p:PublishTrimmed=true -p:TrimMode=partial -p:TrimmerSingleWarn=true \
  -p:TreatWarningsAsErrors=false -p:DebugType=none -o "$out"
size=$(du -sm "$out" | cut -f1)
echo "published to $out: ${size} MiB"
if [ "$size" -ge 64 ]; then echo "error: the publish is ${size} MiB, over the 64 MiB limit" >&2; exit 1; fi
