# wearfm: the two commands are `make demo` and `make test`.
# Everything else is a building block they use.

SHELL := /bin/bash
export NODE_PATH := /usr/share/nodejs
JOBS ?= $(shell nproc)
BUILD := build

.PHONY: all setup setup-base native wasi wasi-relaxed web build test fuzz demo bench bench-vs-ort data train residual-lopo anchor-lopo personal-lopo eval probes page-probes fill-bands curves clean serve sample train-accel ship-accel eval-accel

all: build

# Installs packages only when something is missing (see scripts/setup.sh).
# `setup` is everything; `setup-base` only what the native and WASI builds
# and `make demo` need, so the demo does not pull in Chromium, PyTorch and
# Emscripten.
setup: $(BUILD)/.setup-done
$(BUILD)/.setup-done: scripts/setup.sh
	@bash scripts/setup.sh
	@mkdir -p $(BUILD) && touch $@ $(BUILD)/.setup-base-done
setup-base: $(BUILD)/.setup-base-done
$(BUILD)/.setup-base-done: scripts/setup.sh
	@bash scripts/setup.sh base
	@mkdir -p $(BUILD) && touch $@

native: setup-base
	@cmake -S . -B $(BUILD)/native -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
	@ninja -C $(BUILD)/native

wasi: setup-base
	@cmake -S . -B $(BUILD)/wasi -G Ninja -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/cmake/wasi.cmake -DCMAKE_BUILD_TYPE=Release >/dev/null
	@ninja -C $(BUILD)/wasi

web: setup
	@emcmake cmake -S . -B $(BUILD)/web -G Ninja -DCMAKE_BUILD_TYPE=Release -DWFM_TESTS=OFF >/dev/null
	@ninja -C $(BUILD)/web

# The relaxed-SIMD variant of the WASI build (f32x4.relaxed_madd in the GEMM,
# clang-19): build/wasi/wearfm.relaxed.wasm beside the SIMD128 one, which
# wasi/run.mjs and wasi/run_wasmtime.py load instead when the engine has
# relaxed SIMD (README.md, "Relaxed SIMD").
wasi-relaxed: setup-base wasi
	@cmake -S . -B $(BUILD)/wasi-relaxed -G Ninja -DCMAKE_TOOLCHAIN_FILE=$(CURDIR)/cmake/wasi.cmake -DWFM_WASI_CC=clang-19 \
	   -DWFM_WASM_RELAXED_SIMD=ON -DCMAKE_BUILD_TYPE=Release >/dev/null
	@ninja -C $(BUILD)/wasi-relaxed
	@cp $(BUILD)/wasi-relaxed/wearfm.wasm $(BUILD)/wasi/wearfm.relaxed.wasm
build: native wasi web

# The browser demo on http://localhost:$(PORT)/ with COOP/COEP and CSP headers (web/README.md).
PORT ?= 8080
serve: web
	@PORT=$(PORT) node web/serve.mjs

# The whole suite; scripts/test.sh prints one line per stage and a summary.
test: setup
	@bash scripts/test.sh

demo: native wasi
	@bash scripts/demo.sh

# Regenerates the demo's sample (data/sample/fitabase_4388161847.csv) from
# $(DATA) with the C importer; run it after any importer change.
sample: native
	@DATA=$(DATA) bash scripts/make_sample.sh

bench: setup native wasi
	@bash bench/run.sh

# wearfm against onnxruntime-node and onnxruntime-web (under Node and in
# headless Chromium) on a paper-config day,
# interleaved in one run (bench/vs_ort.py; ~25 min on 2 cores, on an idle
# machine). The npm engines (pinned in bench/package.json, ~440 MB) are
# installed here only. Writes bench/vs-ort.json and bench/README.md's table.
bench-vs-ort: setup native wasi web
	@[ -d bench/node_modules/onnxruntime-web ] && [ -d bench/node_modules/onnxruntime-node ] || \
	   (cd bench && npm ci --no-audit --no-fund --onnxruntime-node-install=skip)
	@/usr/bin/python3 bench/vs_ort.py run
	@/usr/bin/python3 bench/vs_ort.py tables

# Long fuzzing run of every libFuzzer target (fuzz/fuzz_*.c: the model
# loader, the Fitabase, minute-CSV and export importers, the minute aggregator, the
# probe and fill-bands loaders, the E4 and waveform-CSV readers), FUZZ_SECONDS each; `make test` runs ~1 minute of each.
FUZZ_SECONDS ?= 3600
fuzz: setup
	@CC=clang cmake -S . -B $(BUILD)/fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWFM_FUZZ=ON -DWFM_TESTS=OFF -DWFM_BENCH=OFF >/dev/null
	@ninja -C $(BUILD)/fuzz
	@for t in $(BUILD)/fuzz/fuzz_*; do n=$${t##*/fuzz_}; mkdir -p $(BUILD)/fuzz/corpus_$$n; \
	   echo "== $$t for $(FUZZ_SECONDS) s"; \
	   mkdir -p $(BUILD)/fuzz/artifacts_$$n; \
	   $$t $(BUILD)/fuzz/corpus_$$n fuzz/corpus_$$n -dict=fuzz/$$n.dict -artifact_prefix=$(BUILD)/fuzz/artifacts_$$n/ \
	     -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 || exit 1; done

# Real data -> model (issue: AIM pretraining). DATA is the Fitabase export.
DATA ?= ../shared/data/fitabase
MODEL_NAME ?= wearfm-minute-fitabase
data: native
	@build/native/wearfm import fitabase $(DATA)/*.csv -o $(BUILD)/fitabase --report > $(BUILD)/fitabase-report.txt
	@echo "wrote $(BUILD)/fitabase/*.csv and $(BUILD)/fitabase-report.txt"

# Trains the shipped AIM model and the naive ablation side by side (1 thread
# each, the same budget: one thread each is faster in total than two runs
# of two threads, since torch scales poorly on these small matrices), with
# the recipe of the shipped models (run 3 in the model card, which shows the
# other runs and why they were not shipped). About 11 min on 2 cores.
# One BLAS thread per trainer, and glibc malloc told to keep freed memory:
# the attention tensors are reallocated every step, and returning them to
# the kernel cost a third of the CPU time in page faults.
TRAIN_ENV := OPENBLAS_NUM_THREADS=1 MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=68719476736 MALLOC_TOP_PAD_=1073741824
TRAIN_ARGS := --steps 600 --stop-after 500 --dropout 0 --time-shift 0 --weight-decay 0.05 --eval-every 100 --checkpoint-every 100 --threads 1 \
   --enc-dim 64 --enc-layers 2 --enc-heads 4 --dec-dim 64 --dec-layers 2 --dec-heads 4 --anchor cross_channel --anchor-rolling 1,3,5,10,30,60 --edge-tau 30 --anchor-profile \
   --no-absent-residual --residual-others-missing heart_rate --personal-lambda 1000
train: setup data
	@mkdir -p $(BUILD)/train
	@for m in aim naive; do flag=$$([ $$m = naive ] && echo --naive); out=models/$(MODEL_NAME)$$([ $$m = naive ] && echo -naive).safetensors; \
	   $(TRAIN_ENV) /usr/bin/python3 tools/train.py --data $(BUILD)/fitabase $$flag $(TRAIN_ARGS) \
	     --out $$out --log $(BUILD)/train/$$m.jsonl > $(BUILD)/train/$$m.out 2>&1 & \
	 done; wait; tail -n 2 $(BUILD)/train/aim.out $(BUILD)/train/naive.out

# Where the rule "absent_residual": false comes from: each heart-rate
# training person held out of training in turn, their whole-day heart rate
# filled with and without the head's residual (tools/residual_lopo.py;
# training people only, ~8 min on 2 cores). Writes models/train-logs/residual-lopo.json.
residual-lopo: native data
	@$(TRAIN_ENV) /usr/bin/python3 tools/residual_lopo.py --data $(BUILD)/fitabase --wearfm $(BUILD)/native/wearfm \
	   --workdir $(BUILD)/lopo --json models/train-logs/residual-lopo.json --every-scenario -- $(TRAIN_ARGS)

# Where the anchor's rolling half-widths come from: each heart-rate training
# person held out of the anchor's closed-form fit in turn, their heart rate
# filled by the anchor alone for every candidate set (tools/anchor_lopo.py;
# training people only, ~7 min on one core). Writes models/train-logs/anchor-lopo.json.
anchor-lopo: data
	@OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/anchor_lopo.py --data $(BUILD)/fitabase \
	   --model models/$(MODEL_NAME).safetensors --json models/train-logs/anchor-lopo.json

# Where personal_lambda comes from: the same folds, the anchor alone refitted
# on the held-out person's own other days for each candidate
# (tools/anchor_lopo.py --personal; ~4 min on one core). Writes
# models/train-logs/personal-lopo.json.
personal-lopo: data
	@OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/anchor_lopo.py --data $(BUILD)/fitabase \
	   --model models/$(MODEL_NAME).safetensors --personal 100,300,1000,3000,10000,30000 \
	   --json models/train-logs/personal-lopo.json

# The gap-filling evaluation on the validation people (tools/evaluate.py;
# ~2 min on one core): every method fills the same minute CSVs, the two
# models through the native CLI. It writes models/$(MODEL_NAME).eval.json
# and regenerates the card's and README's tables from it
# (tools/eval_tables.py; `make test` checks that they match). After a new
# model, `make eval` and a commit of the JSON, card and README is all it takes.
EVAL_JSON := models/$(MODEL_NAME).eval.json
eval: native data
	@/usr/bin/python3 tools/evaluate.py --data $(BUILD)/fitabase --wearfm $(BUILD)/native/wearfm \
	   --model models/$(MODEL_NAME).safetensors --naive models/$(MODEL_NAME)-naive.safetensors \
	   --json $(BUILD)/eval/results.json
	@cp $(BUILD)/eval/results.json $(EVAL_JSON)
	@/usr/bin/python3 tools/eval_tables.py --json $(EVAL_JSON)

# The linear-probe tables of the model card (tools/probe_tasks.py), then
# the card's generated blocks; and the training-curves picture.
probes: native data
	@/usr/bin/python3 tools/probe_tasks.py --data $(BUILD)/fitabase --model models/$(MODEL_NAME).safetensors \
	   --naive models/$(MODEL_NAME)-naive.safetensors --workdir $(BUILD)/probe-tasks \
	   --markdown models/$(MODEL_NAME).probes.md
	@cp $(BUILD)/probe-tasks/results.json models/$(MODEL_NAME).probes.json
	@/usr/bin/python3 tools/eval_tables.py --json $(EVAL_JSON)
# The probes the participant page loads by default (sleep vs wake, active vs
# not, per 20-min slot), fit by `wearfm probe fit` on the shipped model's
# slot features of the training people and measured on the validation
# people (tools/page_probes.py; ~40 s): models/probes/*.safetensors, their
# cards and probes.json. `make test` fails until this is run after a new model.
page-probes: native data
	@/usr/bin/python3 tools/page_probes.py --data $(BUILD)/fitabase --model models/$(MODEL_NAME).safetensors \
	   --wearfm $(BUILD)/native/wearfm --out models/probes --workdir $(BUILD)/page-probes
# The uncertainty band the page draws around filled heart rate and steps:
# the model's validation error by distance to the nearest recorded minute
# (tools/fill_bands.py; ~15 s). Rerun after a new model, as page-probes.
fill-bands: native data
	@/usr/bin/python3 tools/fill_bands.py --data $(BUILD)/fitabase --model models/$(MODEL_NAME).safetensors \
	   --wearfm $(BUILD)/native/wearfm --json models/$(MODEL_NAME).fill-bands.json
curves:
	@/usr/bin/python3 tools/plot_curves.py models/train-logs/run1-aim.jsonl:"AIM run 1 (1.4 M parameters)" \
	   models/train-logs/run3-aim.jsonl:"AIM run 3 (linear anchor)" models/train-logs/run6-aim.jsonl:"AIM run 6 (cross-channel anchor + edge_tau 30)" \
	   models/train-logs/run8-aim.jsonl:"AIM run 8 (typical day, 3 terms)" \
	   models/train-logs/run10-aim.jsonl:"AIM run 10 (shipped at step 500)" models/train-logs/run10-naive.jsonl:"naive run 10 (shipped at step 500)" \
	   --title "$(MODEL_NAME): training runs (shipped: run 10, rolling means of 1 to 60 min in the anchor)" --out models/$(MODEL_NAME)-curves.svg

# The accelerometer model distilled from PPG (issue 10), on WESAD by subject:
# every training run of the evaluation (3 folds x teacher, student and both
# baselines, augmentation ablations) and the shipped pair trained on all 15
# subjects (tools/accel_pipeline.sh; a finished run is kept, so a rerun
# resumes; about 3 h on 2 cores). ship-accel copies the pair to models/ and
# fits the shipped heart-rate probe; eval-accel scores the fold runs through
# the C core and regenerates the cards' and README's tables from
# models/wearfm-accel.eval.json (tools/accel_tables.py; `make test` checks them).
ACCEL_RUNS := $(BUILD)/accel
ACCEL_MODELS := models/wearfm-accel-wesad.safetensors,models/wearfm-ppg-wesad.safetensors
train-accel: setup
	@bash tools/accel_pipeline.sh $(ACCEL_RUNS)
ship-accel: native train-accel
	@/usr/bin/python3 tools/accel_ship.py --runs $(ACCEL_RUNS) --wearfm $(BUILD)/native/wearfm
eval-accel: native train-accel
	@/usr/bin/python3 tools/accel_eval.py --runs $(ACCEL_RUNS) --wearfm $(BUILD)/native/wearfm \
	   --out $(ACCEL_RUNS)/eval.json --shipped $(ACCEL_MODELS) --ablation-folds 0,1,2
	@cp $(ACCEL_RUNS)/eval.json models/wearfm-accel.eval.json
	@/usr/bin/python3 tools/accel_tables.py

clean:
	rm -rf $(BUILD)
