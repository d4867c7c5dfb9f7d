#!/usr/bin/env bash
# Writes the seed corpus of fuzz_probe (fuzz/corpus_probe/): probe files as
# `wearfm probe fit` writes them, on real embeddings of the bundled sample
# (the shipped encoder) and on a small synthetic table, one per task and
# option that changes the file (classes, feature names, encoder binding,
# balanced, inner-CV scores, dual-form ridge). Deterministic; rerun after a
# change to the probe file format. (regression_*.bin are inputs the fuzzer
# found, kept as seeds.)
#   bash fuzz/make_probe_corpus.sh [path/to/wearfm]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/common.sh
CLI=${1:-build/native/wearfm}
OUT=fuzz/corpus_probe
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p $OUT

# Real embeddings: one row per day of each sample participant.
first=1
for f in data/sample/fitabase_*.csv; do
  user=$(basename "$f" .csv); user=${user#fitabase_}
  "$CLI" embed "$SHIPPED_MODEL" "$f" -q | awk -F, -v u="p$user" -v first=$first \
    'NR == 1 { if (first) print "user," $0; next } { print u "," $0 }'
  first=0
done > $TMP/emb.csv

# A small synthetic table: 3 named classes, 4 features, a numeric target.
awk 'BEGIN { srand(7); print "stage,target,x0,x1,x2,x3";
             split("awake light deep", name, " ");
             for (i = 0; i < 36; i++) { k = i % 3; x0 = k + rand(); x1 = rand(); x2 = 2 * rand() - k; x3 = rand();
               printf "%s,%.4f,%.4f,%.4f,%.4f,%.4f\n", name[k + 1], 3 * x0 - x2 + 0.1 * rand(), x0, x1, x2, x3 } }' > $TMP/small.csv

fit() { local name=$1; shift; "$CLI" probe fit "$@" -q -o $OUT/$name.safetensors; }
fit logistic_binary_embeddings_bound $TMP/emb.csv --labels user --features emb_ --model "$SHIPPED_MODEL"
fit ridge_dual_embeddings_cv $TMP/emb.csv --labels visible_tokens --features emb_ --task ridge --cv-lambda --inner-folds 3
fit logistic_3class_balanced_cv $TMP/small.csv --labels stage --exclude target --balanced --cv-lambda --inner-folds 3
fit logistic_3class_auroc_cv $TMP/small.csv --labels stage --exclude target --cv-lambda --lambdas 0.001,0.1,1 --cv-metric auroc
fit ridge_small $TMP/small.csv --labels target --exclude stage --task ridge --lambda 0.01
fit linear_small_cv $TMP/small.csv --labels target --exclude stage --task linear --cv-lambda --inner-folds 3
ls -l $OUT
