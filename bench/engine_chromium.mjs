#!/usr/bin/env node
// A page in headless Chromium as one engine of `make bench-vs-ort`
// (bench/vs_ort.py), with the protocol of bench/bench_engine.c.
//
//   node bench/engine_chromium.mjs wearfm MODEL.safetensors TOKENS_DIR THREADS
//   node bench/engine_chromium.mjs ort-masked|ort-compact MODEL.onnx TOKENS_DIR THREADS
//
// It serves, on localhost with COOP/COEP (cross-origin isolation, so both
// threaded builds may start): the demo page's core and worker (web/serve.mjs's
// routes), onnxruntime-web's dist/, the model, the day's files and
// bench/chromium-page.mjs; then drives one page (bench/chromium-page.mjs).
// The timings are the page's own performance.now(). "quit" reports the
// page's memory from performance.measureUserAgentSpecificMemory.
import http from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { routes } from '../web/serve.mjs';
import { launch } from '../web/e2e/chromium.mjs';

const [, , engine, modelPath, tokensDir, threadsArg] = process.argv;
if (!['wearfm', 'ort-masked', 'ort-compact'].includes(engine) || !threadsArg) {
  console.error('usage: node bench/engine_chromium.mjs wearfm|ort-masked|ort-compact MODEL TOKENS_DIR THREADS');
  process.exit(2);
}
const bench = path.dirname(fileURLToPath(import.meta.url));
const web = routes();
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const PAGE = '<!doctype html><meta charset="utf-8"><title>wearfm bench</title><script type="module" src="/bench/page.mjs"></script>';

function fileFor(url) {
  if (web.files[url] && url.startsWith('/core/')) return web.files[url];
  if (url.startsWith('/src/')) {
    const f = path.resolve(web.dirs['/src/'][0], '.' + url.slice(4));
    return f.startsWith(web.dirs['/src/'][0] + path.sep) ? f : null;
  }
  if (url === '/bench/page.mjs') return path.join(bench, 'chromium-page.mjs');
  if (url === '/bench/model') return path.resolve(modelPath);
  if (url.startsWith('/bench/day/')) return path.join(path.resolve(tokensDir), path.basename(url));
  if (url.startsWith('/ort/')) return path.join(bench, 'node_modules/onnxruntime-web/dist', path.basename(url));
  return null;
}

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost').pathname;
  const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin', 'Cache-Control': 'no-store' };
  if (url === '/') return res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(PAGE);
  const f = fileFor(url);
  if (!f || !existsSync(f) || !statSync(f).isFile()) return res.writeHead(404, headers).end();
  res.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(f)] ?? 'application/octet-stream', 'Content-Length': statSync(f).size });
  createReadStream(f).pipe(res);
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const browser = await launch();
const page = await browser.newPage();
const problems = [];
page.on('pageerror', (e) => problems.push(e.message));
page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
await page.goto(`http://localhost:${server.address().port}/`);
await page.waitForFunction(() => window.benchReady === true, null, { timeout: 60000 });

async function fail(what, e) {
  console.error(`${what}: ${e?.message ?? e}${problems.length ? `\n${problems.join('\n')}` : ''}`);
  await browser.close();
  process.exit(1);
}

let info;
try {
  info = await page.evaluate(([e, t]) => window.bench.load(e, t), [engine, Number(threadsArg)]);
} catch (e) { await fail('load', e); }
if (!info.isolated) await fail('load', 'the page is not cross-origin isolated');
console.log(`ready load_s=${info.load.toFixed(6)} tokens=${info.tokens} variant=${info.variant.replace(/ /g, '_')}`);

let last = null;
for await (const line of createInterface({ input: process.stdin })) {
  if (line.startsWith('run')) {
    try { last = await page.evaluate(() => window.bench.run()); } catch (e) { await fail('run', e); }
    console.log(`time_s=${last.time.toFixed(6)} visible=${last.visible}`);
  } else if (line.startsWith('emb')) {
    console.log('emb ' + (last?.embedding ?? []).map((v) => v.toPrecision(9)).join(' '));
  } else if (line.startsWith('quit')) {
    break;
  } else {
    await fail('protocol', `unknown command: ${line}`);
  }
}
let mb = null;
try { mb = await Promise.race([page.evaluate(() => window.bench.memory()), new Promise((ok) => setTimeout(() => ok(null), 30000))]); } catch { mb = null; }
console.log(`peak_mb=${mb === null ? 'nan' : mb.toFixed(1)}`);
await browser.close();
server.close();
process.exit(0);
