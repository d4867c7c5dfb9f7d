// The Emscripten build of the core, loaded in Node with wasmBinary (its glue
// would fetch() the .wasm, which Node cannot do for file paths), must give
// the same numbers as the native CLI on the shipped model and real sample.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const build = process.env.WFM_BUILD ?? path.join(root, 'build');
// The shipped model and sample, as in scripts/common.sh.
const modelPath = path.join(root, process.env.SHIPPED_MODEL ?? 'models/wearfm-minute-fitabase.safetensors');
const samplePath = path.join(root, process.env.SAMPLE ?? 'data/sample/fitabase_4020332650.csv');

async function loadCore() {
  // Emscripten 3.1.6's ES-module glue still reaches for CommonJS globals under Node.
  globalThis.__dirname ??= path.join(build, 'web');
  globalThis.require ??= createRequire(import.meta.url);
  const { default: create } = await import(path.join(build, 'web/wearfm_core.mjs'));
  return create({ wasmBinary: readFileSync(path.join(build, 'web/wearfm_core.wasm')) });
}

// Copies bytes into the wasm heap; returns the pointer.
function toHeap(core, bytes) {
  const p = core._malloc(bytes.length);
  core.HEAPU8.set(bytes, p);
  return p;
}

function relErr(a, b) {
  let md = 0, mb = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= md)) md = d;
    mb = Math.max(mb, Math.abs(b[i]));
  }
  return mb > 0 ? md / mb : md;
}

test('web build matches the native CLI within 1e-5', async () => {
  const core = await loadCore();
  const modelBytes = readFileSync(modelPath);
  const mp = toHeap(core, modelBytes);
  const model = core._wfmw_load(mp, modelBytes.length, 1, 0);
  core._free(mp);
  assert.ok(model, `load failed: ${core.UTF8ToString(core._wfmw_last_error())}`);

  const T = core._wfmw_info_window_minutes(model), C = core._wfmw_info_n_channels(model), D = core._wfmw_info_enc_dim(model);

  const csv = readFileSync(samplePath);
  const cp = toHeap(core, csv);
  const table = core._wfmw_minutes_read_csv(cp, csv.length);
  core._free(cp);
  assert.ok(table, core.UTF8ToString(core._wfmw_last_error()));

  // One window run alone (no typical day): the CLI with --no-history. The
  // page's whole-table path, with the typical day, is core_api.test.mjs.
  const native = (cmd, extra = []) => JSON.parse(execFileSync(path.join(build, 'native/wearfm'),
    [cmd, modelPath, samplePath, '--format', 'json', '--threads', '1', '-q', '--no-history', ...extra]));
  const nEmb = native('embed').windows;
  const nRec = native('impute', ['--raw']).windows;

  const x = core._malloc(T * C * 4), emb = core._malloc(D * 4), rec = core._malloc(T * C * 4);
  const nvis = core._malloc(4), when = core._malloc(20);
  let worst = { emb: 0, rec: 0 };
  for (let w = 0; w < nEmb.length; w++) {
    const ref = nEmb[w];
    // Find this window's start minute through the core's own timestamp formatting.
    const start0 = core._wfmw_minutes_start(table);
    const first = Math.floor(start0 / T) * T;
    let start = -1;
    for (let s = first; s < start0 + core._wfmw_minutes_length(table); s += T) {
      core._wfmw_format_minute(s, when);
      if (core.UTF8ToString(when) === ref.start) start = s;
    }
    assert.notEqual(start, -1, `window ${ref.start} not found`);
    core._wfmw_minutes_window(table, model, start, x);
    const st = core._wfmw_run(model, x, emb, rec, 0, 0, nvis);
    assert.equal(st, 0, core.UTF8ToString(core._wfmw_last_error()));
    assert.equal(core.HEAP32[nvis >> 2], ref.visible_tokens);
    const e = relErr(core.HEAPF32.subarray(emb >> 2, (emb >> 2) + D), ref.embedding);
    const r = relErr(core.HEAPF32.subarray(rec >> 2, (rec >> 2) + T * C), nRec[w].values.flat());
    console.log(`  window ${ref.start}: web vs native embedding ${e.toExponential(2)}, reconstruction ${r.toExponential(2)}`);
    worst.emb = Math.max(worst.emb, e);
    worst.rec = Math.max(worst.rec, r);
  }
  assert.ok(nEmb.length >= 3);
  assert.ok(worst.emb < 1e-5 && worst.rec < 1e-5, JSON.stringify(worst));
  core._wfmw_minutes_free(table);
  core._wfmw_free(model);
});

test('web build reports malformed models and CSVs with messages', async () => {
  const core = await loadCore();
  const junk = new Uint8Array([8, 0, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode('{"a": 1}')]);
  const p = toHeap(core, junk);
  assert.equal(core._wfmw_load(p, junk.length, 1, 0), 0);
  assert.match(core.UTF8ToString(core._wfmw_last_error()), /.+/);
  core._free(p);
  // a waveform model: the page lays windows out as minutes, so it refuses one by name
  const wave = readFileSync(path.join(root, 'tests/fixtures/w1.safetensors'));
  const w = toHeap(core, wave);
  assert.equal(core._wfmw_load(w, wave.length, 1, 0), 0);
  assert.match(core.UTF8ToString(core._wfmw_last_error()), /waveform_encoder model \(accelerometer\): the page runs minute models/);
  core._free(w);
  const bad = new TextEncoder().encode('timestamp,heart_rate\n2016-05-05T00:00,abc\n');
  const q = toHeap(core, bad);
  assert.equal(core._wfmw_minutes_read_csv(q, bad.length), 0);
  assert.match(core.UTF8ToString(core._wfmw_last_error()), /line 2/);
  core._free(q);
});
