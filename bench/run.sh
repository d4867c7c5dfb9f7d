#!/usr/bin/env bash
# `make bench`: every benchmark, one thread, printed as markdown for
# bench/README.md. Ratios are against baselines measured in the same run.
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
