#!/usr/bin/env bash
# `make demo`: the shipped model fills the gaps of 3 real days of a person it
# never saw in training, natively and under WASI. Stretches of recorded data
# are hidden from it, so its fills can be judged against the truth and
# against linear interpolation, in numbers and in one picture per day.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
MODEL=$SHIPPED_MODEL
PERSON=4388161847
DEMO_SAMPLE=${DEMO_SAMPLE:-data/sample/fitabase_$PERSON.csv}   # scripts/make_sample.sh regenerates it
OUT=build/demo
rm -rf $OUT && mkdir -p $OUT

echo "== wearfm demo"
echo "sample: $DEMO_SAMPLE"
echo "        3 real days of Fitabase participant $PERSON (Furberg et al. 2016, Zenodo 53894, CC BY 4.0)"
echo "model:  $MODEL"
if build/native/wearfm info "$MODEL" --format json | grep -q '"provenance": *"UNTRAINED'; then
  echo
  echo "  *** NOTE: this model is RANDOMLY INITIALISED (untrained). The fills below show the"
  echo "  *** runtime working end to end, not meaningful predictions. A trained model replaces it."
fi
card="${MODEL%.safetensors}.md"
[ -f "$card" ] && echo "card:   $card (data, split, training cost, evaluation against baselines)"
build/native/wearfm info "$MODEL" --format json > $OUT/model.json

echo
echo "== hiding recorded stretches from the model (the truth is kept for scoring)"
python3 tools/demo_report.py mask "$DEMO_SAMPLE" $OUT
echo "wrote $OUT/masked.csv (the sample with those minutes emptied) and $OUT/hidden.json"

echo
echo "== native: impute + embed"
build/native/wearfm impute "$MODEL" $OUT/masked.csv -q -o $OUT/imputed.native.csv
build/native/wearfm embed "$MODEL" $OUT/masked.csv -q -o $OUT/embeddings.native.csv
echo "wrote $OUT/imputed.native.csv and $OUT/embeddings.native.csv ($(($(wc -l < $OUT/embeddings.native.csv) - 1)) day embeddings)"

echo
echo "== WASI (node:wasi): the same, from stdin, as a gateway would run it"
node --no-warnings wasi/run.mjs build/wasi/wearfm.wasm impute "$MODEL" - -q -o $OUT/imputed.wasi.csv < $OUT/masked.csv
echo "wrote $OUT/imputed.wasi.csv"
echo "   (with the wasmtime CLI: wasmtime run --dir . build/wasi/wearfm.wasm impute $MODEL - < $OUT/masked.csv)"

echo
echo "== the model's fills against the truth and against linear interpolation"
python3 tools/demo_report.py report "$DEMO_SAMPLE" $OUT --person $PERSON --bands "${MODEL%.safetensors}.fill-bands.json"
if command -v rsvg-convert >/dev/null; then
  for f in $OUT/day-*.svg; do rsvg-convert "$f" -o "${f%.svg}.png"; done
  echo "and the same as PNG: $OUT/day-*.png"
fi

echo
echo "== the accelerometer model distilled from PPG: heart rate and activity from a watch's motion"
ACC_SAMPLE=tests/data/wisdm/walking.csv
echo "sample: $ACC_SAMPLE, 60 s of WISDM participant 1600 walking (Weiss, UCI 2019, CC BY 4.0; m/s2 at 20 Hz)"
echo "model:  $ACCEL_MODEL (card: models/wearfm-accel-wesad.md; how good it is on unseen people is there, not here:"
echo "        this person is in the activity probe's training data, and WISDM has no heart rate to compare with)"
build/native/wearfm hr "$ACCEL_MODEL" "$ACCEL_HR_PROBE" $ACC_SAMPLE --unit m/s2 -q -o $OUT/accel-hr.native.csv
node --no-warnings wasi/run.mjs build/wasi/wearfm.wasm hr "$ACCEL_MODEL" "$ACCEL_HR_PROBE" $ACC_SAMPLE --unit m/s2 -q \
  -o $OUT/accel-hr.wasi.csv
build/native/wearfm embed "$ACCEL_MODEL" $ACC_SAMPLE --unit m/s2 -q -o $OUT/accel-embeddings.csv
build/native/wearfm probe predict "$ACCEL_ACTIVITY_PROBE" $OUT/accel-embeddings.csv --model "$ACCEL_MODEL" -q \
  -o $OUT/accel-activity.csv
table() { awk -F, '{ line = "  "; for (i = 1; i <= NF; i++) line = line sprintf("%-26s", $i); print line }'; }
echo "heart rate per 30-s window (native; the WASI run is in $OUT/accel-hr.wasi.csv):"
table < $OUT/accel-hr.native.csv
echo "activity per window (the probe's most likely class):"
cut -d, -f1-2 $OUT/accel-activity.csv | table
