#!/usr/bin/env bash
# Every training run of the accelerometer evaluation and the shipped models,
# in the order the evaluation needs them; a finished run is kept (rerun = resume).
#   bash tools/accel_pipeline.sh [OUT=build/accel]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-build/accel}
PY=${PY:-/usr/bin/python3}
mkdir -p "$OUT/logs"
run() { # run NAME ARGS...: trains unless NAME.safetensors exists
  local name=$1; shift
  [ -f "$OUT/$name.safetensors" ] && { echo "kept $name"; return; }
  echo "train $name: $*"
  $PY tools/accel_train.py "$@" --out "$OUT/$name.tmp.safetensors" --log "$OUT/logs/$name.jsonl" \
    > "$OUT/logs/$name.out" 2>&1
  [ -f "$OUT/$name.tmp.safetensors.head.pt" ] && mv "$OUT/$name.tmp.safetensors.head.pt" "$OUT/$name.safetensors.head.pt"
  mv "$OUT/$name.tmp.safetensors" "$OUT/$name.safetensors"
}
fold() { # the four runs of one fold
  run teacher-fold$1 --role teacher --fold $1
  run student-fold$1 --role student --fold $1 --teacher "$OUT/teacher-fold$1.safetensors"
  run ssl-fold$1 --role ssl --fold $1
  run supervised-fold$1 --role supervised --fold $1
}
fold 0
# the shipped models: the same recipe on all 15 subjects
run teacher-all --role teacher --fold all
run student-all --role student --fold all --teacher "$OUT/teacher-all.safetensors"
fold 1
fold 2
# augmentation ablations of the student
for f in 0 1 2; do
  run student-noaug-fold$f --role student --fold $f --teacher "$OUT/teacher-fold$f.safetensors" --aug none
  run student-norotate-fold$f --role student --fold $f --teacher "$OUT/teacher-fold$f.safetensors" --aug scale,noise,warp,drop
done
echo "pipeline done"
