#!/usr/bin/env bash
# Brings each library's PublicAPI.Unshipped.txt up to date with its public surface (Microsoft.CodeAnalysis.PublicApiAnalyzers):
# adds what RS0016 reports as new, removes what RS0017 reports as gone. Review the diff: it is the API change you made.
# usage: src/update-public-api.sh
set -euo pipefail
cd "$(dirname "$0")/.."
for project in src/GroveMoE.Cpu src/GroveMoE.Cpu.Conversion src/GroveMoE.Cpu.GpuOffload; do
  log=$(mktemp)
  dotnet build "$project" -c Release -p:TreatWarningsAsErrors=false --no-incremental >"$log" 2>&1 || { cat "$log"; exit 1; }
  python3 - "$project" "$log" <<'PY'
import re, sys
project, log = sys.argv[1], sys.argv[2]
name = project.rsplit('/', 1)[1]
text = open(log, encoding='utf-8').read()
mine = lambda code: {m for m in re.findall(code + r": Symbol '(.+?)' is (?:not )?part of the declared (?:public )?API.*?\[.*?/" + re.escape(name) + r"\.csproj\]", text)}
added, removed = mine('RS0016'), mine('RS0017')
path = f'{project}/PublicAPI.Unshipped.txt'
lines = [l for l in open(path, encoding='utf-8').read().splitlines() if l and l != '#nullable enable']
lines = sorted((set(lines) | added) - removed, key=str.lower)
open(path, 'w', encoding='utf-8').write('#nullable enable\n' + ''.join(l + '\n' for l in lines))
print(f'{path}: +{len(added)} -{len(removed)}')
PY
  rm -f "$log"
done
