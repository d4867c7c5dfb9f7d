// The worker's core wrapper (web/src/core.js) on the Emscripten build: whole
// tables analysed window by window must equal the native CLI (embed, impute,
// impute --raw) within 1e-5, and the Fitabase importer must give the CLI's
// per-user tables exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { WearfmCore } from '../src/core.js';
import { tableToCsv } from '../src/minute-csv.js';
import { loadCoreModule, root, build, modelPath, samplePath, relErr } from '../testlib/load-core.mjs';

const cli = path.join(build, 'native/wearfm');
const native = (args) => execFileSync(cli, [...args, '--threads', '1', '-q'], { maxBuffer: 1 << 28 }).toString();

async function core() {
  const c = new WearfmCore(await loadCoreModule());
  c.loadModel(readFileSync(modelPath));
  return c;
}

test('analyzeTable on the sample equals the native CLI (embed, impute, impute --raw)', async () => {
  const c = await core();
  const table = c.readMinutesCsv(readFileSync(samplePath));
  const res = c.analyzeTable(table, { embedding: true, imputed: true, reconstruction: true });
  const emb = JSON.parse(native(['embed', modelPath, samplePath, '--format', 'json'])).windows;
  const imp = JSON.parse(native(['impute', modelPath, samplePath, '--format', 'json'])).windows;
  const raw = JSON.parse(native(['impute', modelPath, samplePath, '--format', 'json', '--raw'])).windows;
  assert.equal(res.windows.length, emb.length);
  assert.ok(res.windows.length >= 3);
  res.windows.forEach((w, i) => {
    assert.equal(w.startText, emb[i].start);
    assert.equal(w.visibleTokens, emb[i].visible_tokens);
    assert.ok(relErr(w.embedding, emb[i].embedding) < 1e-5);
    assert.ok(relErr(w.imputed, imp[i].values.flat()) < 1e-5);
    assert.ok(relErr(w.reconstruction, raw[i].values.flat()) < 1e-5);
    assert.deepEqual(Array.from(w.filled), imp[i].filled.flat());
  });
});

test('a model with a profile anchor fills as the CLI: the typical day from the table itself', async () => {
  // tests/fixtures/v2p: 120-minute windows, heart_rate / steps / sleep, anchor_profile
  const fixture = path.join(root, 'tests/fixtures/v2p.safetensors');
  const c = new WearfmCore(await loadCoreModule());
  c.loadModel(readFileSync(fixture));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wearfm-profile-'));
  const csv = path.join(dir, 'days.csv');
  const rows = ['timestamp,heart_rate,steps,sleep'];
  for (let i = 0; i < 3 * 1440; i++) {
    const day = Math.floor(i / 1440), m = i % 1440;
    const hr = day === 1 && m >= 600 && m < 720 ? '' : (65 + 10 * Math.sin(i / 200)).toFixed(1);
    const ts = `2016-04-${String(12 + day).padStart(2, '0')}T${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    rows.push(`${ts},${hr},${i % 7},${Math.floor(i / 90) % 2}`);
  }
  writeFileSync(csv, rows.join('\n') + '\n');
  const res = c.analyzeTable(c.readMinutesCsv(readFileSync(csv)), { embedding: false, imputed: true });
  const imp = JSON.parse(native(['impute', fixture, csv, '--format', 'json'])).windows;
  const alone = JSON.parse(native(['impute', fixture, csv, '--format', 'json', '--no-history'])).windows;
  assert.equal(res.windows.length, imp.length);
  let differs = 0;
  res.windows.forEach((w, i) => {
    assert.ok(relErr(w.imputed, imp[i].values.flat()) < 1e-5, `window ${imp[i].start}`);
    differs = Math.max(differs, relErr(w.imputed, alone[i].values.flat()));
  });
  assert.ok(differs > 1e-3, 'the typical day changes the fills');
});

test('a window run keeps observed values and gives per-token outputs', async () => {
  const c = await core();
  const { windowMinutes: T, nChannels: C, nTokens: N, encDim: D } = c.info;
  const x = new Float32Array(T * C).fill(NaN);
  for (let t = 0; t < 300; t++) x[t * C] = 60 + (t % 7);
  const out = c.run(x, { imputed: true, tokens: true, embedding: true });
  assert.equal(out.tokenEmbeddings.length, N * D);
  assert.equal(out.tokenVisible.reduce((a, b) => a + b, 0), out.visibleTokens);
  for (let t = 0; t < 300; t++) assert.equal(out.imputed[t * C], x[t * C]);
  assert.ok(out.imputed.every(Number.isFinite));
  assert.throws(() => c.run(new Float32Array(T * C).fill(NaN)), /observed|no data|visible/i);
  assert.throws(() => c.run(new Float32Array(3)), /Float32Array of/);
});

test('Fitabase import through wasm equals `wearfm import fitabase`', async () => {
  const c = await core();
  const dir = path.join(root, 'fuzz/corpus_fitabase');
  const names = ['heartrate.csv', 'steps_wide.csv', 'intensities_wide.csv', 'sleep.csv'];
  const files = names.map((n) => ({ name: n, bytes: readFileSync(path.join(dir, n)) }));
  assert.equal(c.fitabaseKind(files[0].bytes), 'heartrate_seconds');
  const res = c.importFitabase(files);
  assert.deepEqual(res.files.map((f) => f.kind), ['heartrate_seconds', 'minuteStepsWide', 'minuteIntensitiesWide', 'minuteSleep']);
  const out = mkdtempSync(path.join(os.tmpdir(), 'wfm-import-'));
  execFileSync(cli, ['import', 'fitabase', ...names.map((n) => path.join(dir, n)), '-o', out], { stdio: 'ignore' });
  const ids = readdirSync(out).map((f) => f.replace(/\.csv$/, '')).sort();
  assert.deepEqual(res.users.map((u) => u.id), ids);
  for (const u of res.users)
    assert.equal(tableToCsv(u.table), readFileSync(path.join(out, `${u.id}.csv`), 'utf8'), `user ${u.id}`);
  assert.ok(res.counts.rows > 0);
  assert.throws(() => c.importFitabase([{ name: 'bad.csv', bytes: new TextEncoder().encode('Id,Time,Value\n1,4/12/2016 7:21:00 AM,ninety\n') }]), /bad\.csv: line 2/);
});

// Defect 3: one minute of live heart rate "filled" the whole day, hours
// that had not happened yet included. With fillUntil (the page's "now") the
// minutes from then on are neither filled nor counted.
test('analyzeTable fills only the past: nothing at or after fillUntil is marked filled', async () => {
  const c = await core();
  const { windowMinutes: T, nChannels: C } = c.info;
  const day = 19800 * 1440, now = day + 9 * 60 + 30; // 09:30
  const values = new Float32Array(1440 * 4).fill(NaN);
  values[(9 * 60 + 29) * 4] = 72; // one minute of heart rate, just before now
  const table = { start: day, length: 1440, channels: ['heart_rate', 'steps', 'intensity', 'sleep_state'], values };
  const all = c.analyzeTable(table, { embedding: false });
  const past = c.analyzeTable(table, { embedding: false, fillUntil: now });
  assert.equal(T, 1440);
  const filled = (w, from, to) => { let n = 0; for (let i = from * C; i < to * C; i++) n += w.filled[i]; return n; };
  assert.equal(filled(all.windows[0], 0, 1440), 1440 * C - 1, 'without a limit every missing value is filled');
  assert.equal(filled(past.windows[0], 9 * 60 + 30, 1440), 0, 'no minute after now is filled');
  assert.equal(filled(past.windows[0], 0, 9 * 60 + 30), (9 * 60 + 30) * C - 1, 'the past is');
  assert.deepEqual(past.windows[0].imputed.subarray(0, 570 * C), all.windows[0].imputed.subarray(0, 570 * C));
});

// The fills' bands: the C core's rule (wfm_fill_bands_window), as the CLI's impute --bands.
test('fill bands: the interval around each fill equals impute --bands; another model\'s are refused', async () => {
  const c = await core();
  const bandsPath = modelPath.replace(/\.safetensors$/, '.fill-bands.json');
  const bands = readFileSync(bandsPath);
  assert.equal(c.loadFillBands(bands).coverage, JSON.parse(bands).coverage);
  const table = c.readMinutesCsv(readFileSync(samplePath));
  const res = c.analyzeTable(table, { embedding: false, imputed: true });
  const ref = JSON.parse(native(['impute', modelPath, samplePath, '--format', 'json', '--bands', bandsPath])).windows;
  assert.equal(res.windows.length, ref.length);
  const C = res.channels.length, hr = res.channels.indexOf('heart_rate');
  let banded = 0;
  res.windows.forEach((w, i) => {
    const cols = ref[i].band_channels.map((n) => res.channels.indexOf(n));
    for (let t = 0; t < res.windowMinutes; t++) {
      for (let c = 0; c < C; c++) {
        const k = cols.indexOf(c), lo = w.bandLow[t * C + c], hi = w.bandHigh[t * C + c];
        const want = k < 0 ? [null, null] : [ref[i].low[t][k], ref[i].high[t][k]];
        if (want[0] === null) { assert.ok(Number.isNaN(lo) && Number.isNaN(hi), `window ${i} minute ${t} channel ${c}`); continue; }
        const tol = (v) => 1e-4 * Math.max(1, Math.abs(v)); // the fills agree within 1e-5 of their scale
        assert.ok(Math.abs(lo - want[0]) <= tol(want[0]) && Math.abs(hi - want[1]) <= tol(want[1]), `${lo} ${hi} vs ${want} (window ${i}, minute ${t}, channel ${c})`);
        assert.ok(w.filled[t * C + c] && lo <= w.imputed[t * C + c] && w.imputed[t * C + c] <= hi);
        banded += c === hr;
      }
    }
  });
  assert.ok(banded > 0, 'some heart-rate fill has a band');
  // Bands of another model (its weights hash) are refused with a reason.
  const other = JSON.parse(bands);
  other.model.weights_hash = 'fnv1a64w:0000000000000000';
  assert.throws(() => c.loadFillBands(new TextEncoder().encode(JSON.stringify(other))), /another model/);
  // A new model drops the bands it does not own.
  c.loadModel(readFileSync(modelPath));
  assert.equal(c.analyzeTable(table, { embedding: false, imputed: true }).windows[0].bandLow, undefined);
});
