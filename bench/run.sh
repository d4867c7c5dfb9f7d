#!/usr/bin/env bash
# `make bench`: every benchmark, one thread, printed as markdown for
# bench/README.md. Ratios are against baselines measured in the same run.
# `bash bench/run.sh waveform` runs only the waveform encoder's section;
# ACCEL=PATH times another waveform model file (default: the shipped one).
set -euo pipefail
cd "$(dirname "$0")/.."
B=build
WT="$B/pyvenv/bin/python wasi/run_wasmtime.py"
REPS=${REPS:-3}

echo "# wearfm benchmark run"
echo
echo "- date: $(date -u +%Y-%m-%d)"
echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB"
echo "- node $(node --version), wasmtime (PyPI) $($B/pyvenv/bin/python -c 'import importlib.metadata as m; print(m.version("wasmtime"))')"
echo

if [ "${1:-all}" = all ]; then
echo "## GEMM, native (one thread)"
$B/native/bench_gemm
echo
echo "## GEMM, wasm simd128 under Node (one thread)"
node --no-warnings wasi/run.mjs $B/wasi/bench_gemm.wasm
echo

[ -f $B/bench-paper.safetensors ] || $B/native/bench_model --write $B/bench-paper.safetensors
echo "## Paper-config day embedding, native (one thread)"
$B/native/bench_model $B/bench-paper.safetensors "$REPS"
echo
echo "## Paper-config day embedding, WASI under wasmtime"
$WT $B/wasi/bench_model.wasm $B/bench-paper.safetensors "$REPS"
echo
echo "## Paper-config day embedding, WASI under Node (fixed 240 MiB memory)"
node --no-warnings wasi/run.mjs $B/wasi/bench_model_fixedmem.wasm $B/bench-paper.safetensors "$REPS"
echo
echo "## Logistic probe fit, 10,000 x 384 (native, WASI under Node)"
$B/native/bench_probe
node --no-warnings wasi/run.mjs $B/wasi/bench_probe.wasm
echo
fi

# The accelerometer waveform encoder: the shipped model if it is there, else
# a random one of the same shape written once (the C bench and PyTorch must
# time the same file), on the same windows.
ACCEL=${ACCEL:-models/wearfm-accel-wesad.safetensors}
if [ ! -f $ACCEL ]; then
  echo "($ACCEL is not there: a random model of the same shape)"
  ACCEL=$B/bench-accel.safetensors
  [ -f $ACCEL ] || $B/native/bench_waveform --write $ACCEL
fi
WREPS=${WREPS:-10}
$B/native/bench_waveform --windows $B/bench-accel-windows.f32 64 > /dev/null
echo "## Accelerometer waveform encoder, 30-s windows, native (one thread)"
$B/native/bench_waveform $ACCEL "$WREPS" | tee $B/bench-waveform-native.txt
echo
echo "## Accelerometer waveform encoder, WASI under wasmtime"
$WT $B/wasi/bench_waveform.wasm $ACCEL "$WREPS" | tee $B/bench-waveform-wasmtime.txt
echo
echo "## Accelerometer waveform encoder, WASI under Node"
node --no-warnings wasi/run.mjs $B/wasi/bench_waveform.wasm $ACCEL "$WREPS" | tee $B/bench-waveform-node.txt
echo
echo "## Accelerometer waveform encoder, PyTorch reference (tools/waveform_ref.py, one thread)"
/usr/bin/python3 bench/bench_waveform_torch.py $ACCEL $B/bench-accel-windows.f32 --reps 5 \
  --c native=$B/bench-waveform-native.txt --c "WASI, wasmtime"=$B/bench-waveform-wasmtime.txt \
  --c "WASI, Node"=$B/bench-waveform-node.txt
