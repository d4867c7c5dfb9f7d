// The page's built-in predictions in the Emscripten build against the native
// CLI (`wearfm slots`), the shipped probes and fill bands against the
// shipped model, and what the core returns about filled categories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { loadCoreModule, root, build, modelPath, samplePath } from '../testlib/load-core.mjs';
import { WearfmCore } from '../src/core.js';
import { predictSlots, slotSpecs, validationFor } from '../app/page-probes.js';
import { parseMinute, formatMinute } from '../src/time.js';

const probesDir = path.join(root, 'models/probes');
const manifest = JSON.parse(readFileSync(path.join(probesDir, 'probes.json'), 'utf8'));
const bands = JSON.parse(readFileSync(modelPath.replace(/\.safetensors$/, '.fill-bands.json'), 'utf8'));
const cli = (args) => JSON.parse(execFileSync(path.join(build, 'native/wearfm'), ['slots', modelPath, samplePath, ...args, '--format', 'json', '--threads', '1', '-q']).toString());

const core = new WearfmCore(await loadCoreModule());
const info = core.loadModel(readFileSync(modelPath));
const probes = manifest.probes.map((e) => ({ ...e, bytes: new Uint8Array(readFileSync(path.join(probesDir, e.file))) }));
const table = core.readMinutesCsv(readFileSync(samplePath));
const analysis = core.analyzeTable({ ...table, values: table.values.slice() }, { slots: slotSpecs(probes) });
// The page's api, on the core directly (the worker only forwards these calls).
const api = { probePredict: async (o) => core.probePredict(o), slotPeriods: async (p, o) => core.slotPeriods(p, o), slotExpected: async (p) => core.slotExpected(p) };

test('the shipped probes and fill bands belong to the shipped model', () => {
  assert.equal(manifest.model.weights_hash, info.weightsHash);
  assert.equal(bands.model.weights_hash, info.weightsHash);
  for (const p of probes) {
    const pi = core.probeInfo({ probe: p.bytes.slice() });
    assert.equal(pi.encoderHash, info.weightsHash, p.file);
    assert.equal(pi.nFeatures, info.encDim);
    assert.deepEqual([...pi.classes].sort(), [p.positive, p.negative].sort());
  }
});

for (const probe of probes) {
  test(`${probe.name}: the page's slot predictions equal 'wearfm slots --probe' (1e-5)`, async () => {
    const r = await predictSlots(api, probe, analysis);
    const ref = cli(['--inputs', probe.inputs.join(','), '--probe', path.join(probesDir, probe.file)]).slots;
    const known = [...r.prob.keys()].filter((i) => !Number.isNaN(r.prob[i]));
    assert.equal(known.length, ref.length, 'the same slots have a prediction');
    let worst = 0;
    for (const s of ref) {
      const i = (parseMinute(s.start) - r.first) / r.P;
      worst = Math.max(worst, Math.abs(r.prob[i] - s.probabilities[probe.positive]));
    }
    assert.ok(worst < 1e-5, `worst difference ${worst}`);
    // Day totals: P x the sum over the day's slots.
    for (const [day, d] of r.days) {
      const mine = ref.filter((s) => Math.floor(parseMinute(s.start) / 1440) * 1440 === day);
      assert.ok(Math.abs(d.expectedMinutes - r.P * mine.reduce((a, s) => a + s.probabilities[probe.positive], 0)) < 1e-3);
      assert.equal(d.knownMinutes, r.P * mine.length);
    }
    if (probe.periods) {
      const { threshold, max_gap_minutes: gap, min_minutes: min } = probe.periods;
      const periods = cli(['--inputs', probe.inputs.join(','), '--probe', path.join(probesDir, probe.file), '--periods', probe.positive,
        '--threshold', String(threshold), '--max-gap', String(gap), '--min-length', String(min)]).periods;
      assert.ok(periods.length > 0, 'the sample has sleep');
      assert.deepEqual(r.periods.map((q) => [formatMinute(q.from), formatMinute(q.to)]), periods.map((q) => [q.from, q.to]));
      r.periods.forEach((q, i) => assert.ok(Math.abs(q.meanProbability - periods[i].mean_probability) < 1e-5));
    }
  });
}

test('the validation row a day is described with is the one of the inputs it has', () => {
  const active = probes.find((p) => p.name === 'active');
  const day = analysis.windows[0].start;
  assert.deepEqual(validationFor(active, table, day).inputs, ['heart_rate', 'steps']);
  const C = table.channels.length, hr = table.channels.indexOf('heart_rate');
  const noHr = { ...table, values: table.values.map((v, i) => (i % C === hr ? NaN : v)) };
  assert.deepEqual(validationFor(active, noHr, day).inputs, ['steps']);
});

test('a filled category carries the probability of its level; nothing else does', () => {
  const cats = info.channels.map((c) => c.kind === 'category');
  const C = info.nChannels;
  let n = 0;
  for (const w of analysis.windows)
    for (let i = 0; i < w.fillProbability.length; i++) {
      const p = w.fillProbability[i], c = i % C;
      if (cats[c] && w.filled[i]) { assert.ok(p > 0 && p <= 1, `probability ${p}`); n++; }
      else assert.ok(Number.isNaN(p), `channel ${c}: ${p} where nothing was filled or not a category`);
    }
  assert.ok(n > 0, 'the sample has filled categories');
});
