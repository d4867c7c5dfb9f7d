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
// Node leaves stdout/stderr pipes non-blocking, and WASI writes to them
// directly, so a large output piped to another program came out truncated.
// Reopening them through /dev/std* gives blocking descriptors (Linux).
function blockingFd(fd, name) {
  try { return openSync(`/dev/${name}`, 'a'); } catch { return fd; }
}
const wasi = new WASI({
  version: 'preview1',
  args: [wasmPath, ...args],
  env: { WFM_KERNELS: process.env.WFM_KERNELS ?? '' },
  preopens: { '.': process.cwd() },
  returnOnExit: true,
  stdout: blockingFd(1, 'stdout'),
  stderr: blockingFd(2, 'stderr'),
});
const module = await WebAssembly.compile(await readFile(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
