"""Runs a WASI binary under the real wasmtime engine (PyPI's `wasmtime`
package embeds it). Same preopen as wasi/run.mjs (the current directory only, so paths must be
relative); equivalent to

    wasmtime run --dir . FILE.wasm ARGS...

usage: build/pyvenv/bin/python wasi/run_wasmtime.py FILE.wasm [args...]

With WFM_WASM_RELAXED=1 and FILE.relaxed.wasm beside FILE.wasm (make
wasi-relaxed), the relaxed-SIMD build is loaded instead. Opt-in here, while
wasi/run.mjs takes it whenever V8 validates relaxed SIMD: wasmtime enables it
by default, and the default runs of node:wasi, wasmtime and wazero stay
bit-identical (README.md, "Relaxed SIMD").
"""
import os
import sys

from wasmtime import Config, Engine, ExitTrap, Linker, Module, Store, WasiConfig


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    path, args = sys.argv[1], sys.argv[2:]
    config = Config()
    load = path
    relaxed = path[:-len(".wasm")] + ".relaxed.wasm" if path.endswith(".wasm") else ""
    if os.environ.get("WFM_WASM_RELAXED") == "1" and relaxed and os.path.exists(relaxed):
        config.wasm_relaxed_simd = True
        load = relaxed
    if os.environ.get("WFM_WASM_SHOW_BINARY") == "1":
        print(f"wasi/run_wasmtime.py: loading {load}", file=sys.stderr)
    engine = Engine(config)
    module = Module.from_file(engine, load)
    linker = Linker(engine)
    linker.define_wasi()
    store = Store(engine)
    wasi = WasiConfig()
    wasi.argv = [path, *args]
    wasi.env = [("WFM_KERNELS", os.environ.get("WFM_KERNELS", ""))] + [
        (k, os.environ[k]) for k in ("WFM_MAX_INPUT_BYTES",) if os.environ.get(k)]
    wasi.inherit_stdin()
    wasi.inherit_stdout()
    wasi.inherit_stderr()
    wasi.preopen_dir(".", ".")
    store.set_wasi(wasi)
    instance = linker.instantiate(store, module)
    try:
        instance.exports(store)["_start"](store)
    except ExitTrap as e:
        return e.code
    return 0


if __name__ == "__main__":
    sys.exit(main())
