#!/usr/bin/env bash
# Soak test of grove serve on loopback (demo model unless MODEL is set): 16 clients mixing good requests, bad JSON,
# oversized bodies, disconnects and cancellations for SECONDS (600 for the record, shorter in any test).
# Usage: serve-soak.sh [SECONDS=60] [CLIENTS=16] [PARALLEL=4] [TOKENS=16]
SECONDS_TO_RUN=${1:-60} CLIENTS=${2:-16} P=${3:-4} TOKENS=${4:-16}
source "$(dirname "$0")/serve-common.sh" --parallel "$P" --max-body-kb 64 --max-queue 64 --quiet ${MODEL:+-m "$MODEL"}
python3 "$(dirname "$0")/serve-soak.py" "$BASE" "$KEY" "$GROVE_PID" "$SECONDS_TO_RUN" "$CLIENTS" "$TOKENS" 1000000 65536
