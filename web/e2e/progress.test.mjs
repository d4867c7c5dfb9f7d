// issue 12 defect 6: a 2.5-minute fill of a large file showed no progress
// and could not be stopped. Now the model line says "n of N days" while it
// runs, Cancel stops the worker at once (a new one loads the model again),
// the page says so and stays usable; the API's signal does the same for any
// caller. The long file: 999 days (the minute table's span limit is 1000),
// one heart-rate value a day, written here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openPage, out } from './open-page.mjs';
import { samplePath } from '../testlib/load-core.mjs';

const DAYS = 999;
const longCsv = path.join(out, 'long-999-days.csv');
let p;

before(async () => {
  p = await openPage();
  const day0 = Date.UTC(2020, 0, 1, 12) / 60000;
  const rows = Array.from({ length: DAYS }, (_, i) => `${new Date((day0 + i * 1440) * 60000).toISOString().slice(0, 16)},${60 + (i % 20)}`);
  writeFileSync(longCsv, ['timestamp,heart_rate', ...rows].join('\n') + '\n');
});
after(async () => { await p?.close(); });

const modelLine = () => p.page.textContent('#model-status');
const progressOf = async () => Number((/([\d,]+) of 999 days/.exec(await modelLine()) ?? [, 'NaN'])[1].replace(/,/g, ''));

test('a long fill shows "n of N days" and a Cancel button', async () => {
  await p.page.setInputFiles('#file', longCsv);
  await p.page.waitForFunction(() => wearfmDemo.table?.length > 1000 * 1000, null, { timeout: 30000 });
  await p.page.click('#analyze');
  await p.page.waitForFunction(() => /filling the gaps: \d+ of 999 days/.test(document.getElementById('model-status').textContent), null, { timeout: 60000, polling: 50 });
  const first = await progressOf();
  await p.page.waitForFunction((n) => Number((/([\d,]+) of 999 days/.exec(document.getElementById('model-status').textContent) ?? [, '0'])[1].replace(/,/g, '')) > n, first, { timeout: 30000, polling: 50 });
  assert.equal(await p.page.isVisible('#cancel-fill'), true);
  assert.equal(await p.page.isDisabled('#analyze'), true, 'one fill at a time');
  const bar = await p.page.evaluate(() => document.getElementById('model-progress').value);
  assert.ok(bar > 0 && bar < 1, String(bar));
  await p.page.screenshot({ path: path.join(out, 'fill-progress.png') });
});

test('Cancel stops the work at once, says so, and the page stays usable', async () => {
  const before = await progressOf();
  assert.ok(before < DAYS, 'still running');
  const worker = await p.page.evaluateHandle(() => wearfmDemo.api.worker);
  await p.page.click('#cancel-fill');
  await p.page.waitForFunction(() => /^Stopped after [\d,]+ of 999 days; nothing was filled/.test(document.getElementById('model-status').textContent), null, { timeout: 20000 });
  const r = await p.page.evaluate((old) => ({
    replaced: wearfmDemo.api.worker !== old, job: wearfmDemo.job, analysis: wearfmDemo.analysis,
    cancelHidden: document.getElementById('cancel-fill').hidden, fillEnabled: !document.getElementById('analyze').disabled,
  }), worker);
  assert.equal(r.replaced, true, 'the busy worker was ended');
  assert.equal(r.job, null);
  assert.equal(r.analysis, null, 'nothing half-filled is shown');
  assert.equal(r.cancelHidden, true);
  assert.equal(r.fillEnabled, true);
  // The new worker has the model: one window is embedded at once (the old one had minutes of work queued).
  const ms = await p.page.evaluate(async () => {
    const { windowMinutes: T, nChannels: C } = wearfmDemo.info;
    const x = new Float32Array(T * C).fill(NaN);
    for (let t = 0; t < 600; t++) x[t * C] = 70;
    const t0 = performance.now();
    await wearfmDemo.api.embed(x);
    return performance.now() - t0;
  });
  assert.ok(ms < 5000, `embed after cancel took ${ms} ms`);
  assert.match(await p.page.textContent('#model-status'), /^Stopped after/, 'the line stays until the next action');
  await p.page.screenshot({ path: path.join(out, 'fill-cancelled.png') });
});

test('after a cancel, a fill runs to the end: the last progress is N of N days', async () => {
  await p.page.setInputFiles('#file', samplePath);
  await p.page.waitForFunction(() => wearfmDemo.table?.length < 10000, null, { timeout: 20000 });
  const seen = [];
  await p.page.exposeFunction('seenProgress', (t) => seen.push(t));
  await p.page.evaluate(() => new MutationObserver(() => seenProgress(document.getElementById('model-status').textContent))
    .observe(document.getElementById('model-status'), { childList: true, characterData: true, subtree: true }));
  // Every progress message the page's job gets (the line is drawn once a frame:
  // a fast fill may report all 3 days between two frames).
  await p.page.evaluate(() => {
    const api = wearfmDemo.api, analyzeTable = api.analyzeTable.bind(api);
    globalThis.jobProgress = [];
    api.analyzeTable = (t, o = {}) => analyzeTable(t, { ...o, onProgress: (q) => { jobProgress.push(q); o.onProgress?.(q); } });
  });
  await p.page.click('#analyze');
  await p.page.waitForFunction(() => /^Filled .* in 3 days/.test(document.getElementById('model-status').textContent), null, { timeout: 60000 });
  const reported = await p.page.evaluate(() => { delete wearfmDemo.api.analyzeTable; return jobProgress; });
  assert.deepEqual(reported, [1, 2, 3].map((done) => ({ done, total: 3 })));
  assert.ok(seen.some((t) => /filling the gaps/.test(t)), seen.join(' | '));
  assert.equal(await p.page.evaluate(() => document.getElementById('model-progress').value), 1);
});

test('the API: a signal stops analyzeTable, probeFit and importFitabase; the call rejects as cancelled, the model stays loaded', async () => {
  const r = await p.page.evaluate(async () => {
    const api = wearfmDemo.api, t = wearfmDemo.table;
    const ac = new AbortController(), progress = [];
    // Aborted after its first day: the two others never report.
    const run = api.analyzeTable({ ...t, values: t.values.slice() }, { signal: ac.signal, onProgress: (q) => { progress.push(q); if (q.done === 1) ac.abort(); } });
    const error = await run.then(() => null, (e) => ({ cancelled: e.cancelled, message: e.message }));
    const again = await api.analyzeTable({ ...t, values: t.values.slice() });
    const early = await api.analyzeTable({ ...t, values: t.values.slice() }, { signal: AbortSignal.abort() }).then(() => 'ran', (e) => e.cancelled);
    // One C call (a probe fit, an import) is stopped the same way: the worker is ended mid-call.
    const n = 4000, d = 64, X = new Float32Array(n * d).map((_, i) => Math.sin(i)), labels = new Int32Array(n).map((_, i) => i % 2);
    const fit = new AbortController();
    const fitting = api.probeFit({ X, n, d, labels, cvLambda: true, signal: fit.signal });
    fit.abort();
    const fitStopped = await fitting.then(() => 'ran', (e) => e.cancelled);
    const imp = new AbortController();
    const importing = api.importFitabase([{ name: 'hr.csv', bytes: new TextEncoder().encode('Id,Time,Value\n1,4/12/2016 7:21:00 AM,97\n') }], { signal: imp.signal });
    imp.abort();
    const importStopped = await importing.then(() => 'ran', (e) => e.cancelled);
    const after = await api.analyzeTable({ ...t, values: t.values.slice() });
    return { error, progress, windows: again.windows.length, early, fitStopped, importStopped, after: after.windows.length };
  });
  assert.deepEqual(r.error, { cancelled: true, message: 'cancelled' });
  assert.ok(r.progress.length >= 1 && r.progress.length < 3, JSON.stringify(r.progress));
  assert.equal(r.windows, 3, 'the model was loaded again in the new worker');
  assert.equal(r.early, true, 'an aborted signal stops the call before it starts');
  assert.equal(r.fitStopped, true, 'probeFit takes a signal');
  assert.equal(r.importStopped, true, 'importFitabase takes a signal');
  assert.equal(r.after, 3, 'and the worker works after them');
});

test('no request left the page origin; no page errors', () => {
  assert.deepEqual(p.foreign, []);
  assert.deepEqual(p.problems, []);
});
