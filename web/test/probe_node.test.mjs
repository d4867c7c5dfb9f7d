// Linear probes in the Emscripten build (web/wearfm_web_probe.c) against the
// native CLI (`wearfm probe ...`): fitting the same data must give the same
// predictions within 1e-5, probe files must cross between the builds, the
// cross-validation means must agree, and a probe bound to an encoder must
// refuse another one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const build = process.env.WFM_BUILD ?? path.join(root, 'build');
const modelPath = path.join(root, process.env.SHIPPED_MODEL ?? 'models/wearfm-minute-fitabase.safetensors');
const cli = path.join(build, 'native/wearfm');
const native = (args) => execFileSync(cli, ['probe', ...args, '-q'], { maxBuffer: 1 << 28 }).toString();

async function loadCore() {
  // Emscripten 3.1.6's ES-module glue still reaches for CommonJS globals under Node.
  globalThis.__dirname ??= path.join(build, 'web');
  globalThis.require ??= createRequire(import.meta.url);
  const { default: create } = await import(path.join(build, 'web/wearfm_core.mjs'));
  return create({ wasmBinary: readFileSync(path.join(build, 'web/wearfm_core.wasm')) });
}

// Deterministic data: N rows, D features with different scales, 3 string
// classes from a noisy linear rule, a numeric target, 6 users.
const N = 400, D = 12;
function makeData() {
  let s = 12345;
  const rnd = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 4294967296 - 0.5; };
  const names = ['awake', 'light', 'deep'];
  const lines = ['id,user,label,target,' + Array.from({ length: D }, (_, j) => `f_${j}`).join(',')];
  for (let i = 0; i < N; i++) {
    const x = Array.from({ length: D }, (_, j) => ((j + 1) * rnd() + j).toPrecision(7));
    const z = Number(x[0]) - 0.4 * Number(x[3]) + 0.2 * Number(x[7]) + 0.6 * rnd();
    const c = z < -0.2 ? 0 : z < 0.4 ? 1 : 2;
    lines.push(`r${i},u${i % 6},${names[c]},${(2 * z).toPrecision(7)},${x.join(',')}`);
  }
  return lines.join('\n') + '\n';
}

// The CSV as the CLI reads it: float32 features, classes sorted by name.
function parse(csv) {
  const rows = csv.trim().split('\n').slice(1).map((l) => l.split(','));
  const classes = [...new Set(rows.map((r) => r[2]))].sort();
  const X = new Float32Array(rows.length * D);
  rows.forEach((r, i) => r.slice(4).forEach((v, j) => { X[i * D + j] = Number(v); }));
  const labels = Int32Array.from(rows, (r) => classes.indexOf(r[2]));
  const targets = Float32Array.from(rows, (r) => Number(r[3]));
  const users = [...new Set(rows.map((r) => r[1]))];
  const groups = Int32Array.from(rows, (r) => users.indexOf(r[1]));
  return { n: rows.length, X, labels, targets, groups, classes };
}

function heap(core, typed) {
  const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
  const p = core._malloc(bytes.length || 1);
  core.HEAPU8.set(bytes, p);
  return p;
}
function cstr(core, s) {
  const n = core.lengthBytesUTF8(s) + 1, p = core._malloc(n);
  core.stringToUTF8(s, p, n);
  return p;
}
function params(core, o) {
  const p = core._wfmw_probe_params_new();
  for (const [k, v] of Object.entries(o)) {
    const key = cstr(core, k);
    assert.equal(core._wfmw_probe_params_set(p, key, v), 0, k);
    core._free(key);
  }
  return p;
}
const err = (core) => core.UTF8ToString(core._wfmw_last_error());
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

function webPredict(core, probe, data, cols, model = 0) {
  const xp = heap(core, data.X), out = core._malloc(data.n * cols * 4);
  const st = core._wfmw_probe_predict(probe, model, xp, data.n, D, out, 0);
  const res = st === 0 ? Float32Array.from(core.HEAPF32.subarray(out >> 2, (out >> 2) + data.n * cols)) : null;
  core._free(xp); core._free(out);
  return { st, res };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'wearfm-probe-'));
const csvPath = path.join(dir, 'features.csv');
const csv = makeData();
writeFileSync(csvPath, csv);
const data = parse(csv);

test('logistic probe: web fit == native fit within 1e-5; probe files cross builds', async () => {
  const core = await loadCore();
  native(['fit', csvPath, '--labels', 'label', '--features', 'f_', '--balanced', '--lambda', '0.01', '-o', path.join(dir, 'native.safetensors')]);
  const nat = JSON.parse(native(['predict', path.join(dir, 'native.safetensors'), csvPath, '--format', 'json']));
  assert.deepEqual(nat.classes, data.classes);
  const natProb = Float32Array.from(nat.rows.flatMap((r) => r.probabilities));

  const p = params(core, { task: 0, lambda: 0.01, balanced: 1 });
  const namePtrs = data.classes.map((c) => cstr(core, c));
  const names = heap(core, Uint32Array.from(namePtrs));
  core._wfmw_probe_params_set_class_names(p, names);
  // feature names, so that the CLI finds the probe's columns by name
  const featPtrs = Array.from({ length: D }, (_, j) => cstr(core, `f_${j}`));
  const feats = heap(core, Uint32Array.from(featPtrs));
  core._wfmw_probe_params_set_feature_names(p, feats);
  const xp = heap(core, data.X), lp = heap(core, data.labels);
  const probe = core._wfmw_probe_fit(xp, data.n, D, lp, 0, 0, p);
  assert.ok(probe, err(core));
  const iters = core._wfmw_probe_iterations(probe);
  assert.deepEqual(['task', 'n_features', 'n_classes', 'n_outputs', 'converged'].map((f) => core[`_wfmw_probe_${f}`](probe)), [0, D, 3, 3, 1]);
  assert.equal(core.UTF8ToString(core._wfmw_probe_class_name(probe, 2)), data.classes[2]);
  const web = webPredict(core, probe, data, 3);
  assert.equal(web.st, 0, err(core));
  const d1 = maxDiff(web.res, natProb);
  console.log(`  logistic (3 classes, balanced, ${iters} L-BFGS iterations): web vs native max |dp| ${d1.toExponential(2)}`);
  assert.ok(d1 < 1e-5, `web vs native ${d1}`);

  // the native probe file, loaded in the web build
  const bytes = readFileSync(path.join(dir, 'native.safetensors'));
  const bp = heap(core, bytes);
  const loaded = core._wfmw_probe_load(bp, bytes.length);
  core._free(bp);
  assert.ok(loaded, err(core));
  const d2 = maxDiff(webPredict(core, loaded, data, 3).res, natProb);
  assert.ok(d2 < 1e-6, `native file in web: ${d2}`);

  // the web probe file, read by the native CLI
  const sizep = core._malloc(4);
  const buf = core._wfmw_probe_save(probe, sizep);
  assert.ok(buf, err(core));
  const size = core.HEAPU32[sizep >> 2];
  writeFileSync(path.join(dir, 'web.safetensors'), core.HEAPU8.slice(buf, buf + size));
  core._wfmw_probe_buffer_free(buf);
  core._free(sizep);
  const fromWeb = JSON.parse(native(['predict', path.join(dir, 'web.safetensors'), csvPath, '--format', 'json']));
  const d3 = maxDiff(Float32Array.from(fromWeb.rows.flatMap((r) => r.probabilities)), web.res);
  assert.ok(d3 < 1e-6, `web file in native: ${d3}`);

  [probe, loaded].forEach((q) => core._wfmw_probe_free(q));
  [...namePtrs, ...featPtrs, names, feats, xp, lp].forEach((q) => core._free(q));
  core._wfmw_probe_params_free(p);
});

test('ridge and linear probes and grouped cross-validation agree with native', async () => {
  const core = await loadCore();
  const xp = heap(core, data.X), tp = heap(core, data.targets), gp = heap(core, data.groups), lp = heap(core, data.labels);
  for (const [task, name] of [[1, 'ridge'], [2, 'linear']]) {
    native(['fit', csvPath, '--labels', 'target', '--task', name, '--features', 'f_', '--lambda', '0.05', '-o', path.join(dir, `${name}.safetensors`)]);
    const nat = JSON.parse(native(['predict', path.join(dir, `${name}.safetensors`), csvPath, '--format', 'json']));
    const p = params(core, { task, lambda: 0.05 });
    const probe = core._wfmw_probe_fit(xp, data.n, D, 0, tp, 0, p);
    assert.ok(probe, err(core));
    const web = webPredict(core, probe, data, 1);
    const rel = maxDiff(web.res, nat.rows.map((r) => r.value)) / Math.max(...web.res.map(Math.abs));
    console.log(`  ${name}: web vs native relative ${rel.toExponential(2)}`);
    assert.ok(rel < 1e-5);
    core._wfmw_probe_free(probe);
    core._wfmw_probe_params_free(p);
  }
  // leave-one-user-out CV of the logistic probe, with lambda chosen by inner CV
  const nat = JSON.parse(native(['eval', csvPath, '--labels', 'label', '--groups', 'user', '--folds', '0', '--features', 'f_',
    '--cv-lambda', '--format', 'json']));
  const p = params(core, { task: 0, cv_lambda: 1 });
  const K = core._wfmw_metric_count();
  const mean = core._malloc(8 * K), pooled = core._malloc(8 * K), nf = core._malloc(4);
  const st = core._wfmw_probe_cross_validate(xp, data.n, D, lp, 0, gp, 0, p, mean, 0, pooled, 0, nf);
  assert.equal(st, 0, err(core));
  assert.equal(core.HEAP32[nf >> 2], 6);
  assert.equal(nat.folds.length, 6);
  const m = core.HEAPF64.subarray(mean >> 3, (mean >> 3) + K);
  for (let k = 0; k < K; k++) {
    const name = core.UTF8ToString(core._wfmw_metric_name(k));
    if (!(name in nat.mean)) continue;
    assert.ok(Math.abs(m[k] - nat.mean[name]) < 1e-5, `${name}: web ${m[k]} native ${nat.mean[name]}`);
  }
  console.log(`  leave-one-user-out CV: web auroc ${m[3].toFixed(6)}, native ${nat.mean.auroc.toFixed(6)}`);
  [xp, tp, gp, lp, mean, pooled, nf].forEach((q) => core._free(q));
  core._wfmw_probe_params_free(p);
});

test('a probe bound to an encoder refuses another one; errors have messages', async () => {
  const core = await loadCore();
  const bytes = readFileSync(modelPath);
  const load = (b) => { const q = heap(core, b); const m = core._wfmw_load(q, b.length, 1, 0); core._free(q); return m; };
  const model = load(bytes);
  assert.ok(model);
  const other = Uint8Array.from(bytes);
  other[other.length - 3] ^= 1; // one weight changed
  const model2 = load(other);
  assert.ok(model2);
  const h1 = core.UTF8ToString(core._wfmw_model_weights_hash(model));
  assert.match(h1, /^fnv1a64w:[0-9a-f]{16}$/);
  assert.notEqual(core.UTF8ToString(core._wfmw_model_weights_hash(model2)), h1);
  // the native CLI computes the same hash for the file
  native(['fit', csvPath, '--labels', 'label', '--features', 'f_', '--model', modelPath, '-o', path.join(dir, 'bound.safetensors')]);
  assert.equal(JSON.parse(native(['info', path.join(dir, 'bound.safetensors'), '--format', 'json'])).encoder_weights_hash, h1);

  const p = params(core, { task: 0 });
  core._wfmw_probe_params_set_model(p, model);
  const xp = heap(core, data.X), lp = heap(core, data.labels);
  const probe = core._wfmw_probe_fit(xp, data.n, D, lp, 0, 0, p);
  assert.ok(probe, err(core));
  assert.equal(core.UTF8ToString(core._wfmw_probe_encoder_hash(probe)), h1);
  assert.equal(webPredict(core, probe, data, 3, model).st, 0);
  assert.notEqual(webPredict(core, probe, data, 3, model2).st, 0);
  assert.match(err(core), /another encoder/);
  // malformed labels: a single class
  const one = heap(core, new Int32Array(data.n));
  assert.equal(core._wfmw_probe_fit(xp, data.n, D, one, 0, 0, p), 0);
  assert.match(err(core), /single class/);
  [xp, lp, one].forEach((q) => core._free(q));
  core._wfmw_probe_free(probe);
  core._wfmw_probe_params_free(p);
  core._wfmw_free(model);
  core._wfmw_free(model2);
});
