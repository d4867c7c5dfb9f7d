#!/usr/bin/env node
// Runs a WASI binary (the wearfm CLI, a test or a benchmark) under Node's
// node:wasi. Only the current directory is preopened, so paths must be
// relative to it, exactly as with
//   wasmtime run --dir . build/wasi/wearfm.wasm ...
import { WASI } from 'node:wasi';
import { readFile } from 'node:fs/promises';
import { openSync } from 'node:fs';
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
const module = await WebAssembly.compile(await readFile(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
