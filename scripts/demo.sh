#!/usr/bin/env bash
# `make demo`: the shipped model fills the gaps of a bundled real sample,
# natively and under WASI, and reports what it did.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
MODEL=$SHIPPED_MODEL
OUT=build/demo
mkdir -p $OUT

echo "== wearfm demo"
echo "sample: $SAMPLE"
echo "        3 real days of Fitabase participant 4020332650 (Furberg et al. 2016, Zenodo 53894, CC BY 4.0)"
echo "model:  $MODEL"
if build/native/wearfm info "$MODEL" --format json | grep -q '"provenance": *"UNTRAINED'; then
  echo
  echo "  *** NOTE: this model is RANDOMLY INITIALISED (untrained). The fills below show the"
  echo "  *** runtime working end to end, not meaningful predictions. A trained model replaces it."
fi
card="${MODEL%.safetensors}.md"
[ -f "$card" ] && echo "card:   $card (data, split, training cost, evaluation against baselines)"
echo
build/native/wearfm info "$MODEL"

echo
echo "== native: impute + embed"
build/native/wearfm impute "$MODEL" "$SAMPLE" -o $OUT/imputed.native.csv
build/native/wearfm embed "$MODEL" "$SAMPLE" -q -o $OUT/embeddings.native.csv
echo "wrote $OUT/imputed.native.csv and $OUT/embeddings.native.csv ($(($(wc -l < $OUT/embeddings.native.csv) - 1)) day embeddings)"

echo
echo "== WASI (node:wasi): the same, from stdin, as a gateway would run it"
node --no-warnings wasi/run.mjs build/wasi/wearfm.wasm impute "$MODEL" - -q -o $OUT/imputed.wasi.csv < "$SAMPLE"
echo "wrote $OUT/imputed.wasi.csv"
echo "   (with the wasmtime CLI: wasmtime run --dir . build/wasi/wearfm.wasm impute $MODEL - < $SAMPLE)"

echo
echo "== gaps and fills"
python3 tools/demo_report.py $OUT/imputed.native.csv $OUT/imputed.wasi.csv $OUT
