#!/usr/bin/env bash
# End to end in seconds: the AIM trainer (and the naive ablation) on the
# bundled real sample -> safetensors -> the C core (native and WASI), which
# must match PyTorch on that model; then the evaluation runs on it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
W=build/train-smoke
rm -rf $W && mkdir -p $W/data
# Two "users" from the sample's three days, so the by-user split has both sides.
{ head -1 "$SAMPLE"; sed -n '2,2881p' "$SAMPLE"; } > $W/data/1000000001.csv
{ head -1 "$SAMPLE"; sed -n '2882,4321p' "$SAMPLE"; } > $W/data/1000000002.csv
TINY=(--threads 1 --steps 12 --batch 4 --eval-every 6 --enc-dim 32 --enc-layers 1 --enc-heads 2 --dec-dim 16 --dec-layers 1 --dec-heads 2
      --anchor cross_channel --edge-tau 10)  # the shipped recipe's fill rules
/usr/bin/python3 tools/train.py --data $W/data --out $W/aim.safetensors "${TINY[@]}"
/usr/bin/python3 tools/train.py --data $W/data --out $W/naive.safetensors --naive "${TINY[@]}"
build/native/wearfm info $W/aim.safetensors | head -3
/usr/bin/python3 tests/parity/parity.py --workdir $W/parity --only model \
  --model-file $W/aim.safetensors --input-csv "$SAMPLE" \
  --wearfm build/native/wearfm --wearfm "node --no-warnings wasi/run.mjs build/wasi/wearfm.wasm"
/usr/bin/python3 tools/evaluate.py --smoke --data $W/data --model $W/aim.safetensors --naive $W/naive.safetensors \
  --wearfm build/native/wearfm --json $W/eval.json | tail -3
test -s $W/eval.json
