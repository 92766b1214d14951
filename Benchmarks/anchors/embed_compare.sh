#!/usr/bin/env bash
# EmbedBench and the numpy anchor on the same sentences, back to back (one "run" for ratios).
# usage (from Benchmarks/): anchors/embed_compare.sh <model-dir> <sentences.txt> [count=500]
set -euo pipefail
M=${1:?model dir}; Q=${2:?sentences}; N=${3:-500}
swift build -c release --product EmbedBench >/dev/null
uptime
echo "--- Swift, 2 threads";            ./.build/release/EmbedBench "$M" "$Q" "$N" 64 200 2
echo "--- numpy, OpenBLAS default threads"; python3 anchors/minilm_numpy.py "$M" "$Q" "$N" 64 100
echo "--- Swift, 1 thread";             ./.build/release/EmbedBench "$M" "$Q" "$N" 64 200 1 | tail -3
echo "--- numpy, 1 thread";             OPENBLAS_NUM_THREADS=1 python3 anchors/minilm_numpy.py "$M" "$Q" "$N" 64 100
uptime
