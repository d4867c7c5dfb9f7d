#!/usr/bin/env bash
# The whole suite (`make test`). Each stage prints its own results; the last
# line is "N passed, N failed" over the stages. Any failed stage fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs
B=build
source scripts/common.sh
PY=/usr/bin/python3
WT="$B/pyvenv/bin/python wasi/run_wasmtime.py"
passed=0; failed=0; failures=()

LOGS=$B/test-logs
rm -rf "$LOGS" && mkdir -p "$LOGS"
SUITE_T0=$SECONDS

# stage NAME COMMAND...: one line per stage; the full output goes to
# build/test-logs/NN-<name>.log, and its last lines are shown when it fails.
# A stage that runs for more than a minute prints a heartbeat every minute.
stage() {
  local name=$1; shift
  local n=$((passed + failed + 1)) t0=$SECONDS
  local log; log=$LOGS/$(printf '%02d' $n)-$(echo "$name" | tr -c 'a-zA-Z0-9\n' '-' | cut -c1-40).log
  ( while sleep 60; do echo "    ... $name: $((SECONDS - t0)) s" >&2; done ) & local beat=$!
  if "$@" > "$log" 2>&1; then
    passed=$((passed + 1)); printf 'ok     %-90s %4d s\n' "$name" $((SECONDS - t0))
  else
    failed=$((failed + 1)); failures+=("$name"); printf 'FAILED %-90s %4d s\n' "$name" $((SECONDS - t0))
    tail -n 30 "$log" | sed 's/^/    | /'; echo "    (full log: $log)"
  fi
  kill $beat 2>/dev/null; wait $beat 2>/dev/null
}

build_native() { make -s native; }
build_wasi() { make -s wasi; }
build_web() { make -s web; }

unit_native() { (cd $B/native && ctest --output-on-failure -j2); }

unit_wasi() { # every C unit test, compiled for WASI, under node:wasi and wasmtime
  local ok=0 t
  for t in $B/wasi/test_*.wasm; do
    echo "--- $t (node:wasi)"; node wasi/run.mjs "$t" | tail -1 || ok=1
    [ "${PIPESTATUS[0]}" = 0 ] || ok=1
    echo "--- $t (wasmtime)"; $WT "$t" | tail -1
    [ "${PIPESTATUS[0]}" = 0 ] || ok=1
  done
  return $ok
}

quiet() { # run a build step; show its output only when it fails
  local log; log=$(mktemp)
  "$@" > "$log" 2>&1 || { tail -40 "$log"; rm -f "$log"; return 1; }
  rm -f "$log"
}

sanitize() {
  quiet env CC=clang cmake -S . -B $B/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWFM_SANITIZE=ON -DWFM_BENCH=OFF &&
    quiet ninja -C $B/asan && (cd $B/asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j2)
}

fuzz_bounded() {
  quiet env CC=clang cmake -S . -B $B/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWFM_FUZZ=ON -DWFM_TESTS=OFF -DWFM_BENCH=OFF &&
    quiet ninja -C $B/fuzz || return 1
  local f rc=0
  for f in $B/fuzz/fuzz_*; do
    [ -x "$f" ] || continue
    local name; name=$(basename "$f")
    mkdir -p "$B/fuzz/corpus_$name"
    local seeds="fuzz/corpus_${name#fuzz_}"
    # crash-/slow-unit- files go to the build tree, never into the checkout
    mkdir -p "$B/fuzz/artifacts_$name"
    "$f" "$B/fuzz/corpus_$name" $( [ -d "$seeds" ] && echo "$seeds") \
      -artifact_prefix="$B/fuzz/artifacts_$name/" \
      $( [ -f "fuzz/${name#fuzz_}.dict" ] && echo "-dict=fuzz/${name#fuzz_}.dict") \
      -max_total_time="${FUZZ_SECONDS:-60}" -print_final_stats=1 2>&1 |
      { grep -E "stat::number_of_executed_units|ERROR|SUMMARY|Done" || true; }
    # The fuzzer's own status: a `|| true` after the pipeline would reset
    # PIPESTATUS, and a crash would pass.
    [ "${PIPESTATUS[0]}" = 0 ] || rc=1
  done
  return $rc
}

parity() { # C (native, WASI under node and wasmtime) vs PyTorch, and builds vs each other
  $PY tests/parity/parity.py --workdir $B/parity "$@" \
    --model-file "$SHIPPED_MODEL" --input-csv "$SAMPLE" \
    --wearfm "$B/native/wearfm" \
    --wearfm "node wasi/run.mjs $B/wasi/wearfm.wasm" \
    --wearfm "$WT $B/wasi/wearfm.wasm" \
    --waveform "$B/native/parity_waveform" \
    --waveform "node wasi/run.mjs $B/wasi/parity_waveform.wasm" \
    --waveform "$WT $B/wasi/parity_waveform.wasm"
}

web_node() { node --test web/test/; }
web_e2e() { node --test web/e2e/; }
cli() { bash tests/test_cli.sh; }
onnx_parity() { $PY tests/test_onnx_parity.py --wearfm $B/native/wearfm --ort-python $B/pyvenv/bin/python --workdir $B/onnx-parity; }
train_smoke() { bash tests/test_train_smoke.sh; }
eval_smoke() { bash tests/test_eval_smoke.sh; }
eval_tables() { $PY tools/eval_tables.py --check; }
probe_tasks_unit() { $PY tests/test_probe_tasks.py; }
resample_ref() { $PY tests/waveform/test_resample_scipy.py; }

python_package() { # a fresh venv, `pip install ./python` (built single-threaded), the package's tests
  local venv=$B/pyvenv-package fb=()
  # the real cohort where this machine has it (../shared/data); required then
  if [ -d ../shared/data/fitabase ]; then fb=(WEARFM_FITABASE="$(cd ../shared/data/fitabase && pwd)"); fi
  rm -rf "$venv" && $PY -m venv "$venv" &&
    CMAKE_BUILD_PARALLEL_LEVEL=1 nice -n 5 "$venv/bin/pip" install -q './python[test]' &&
    (cd python && env "${fb[@]}" WEARFM_REQUIRE_ALL=1 WEARFM_CLI="$PWD/../$B/native/wearfm" WEARFM_TORCH_PYTHON=$PY \
      "../$venv/bin/python" -m pytest -q -p no:cacheprovider tests)
}

stage "build: native" build_native
stage "build: wasi" build_wasi
stage "build: web (emscripten)" build_web
stage "unit tests: native" unit_native
stage "unit tests: wasi (node + wasmtime)" unit_wasi
stage "unit tests: asan+ubsan" sanitize
stage "cli: exit codes, messages, stdin, formats (native + wasi)" cli
stage "parity: small configs vs pytorch, cross-build" parity
stage "parity: paper config (26 ch x 1440 min) vs pytorch, cross-build" parity --paper --only paper
stage "tensor table: tools/tensor_table.py = the C core's table (every family and option); the Python writers follow it" $PY tests/test_tensor_table.py --dump $B/native/tensor_table_dump
stage "onnx: both exported encoder forms under onnxruntime = wearfm embed (shipped model, paper config)" onnx_parity
stage "training smoke: trainer -> safetensors -> C core parity -> evaluation" train_smoke
stage "accelerometer smoke: teacher, distilled student, baselines -> safetensors -> wearfm embed/hr and probes on WESAD and WISDM" bash tests/test_accel_smoke.sh
stage "evaluation smoke: every scenario x method through the native CLI, bootstrap, tables" eval_smoke
stage "eval tables: card and README blocks match models/*.eval.json and the model files" eval_tables
stage "bench tables: bench/README.md's onnxruntime block matches bench/vs-ort.json" $PY bench/vs_ort.py tables --check
stage "cohort tables: bench/README.md's cohort block matches bench/cohort.json" $PY bench/cohort_bench.py tables --check
stage "before/after tables: bench/README.md's redesign block matches bench/before-after.json" $PY bench/before_after.py tables --check
stage "relaxed SIMD tables: bench/README.md's relaxed-SIMD block matches bench/relaxed-simd.json" $PY bench/relaxed_simd.py tables --check
stage "accelerometer tables: cards and README blocks match models/wearfm-accel.eval.json and the shipped files" $PY tools/accel_tables.py --check
stage "probe tasks: labels, slots and features of tools/probe_tasks.py" probe_tasks_unit
stage "demo pictures: the confidence note from the fill bands" $PY tests/test_demo_report.py
stage "resampler reference vs scipy resample_poly; the C cases are as generated" resample_ref
stage "probes vs numpy/pytorch: ridge closed form, logistic L-BFGS, metrics, hash; probe CLI (native + wasi)" bash tests/probe/run.sh
stage "python package: fresh venv, pip install ./python; = CLI bit for bit, PyTorch 1e-4, sklearn probes, Dask cohort (2 workers)" python_package
stage "cohort on Slurm: bench/README.md's dask-jobqueue recipe on a private one-node Slurm = the single-process run" bash tests/test_cohort_slurm.sh
[ -f web/test/core_node.test.mjs ] && stage "web build in node (wasmBinary) vs native; web unit tests (parsers, aggregator, sources)" web_node
stage "web demo end to end: chromium headless, BLE emulation, browser vs native CLI" web_e2e
stage "wasi relaxed SIMD: clang-19 build, kernels vs scalar, outputs within 1e-5 of simd128, the runners' choice" bash tests/test_wasi_relaxed.sh
stage "fuzz: bounded libFuzzer run" fuzz_bounded

echo
[ ${#failures[@]} -gt 0 ] && printf 'failed stage: %s\n' "${failures[@]}"
echo "logs: $LOGS/; $((SECONDS - SUITE_T0)) s in all"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
