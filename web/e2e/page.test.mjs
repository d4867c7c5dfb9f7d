// The demo page in Debian's Chromium (headless), in the order a participant
// would use it: the worker loads the shipped model (threaded build, cross-
// origin isolated); an emulated BLE heart-rate sensor streams through the
// real Web Bluetooth API into the timeline, drops and reconnects; files come
// in through the file input (Fitabase, E4, the sample CSV); the browser's
// imputation and a probe's predictions equal the native CLI within 1e-5;
// exports; the single-threaded fallback and the no-SIMD message; no request
// leaves the page's origin. Screenshots land in build/web-e2e/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { serve } from '../serve.mjs';
import { launch } from './chromium.mjs';
import { emulateHeartRateSensor } from './ble-peripheral.mjs';
import { root, build, modelPath, samplePath, relErr } from '../testlib/load-core.mjs';

const out = path.join(build, 'web-e2e');
const cli = (args) => JSON.parse(execFileSync(path.join(build, 'native/wearfm'), [...args, '--format', 'json', '--threads', '1', '-q'], { maxBuffer: 1 << 28 }));
let server, url, browser, context, page;
const foreign = [], seen = [], problems = [], allowed = new Set();

before(async () => {
  mkdirSync(out, { recursive: true });
  ({ server, url } = await serve({ port: 0, model: path.relative(root, modelPath), sample: path.relative(root, samplePath) }));
  allowed.add(new URL(url).origin);
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1100, height: 900 }, acceptDownloads: true });
  // Every request, the worker's included, must go to the page's own origin
  // (the fallback test's second server is another page, with its own origin).
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (allowed.has(u.origin) || u.protocol === 'data:' || u.protocol === 'blob:') return route.continue();
    foreign.push(u.href);
    return route.abort();
  });
  context.on('request', (r) => seen.push(r.url()));
  page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  await page.goto(url);
});

after(async () => {
  await browser?.close();
  server?.close();
});

const demo = (fn, arg) => page.evaluate(fn, arg);

test('the page loads, detects SIMD and cross-origin isolation, and loads the shipped model', async () => {
  await page.waitForFunction(() => globalThis.wearfmDemo?.ready, null, { timeout: 30000 });
  const s = await demo(() => ({ f: wearfmDemo.features, info: wearfmDemo.info, status: document.getElementById('model-status').textContent }));
  assert.equal(s.f.simd, true);
  assert.equal(s.f.crossOriginIsolated, true);
  assert.equal(s.f.build, 'pthreads', 'cross-origin isolated: the threaded build');
  assert.equal(s.info.threads, Math.min(4, os.cpus().length));
  assert.equal(s.info.windowMinutes, 1440);
  assert.deepEqual(s.info.channels.map((c) => c.name), cli(['info', modelPath]).model.channels);
  assert.match(s.status, /Model ready/);
  assert.ok(seen.some((u) => u.endsWith('/core/wearfm_core_mt.wasm')), 'requests from the worker are observed too');
});

test('embed and impute on one window: arrays are transferred, not copied', async () => {
  const r = await demo(async () => {
    const { windowMinutes: T, nChannels: C, encDim: D } = wearfmDemo.info;
    const x = new Float32Array(T * C).fill(NaN);
    for (let t = 480; t < 900; t++) { x[t * C] = 70 + (t % 11); x[t * C + 1] = t % 7; }
    const keep = x.slice();
    const imp = await wearfmDemo.api.impute(x);
    const detached = x.byteLength === 0;
    const emb = await wearfmDemo.api.embed(keep.slice(), { tokens: true });
    let kept = true;
    for (let i = 0; i < T * C; i++) if (!Number.isNaN(keep[i]) && imp.values[i] !== keep[i]) kept = false;
    return { detached, kept, finite: imp.values.every(Number.isFinite), n: imp.values.length, emb: emb.embedding.length, D, tok: emb.tokenEmbeddings.length, N: wearfmDemo.info.nTokens, vis: emb.visibleTokens };
  });
  assert.equal(r.detached, true, 'the input went to the worker in the transfer list');
  assert.ok(r.kept && r.finite);
  assert.equal(r.emb, r.D);
  assert.equal(r.tok, r.N * r.D);
  assert.ok(r.vis > 0 && r.vis < r.N);
});

test('the model is cached in Cache Storage only when asked, and reports progress', async () => {
  const r = await demo(async () => {
    const api = wearfmDemo.api, progress = [];
    await api.clearCache();
    const a = await api.load('model/wearfm.safetensors', { cache: true, onProgress: (p) => progress.push(p) });
    const b = await api.load('model/wearfm.safetensors', { cache: true });
    await api.clearCache();
    const c = await api.load('model/wearfm.safetensors');
    return { a: a.fromCache, b: b.fromCache, c: c.fromCache, progress: progress.length, last: progress.at(-1), bytes: a.bytes, keys: await caches.keys() };
  });
  assert.deepEqual([r.a, r.b, r.c], [false, true, false]);
  assert.ok(r.progress >= 1 && r.last.loaded === r.bytes && r.last.total === r.bytes);
  assert.deepEqual(r.keys, []);
  // The page's consent box stores it; "forget" removes it.
  await page.check('#remember-model');
  await page.waitForFunction(async () => (await caches.keys()).length === 1, null, { timeout: 10000, polling: 200 });
  await page.click('#forget');
  await page.waitForFunction(async () => (await caches.keys()).length === 0 && !document.getElementById('remember-model').checked, null, { timeout: 10000, polling: 200 });
  await page.waitForFunction(() => /Model ready/.test(document.getElementById('model-status').textContent));
});

test('an emulated BLE heart-rate sensor streams through Web Bluetooth into the timeline, and reconnects', async () => {
  let n = 0;
  // HR 70..74 with contact, one RR interval each (alternating 800/860 ms), as a strap sends.
  const sensor = await emulateHeartRateSensor(browser, page, () => {
    const rr = n % 2 ? 881 : 819;
    return [0x16, 70 + (n++ % 5), rr & 0xff, rr >> 8];
  });
  try {
    await page.click('#connect-hr');
    await page.waitForFunction(() => wearfmDemo.agg?.samples >= 8, null, { timeout: 30000 });
    await sensor.disconnect();
    await page.waitForFunction(() => wearfmDemo.agg.gaps.length === 1 && wearfmDemo.agg.gaps[0].to !== null, null, { timeout: 30000 });
    const before = await demo(() => wearfmDemo.agg.samples);
    await page.waitForFunction((k) => wearfmDemo.agg.samples >= k + 4, before, { timeout: 30000 });
    const s = await demo(() => {
      const t = wearfmDemo.agg.table();
      const hr = t.channels.indexOf('heart_rate'), C = t.channels.length;
      const vals = [];
      for (let i = 0; i < t.length; i++) if (!Number.isNaN(t.values[i * C + hr])) vals.push(t.values[i * C + hr]);
      return { channels: t.channels, vals, status: document.getElementById('status').textContent, gaps: wearfmDemo.agg.gaps.length };
    });
    assert.ok(s.channels.includes('heart_rate') && s.channels.includes('hrv_rmssd'), s.channels.join());
    assert.ok(s.vals.length >= 1 && s.vals.every((v) => v >= 70 && v <= 74), s.vals.join());
    assert.match(s.status, /recording/);
    assert.ok(sensor.stats.connections >= 2, 'reconnected through the real API');
    await page.screenshot({ path: path.join(out, 'ble.png') });
    await page.click('#stop');
  } finally {
    await sensor.close();
  }
});

test('Fitabase exports through the file input: the C importer, one participant at a time', async () => {
  const dir = path.join(root, 'fuzz/corpus_fitabase');
  const files = ['heartrate.csv', 'steps_wide.csv', 'intensities_wide.csv', 'sleep.csv'].map((f) => path.join(dir, f));
  await page.setInputFiles('#file', files);
  await page.waitForFunction(() => /Fitabase/.test(document.getElementById('status').textContent), null, { timeout: 20000 });
  execFileSync(path.join(build, 'native/wearfm'), ['import', 'fitabase', ...files, '-o', path.join(out, 'fitabase')], { stdio: 'ignore' });
  const ids = readdirSync(path.join(out, 'fitabase')).map((f) => f.replace(/\.csv$/, '')).sort();
  const r = await demo(() => ({ options: [...document.querySelectorAll('#user option')].map((o) => o.textContent), pick: !document.getElementById('user-pick').hidden, channels: wearfmDemo.table.channels }));
  assert.deepEqual(r.options, ids, 'the participants the CLI finds');
  assert.ok(r.pick);
  assert.deepEqual(r.channels, ['heart_rate', 'steps', 'intensity', 'sleep_state']);
  await page.selectOption('#user', '1');
  const second = await demo(() => wearfmDemo.sourceName);
  assert.match(second, new RegExp(`participant ${r.options[1]}`));
});

test('Empatica E4 files through the file input become minute bins', async () => {
  const dir = path.join(out, 'e4');
  mkdirSync(dir, { recursive: true });
  const start = 1495437300; // on a minute boundary
  const hr = [start.toFixed(6), '1.000000', ...Array.from({ length: 180 }, (_, i) => (60 + Math.floor(i / 60) * 10).toFixed(2))];
  writeFileSync(path.join(dir, 'HR.csv'), hr.join('\n') + '\n');
  writeFileSync(path.join(dir, 'TEMP.csv'), `${start}\n4\n33.1\n`);
  await page.setInputFiles('#file', [path.join(dir, 'HR.csv'), path.join(dir, 'TEMP.csv')]);
  await page.waitForFunction(() => /Empatica E4 HR/.test(document.getElementById('status').textContent), null, { timeout: 20000 });
  const v = await demo(() => {
    const t = wearfmDemo.agg.table();
    return Array.from(t.values).filter((x) => !Number.isNaN(x));
  });
  assert.deepEqual(v, [60, 70, 80]);
});

test('a file import: the sample CSV through the file input, parsed by the C importer', async () => {
  await page.setInputFiles('#file', samplePath);
  await page.waitForFunction(() => wearfmDemo.table && /minute table/.test(document.getElementById('status').textContent), null, { timeout: 20000 });
  const t = await demo(() => ({ start: wearfmDemo.table.start, length: wearfmDemo.table.length, channels: wearfmDemo.table.channels }));
  assert.equal(t.length, readFileSync(samplePath, 'utf8').trim().split('\n').length - 1);
  assert.deepEqual(t.channels, ['heart_rate', 'steps', 'intensity', 'sleep_state']);
});

test('imputation in the browser equals the native CLI within 1e-5 (imputed and --raw)', async () => {
  await page.click('#analyze');
  await page.waitForFunction(() => wearfmDemo.analysis, null, { timeout: 60000 });
  const web = await demo(async () => {
    const t = wearfmDemo.table;
    const raw = await wearfmDemo.api.analyzeTable({ ...t, values: t.values.slice() }, { imputed: false, reconstruction: true, embedding: false });
    return {
      windows: wearfmDemo.analysis.windows.map((w) => ({ start: w.startText, visible: w.visibleTokens, imputed: Array.from(w.imputed), embedding: Array.from(w.embedding), filled: Array.from(w.filled) })),
      raw: raw.windows.map((w) => Array.from(w.reconstruction)),
    };
  });
  const imp = cli(['impute', modelPath, samplePath]).windows, rec = cli(['impute', modelPath, samplePath, '--raw']).windows;
  const emb = cli(['embed', modelPath, samplePath]).windows;
  assert.equal(web.windows.length, imp.length);
  let worst = 0;
  web.windows.forEach((w, i) => {
    assert.equal(w.start, imp[i].start);
    assert.equal(w.visible, emb[i].visible_tokens);
    assert.deepEqual(w.filled, imp[i].filled.flat());
    worst = Math.max(worst, relErr(w.imputed, imp[i].values.flat()), relErr(web.raw[i], rec[i].values.flat()), relErr(w.embedding, emb[i].embedding));
  });
  console.log(`  browser vs native CLI: worst relative error ${worst.toExponential(2)} over ${imp.length} windows`);
  assert.ok(worst < 1e-5, String(worst));
});

test('a probe file opened in the page predicts each day as the CLI does (1e-5)', async () => {
  // A probe fit by the CLI on the sample's day embeddings, bound to the model.
  const emb = execFileSync(path.join(build, 'native/wearfm'), ['embed', modelPath, samplePath, '-q']).toString().trim().split('\n');
  const feats = path.join(out, 'day-features.csv'), probePath = path.join(out, 'day-probe.safetensors');
  writeFileSync(feats, [emb[0] + ',label', ...emb.slice(1).map((l, i) => `${l},${i % 2 ? 'weekend' : 'weekday'}`)].join('\n') + '\n');
  const probe = (args) => execFileSync(path.join(build, 'native/wearfm'), ['probe', ...args, '-q']).toString();
  probe(['fit', feats, '--labels', 'label', '--features', 'emb_', '--model', modelPath, '-o', probePath]);
  const ref = JSON.parse(probe(['predict', probePath, feats, '--model', modelPath, '--format', 'json'])).rows;
  await page.setInputFiles('#probe-file', probePath);
  await page.waitForFunction(() => wearfmDemo.predictions?.length, null, { timeout: 20000 });
  // The status lines are drawn on the next animation frame (the table at once).
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
  const web = await demo(() => ({ rows: wearfmDemo.predictions, shown: document.querySelectorAll('#probe-table tbody tr').length, status: document.getElementById('probe-status').textContent }));
  assert.equal(web.rows.length, ref.length);
  assert.equal(web.shown, ref.length);
  assert.match(web.status, /weekday, weekend/);
  web.rows.forEach((r, i) => r.outputs.forEach((v, k) => assert.ok(Math.abs(v - ref[i].probabilities[k]) < 1e-5, `${v} vs ${ref[i].probabilities[k]}`)));
});

test('exports are local downloads; the CSV reads back into the CLI', async () => {
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
  const csvPath = path.join(out, 'export.csv');
  await csv.saveAs(csvPath);
  const text = readFileSync(csvPath, 'utf8');
  assert.match(text.split('\n')[0], /^timestamp,heart_rate,steps,intensity,sleep_state,heart_rate_model,/);
  const back = cli(['impute', modelPath, csvPath]).windows, ref = cli(['impute', modelPath, samplePath]).windows;
  assert.deepEqual(back.map((w) => w.values), ref.map((w) => w.values));
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#export-json')]);
  const doc = JSON.parse(readFileSync(await json.path(), 'utf8'));
  assert.equal(doc.analysis.length, ref.length);
  assert.equal(doc.predictions.length, ref.length);
  assert.equal(doc.table.columns[0], 'timestamp');
});

test('the sample replay fills the timeline; screenshots at desktop and phone size', async () => {
  await page.click('#sample');
  await page.waitForFunction(() => wearfmDemo.sampleDone, null, { timeout: 30000 });
  await page.click('#prev');
  await page.click('#analyze');
  await page.waitForFunction(() => wearfmDemo.analysis, null, { timeout: 60000 });
  await page.waitForTimeout(200);
  await page.screenshot({ path: path.join(out, 'screenshot.png'), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(out, 'screenshot-phone.png'), fullPage: true });
  await page.locator('#day').screenshot({ path: path.join(out, 'day-phone.png') });
  const shown = await demo(() => document.getElementById('observed').textContent);
  assert.match(shown, /recorded in \d+ h \d+ min of this day/);
});

test('without cross-origin isolation the page runs the single-threaded build, with no error', async () => {
  const plain = await serve({ port: 0, isolate: false, model: path.relative(root, modelPath), sample: path.relative(root, samplePath) });
  allowed.add(new URL(plain.url).origin);
  const p = await context.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(e.message));
  try {
    await p.goto(plain.url);
    await p.waitForFunction(() => globalThis.wearfmDemo?.ready, null, { timeout: 30000 });
    const r = await p.evaluate(async () => {
      const t = await wearfmDemo.api.readMinutesCsv(new Uint8Array(await (await fetch('sample/sample.csv')).arrayBuffer()));
      const a = await wearfmDemo.api.analyzeTable(t);
      return { f: wearfmDemo.features, alert: document.getElementById('alert').hidden, imputed: a.windows.map((w) => Array.from(w.imputed)) };
    });
    assert.equal(r.f.crossOriginIsolated, false);
    assert.equal(r.f.build, 'single');
    assert.equal(r.f.threads, 1);
    assert.equal(r.alert, true, 'no message shown');
    const imp = cli(['impute', modelPath, samplePath]).windows;
    r.imputed.forEach((v, i) => assert.ok(relErr(v, imp[i].values.flat()) < 1e-5));
    assert.deepEqual(errors, []);
  } finally {
    await p.close();
    plain.server.close();
  }
});

test('a browser without wasm SIMD gets a plain message instead of a broken page', async () => {
  const p = await context.newPage();
  await p.addInitScript(() => { WebAssembly.validate = () => false; });
  try {
    await p.goto(url);
    await p.waitForSelector('#alert:not([hidden])', { timeout: 10000 });
    const r = await p.evaluate(() => ({ alert: document.getElementById('alert').textContent, status: document.getElementById('model-status').textContent, sample: document.getElementById('sample').disabled }));
    assert.match(r.alert, /cannot run the model: it lacks WebAssembly SIMD/);
    assert.match(r.status, /cannot run in this browser/);
    assert.equal(r.sample, true, 'what needs the core is disabled');
  } finally {
    await p.close();
  }
});

test('no request left the page origin; no page errors or CSP violations', () => {
  assert.deepEqual(foreign, []);
  assert.deepEqual(problems, []);
  writeFileSync(path.join(out, 'requests.txt'), seen.join('\n') + '\n');
});

test('the CSP itself blocks a request to another origin, from the page and from the worker', async () => {
  const r = await demo(async () => {
    const seen = [];
    document.addEventListener('securitypolicyviolation', (e) => seen.push(e.effectiveDirective));
    const blocked = await fetch('https://example.org/upload', { method: 'POST', body: 'x' }).then(() => false, () => true);
    await new Promise((ok) => setTimeout(ok, 100));
    // The worker has its own policy (from its response headers): a model URL elsewhere fails there.
    const worker = await wearfmDemo.api.load('https://example.org/model.safetensors').then(() => 'loaded', (e) => e.message);
    return { blocked, seen, worker };
  });
  assert.equal(r.blocked, true);
  assert.match(r.worker, /fetch/i);
  assert.ok(r.seen.includes('connect-src'), JSON.stringify(r));
  assert.deepEqual(foreign, [], 'the CSP stopped it before the network');
});
