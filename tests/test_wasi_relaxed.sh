#!/usr/bin/env bash
# The relaxed-SIMD WASI build (make wasi-relaxed; README.md,
# "Relaxed SIMD"): its kernel tests under V8 with relaxed SIMD and under
# wasmtime, its outputs within 1e-5 of the SIMD128 build's on the shipped
# model and the sample day, and which binary each runner loads.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
W=build/wasi-relaxed-test
mkdir -p $W
NODE_RELAXED=(node --no-warnings --experimental-wasm-relaxed-simd)
WT="build/pyvenv/bin/python wasi/run_wasmtime.py"
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { # check NAME CMD...: exit 0 wanted
  local name=$1; shift
  if "$@" > $W/out 2> $W/err; then ok "$name"; else bad "$name: exit $?"; tail -5 $W/out $W/err; fi
}

make -s wasi-relaxed || { echo "FAIL make wasi-relaxed"; exit 1; }
R=build/wasi-relaxed
# every kernel set of the binary against scalar (the relaxed one is listed first)
for t in test_gemm test_ops test_attention test_model; do
  check "$t.wasm, V8 with relaxed SIMD" "${NODE_RELAXED[@]}" wasi/run.mjs $R/$t.wasm
  check "$t.wasm, wasmtime" env WFM_WASM_RELAXED=1 $WT $R/$t.wasm
done
"${NODE_RELAXED[@]}" wasi/run.mjs $R/test_gemm.wasm 2>&1 | grep -q "kernel set wasm_relaxedsimd (4x8)" &&
  ok "the relaxed build lists its relaxed kernel set" || bad "no wasm_relaxedsimd kernel set in test_gemm's registry"

# which binary the runners load
shows() { # shows NAME WANT CMD...: stderr names the binary WANT
  local name=$1 want=$2; shift 2
  WFM_WASM_SHOW_BINARY=1 "$@" --version > /dev/null 2> $W/err
  grep -q "loading build/wasi/$want\$" $W/err && ok "$name" || { bad "$name: $(cat $W/err)"; }
}
shows "node with relaxed SIMD loads wearfm.relaxed.wasm" wearfm.relaxed.wasm "${NODE_RELAXED[@]}" wasi/run.mjs build/wasi/wearfm.wasm
shows "node without it loads wearfm.wasm" wearfm.wasm node --no-warnings wasi/run.mjs build/wasi/wearfm.wasm
shows "WFM_WASM_RELAXED=0 keeps wearfm.wasm" wearfm.wasm env WFM_WASM_RELAXED=0 "${NODE_RELAXED[@]}" wasi/run.mjs build/wasi/wearfm.wasm
shows "wasmtime keeps wearfm.wasm by default" wearfm.wasm $WT build/wasi/wearfm.wasm
shows "wasmtime with WFM_WASM_RELAXED=1 loads wearfm.relaxed.wasm" wearfm.relaxed.wasm env WFM_WASM_RELAXED=1 $WT build/wasi/wearfm.wasm

# outputs: relaxed (fused multiply-adds) vs SIMD128 on the shipped model
for cmd in embed impute; do
  node --no-warnings wasi/run.mjs build/wasi/wearfm.wasm $cmd "$SHIPPED_MODEL" "$SAMPLE" -q -o $W/$cmd-simd128.csv
  "${NODE_RELAXED[@]}" wasi/run.mjs build/wasi/wearfm.wasm $cmd "$SHIPPED_MODEL" "$SAMPLE" -q -o $W/$cmd-relaxed.csv
  WFM_WASM_RELAXED=1 $WT build/wasi/wearfm.wasm $cmd "$SHIPPED_MODEL" "$SAMPLE" -q -o $W/$cmd-relaxed-wasmtime.csv
  check "$cmd: relaxed within 1e-5 of SIMD128 (V8)" python3 tests/compare_csv.py $W/$cmd-simd128.csv $W/$cmd-relaxed.csv --rtol 1e-5 --differ
  check "$cmd: relaxed within 1e-5 of SIMD128 (wasmtime)" python3 tests/compare_csv.py $W/$cmd-simd128.csv $W/$cmd-relaxed-wasmtime.csv --rtol 1e-5 --differ
  cat $W/out
done
echo "wasi relaxed: $pass passed, $fail failed"
[ $fail = 0 ]
