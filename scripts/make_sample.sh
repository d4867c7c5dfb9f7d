#!/usr/bin/env bash
# Regenerates a bundled sample (data/sample/fitabase_<ID>.csv) from the real
# Fitabase export with the C importer, so the sample always follows the
# importer's current rules (sleep encoding, non-wear rule: docs/data.md).
# Run it again (`make sample`) whenever the importer changes.
#
#   scripts/make_sample.sh [ID FIRST_DAY LAST_DAY]
#
# Default: the demo's sample, 15-17 April 2016 of validation participant
# 4388161847 (three whole days with heart rate almost all day). The
# training person's sample the tests use was cut the same way:
#   scripts/make_sample.sh 4020332650 2016-05-05 2016-05-07
# DATA is the folder of the Fitabase CSVs (default ../shared/data/fitabase).
set -euo pipefail
cd "$(dirname "$0")/.."
ID=${1:-4388161847}
FIRST=${2:-2016-04-15}
LAST=${3:-2016-04-17}
DATA=${DATA:-../shared/data/fitabase}
TMP=build/sample-import
OUT=data/sample/fitabase_$ID.csv

[ -x build/native/wearfm ] || { echo "make_sample: build/native/wearfm is missing (make native)" >&2; exit 1; }
rm -rf "$TMP" && mkdir -p "$TMP"
build/native/wearfm import fitabase "$DATA"/*.csv --user "$ID" -o "$TMP" -q
# Header plus the rows of FIRST 00:00 .. LAST 23:59 (timestamps compare as text).
awk -F, -v a="$FIRST" -v b="$LAST" 'NR == 1 || (substr($1, 1, 10) >= a && substr($1, 1, 10) <= b)' \
  "$TMP/$ID.csv" > "$OUT.tmp"
rows=$(($(wc -l < "$OUT.tmp") - 1))
if [ "$rows" = 0 ] || [ $((rows % 1440)) != 0 ]; then
  echo "make_sample: $ID has $rows minutes in $FIRST..$LAST, not whole days" >&2; rm -f "$OUT.tmp"; exit 1
fi
mv "$OUT.tmp" "$OUT"
echo "wrote $OUT: $((rows / 1440)) days ($FIRST .. $LAST) of Fitabase participant $ID"
