#!/usr/bin/env node
// onnxruntime as one engine of `make bench-vs-ort` (bench/vs_ort.py), with
// the protocol of bench/bench_engine.c: load, then embed the day on each
// "run" line.
//
//   node bench/engine_ort.mjs node|web ONNX masked|compact TOKENS_DIR THREADS
//
// node: onnxruntime-node (its CPU library); web: onnxruntime-web's wasm SIMD
// backend under Node (threads through worker_threads). TOKENS_DIR is what
// tools/onnx_export.py day wrote; masked feeds every token with the visible
// mask, compact only the visible tokens and their positions.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const [, , backend, onnxPath, form, tokensDir, threadsArg] = process.argv;
if (!['node', 'web'].includes(backend) || !['masked', 'compact'].includes(form) || !threadsArg) {
  console.error('usage: node bench/engine_ort.mjs node|web ONNX masked|compact TOKENS_DIR THREADS');
  process.exit(2);
}
const threads = Number(threadsArg);
const ort = await import(backend === 'node' ? 'onnxruntime-node' : 'onnxruntime-web');
const manifest = JSON.parse(readFileSync(join(tokensDir, 'tokens.json'), 'utf8'));
const win = manifest.windows[0];
const N = manifest.n_tokens, P = manifest.patch_minutes, n = win.n_visible;

function load(name, Type) {
  const b = readFileSync(join(tokensDir, win.files[name]));
  return new Type(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
const feeds = form === 'masked'
  ? { patches: new ort.Tensor('float32', load('patches', Float32Array), [1, N, P]),
      visible: new ort.Tensor('bool', load('visible', Uint8Array), [1, N]) }
  : { patches: new ort.Tensor('float32', load('compact', Float32Array), [1, n, P]),
      positions: new ort.Tensor('int64', load('positions', BigInt64Array), [n]) };

const options = { graphOptimizationLevel: 'all' };
if (backend === 'node') {
  Object.assign(options, { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1 });
} else {
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  options.executionProviders = ['wasm'];
}
const t0 = performance.now();
const session = await ort.InferenceSession.create(readFileSync(onnxPath), options);
console.log(`ready load_s=${((performance.now() - t0) / 1000).toFixed(6)} tokens=${N}`);

let last = null;
for await (const line of createInterface({ input: process.stdin })) {
  if (line.startsWith('run')) {
    const s = performance.now();
    const out = await session.run(feeds);
    const e = (performance.now() - s) / 1000;
    last = out.embedding.data;
    console.log(`time_s=${e.toFixed(6)} visible=${n}`);
  } else if (line.startsWith('emb')) {
    console.log('emb ' + Array.from(last ?? [], (v) => v.toPrecision(9)).join(' '));
  } else if (line.startsWith('quit')) {
    break;
  } else {
    console.error(`unknown command: ${line}`);
    process.exit(1);
  }
}
console.log(`peak_mb=${(process.resourceUsage().maxRSS / 1024).toFixed(1)}`);
await session.release();
process.exit(0);
