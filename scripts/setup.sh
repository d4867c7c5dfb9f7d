#!/usr/bin/env bash
# Installs everything the build, the demo and the tests need, from Debian,
# npm and PyPI. Idempotent: it checks before installing, so `make` can call
# it every time. Run as root (or with sudo available).
#
#   scripts/setup.sh        everything (`make test`, web, fuzzing, training)
#   scripts/setup.sh base   only the native and WASI builds and `make demo`:
#                           compilers, wasi-libc, node, python3 (no Chromium,
#                           PyTorch, Emscripten or PyPI/npm packages)
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${1:-all}
case "$PROFILE" in all|base) ;; *) echo "usage: scripts/setup.sh [all|base]" >&2; exit 2 ;; esac

BASE_PACKAGES=(
  cmake ninja-build make gcc                     # native build
  clang lld llvm                                 # WASI build
  wasi-libc libclang-rt-14-dev-wasm32            # WASI sysroot and builtins
  python3                                        # the demo's report and pictures (standard library only)
  nodejs                                         # node:wasi runner
)

DEBIAN_PACKAGES=(
  cmake ninja-build make gcc                     # native build
  clang lld llvm                                 # WASI build, libFuzzer, sanitizers
  wasi-libc libclang-rt-14-dev-wasm32            # WASI sysroot and builtins
  libclang-rt-14-dev                             # libFuzzer + ASan/UBSan runtimes for clang
  clang-19 lld-19 libclang-rt-19-dev-wasm32      # the relaxed-SIMD WASI build (make wasi-relaxed)
  emscripten                                     # web build
  python3 python3-numpy python3-torch            # PyTorch reference (parity tests)
  libopenblas0-pthread                           # makes torch's CPU matmuls ~30x faster
  python3-venv                                   # venv for the wasmtime engine from PyPI
  nodejs                                         # node:wasi runner, Emscripten tests
  chromium                                       # web demo end-to-end test (headless, via playwright-core)
  slurmctld slurmd slurm-client munge            # the dask-jobqueue cohort recipe on a one-node Slurm
  curl ca-certificates                           # real FIT test files from the Go module proxy
)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

if [ "$PROFILE" = base ]; then DEBIAN_PACKAGES=("${BASE_PACKAGES[@]}"); fi

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodesource's nodejs counts too: any node >= 18 will do.
if command -v node >/dev/null && node -e 'process.exit(+process.versions.node.split(".")[0] >= 18 ? 0 : 1)'; then
  missing=("${missing[@]/nodejs}")
fi
want=()
for p in "${missing[@]}"; do [ -n "$p" ] && want+=("$p"); done
if [ ${#want[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${want[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${want[@]}"
fi

if [ "$PROFILE" = base ]; then echo "setup (base): ok"; exit 0; fi

# The real wasmtime engine, embedded in PyPI's `wasmtime` package.
VENV=build/pyvenv
if ! "$VENV/bin/python" -c 'import wasmtime' 2>/dev/null; then
  echo "setup: installing wasmtime (PyPI) into $VENV"
  /usr/bin/python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q 'wasmtime==50.0.1'
fi
# onnxruntime, the engine of the ONNX parity test (tests/test_onnx_parity.py;
# the same version as the npm packages of `make bench-vs-ort`).
if ! "$VENV/bin/python" -c 'import onnxruntime' 2>/dev/null; then
  echo "setup: installing onnxruntime (PyPI) into $VENV"
  "$VENV/bin/pip" install -q 'onnxruntime==1.30.0'
fi
# scipy, the resampler reference's own reference (tests/waveform/test_resample_scipy.py,
# which skips with a message when it could not be installed).
if ! "$VENV/bin/python" -c 'import scipy.signal' 2>/dev/null; then
  echo "setup: installing scipy (PyPI) into $VENV"
  "$VENV/bin/pip" install -q 'scipy==1.15.3' || echo "setup: scipy could not be installed; its test will be skipped"
fi

# npm packages for the page and its tests (pinned in web/package.json, if
# present): installed when one is missing or at another version, so a
# checkout that gains a package gets it.
npm_current() {
  node -e 'const p = require("./web/package.json");
    for (const [n, v] of Object.entries({ ...p.dependencies, ...p.devDependencies }))
      if (require("./web/node_modules/" + n + "/package.json").version !== v) process.exit(1);' 2>/dev/null
}
if [ -f web/package.json ] && ! npm_current; then
  echo "setup: installing npm packages in web/"
  (cd web && npm ci --no-audit --no-fund 2>/dev/null || npm install --no-audit --no-fund)
fi
# Real FIT files recorded by Garmin devices, for the FIT importer's tests
# (web/test/fit_real.test.mjs): the testdata of the Go module
# github.com/muktihari/fit (BSD-3-Clause), from the Go module proxy, checked
# by its hash. Not committed: the files in its from_official_sdk folder are
# Garmin's FIT SDK examples, under Garmin's licence.
FIT_ZIP=build/third-party/muktihari-fit-v0.26.1.zip
FIT_SHA=e458b0cf90d371f84fb1c45acdfe575014aa9979d3fa0f9662f162be03a275c8
FIT_DIR=build/third-party/fit-testdata
if [ ! -f "$FIT_DIR/.done" ]; then
  echo "setup: fetching real FIT test files (github.com/muktihari/fit v0.26.1 from proxy.golang.org, 3 MB)"
  mkdir -p build/third-party
  curl -fsSL -m 120 -o "$FIT_ZIP.part" https://proxy.golang.org/github.com/muktihari/fit/@v/v0.26.1.zip
  echo "$FIT_SHA  $FIT_ZIP.part" | sha256sum -c --quiet
  mv "$FIT_ZIP.part" "$FIT_ZIP"
  rm -rf "$FIT_DIR" && mkdir -p "$FIT_DIR"
  /usr/bin/python3 - "$FIT_ZIP" "$FIT_DIR" << 'PY'
import sys, zipfile, os
z = zipfile.ZipFile(sys.argv[1])
pre = "github.com/muktihari/fit@v0.26.1/"
for n in z.namelist():
    if n.startswith(pre + "testdata/from_official_sdk/") and n.endswith(".fit") or n == pre + "LICENSE":
        with open(os.path.join(sys.argv[2], os.path.basename(n)), "wb") as f:
            f.write(z.read(n))
PY
  touch "$FIT_DIR/.done"
fi
echo "setup: ok"
