#!/usr/bin/env bash
# Every training run of the accelerometer evaluation and the shipped models.
#   bash tools/accel_pipeline.sh [OUT [RUN...]]     (default OUT=build/accel, every run)
# A finished run is kept, so a rerun resumes. Runs may be shared between
# several workers (e.g. two with THREADS=1 on a 2-core machine, which is
# faster in total than one with 2 threads): a run is claimed by creating
# OUT/claims/NAME (with the worker's pid), and a worker skips runs another
# live worker has claimed.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-build/accel}
shift || true
PY=${PY:-/usr/bin/python3}
THREADS=${THREADS:-2}
mkdir -p "$OUT/logs" "$OUT/claims"

args_of() { # the trainer's arguments of a run, by its name
  local name=$1 fold=${1##*-fold}
  [ "$fold" = "$name" ] && fold=${name##*-}  # teacher-all, student-all
  local teacher="$OUT/teacher-fold$fold.safetensors"
  [ "$fold" = all ] && teacher="$OUT/teacher-all.safetensors"
  case $name in
    teacher-*) echo "--role teacher --fold $fold" ;;
    student-noaug-*) echo "--role student --fold $fold --teacher $teacher --aug none" ;;
    student-norotate-*) echo "--role student --fold $fold --teacher $teacher --aug scale,noise,warp,drop" ;;
    student-*) echo "--role student --fold $fold --teacher $teacher" ;;
    ssl-*) echo "--role ssl --fold $fold" ;;
    supervised-*) echo "--role supervised --fold $fold" ;;
    *) echo "unknown run $name" >&2; return 1 ;;
  esac
}

run() { # trains NAME unless it exists or another worker claimed it
  local name=$1
  [ -f "$OUT/$name.safetensors" ] && { echo "kept $name"; return; }
  # A claim holds its worker's pid; a claim whose worker is gone (killed,
  # or a session that ended) is stale and taken over.
  local claim="$OUT/claims/$name"
  if ! mkdir "$claim" 2>/dev/null; then
    local pid; pid=$(cat "$claim/pid" 2>/dev/null || true)
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "claimed by worker $pid: $name"; return; fi
    echo "taking over the stale claim of $name"
  fi
  echo $$ > "$claim/pid"
  local a; a=$(args_of "$name")
  case $name in student-*) # its teacher may still be training in another worker
    local t; t=$(echo "$a" | sed 's/.*--teacher \([^ ]*\).*/\1/')
    while [ ! -f "$t" ]; do sleep 30; done ;;
  esac
  echo "train $name: $a ($(date -u +%H:%M))"
  # shellcheck disable=SC2086
  $PY tools/accel_train.py $a --threads "$THREADS" --out "$OUT/$name.tmp.safetensors" \
    --log "$OUT/logs/$name.jsonl" > "$OUT/logs/$name.out" 2>&1
  [ -f "$OUT/$name.tmp.safetensors.head.pt" ] && mv "$OUT/$name.tmp.safetensors.head.pt" "$OUT/$name.safetensors.head.pt"
  mv "$OUT/$name.tmp.safetensors" "$OUT/$name.safetensors"
}

ALL=()
for f in 0 1 2; do ALL+=(teacher-fold$f student-fold$f ssl-fold$f supervised-fold$f); done
ALL+=(teacher-all student-all)
for f in 0 1 2; do ALL+=(student-noaug-fold$f student-norotate-fold$f); done
RUNS=("$@")
[ ${#RUNS[@]} -eq 0 ] && RUNS=("${ALL[@]}")
for r in "${RUNS[@]}"; do run "$r"; done
echo "pipeline done"
