#!/usr/bin/env bash
# Development probes for the page's "heart rate from motion" (issue 10),
# until the lead ships models/probes/accel-hr.safetensors and
# accel-activity.safetensors: a ridge heart-rate probe on WESAD S2-S4 (the
# E4's own HR.csv, averaged over each 30-s window) with placeholder error
# bands, and a logistic probe of the 6 WISDM activities (subjects 1601-1608,
# not 1600, whose walking is the tests' snippet). Bound to $ACCEL_MODEL.
# Not measured on held-out people: development only, never shipped.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
W=build/native/wearfm
DATA=${DATA:-../shared/data}
OUT=build/accel/dev
mkdir -p "$OUT"
[ -f "$ACCEL_MODEL" ] || { echo "accel_dev_probes: no $ACCEL_MODEL (copy build/accel/student-fold0.safetensors from the main tree)" >&2; exit 1; }

# Heart rate: embeddings every 30 s, the mean HR.csv value over each window.
: > "$OUT/hr-features.csv"
first=1
for s in S2 S3 S4; do
  "$W" embed "$ACCEL_MODEL" "$DATA/wesad/$s/ACC.csv" --stride 30 --quiet > "$OUT/emb-$s.csv"
  python3 - "$OUT/emb-$s.csv" "$DATA/wesad/$s/HR.csv" "$first" >> "$OUT/hr-features.csv" <<'PY'
import sys, csv, datetime
emb, hr, first = sys.argv[1], sys.argv[2], sys.argv[3] == '1'
lines = open(hr).read().split()
t0, rate, vals = float(lines[0]), float(lines[1]), [float(v) for v in lines[2:]]
rows = list(csv.reader(open(emb)))
w = csv.writer(sys.stdout, lineterminator='\n')
if first: w.writerow(rows[0] + ['hr'])
for r in rows[1:]:
    t = datetime.datetime.strptime(r[0], '%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=datetime.timezone.utc).timestamp()
    i0, i1 = max(0, int((t - t0) * rate)), int((t + 30 - t0) * rate)
    seg = vals[i0:i1]
    if len(seg) >= 20: w.writerow(r + [f'{sum(seg) / len(seg):.3f}'])
PY
  first=0
done
"$W" probe fit "$OUT/hr-features.csv" --labels hr --task ridge --features emb_ --lambda 0.1 --model "$ACCEL_MODEL" -o "$OUT/hr-raw.safetensors"
echo '{"by":"motion_g","edges":[0.01,0.05],"mae_bpm":[5,7,9]}' > "$OUT/bands.json"
"$W" probe annotate "$OUT/hr-raw.safetensors" --error-bands "$OUT/bands.json" -o "$ACCEL_HR_PROBE"

# Activity: each subject's 2 minutes of every activity, embedded every 10 s.
declare -A NAME=([A]=walking [B]=jogging [C]=stairs [D]=sitting [E]=standing [M]=kicking)
: > "$OUT/act-features.csv"
for id in 1601 1602 1603 1604 1605 1606 1607 1608; do
  for a in A B C D E M; do
    awk -F, -v a="$a" 'BEGIN{print "timestamp,x,y,z"} $2==a {sub(/;$/,"",$5); printf "%.0f,%s,%s,%s\n", 1546300800000+50*(n++), $3, $4, $5}' \
      "$DATA/wisdm/data_${id}_accel_watch.txt" > "$OUT/wisdm.csv"
    "$W" embed "$ACCEL_MODEL" "$OUT/wisdm.csv" --unit m/s2 --rate 20 --stride 10 --quiet > "$OUT/wisdm-emb.csv"
    if [ ! -s "$OUT/act-features.csv" ]; then head -n 1 "$OUT/wisdm-emb.csv" | sed 's/$/,activity/' > "$OUT/act-features.csv"; fi
    tail -n +2 "$OUT/wisdm-emb.csv" | sed "s/\$/,${NAME[$a]}/" >> "$OUT/act-features.csv"
  done
done
"$W" probe fit "$OUT/act-features.csv" --labels activity --task logistic --features emb_ --lambda 0.01 --model "$ACCEL_MODEL" -o "$ACCEL_ACTIVITY_PROBE"
echo "accel_dev_probes: $ACCEL_HR_PROBE, $ACCEL_ACTIVITY_PROBE (development only)"
