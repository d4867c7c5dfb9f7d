"""Runs a WASI binary under the real wasmtime engine (PyPI's `wasmtime`
package embeds it). Same preopen as wasi/run.mjs (the current directory only, so paths must be
relative); equivalent to

    wasmtime run --dir . FILE.wasm ARGS...

usage: build/pyvenv/bin/python wasi/run_wasmtime.py FILE.wasm [args...]
"""
import os
import sys

from wasmtime import Engine, ExitTrap, Linker, Module, Store, WasiConfig


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    path, args = sys.argv[1], sys.argv[2:]
    engine = Engine()
    module = Module.from_file(engine, path)
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
