// The JS wrapper of the linear-probe entry points (src/probe.js via
// src/core.js) against the native CLI: a probe fit in wasm predicts like the
// CLI's, files cross both ways, and a bound probe refuses another encoder.
// (The flat C entry points themselves are tested in probe_node.test.mjs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { WearfmCore } from '../src/core.js';
import { loadCoreModule, build, modelPath } from '../testlib/load-core.mjs';

const cli = (args) => execFileSync(path.join(build, 'native/wearfm'), ['probe', ...args, '-q'], { maxBuffer: 1 << 26 }).toString();
const dir = mkdtempSync(path.join(os.tmpdir(), 'wfm-heads-'));

// 60 rows, 5 features, 2 classes from a noisy linear rule (deterministic).
const n = 60, d = 5;
const X = new Float32Array(n * d), labels = new Int32Array(n), names = ['rest', 'active'];
let s = 7;
const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
for (let i = 0; i < n; i++) {
  for (let j = 0; j < d; j++) X[i * d + j] = Math.fround((j + 1) * rnd());
  labels[i] = X[i * d] - X[i * d + 2] + 0.3 * rnd() > 0 ? 1 : 0;
}
const csvPath = path.join(dir, 'rows.csv');
writeFileSync(csvPath, ['id,label,' + Array.from({ length: d }, (_, j) => `emb_${j}`).join(','),
  ...Array.from({ length: n }, (_, i) => `r${i},${names[labels[i]]},${Array.from(X.subarray(i * d, i * d + d)).join(',')}`)].join('\n') + '\n');

async function core() {
  const c = new WearfmCore(await loadCoreModule());
  c.loadModel(readFileSync(modelPath));
  return c;
}

test('probeFit/probePredict equal the CLI; probe files cross both ways', async () => {
  const c = await core();
  assert.ok(c.hasProbe());
  // The CLI sorts class names: active = 0, rest = 1.
  const sorted = [...names].sort(), lab = Int32Array.from(labels, (k) => sorted.indexOf(names[k]));
  const { probe, info } = c.probeFit({ X, n, d, labels: lab, lambda: 0.01, classNames: sorted, featureNames: Array.from({ length: d }, (_, j) => `emb_${j}`) });
  assert.equal(info.task, 'logistic');
  assert.deepEqual(info.classes, sorted);
  assert.equal(info.nOutputs, 2);
  cli(['fit', csvPath, '--labels', 'label', '--features', 'emb_', '--lambda', '0.01', '-o', path.join(dir, 'cli.safetensors')]);
  const ref = JSON.parse(cli(['predict', path.join(dir, 'cli.safetensors'), csvPath, '--format', 'json'])).rows.flatMap((r) => r.probabilities);
  const web = c.probePredict({ probe, X, n, d });
  assert.ok(web.outputs.every((v, i) => Math.abs(v - ref[i]) < 1e-5));
  assert.equal(web.classes.length, n);
  const fromCli = c.probePredict({ probe: readFileSync(path.join(dir, 'cli.safetensors')), X, n, d });
  assert.ok(fromCli.outputs.every((v, i) => Math.abs(v - ref[i]) < 1e-6));
  writeFileSync(path.join(dir, 'web.safetensors'), probe);
  const back = JSON.parse(cli(['predict', path.join(dir, 'web.safetensors'), csvPath, '--format', 'json'])).rows.flatMap((r) => r.probabilities);
  assert.ok(web.outputs.every((v, i) => Math.abs(v - back[i]) < 1e-6));
  assert.equal(c.probeInfo({ probe }).nFeatures, d);
});

test('regression probes, binding to the encoder, and clear errors', async () => {
  const c = await core();
  const targets = Float32Array.from({ length: n }, (_, i) => 2 * X[i * d] + 1);
  const ridge = c.probeFit({ X, n, d, targets, task: 'ridge', lambda: 1e-4 });
  const pred = c.probePredict({ probe: ridge.probe, X, n, d });
  assert.equal(ridge.info.nOutputs, 1);
  assert.ok(pred.outputs.every((v, i) => Math.abs(v - targets[i]) < 0.05));
  assert.equal(pred.classes, undefined);
  const bound = c.probeFit({ X, n, d, labels, bind: true });
  assert.match(bound.info.encoderHash, /^fnv1a64w:/);
  const other = Uint8Array.from(readFileSync(modelPath));
  other[other.length - 3] ^= 1;
  c.loadModel(other);
  assert.throws(() => c.probePredict({ probe: bound.probe, X, n, d }), /another encoder/);
  assert.equal(c.probePredict({ probe: bound.probe, X, n, d, check: false }).outputs.length, 2 * n);
  assert.throws(() => c.probeFit({ X, n, d, labels: new Int32Array(n) }), /single class/);
  assert.throws(() => c.probePredict({ probe: new Uint8Array(10), X, n, d }), /probe file/);
  assert.throws(() => c.probeFit({ X, n: n + 1, d, labels }), /n\*d/);
  const bare = new WearfmCore({});
  assert.throws(() => bare.probeFit({ X, n, d, labels }), /not available in this build/);
});
