#!/usr/bin/env bash
# The CLI's contract: exit codes, messages, stdin, formats; native and WASI.
set -uo pipefail
cd "$(dirname "$0")/.."
W=build/cli-test
mkdir -p $W
source scripts/common.sh
MODEL=$SHIPPED_MODEL
WT="build/pyvenv/bin/python wasi/run_wasmtime.py"
pass=0; fail=0
check() { # check NAME EXPECTED_EXIT CMD... ; stderr kept in $W/err
  local name=$1 want=$2; shift 2
  "$@" > $W/out 2> $W/err
  local rc=$?
  if [ "$rc" = "$want" ]; then pass=$((pass + 1)); echo "ok   $name"
  else fail=$((fail + 1)); echo "FAIL $name: exit $rc, wanted $want"; head -3 $W/err; fi
}
grep_err() { # grep_err NAME PATTERN
  if grep -q -- "$2" $W/err; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1: stderr lacks '$2'"; head -3 $W/err; fi
}
no_err() { # no_err NAME PATTERN: stderr must not contain PATTERN
  if ! grep -q -- "$2" $W/err; then pass=$((pass + 1)); echo "ok   $1"
  else fail=$((fail + 1)); echo "FAIL $1: stderr has '$2'"; grep -m3 -- "$2" $W/err; fi
}

for build in native wasi; do
  if [ $build = native ]; then CLI=(build/native/wearfm); else CLI=(node --no-warnings wasi/run.mjs build/wasi/wearfm.wasm); fi
  check "$build --help" 0 "${CLI[@]}" --help
  check "$build no arguments is a usage error" 2 "${CLI[@]}"
  check "$build unknown option" 2 "${CLI[@]}" embed $MODEL $SAMPLE --bogus
  check "$build unknown format" 2 "${CLI[@]}" embed $MODEL $SAMPLE --format xml
  check "$build empty --threads" 2 "${CLI[@]}" embed $MODEL $SAMPLE --threads ''
  grep_err "$build empty --threads message names the option" "--threads needs a number"
  check "$build missing model" 3 "${CLI[@]}" embed models/none.safetensors $SAMPLE
  grep_err "$build missing model message" "cannot open model"
  # A WASI program sees only the preopened directory (here the current one):
  # an absolute or climbing path says so; a missing file inside it does not.
  if [ $build = wasi ]; then
    preopen_note="WASI programs see only the directories the host preopened (wasmtime --dir, node's preopens); pass a path inside one"
    check "$build absolute model path" 3 "${CLI[@]}" info "$PWD/$MODEL"
    grep_err "$build absolute model path names the preopens" "cannot open model '$PWD/$MODEL': $preopen_note"
    check "$build absolute input path" 4 "${CLI[@]}" embed $MODEL "$PWD/$SAMPLE"
    grep_err "$build absolute input path names the preopens" "cannot read input '$PWD/$SAMPLE': $preopen_note"
    check "$build input path outside the preopen" 4 "${CLI[@]}" embed $MODEL "../$(basename "$PWD")/$SAMPLE"
    grep_err "$build input path outside the preopen names the preopens" "$preopen_note"
    check "$build absolute probe path" 3 "${CLI[@]}" probe predict "$PWD/no.probe" $SAMPLE
    grep_err "$build absolute probe path names the preopens" "cannot open probe '$PWD/no.probe': $preopen_note"
    check "$build absolute model path under wasmtime" 3 $WT build/wasi/wearfm.wasm info "$PWD/$MODEL"
    grep_err "$build absolute model path under wasmtime names the preopens" "$preopen_note"
    check "$build missing model inside the preopen" 3 "${CLI[@]}" info models/none.safetensors
    no_err "$build missing model inside the preopen: no preopen note" "preopened"
  else
    no_err "$build missing model: no WASI note natively" "preopened"
  fi
  check "$build directory as the model" 3 "${CLI[@]}" info models
  grep_err "$build directory as the model is named" "model 'models' is a directory"
  check "$build directory as the input" 4 "${CLI[@]}" embed $MODEL models
  grep_err "$build directory as the input is named" "it is a directory"
  printf 'not a model' > $W/junk.safetensors
  check "$build junk model" 3 "${CLI[@]}" info $W/junk.safetensors
  # One NaN weight in the shipped model: refused at load, naming the tensor.
  python3 -c "import json,struct,sys; b=bytearray(open(sys.argv[1],'rb').read()); n=struct.unpack('<Q',b[:8])[0]; t=json.loads(b[8:8+n])['encoder.norm.weight']; o=8+n+t['data_offsets'][0]+4; b[o:o+4]=struct.pack('<f',float('nan')); open(sys.argv[2],'wb').write(b)" $MODEL $W/nan.safetensors
  check "$build NaN weight" 3 "${CLI[@]}" embed $W/nan.safetensors $SAMPLE
  grep_err "$build NaN weight is named" "tensor 'encoder.norm.weight': element \[1\] is NaN"
  # the cross_channel anchor: heart rate weighing its own values is refused
  # (in the v2x fixture: the shipped model has no cross_channel anchor)
  python3 -c "import json,struct,sys; b=bytearray(open(sys.argv[1],'rb').read()); n=struct.unpack('<Q',b[:8])[0]; t=json.loads(b[8:8+n])['anchor.weight']; o=8+n+t['data_offsets'][0]; b[o:o+4]=struct.pack('<f',0.5); open(sys.argv[2],'wb').write(b)" tests/fixtures/v2x.safetensors $W/own.safetensors
  check "$build anchor weight on a channel's own values" 3 "${CLI[@]}" info $W/own.safetensors
  grep_err "$build anchor weight on a channel's own values is named" "element \[0, 0\] weighs channel 'heart_rate' in its own anchor"
  # a profile anchor (the v2p fixture, 120-min windows): the typical day comes
  # from the input itself by default, or from --history; --no-history drops it
  P2=tests/fixtures/v2p.safetensors; PD=$W/profile_$build; mkdir -p $PD
  python3 -c "
import math, sys
rows = ['timestamp,heart_rate,steps,sleep']
for i in range(3 * 1440):
    hr = '' if (i // 1440 == 1 and 600 <= i % 1440 < 720) else '%.1f' % (65 + 10 * math.sin(i / 200.0))
    rows.append('2016-04-%02dT%02d:%02d,%s,%d,%d' % (12 + i // 1440, i % 1440 // 60, i % 60, hr, i % 7, (i // 90) % 2))
open(sys.argv[1], 'w').write(chr(10).join(rows) + chr(10))
" $PD/days.csv
  check "$build impute with a profile (the input's other days)" 0 "${CLI[@]}" impute $P2 $PD/days.csv -o $PD/default.csv
  check "$build impute with --history (the same file)" 0 "${CLI[@]}" impute $P2 $PD/days.csv --history $PD/days.csv -o $PD/same.csv
  check "$build impute --no-history" 0 "${CLI[@]}" impute $P2 $PD/days.csv --no-history -o $PD/none.csv
  if cmp -s $PD/default.csv $PD/same.csv && ! cmp -s $PD/default.csv $PD/none.csv; then pass=$((pass + 1)); echo "ok   $build --history of the input is the default; --no-history differs"
  else fail=$((fail + 1)); echo "FAIL $build profile outputs: default vs --history vs --no-history"; fi
  check "$build --history missing" 4 "${CLI[@]}" impute $P2 $PD/days.csv --history $PD/none_such.csv
  grep_err "$build --history missing is named" "none_such.csv"
  printf 'timestamp,heart_rate\nyesterday,60\n' > $PD/bad.csv
  check "$build --history unreadable" 4 "${CLI[@]}" impute $P2 $PD/days.csv --history $PD/bad.csv
  grep_err "$build --history unreadable says where" "history"
  check "$build --history needs a value" 2 "${CLI[@]}" impute $P2 $PD/days.csv --history
  check "$build --history on a model without a profile" 0 "${CLI[@]}" impute tests/fixtures/v2x.safetensors $PD/days.csv --history $PD/days.csv -o $PD/v2x.csv
  grep_err "$build --history on a model without a profile is noted" "takes no typical day"
  # --bands: the shipped model's measured fill bands give <ch>_low,<ch>_high around fills
  BANDS=${MODEL%.safetensors}.fill-bands.json
  check "$build impute --bands" 0 "${CLI[@]}" impute $MODEL $SAMPLE --bands $BANDS -o $W/bands.csv
  if head -1 $W/bands.csv | grep -q ",heart_rate_low,heart_rate_high,steps_low,steps_high$" &&
     python3 -c "
import csv,sys
rows=list(csv.DictReader(open(sys.argv[1])))
ok=[r for r in rows if r['heart_rate_low']]
assert ok and all(r['heart_rate_filled']=='1' and float(r['heart_rate_low'])<=float(r['heart_rate'])<=float(r['heart_rate_high']) for r in ok)
assert all(not r['heart_rate_low'] for r in rows if r['heart_rate_filled']=='0')
assert all(float(r['steps_low'])>=0 for r in rows if r['steps_low'])" $W/bands.csv; then
    pass=$((pass + 1)); echo "ok   $build impute --bands: intervals around filled minutes only"
  else fail=$((fail + 1)); echo "FAIL $build impute --bands columns or intervals"; head -2 $W/bands.csv; fi
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['model']['weights_hash']='fnv1a64w:0000000000000000'; json.dump(d,open(sys.argv[2],'w'))" $BANDS $W/other-bands.json
  check "$build --bands of another model" 4 "${CLI[@]}" impute $MODEL $SAMPLE --bands $W/other-bands.json
  grep_err "$build --bands of another model says so" "measured on another model"
  check "$build --bands missing" 4 "${CLI[@]}" impute $MODEL $SAMPLE --bands $W/none_such.json
  check "$build --bands on embed is a usage error" 2 "${CLI[@]}" embed $MODEL $SAMPLE --bands $BANDS
  # absent_residual false (fixture v2a) is said; v2p (the same weights) does not say it
  check "$build info of an absent_residual-false model" 0 "${CLI[@]}" info tests/fixtures/v2a.safetensors
  if grep -qF "a channel absent all window takes its anchor" $W/out; then pass=$((pass + 1)); echo "ok   $build info: absent_residual"
  else fail=$((fail + 1)); echo "FAIL $build info lacks absent_residual"; cat $W/out; fi
  check "$build info of v2p" 0 "${CLI[@]}" info tests/fixtures/v2p.safetensors
  if ! grep -qF "absent all window" $W/out; then pass=$((pass + 1)); echo "ok   $build info: v2p keeps the residual"
  else fail=$((fail + 1)); echo "FAIL $build info of v2p says absent_residual"; fi
  # a waveform model (tests/fixtures/w1): info says what it takes and gives;
  # the minute commands refuse it
  check "$build info of a waveform model" 0 "${CLI[@]}" info tests/fixtures/w1.safetensors
  for want in "architecture   waveform_encoder (accelerometer)" "64 samples at 16 Hz (4 s), patches of 8 samples -> 8 tokens" \
              "input norm     window_z" "projection     16 -> 8" "embedding      8 floats"; do
    if grep -qF -- "$want" $W/out; then pass=$((pass + 1)); echo "ok   $build waveform info: $want"
    else fail=$((fail + 1)); echo "FAIL $build waveform info lacks '$want'"; fi
  done
  check "$build info of a waveform model, json" 0 "${CLI[@]}" info tests/fixtures/w2.safetensors --format json
  if python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['model']; sys.exit(not (m['signal'] == 'ppg' and m['sample_rate_hz'] == 25 and m['window_samples'] == 50 and m['patch_samples'] == 5 and m['embedding_dim'] == 12 and m['input_norm'] == 'fixed'))" $W/out
  then pass=$((pass + 1)); echo "ok   $build waveform info json fields"; else fail=$((fail + 1)); echo "FAIL $build waveform info json fields"; fi
  check "$build impute refuses a waveform model" 3 "${CLI[@]}" impute tests/fixtures/w1.safetensors $SAMPLE
  grep_err "$build impute refuses a waveform model, saying why" "is a waveform_encoder model (accelerometer); 'impute' reads minute tables"
  # Waveform recordings (tests/data/wesad: 10 s of an E4) through the w1
  # (accelerometer, 16 Hz, 4 s windows) and w2 (PPG, 25 Hz, 2 s) fixtures.
  W1=tests/fixtures/w1.safetensors; W2=tests/fixtures/w2.safetensors; ACC=tests/data/wesad/ACC.csv; BVP=tests/data/wesad/BVP.csv
  rm -rf $W/wave_$build && mkdir -p $W/wave_$build
  # Scalar kernels in both builds: their outputs are then compared bit for
  # bit below (the SIMD kernels of each build agree within 1e-5, checked once).
  kernels_before=${WFM_KERNELS-}; export WFM_KERNELS=scalar
  check "$build embed an E4 accelerometer file" 0 "${CLI[@]}" embed $W1 $ACC -o $W/wave_$build/acc.csv
  grep_err "$build embed says it resampled" "resampled from 32 Hz to the model's 16 Hz"
  grep_err "$build embed says what is not in a full window" "the last 2 s are not in a full window"
  if [ "$(head -1 $W/wave_$build/acc.csv)" = "window_start,observed,emb_0,emb_1,emb_2,emb_3,emb_4,emb_5,emb_6,emb_7" ] &&
     [ "$(cut -d, -f1,2 $W/wave_$build/acc.csv | tail -n +2 | tr '\n' ' ')" = "2017-05-22T07:15:25.000Z,1 2017-05-22T07:15:29.000Z,1 " ]; then
    pass=$((pass + 1)); echo "ok   $build waveform embed: two full 4 s windows, UTC starts"
  else fail=$((fail + 1)); echo "FAIL $build waveform embed output"; head -3 $W/wave_$build/acc.csv; fi
  check "$build embed with a 1 s stride, json" 0 "${CLI[@]}" embed $W1 $ACC --stride 1 --format json -q -o $W/wave_$build/acc_stride.json
  if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); w=d['windows']; sys.exit(not (len(w) == 7 and w[6]['start'] == '2017-05-22T07:15:31.000Z' and len(w[0]['embedding']) == 8 and d['model']['stride_samples'] == 16))" $W/wave_$build/acc_stride.json
  then pass=$((pass + 1)); echo "ok   $build waveform embed json: 7 windows every 1 s"; else fail=$((fail + 1)); echo "FAIL $build waveform embed json"; fi
  check "$build embed an E4 PPG file" 0 "${CLI[@]}" embed $W2 $BVP -q -o $W/wave_$build/bvp.csv
  if [ "$(wc -l < $W/wave_$build/bvp.csv)" = 6 ]; then pass=$((pass + 1)); echo "ok   $build waveform embed of PPG: five 2 s windows"
  else fail=$((fail + 1)); echo "FAIL $build waveform embed of PPG"; fi
  # the same samples as timestamp,x,y,z in m/s2 (unix ms): sniffed, rate estimated, the same windows
  /usr/bin/python3 -c "import sys; r=open(sys.argv[1]).read().split(chr(10))[2:322]; print('timestamp,x,y,z'); [print('%d,%s' % (1495437325000 + i * 31.25, ','.join(repr(int(v) / 64 * 9.80665) for v in l.split(',')))) for i, l in enumerate(r)]" $ACC > $W/wave_$build/acc_ms2.csv
  check "$build embed a timestamp,x,y,z CSV" 0 "${CLI[@]}" embed $W1 $W/wave_$build/acc_ms2.csv --unit m/s2 -q -o $W/wave_$build/acc_from_csv.csv
  if python3 -c "import csv,sys; a=list(csv.reader(open(sys.argv[1]))); b=list(csv.reader(open(sys.argv[2]))); sys.exit(not (len(a) == len(b) == 3 and a[0] == b[0] and all(x[0] == y[0] and max(abs(float(u) - float(v)) for u, v in zip(x[1:], y[1:])) < 1e-5 for x, y in zip(a[1:], b[1:]))))" $W/wave_$build/acc.csv $W/wave_$build/acc_from_csv.csv
  then pass=$((pass + 1)); echo "ok   $build the CSV in m/s2 embeds as the E4 file"; else fail=$((fail + 1)); echo "FAIL $build CSV vs E4 embeddings"; fi
  check "$build embed a waveform from stdin" 0 sh -c "\"\$@\" embed $W1 - -q < $ACC" sh "${CLI[@]}"
  if cmp -s $W/out $W/wave_$build/acc.csv; then pass=$((pass + 1)); echo "ok   $build waveform stdin and file agree"
  else fail=$((fail + 1)); echo "FAIL $build waveform stdin vs file"; fi
  check "$build embed: wrong channel count" 4 "${CLI[@]}" embed $W1 $BVP
  grep_err "$build wrong channel count is named" "the model (accelerometer) takes 3 channels; the waveform has 1"
  check "$build embed: a CSV without --unit" 2 "${CLI[@]}" embed $W1 $W/wave_$build/acc_ms2.csv
  grep_err "$build a CSV without --unit says so" "say the axes' unit with --unit g or --unit m/s2"
  check "$build embed: an unknown --unit" 2 "${CLI[@]}" embed $W1 $W/wave_$build/acc_ms2.csv --unit furlongs
  check "$build embed: --rate with an E4 file" 2 "${CLI[@]}" embed $W1 $ACC --rate 32
  check "$build embed: a stride of no whole sample" 2 "${CLI[@]}" embed $W1 $ACC --stride 0.03
  grep_err "$build a bad stride is named" "--stride 0.03 s is 0.48 samples at the model's 16 Hz"
  check "$build embed: a negative stride" 2 "${CLI[@]}" embed $W1 $ACC --stride -1
  check "$build embed: waveform options with a minute model" 2 "${CLI[@]}" embed $MODEL $SAMPLE --stride 4
  head -n 50 $ACC > $W/wave_$build/short.csv
  check "$build embed: a recording shorter than a window" 5 "${CLI[@]}" embed $W1 $W/wave_$build/short.csv
  grep_err "$build a short recording is named" "the recording is 1.5 s; a window of the model is 4 s"
  # wearfm hr: a ridge probe bound to w1 on its embeddings (targets made up), then error bands
  "${CLI[@]}" embed $W1 $ACC --stride 1 -q | awk -F, 'NR == 1 {print $0 ",hr"} NR > 1 {print $0 "," 60 + 3 * NR}' > $W/wave_$build/emb_hr.csv
  check "$build probe fit on waveform embeddings" 0 "${CLI[@]}" probe fit $W/wave_$build/emb_hr.csv --labels hr --task ridge --features emb_ --model $W1 -q -o $W/wave_$build/hr.probe
  check "$build hr without error bands" 0 "${CLI[@]}" hr $W1 $W/wave_$build/hr.probe $ACC --stride 1 -o $W/wave_$build/hr_plain.csv
  grep_err "$build hr without bands says the column is empty" "the probe has no error bands, so expected_mae_bpm is empty"
  if [ "$(head -1 $W/wave_$build/hr_plain.csv)" = "window_start,hr_bpm,observed,motion_g,expected_mae_bpm" ] &&
     [ "$(tail -n +2 $W/wave_$build/hr_plain.csv | grep -c ',1,0\.00[0-9]*,$')" = 7 ]; then
    pass=$((pass + 1)); echo "ok   $build hr: 7 windows, motion_g of a wrist at rest, no expected error"
  else fail=$((fail + 1)); echo "FAIL $build hr output"; head -3 $W/wave_$build/hr_plain.csv; fi
  printf '{"by": "motion_g", "edges": [0.004, 0.0045, 0.2], "mae_bpm": [4.1, 6.0, 9.5, 14.0]}' > $W/bands.json
  check "$build probe annotate --error-bands" 0 "${CLI[@]}" probe annotate $W/wave_$build/hr.probe --error-bands $W/bands.json -o $W/wave_$build/hr_bands.probe
  check "$build probe info shows the bands" 0 "${CLI[@]}" probe info $W/wave_$build/hr_bands.probe
  if grep -qF "error bands    MAE by motion_g: < 0.004: 4.1, >= 0.004: 6, >= 0.0045: 9.5, >= 0.2: 14" $W/out; then pass=$((pass + 1)); echo "ok   $build probe info: error bands"
  else fail=$((fail + 1)); echo "FAIL $build probe info bands"; cat $W/out; fi
  check "$build hr with error bands" 0 "${CLI[@]}" hr $W1 $W/wave_$build/hr_bands.probe $ACC --stride 1 -q -o $W/wave_$build/hr.csv
  if python3 -c "import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); sys.exit(not (len(r) == 7 and all(float(x['expected_mae_bpm']) == (4.1 if float(x['motion_g']) < 0.004 else 6.0 if float(x['motion_g']) < 0.0045 else 9.5) for x in r) and len({x['expected_mae_bpm'] for x in r}) > 1))" $W/wave_$build/hr.csv
  then pass=$((pass + 1)); echo "ok   $build hr: each window's expected error is its motion band's"; else fail=$((fail + 1)); echo "FAIL $build hr bands"; cat $W/wave_$build/hr.csv; fi
  check "$build hr json" 0 "${CLI[@]}" hr $W1 $W/wave_$build/hr_bands.probe $ACC --format json -q -o $W/wave_$build/hr.json
  printf '{"by": "motion_g", "edges": [0.2, 0.1], "mae_bpm": [1, 2, 3]}' > $W/bad_bands.json
  check "$build probe annotate: bad bands" 4 "${CLI[@]}" probe annotate $W/wave_$build/hr.probe --error-bands $W/bad_bands.json -o $W/wave_$build/bad.probe
  grep_err "$build bad bands are named" "\"edges\" must increase strictly"
  # a probe bound to another encoder: w1 with one weight changed (same shapes)
  python3 -c "import json,struct,sys; b=bytearray(open(sys.argv[1],'rb').read()); n=struct.unpack('<Q',b[:8])[0]; t=json.loads(b[8:8+n])['encoder.norm.weight']; o=8+n+t['data_offsets'][0]; b[o:o+4]=struct.pack('<f',0.5); open(sys.argv[2],'wb').write(b)" $W1 $W/wave_$build/w1b.safetensors
  check "$build hr: a probe bound to another model" 3 "${CLI[@]}" hr $W/wave_$build/w1b.safetensors $W/wave_$build/hr.probe $ACC
  grep_err "$build hr: another model's probe names the hashes" "fnv1a64w:"
  check "$build hr: an unbound probe" 0 "${CLI[@]}" probe fit $W/wave_$build/emb_hr.csv --labels hr --task ridge --features emb_ -q -o $W/wave_$build/unbound.probe
  check "$build hr refuses an unbound probe" 3 "${CLI[@]}" hr $W1 $W/wave_$build/unbound.probe $ACC
  grep_err "$build hr: an unbound probe is named" "it is not bound to an encoder"
  check "$build hr: a minute model" 3 "${CLI[@]}" hr $MODEL $W/wave_$build/hr.probe $ACC
  grep_err "$build hr: a minute model is named" "hr needs a waveform model"
  check "$build hr: a bad stride" 2 "${CLI[@]}" hr $W1 $W/wave_$build/hr.probe $ACC --stride 0
  check "$build hr: missing arguments" 2 "${CLI[@]}" hr $W1 $ACC
  export WFM_KERNELS=$kernels_before
  check "$build embed with the build's own kernels" 0 "${CLI[@]}" embed $W1 $ACC -q -o $W/acc_simd_$build.csv
  if python3 -c "import csv,sys; a=list(csv.reader(open(sys.argv[1]))); b=list(csv.reader(open(sys.argv[2]))); sys.exit(not (len(a) == len(b) and all(max(abs(float(u) - float(v)) for u, v in zip(x[2:], y[2:])) < 1e-5 for x, y in zip(a[1:], b[1:]))))" $W/wave_$build/acc.csv $W/acc_simd_$build.csv
  then pass=$((pass + 1)); echo "ok   $build waveform embed: its own kernels within 1e-5 of the scalar ones"; else fail=$((fail + 1)); echo "FAIL $build SIMD vs scalar waveform embed"; fi
  check "$build slots refuses a waveform model" 3 "${CLI[@]}" slots tests/fixtures/w1.safetensors $SAMPLE --inputs x
  grep_err "$build slots refuses a waveform model, saying why" "slots need a minute model"
  printf 'timestamp,heart_rate\n2016-05-05T00:00,60\n2016-05-05T00:01,sixty\n' > $W/bad.csv
  check "$build bad CSV" 4 "${CLI[@]}" embed $MODEL $W/bad.csv
  grep_err "$build bad CSV names line and column" "line 3, column 'heart_rate'"
  printf '\xff\xfet\0i\0m\0e\0s\0t\0a\0m\0p\0,\0h\0\n\0' > $W/utf16.csv
  check "$build UTF-16 input" 4 "${CLI[@]}" embed $MODEL $W/utf16.csv
  grep_err "$build UTF-16 input is named" "the file is UTF-16; save it as UTF-8"
  printf 'timestamp,heart_rate\n2016-05-05T00:00,60\n2016-05-05T00:01,6\0001\n' > $W/nul.csv
  check "$build NUL in a value" 4 "${CLI[@]}" embed $MODEL $W/nul.csv
  grep_err "$build NUL in a value is named where it is" "a NUL byte at line 3, column 19 (field 2)"
  check "$build probe: NUL in a value" 4 "${CLI[@]}" probe fit $W/nul.csv --labels heart_rate --task ridge -o $W/nul.probe
  grep_err "$build probe: NUL in a value is named where it is" "a NUL byte at line 3, column 19 (field 2)"
  printf 'timestamp,heart_rate\r2016-05-05T00:00,60\r2016-05-05T00:01,61\r' > $W/cr_only.csv
  check "$build CR-only input" 4 "${CLI[@]}" embed $MODEL $W/cr_only.csv
  grep_err "$build CR-only input is named" "CR-only line endings are not supported"
  # Implausible heart rate (issue 12, defect 5): dropped by the data rules, said so, used as missing.
  printf 'timestamp,heart_rate,steps\n2016-05-05T08:00,500,3\n2016-05-05T08:01,-20,2.5\n2016-05-05T08:02,1e30,\n2016-05-05T08:03,70,4\n' > $W/implausible.csv
  printf 'timestamp,heart_rate,steps\n2016-05-05T08:00,,3\n2016-05-05T08:01,,\n2016-05-05T08:02,,\n2016-05-05T08:03,70,4\n' > $W/implausible_as_missing.csv
  check "$build implausible values are not an error" 0 "${CLI[@]}" embed $MODEL $W/implausible.csv
  grep_err "$build implausible heart rate is named" "'heart_rate': 2 values above 250 bpm, 1 value below 25 bpm dropped (not plausible)"
  grep_err "$build a fractional step count is named" "'steps': 1 value not a whole number dropped"
  mv $W/out $W/implausible.out
  check "$build implausible values act as missing" 0 "${CLI[@]}" embed $MODEL $W/implausible_as_missing.csv
  if cmp -s $W/out $W/implausible.out; then pass=$((pass + 1)); echo "ok   $build implausible values give the embedding of missing ones"
  else fail=$((fail + 1)); echo "FAIL $build implausible values give the embedding of missing ones"; fi
  check "$build -q keeps the dropped note quiet" 0 "${CLI[@]}" embed $MODEL $W/implausible.csv -q
  no_err "$build -q: no dropped note" "dropped"
  # Inputs are read whole, so their size is capped (1 GiB; WFM_MAX_INPUT_BYTES sets it).
  check "$build input over the size limit" 4 env WFM_MAX_INPUT_BYTES=1000 "${CLI[@]}" embed $MODEL $SAMPLE
  grep_err "$build input over the size limit is named" "input '$SAMPLE' is larger than the input limit of 1000 bytes"
  check "$build stdin over the size limit" 4 sh -c "WFM_MAX_INPUT_BYTES=1000 \"\$@\" embed $MODEL - < $SAMPLE" sh "${CLI[@]}"
  grep_err "$build stdin over the size limit is named" "input '-' is larger than the input limit of 1000 bytes"
  check "$build input at the size limit" 0 env WFM_MAX_INPUT_BYTES=$(wc -c < $SAMPLE) "${CLI[@]}" embed $MODEL $SAMPLE -q
  check "$build probe input over the size limit" 4 env WFM_MAX_INPUT_BYTES=1000 "${CLI[@]}" probe fit $SAMPLE --labels steps -o $W/limit.probe
  grep_err "$build probe input over the size limit is named" "larger than the input limit of 1000 bytes"
  check "$build import input over the size limit" 4 env WFM_MAX_INPUT_BYTES=100 "${CLI[@]}" import fitabase fuzz/corpus_fitabase/heartrate.csv -o $W/limit_import
  grep_err "$build import input over the size limit is named" "larger than the input limit of 100 bytes"
  if [ $build = native ]; then # out of memory is named as such (was "cannot read input")
    check "$build out of memory reading stdin" 1 sh -c "head -c 300M /dev/zero | (ulimit -v 200000; \"\$@\" embed $MODEL - --threads 1)" sh "${CLI[@]}"
    grep_err "$build out of memory reading stdin is named" "out of memory reading input '-'"
  fi
  printf 'timestamp,heart_rate\n2016-05-05T00:00,\n' > $W/empty.csv
  check "$build no observed data" 5 "${CLI[@]}" embed $MODEL $W/empty.csv
  printf 'timestamp,pressure\n2016-05-05T00:00,1\n' > $W/nomatch.csv
  check "$build no matching channel" 4 "${CLI[@]}" embed $MODEL $W/nomatch.csv
  check "$build embed from a file" 0 "${CLI[@]}" embed $MODEL $SAMPLE -q -o $W/emb_file.csv
  check "$build embed from stdin" 0 sh -c "\"\$@\" embed $MODEL - -q -o $W/emb_stdin.csv < $SAMPLE" sh "${CLI[@]}"
  if cmp -s $W/emb_file.csv $W/emb_stdin.csv && [ "$(wc -l < $W/emb_file.csv)" = 4 ]; then
    pass=$((pass + 1)); echo "ok   $build stdin and file give the same 3 embeddings"
  else fail=$((fail + 1)); echo "FAIL $build stdin vs file"; fi
  check "$build impute json" 0 "${CLI[@]}" impute $MODEL $SAMPLE --format json -q -o $W/imp.json
  if python3 -c "import json,sys; d=json.load(open('$W/imp.json')); w=d['windows']; assert len(w)==3 and len(w[0]['values'])==1440 and len(w[0]['values'][0])==4" 2>/dev/null; then
    pass=$((pass + 1)); echo "ok   $build impute JSON is valid with 3 x 1440 x 4 values"
  else fail=$((fail + 1)); echo "FAIL $build impute JSON"; fi
  # A failed write is an error, and the success summary is not printed.
  check "$build embed to a full stdout" 1 sh -c "\"\$@\" embed $MODEL $SAMPLE > /dev/full" sh "${CLI[@]}"
  grep_err "$build full stdout message" "error writing the output"
  no_err "$build full stdout: no success summary" "window(s);"
  if [ $build = native ]; then # /dev is not preopened under WASI
    check "$build embed -o /dev/full" 1 "${CLI[@]}" embed $MODEL $SAMPLE -o /dev/full
    no_err "$build -o /dev/full: no success summary" "window(s);"
  fi
  check "$build progress on stderr for multi-day input" 0 "${CLI[@]}" impute $MODEL $SAMPLE -o $W/imp.csv
  grep_err "$build progress lines" "window 3/3"
  # A producer that pauses: stdin must be read blocking (WASI under Node).
  check "$build stdin from a pausing producer" 0 sh -c "(head -n 100 $SAMPLE; sleep 1; tail -n +101 $SAMPLE) | \"\$@\" impute $MODEL - -q -o $W/imp_paused.csv" sh "${CLI[@]}"
  if cmp -s $W/imp.csv $W/imp_paused.csv; then pass=$((pass + 1)); echo "ok   $build paused stdin gives the same imputation"
  else fail=$((fail + 1)); echo "FAIL $build paused stdin output differs"; fi
  # wearfm import fitabase: real snippets in, per-user minute CSVs out.
  rm -rf $W/imp_$build && mkdir -p $W/imp_$build
  check "$build import fitabase" 0 "${CLI[@]}" import fitabase fuzz/corpus_fitabase/heartrate.csv \
    fuzz/corpus_fitabase/steps_wide.csv fuzz/corpus_fitabase/intensities_wide.csv fuzz/corpus_fitabase/sleep.csv \
    -o $W/imp_$build
  if [ "$(head -1 $W/imp_$build/2022484408.csv 2>/dev/null)" = "timestamp,heart_rate,steps,intensity,sleep_state" ] &&
     grep -q '^2016-04-12T07:21,' $W/imp_$build/2022484408.csv; then
    pass=$((pass + 1)); echo "ok   $build import writes per-user minute CSVs"
  else fail=$((fail + 1)); echo "FAIL $build import output"; ls $W/imp_$build; fi
  printf 'Id,Time,Value\n2022484408,4/12/2016 7:21:00 AM,97\n2022484408,4/12/2016 7:21:05 AM,ninety\n' > $W/bad_hr.csv
  check "$build import of a malformed file" 4 "${CLI[@]}" import fitabase $W/bad_hr.csv -o $W/imp_$build
  grep_err "$build import error names line and column" "line 3, column 'Value'"
  check "$build import --report to a full stdout" 1 sh -c "\"\$@\" import fitabase fuzz/corpus_fitabase/heartrate.csv -o $W/imp_$build --report > /dev/full" sh "${CLI[@]}"
  no_err "$build full report: no success summary" "wrote"
  rm -rf $W/deep_$build
  check "$build import -o creates missing parents" 0 "${CLI[@]}" import fitabase fuzz/corpus_fitabase/heartrate.csv -o $W/deep_$build/a/b/c
  if [ -f $W/deep_$build/a/b/c/2022484408.csv ]; then pass=$((pass + 1)); echo "ok   $build import wrote into the new directories"
  else fail=$((fail + 1)); echo "FAIL $build import -o a/b/c output"; fi
  check "$build import -o under a file" 1 "${CLI[@]}" import fitabase fuzz/corpus_fitabase/heartrate.csv -o $W/deep_$build/a/b/c/2022484408.csv/x
  grep_err "$build import -o under a file names the directory" "cannot create the output directory"
  printf 'Id,Time,Value\r\n' > $W/hr_header_only.csv
  check "$build import of a header-only file" 5 "${CLI[@]}" import fitabase $W/hr_header_only.csv -o $W/imp_$build
  grep_err "$build header-only import says there is no data" "no data"
  check "$build import of a UTF-16 file" 4 "${CLI[@]}" import fitabase $W/utf16.csv -o $W/imp_$build
  grep_err "$build import names UTF-16" "UTF-16"
  check "$build import of an unknown user" 5 "${CLI[@]}" import fitabase fuzz/corpus_fitabase/heartrate.csv --user 42 -o $W/imp_$build
  # wearfm import takeout: Fitbit's account export (synthetic files, tests/data/takeout/make_takeout.py).
  TK=tests/data/takeout
  rm -rf $W/takeout_$build
  check "$build import takeout" 0 "${CLI[@]}" import takeout $TK/*.json $TK/*.csv --utc-offset -05:00 -o $W/takeout_$build/out.csv
  grep_err "$build import takeout skips other measures" "skipped 1 file(s)"
  grep_err "$build import takeout names the dropped heart rate" "'heart_rate': 1 sample above 250 bpm, 1 sample below 25 bpm dropped"
  if [ "$(head -1 $W/takeout_$build/out.csv)" = "timestamp,heart_rate,steps,intensity,sleep_state" ] &&
     grep -q '^2024-03-11T07:00,64.5,0,,0$' $W/takeout_$build/out.csv && grep -q '^2024-03-10T14:02,,,,2$' $W/takeout_$build/out.csv; then
    pass=$((pass + 1)); echo "ok   $build import takeout writes the minute CSV (UTC CSVs moved to -05:00, awake when worn outside sleep logs)"
  else fail=$((fail + 1)); echo "FAIL $build import takeout output"; head -3 $W/takeout_$build/out.csv; fi
  check "$build import takeout --sleep-logs-only" 0 "${CLI[@]}" import takeout $TK/*.json $TK/*.csv --utc-offset -05:00 --sleep-logs-only -q -o $W/takeout_$build/logs_only.csv
  if grep -q '^2024-03-11T07:00,64.5,0,,$' $W/takeout_$build/logs_only.csv; then pass=$((pass + 1)); echo "ok   $build import takeout --sleep-logs-only leaves minutes outside the logs missing"
  else fail=$((fail + 1)); echo "FAIL $build import takeout --sleep-logs-only"; fi
  # Fitbit's zeros off the wrist: 4 hours of 0 steps and no heart rate are non-wear
  /usr/bin/python3 -c "import json; print(json.dumps([{'dateTime': '03/10/24 %02d:%02d:00' % (m // 60, m % 60), 'value': '0'} for m in range(240)] + [{'dateTime': '03/10/24 05:00:00', 'value': '40'}]))" > $W/steps-2024-03-10.json
  check "$build import takeout non-wear" 0 "${CLI[@]}" import takeout $W/steps-2024-03-10.json -o $W/takeout_$build/nonwear.csv
  grep_err "$build import takeout non-wear is said" "the non-wear rule set 240 minute(s)"
  check "$build import takeout --no-nonwear" 0 "${CLI[@]}" import takeout $W/steps-2024-03-10.json --no-nonwear -q -o $W/takeout_$build/wear.csv
  if [ "$(grep -c ',0,,$' $W/takeout_$build/wear.csv)" = 240 ] && [ "$(grep -c ',0,,$' $W/takeout_$build/nonwear.csv)" = 0 ]; then
    pass=$((pass + 1)); echo "ok   $build import takeout: the non-wear rule, and --no-nonwear"
  else fail=$((fail + 1)); echo "FAIL $build import takeout non-wear output"; fi
  check "$build import takeout to stdout" 0 "${CLI[@]}" import takeout $TK/steps-2024-03-10.json -q
  if [ "$(grep -c '^2024-03-10T' $W/out)" = 1440 ]; then pass=$((pass + 1)); echo "ok   $build import takeout to stdout: one day"
  else fail=$((fail + 1)); echo "FAIL $build import takeout to stdout"; fi
  printf '[{"dateTime":"03/10/24 08:00:05","value":{"bpm":60}},{"dateTime":"03/10/24 08:00:10","value":{"bpm":"x"}}]' > $W/heart_rate-2024-03-10.json
  check "$build import takeout of a malformed file" 4 "${CLI[@]}" import takeout $W/heart_rate-2024-03-10.json -o $W/takeout_bad.csv
  grep_err "$build import takeout error names the record" "heart_rate-2024-03-10.json: record 2 (byte 54): \"value\" has no number \"bpm\""
  check "$build import takeout of other files only" 5 "${CLI[@]}" import takeout $TK/calories-2024-03-10.json
  grep_err "$build import takeout of other files names it" "no data: calories-2024-03-10.json is not a file this importer reads"
  check "$build import takeout of no data" 5 "${CLI[@]}" import takeout $TK/heart_rate-2024-03-12.json $TK/calories-2024-03-10.json
  grep_err "$build import takeout of no data names the file read" "no data: 0 record(s) read from heart_rate-2024-03-12.json, no sample kept"
  # --tz: each UTC time takes its zone's offset at that instant (daylight saving), not one offset for the export
  printf 'timestamp,steps\n2024-03-31T00:30:00Z,10\n2024-03-31T01:30:00Z,20\n2024-10-27T00:30:00Z,30\n2024-10-27T01:30:00Z,40\n' > $W/steps_dst.csv
  if [ $build = native ]; then
    check "$build import takeout --tz Europe/Berlin" 0 "${CLI[@]}" import takeout $W/steps_dst.csv --tz Europe/Berlin -q -o $W/tz_native_dst.csv
    if grep -q '^2024-03-31T01:30,,10,,$' $W/tz_native_dst.csv && grep -q '^2024-03-31T03:30,,20,,$' $W/tz_native_dst.csv &&
       grep -q '^2024-10-27T02:30,,70,,$' $W/tz_native_dst.csv; then
      pass=$((pass + 1)); echo "ok   $build import takeout --tz: +01:00 before, +02:00 after the spring change; the autumn hour twice"
    else fail=$((fail + 1)); echo "FAIL $build import takeout --tz output"; grep -v ',,,$' $W/tz_native_dst.csv | head; fi
    check "$build import takeout --tz local" 0 env TZ=America/New_York "${CLI[@]}" import takeout $W/steps_dst.csv --tz local -q -o $W/tz_native_dst_local.csv
    if grep -q '^2024-03-30T20:30,,10,,$' $W/tz_native_dst_local.csv; then pass=$((pass + 1)); echo "ok   $build import takeout --tz local follows TZ"
    else fail=$((fail + 1)); echo "FAIL $build import takeout --tz local"; fi
    check "$build import takeout of an unknown --tz" 2 "${CLI[@]}" import takeout $W/steps_dst.csv --tz Mars/Olympus
    grep_err "$build unknown --tz is named" "--tz 'Mars/Olympus' is not a time zone of this system"
    check "$build import takeout --tz ../../etc/passwd" 2 "${CLI[@]}" import takeout $W/steps_dst.csv --tz ../../etc/passwd
  else
    check "$build import takeout --tz" 2 "${CLI[@]}" import takeout $W/steps_dst.csv --tz Europe/Berlin
    grep_err "$build --tz says the WASI build has no zone database" "the WASI build does not have"
  fi
  check "$build import takeout --tz with --utc-offset" 2 "${CLI[@]}" import takeout $W/steps_dst.csv --tz UTC --utc-offset +01:00
  grep_err "$build --tz with --utc-offset is refused" "give --tz or --utc-offset, not both"
  printf 'PK\003\004\024\000\000\000\010\000' > $W/export.zip
  check "$build import apple-health of a zip" 4 "${CLI[@]}" import apple-health $W/export.zip
  grep_err "$build a zip says to unzip it" "is a zip archive (Apple's export.zip): unzip it first"
  check "$build import takeout bad --utc-offset" 2 "${CLI[@]}" import takeout $TK/steps-2024-03-10.json --utc-offset 5
  grep_err "$build import takeout bad --utc-offset is named" "--utc-offset needs +HH:MM"
  printf 'timestamp,steps\n2016-01-01T00:00:00Z,1\n2024-01-01T00:00:00Z,2\n' > $W/steps_long.csv
  check "$build import takeout over 1000 days" 4 "${CLI[@]}" import takeout $W/steps_long.csv -o $W/takeout_long.csv
  grep_err "$build import takeout over 1000 days says how to choose" "choose days with --from and --to"
  check "$build import takeout --from/--to" 0 "${CLI[@]}" import takeout $W/steps_long.csv --from 2023-12-31 --to 2024-01-01 -o $W/takeout_$build/window.csv
  if [ "$(grep -c . $W/takeout_$build/window.csv)" = 1441 ]; then pass=$((pass + 1)); echo "ok   $build import takeout --from/--to keeps the day inside"
  else fail=$((fail + 1)); echo "FAIL $build import takeout --from/--to"; fi
  # wearfm import apple-health: export.xml streamed (synthetic, tests/data/apple_health/make_export.py).
  AH=tests/data/apple_health/export.xml
  rm -rf $W/apple_$build
  check "$build import apple-health" 0 "${CLI[@]}" import apple-health $AH -o $W/apple_$build/out.csv
  grep_err "$build import apple-health names the dropped heart rate" "'heart_rate': 1 sample above 250 bpm dropped"
  if grep -q '^2024-03-09T11:01,90,27,,0$' $W/apple_$build/out.csv && grep -q '^2024-03-10T02:00,,,,2$' $W/apple_$build/out.csv &&
     grep -q '^2024-03-10T02:30,,,,$' $W/apple_$build/out.csv; then
    pass=$((pass + 1)); echo "ok   $build import apple-health: bpm from count/s, steps by source, the daylight-saving hour missing"
  else fail=$((fail + 1)); echo "FAIL $build import apple-health output"; fi
  check "$build import apple-health from stdin" 0 sh -c "\"\$@\" import apple-health - -q -o $W/apple_$build/stdin.csv < $AH" sh "${CLI[@]}"
  if cmp -s $W/apple_$build/out.csv $W/apple_$build/stdin.csv; then pass=$((pass + 1)); echo "ok   $build import apple-health: stdin and file give the same table"
  else fail=$((fail + 1)); echo "FAIL $build import apple-health stdin vs file"; fi
  head -c 3000 $AH > $W/apple_cut.xml
  check "$build import apple-health of a cut file" 4 "${CLI[@]}" import apple-health $W/apple_cut.xml -o $W/apple_bad.csv
  grep_err "$build import apple-health of a cut file names the place" "apple_cut.xml: line [0-9]*, column [0-9]*: "
  printf '<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n<!ENTITY a "x">\n]>\n<HealthData>&a;</HealthData>\n' > $W/apple_entity.xml
  check "$build import apple-health with an entity" 4 "${CLI[@]}" import apple-health $W/apple_entity.xml -o $W/apple_bad.csv
  grep_err "$build import apple-health with an entity is refused" "declares an entity"
  check "$build import apple-health of a minute CSV" 4 "${CLI[@]}" import apple-health $SAMPLE -o $W/apple_bad.csv
  grep_err "$build import apple-health of a CSV asks" "is this Apple Health's export.xml?"
  check "$build import apple-health of two files" 2 "${CLI[@]}" import apple-health $AH $AH
  check "$build import apple-health of a directory" 4 "${CLI[@]}" import apple-health tests -o $W/apple_bad.csv
  # wearfm import fit: files written by Garmin's FIT SDK (synthetic, tests/data/fit/make_fit.mjs).
  rm -rf $W/fit_$build
  check "$build import fit" 0 "${CLI[@]}" import fit tests/data/fit/activity.fit tests/data/fit/monitoring.fit -o $W/fit_$build/out.csv
  grep_err "$build import fit names the dropped heart rate" "'heart_rate': 1 sample above 250 bpm dropped"
  if grep -q '^2024-03-09T08:00,104.45,,,$' $W/fit_$build/out.csv && grep -q '^2024-03-10T08:00,69,90,,$' $W/fit_$build/out.csv; then
    pass=$((pass + 1)); echo "ok   $build import fit: activity heart rate and monitoring steps in the files' local time"
  else fail=$((fail + 1)); echo "FAIL $build import fit output"; fi
  head -c 900 tests/data/fit/activity.fit > $W/cut.fit
  check "$build import fit of a cut file" 4 "${CLI[@]}" import fit $W/cut.fit -o $W/fit_bad.csv
  grep_err "$build import fit of a cut file names the byte" "cut.fit: byte 4: the header says"
  check "$build import fit of a CSV" 4 "${CLI[@]}" import fit $SAMPLE -o $W/fit_bad.csv
  grep_err "$build import fit of a CSV says so" "not a FIT file"
  check "$build import fit --utc-offset --fixed-offset" 0 "${CLI[@]}" import fit tests/data/fit/activity.fit --fixed-offset --utc-offset +01:00 -q -o $W/fit_$build/fixed.csv
  if grep -q '^2024-03-09T14:00,104.45,,,$' $W/fit_$build/fixed.csv; then pass=$((pass + 1)); echo "ok   $build import fit --fixed-offset moves the activity to +01:00"
  else fail=$((fail + 1)); echo "FAIL $build import fit --fixed-offset"; fi
done
# The two builds read and embed waveforms identically.
if diff -r $W/wave_native $W/wave_wasi > /dev/null; then pass=$((pass + 1)); echo "ok   native and WASI waveform embed and hr outputs are identical"
else fail=$((fail + 1)); echo "FAIL native vs WASI waveform outputs"; diff -rq $W/wave_native $W/wave_wasi; fi
# The two builds import identically.
if diff -r $W/imp_native $W/imp_wasi > /dev/null; then pass=$((pass + 1)); echo "ok   native and WASI imports are identical"
else fail=$((fail + 1)); echo "FAIL native vs WASI import"; fi
if diff -r $W/takeout_native $W/takeout_wasi > /dev/null; then pass=$((pass + 1)); echo "ok   native and WASI read the Fitbit account export identically"
else fail=$((fail + 1)); echo "FAIL native vs WASI takeout import"; fi
if diff -r $W/apple_native $W/apple_wasi > /dev/null; then pass=$((pass + 1)); echo "ok   native and WASI read the Apple Health export identically"
else fail=$((fail + 1)); echo "FAIL native vs WASI apple-health import"; fi
if diff -r $W/fit_native $W/fit_wasi > /dev/null; then pass=$((pass + 1)); echo "ok   native and WASI read the FIT files identically"
else fail=$((fail + 1)); echo "FAIL native vs WASI fit import"; fi
# The README's C API example.
check "C API example runs" 0 build/native/embed_day $MODEL $SAMPLE
if [ "$(grep -c 'embedding from' $W/out)" = 3 ]; then pass=$((pass + 1)); echo "ok   C API example embeds 3 days"
else fail=$((fail + 1)); echo "FAIL C API example output"; cat $W/out; fi
echo "$pass passed, $fail failed"
[ $fail = 0 ]
