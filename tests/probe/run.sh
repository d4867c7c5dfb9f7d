#!/usr/bin/env bash
# Probes end to end (scripts/test.sh stage "probes vs numpy/pytorch"):
# numpy (ridge/linear closed form, metrics, grouped CV, weights hash),
# PyTorch (logistic L-BFGS coefficients; WASI == native), and the CLI's
# contract for `wearfm probe` (exit codes and messages, native and WASI).
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/common.sh
PY=/usr/bin/python3
W=build/probe-check
mkdir -p $W
rc=0
$PY tests/probe/check_numpy.py || rc=1
$PY tests/probe/check_torch.py || rc=1
# The page's probes (models/probes): bound to the model file as it is, cards
# rendered from their numbers; with the Fitabase tables at hand (make data),
# fit again and compare every file and number.
if [ -d build/fitabase ]; then $PY tools/page_probe_cards.py --check --verify build/fitabase 2> $W/page-probes.log || { tail -20 $W/page-probes.log; rc=1; }
else echo "note: build/fitabase missing (make data): page probes checked without fitting them again"; $PY tools/page_probe_cards.py --check || rc=1; fi

pass=0; fail=0
check() { # check NAME EXPECTED_EXIT CMD...
  local name=$1 want=$2; shift 2
  "$@" > $W/out 2> $W/err
  local got=$?
  if [ "$got" = "$want" ]; then pass=$((pass + 1)); echo "ok   $name"
  else fail=$((fail + 1)); echo "FAIL $name: exit $got, wanted $want"; head -3 $W/err; fi
}
grep_err() { # grep_err NAME PATTERN
  if grep -q -- "$2" $W/err; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1: stderr lacks '$2'"; head -3 $W/err; fi
}
F=$W/numpy.csv   # written by check_numpy.py: user,label,target,x0..x24
{ head -1 $F; awk -F, 'NR > 1 && $2 == "a"' $F; } > $W/one_class.csv
{ head -1 $F; sed -n '2,40p' $F | sed 's/^\(u[0-9]*\),[abc],/\1,z,/'; } > $W/unknown_class.csv
printf 'user,label,x0\nu1,,1\nu2,,2\n' > $W/no_labels.csv
cp "$SHIPPED_MODEL" $W/other_model.safetensors
printf '\x01' | dd of=$W/other_model.safetensors bs=1 seek=$(($(stat -c %s $W/other_model.safetensors) - 3)) conv=notrunc 2>/dev/null
for build in native wasi; do
  if [ $build = native ]; then CLI=(build/native/wearfm); else CLI=(node --no-warnings wasi/run.mjs build/wasi/wearfm.wasm); fi
  P=$W/cli_$build.safetensors
  check "$build probe --help" 0 "${CLI[@]}" probe --help
  check "$build probe without a command" 2 "${CLI[@]}" probe
  check "$build probe fit without --labels" 2 "${CLI[@]}" probe fit $F -o $P
  check "$build probe unknown task" 2 "${CLI[@]}" probe fit $F --labels label --task svm -o $P
  check "$build probe fit bound to a model" 0 "${CLI[@]}" probe fit $F --labels label --features x --model "$SHIPPED_MODEL" -o $P
  check "$build probe predict, same model" 0 "${CLI[@]}" probe predict $P $F --model "$SHIPPED_MODEL"
  check "$build probe predict, another encoder" 3 "${CLI[@]}" probe predict $P $F --model $W/other_model.safetensors
  grep_err "$build hash mismatch message" "another encoder"
  check "$build probe predict from stdin" 0 sh -c "\"\$@\" probe predict $P - --format json -q < $F" sh "${CLI[@]}"
  check "$build probe predict, a label the probe does not know" 4 "${CLI[@]}" probe predict $P $W/unknown_class.csv --labels label
  grep_err "$build unknown class message" "label 'z' is not one of the probe's classes"
  check "$build probe fit on a single class" 4 "${CLI[@]}" probe fit $W/one_class.csv --labels label --features x -o $P.1
  grep_err "$build single class message" "single class"
  check "$build probe fit, text target for ridge" 4 "${CLI[@]}" probe fit $F --labels label --task ridge -o $P.1
  grep_err "$build text target message" "is not a number"
  check "$build probe fit, no labelled rows" 5 "${CLI[@]}" probe fit $W/no_labels.csv --labels label -o $P.1
  check "$build probe predict, not a probe" 3 "${CLI[@]}" probe predict "$SHIPPED_MODEL" $F
  grep_err "$build not a probe message" "model file"
  R=$W/numpy_relative.csv   # written by check_numpy.py: user,target,x0..x24 (some targets empty)
  check "$build probe fit --relative without --groups" 2 "${CLI[@]}" probe fit $R --labels target --task ridge --relative -o $P.r
  grep_err "$build --relative needs a group column" "needs --groups COL"
  check "$build probe fit --relative" 0 "${CLI[@]}" probe fit $R --labels target --task ridge --groups user --relative -o $P.r
  grep_err "$build --relative names its groups" "relative to each of 9 groups in 'user'"
  check "$build probe info says relative" 0 "${CLI[@]}" probe info $P.r --format json
  if grep -q '"features_relative_to_group": true' $W/out; then pass=$((pass + 1)); echo "ok   $build info json: relative"
  else fail=$((fail + 1)); echo "FAIL $build info json lacks features_relative_to_group"; fi
  check "$build probe predict, relative probe without --groups" 2 "${CLI[@]}" probe predict $P.r $R
  grep_err "$build relative probe asks for the person column" "person-relative features: give --groups COL"
  check "$build probe predict --relative is refused" 2 "${CLI[@]}" probe predict $P.r $R --groups user --relative
  check "$build probe predict, relative probe" 0 "${CLI[@]}" probe predict $P.r $R --groups user -q
  check "$build probe eval --relative, leave one user out" 0 "${CLI[@]}" probe eval $R --labels target --task ridge --groups user --relative --folds 0 -q
  printf 'person,label,a\np1,x,1\np1,y,2\np2,,5\np2,,6\np3,x,3\np3,y,4\np4,x,1\np4,y,9\n' > $W/rel_unlabelled.csv
  check "$build probe eval --relative, a person with no label" 0 "${CLI[@]}" probe eval $W/rel_unlabelled.csv --labels label --groups person --relative --folds 0 --format json -q
  if grep -q '"groups": 3,' $W/out; then pass=$((pass + 1)); echo "ok   $build a person with unlabelled rows only is no fold"
  else fail=$((fail + 1)); echo "FAIL $build eval --relative counts a group without labelled rows: $(grep -o '"groups": [0-9]*' $W/out)"; fi
  check "$build probe eval, grouped, json" 0 "${CLI[@]}" probe eval $F --labels label --groups user --features x --format json -q -o $W/eval_$build.json
  # wearfm slots: the page's probes through the CLI
  check "$build slots without --inputs" 2 "${CLI[@]}" slots "$SHIPPED_MODEL" "$SAMPLE"
  check "$build slots, unknown channel" 2 "${CLI[@]}" slots "$SHIPPED_MODEL" "$SAMPLE" --inputs heart_rate,pulse
  grep_err "$build unknown channel names the model's" "not a channel of the model (heart_rate, steps"
  check "$build slots features" 0 "${CLI[@]}" slots "$SHIPPED_MODEL" "$SAMPLE" --inputs heart_rate,steps -q -o $W/slots_$build.csv
  check "$build slots with the sleep probe, periods" 0 "${CLI[@]}" slots "$SHIPPED_MODEL" "$SAMPLE" --inputs heart_rate,steps,intensity --probe models/probes/sleep.safetensors --periods asleep -q -o $W/periods_$build.csv
  check "$build slots, probe with another encoder" 3 "${CLI[@]}" slots $W/other_model.safetensors "$SAMPLE" --inputs heart_rate --probe models/probes/sleep.safetensors
  grep_err "$build slots mismatch message" "another encoder"
  check "$build slots, a class the probe lacks" 2 "${CLI[@]}" slots "$SHIPPED_MODEL" "$SAMPLE" --inputs heart_rate --probe models/probes/sleep.safetensors --periods dreaming
  printf 'timestamp,heart_rate,steps\n2016-05-05T00:00,,3\n' > $W/no_hr.csv
  check "$build slots, no observed input" 5 "${CLI[@]}" slots "$SHIPPED_MODEL" $W/no_hr.csv --inputs heart_rate
done
# The same rows and times; numbers within 1e-5 of the largest (the native build's kernels use FMA).
same_csv() {
  $PY -c 'import sys, numpy as np
a, b = ([l.split(",") for l in open(p).read().split()] for p in sys.argv[1:])
txt = lambda rs: [rs[0]] + [[c for c in r if "T" in c] for r in rs[1:]]
num = lambda rs: np.array([[float(c) for c in r if "T" not in c] for r in rs[1:]])
assert len(a) == len(b) and txt(a) == txt(b), "rows differ"
x, y = num(a), num(b)
assert np.abs(x - y).max() <= 1e-5 * max(1, np.abs(x).max()), np.abs(x - y).max()' "$1" "$2"
}
for f in slots periods; do
  if same_csv $W/${f}_native.csv $W/${f}_wasi.csv; then pass=$((pass + 1)); echo "ok   slots: WASI $f = native $f (1e-5)"
  else fail=$((fail + 1)); echo "FAIL slots: WASI $f differ from native"; fi
done
check "fill bands are for the shipped model" 0 $PY tools/fill_bands.py --check --model "$SHIPPED_MODEL"
check "fill bands refuse a model they were not measured on" 1 $PY tools/fill_bands.py --check --model $W/other_model.safetensors
# A retrained (here: one byte changed) model fails the page probes' check until `make page-probes`.
check "page probes refuse a model they were not fit on" 1 $PY tools/page_probe_cards.py --check --model $W/other_model.safetensors
grep_err "page probes: the reason names make page-probes" "make page-probes" 
if cmp -s $W/eval_native.json $W/eval_wasi.json; then pass=$((pass + 1)); echo "ok   eval: WASI output == native output"
else fail=$((fail + 1)); echo "FAIL eval: WASI output differs from native"; fi
echo "cli: $pass passed, $fail failed"
[ $fail = 0 ] || rc=1
exit $rc
