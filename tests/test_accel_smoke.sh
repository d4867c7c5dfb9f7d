#!/usr/bin/env bash
# The accelerometer pipeline end to end in seconds, on real WESAD windows
# (../shared/data/wesad): teacher -> distilled student, both baselines ->
# safetensors -> the evaluation (retrieval, heart-rate, stress and WISDM
# activity probes through the C core's CLI).
set -euo pipefail
cd "$(dirname "$0")/.."
W=build/accel-smoke
rm -rf $W && mkdir -p $W
TINY=(--steps 3 --batch 16 --limit-windows 64 --threads 1)
PY=/usr/bin/python3
$PY tools/accel_train.py --role teacher --fold 0 --out $W/teacher-fold0.safetensors "${TINY[@]}"
$PY tools/accel_train.py --role student --fold 0 --teacher $W/teacher-fold0.safetensors \
  --out $W/student-fold0.safetensors "${TINY[@]}"
$PY tools/accel_train.py --role ssl --fold 0 --out $W/ssl-fold0.safetensors "${TINY[@]}"
$PY tools/accel_train.py --role supervised --fold 0 --out $W/supervised-fold0.safetensors "${TINY[@]}"
$PY tools/accel_eval.py --quick --ablation-folds "" --runs $W --folds 0 --out $W/eval.json --wearfm build/native/wearfm | tail -5
$PY - $W/eval.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["retrieval"]["student"]["100"]["top1"] >= 0, r["retrieval"]
for task in ("heart_rate", "stress", "activity"):
    assert len(r[task]) >= 4, (task, list(r[task]))
assert r["heart_rate"]["student pooled"]["n"] > 100
print("accel smoke: ok")
PY
