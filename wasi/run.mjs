#!/usr/bin/env node
// Runs a WASI binary (the wearfm CLI, a test or a benchmark) under Node's
// node:wasi. Only the current directory is preopened, so paths must be
// relative to it, exactly as with
//   wasmtime run --dir . build/wasi/wearfm.wasm ...
import { WASI } from 'node:wasi';
import { readFile } from 'node:fs/promises';
import { existsSync, openSync } from 'node:fs';
import process from 'node:process';

const [, , wasmPath, ...args] = process.argv;
if (!wasmPath) {
  console.error('usage: node wasi/run.mjs FILE.wasm [args...]');
  process.exit(2);
}
// Node leaves stdio pipes non-blocking, and WASI uses them directly, so a
// large output piped to another program came out truncated, and reading
// stdin from a producer that paused failed with EAGAIN ("cannot read input
// '-'"). Reopening them through /dev/std* gives blocking descriptors (Linux).
function blockingFd(fd, name, flags) {
  try { return openSync(`/dev/${name}`, flags); } catch { return fd; }
}
const wasi = new WASI({
  version: 'preview1',
  args: [wasmPath, ...args],
  env: {
    WFM_KERNELS: process.env.WFM_KERNELS ?? '',
    ...(process.env.WFM_MAX_INPUT_BYTES ? { WFM_MAX_INPUT_BYTES: process.env.WFM_MAX_INPUT_BYTES } : {}),
  },
  preopens: { '.': process.cwd() },
  returnOnExit: true,
  stdin: blockingFd(0, 'stdin', 'r'),
  stdout: blockingFd(1, 'stdout', 'a'),
  stderr: blockingFd(2, 'stderr', 'a'),
});
// Relaxed SIMD (make wasi-relaxed): when X.relaxed.wasm sits beside X.wasm
// and this engine validates relaxed SIMD (Node 20 needs
// --experimental-wasm-relaxed-simd; newer V8 has it on), load that one; its
// outputs are within 1e-5 of X.wasm's (README.md, "Relaxed SIMD").
// WFM_WASM_RELAXED=0 keeps X.wasm. An engine without relaxed SIMD would
// refuse the whole module, so the choice is made here, not inside it.
function relaxedSimdValidates() {
  const v128 = [0xfd, 0x0c, ...new Array(16).fill(0)];              // v128.const 0
  const body = [0x00, ...v128, ...v128, ...v128, 0xfd, 0x85, 0x02, 0x1a, 0x0b]; // f32x4.relaxed_madd; drop; end
  return WebAssembly.validate(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x0a, body.length + 2, 0x01, body.length, ...body]));
}
let loadPath = wasmPath;
const relaxedPath = wasmPath.replace(/\.wasm$/, '.relaxed.wasm');
if (relaxedPath !== wasmPath && process.env.WFM_WASM_RELAXED !== '0' && existsSync(relaxedPath) && relaxedSimdValidates())
  loadPath = relaxedPath;
if (process.env.WFM_WASM_SHOW_BINARY === '1') console.error(`wasi/run.mjs: loading ${loadPath}`);
const module = await WebAssembly.compile(await readFile(loadPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
