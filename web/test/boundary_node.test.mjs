// The typed JS boundary (web/wearfm_web.h): every struct the core fills
// leaves through one getter per field, read by name in web/src/*.js. Each
// field read here must equal what the native CLI prints of it (or, where the
// CLI prints nothing, the count an input was built to give), and every pair
// of fields differs in at least one case, so a getter or a JS reader that
// returns another field fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { WearfmCore } from '../src/core.js';
import { loadCoreModule, root, build, modelPath } from '../testlib/load-core.mjs';

const cli = path.join(build, 'native/wearfm');
const json = (args) => JSON.parse(execFileSync(cli, [...args, '--format', 'json']));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'wfm-boundary-'));

/** Every pair of fields takes different values in some case (a swap of the two would show), but the pairs in `except`. */
function assertTellsApart(cases, fields, except = []) {
  const skip = new Set(except.map((p) => [...p].sort().join(' ')));
  for (const [i, a] of fields.entries())
    for (const b of fields.slice(i + 1)) {
      if (skip.has([a, b].sort().join(' '))) continue;
      assert.ok(cases.some((c) => !Object.is(Number(c[a]), Number(c[b])) || String(c[a]) !== String(c[b])),
        `no case tells ${a} from ${b}: a swap of their getters would pass`);
    }
}

const pick = (o, fields) => Object.fromEntries(fields.map((f) => [f, o[f]]));

test('model info and channel getters equal `wearfm info` on four minute models', async () => {
  const core = new WearfmCore(await loadCoreModule());
  const files = [modelPath, path.join(root, 'models/wearfm-minute-fitabase-naive.safetensors'),
    path.join(root, 'tests/fixtures/v1.safetensors'), path.join(root, 'tests/fixtures/v2.safetensors')];
  const fields = ['windowMinutes', 'patchMinutes', 'nChannels', 'nTokens', 'encDim', 'encLayers', 'encHeads', 'encMlpDim',
    'decDim', 'decLayers', 'decHeads', 'decMlpDim', 'hasDecoder', 'threads', 'nParams'];
  const chFields = ['name', 'unit', 'mean', 'std', 'clipMin', 'clipMax', 'kind', 'levels'];
  const expected = [], channels = [];
  for (const f of files) {
    const info = core.loadModel(readFileSync(f), { threads: 3 });
    const n = json(['info', f]), cfg = n.config, dec = cfg.decoder;
    const want = {
      windowMinutes: n.model.window_minutes, patchMinutes: n.model.patch_minutes, nChannels: cfg.channels.length, nTokens: n.model.n_tokens,
      encDim: cfg.encoder.dim, encLayers: cfg.encoder.layers, encHeads: cfg.encoder.heads, encMlpDim: cfg.encoder.mlp_dim,
      decDim: dec?.dim ?? 0, decLayers: dec?.layers ?? 0, decHeads: dec?.heads ?? 0, decMlpDim: dec?.mlp_dim ?? 0,
      hasDecoder: Boolean(dec), threads: 1, // the build without pthreads: one thread whatever was asked
      nParams: n.n_params,
    };
    assert.deepEqual(pick(info, fields), want, path.basename(f));
    assert.equal(info.weightsHash, n.weights_hash);
    for (const c of cfg.channels) {
      const ch = { name: c.name, unit: c.unit, mean: Math.fround(c.mean), std: Math.fround(c.std), clipMin: Math.fround(c.clip[0]),
        clipMax: Math.fround(c.clip[1]), kind: c.kind ?? 'continuous' /* the default (docs/model-format.md) */, levels: c.levels ?? [] };
      channels.push(ch);
    }
    assert.deepEqual(info.channels.map((c) => pick(c, chFields)), channels.slice(-cfg.channels.length), `${path.basename(f)}: channels`);
    expected.push(want);
  }
  // threads and hasDecoder are both 1 here whatever the model; e2e/page.test.mjs checks threads in the threaded build.
  assertTellsApart(expected, fields, [['threads', 'hasDecoder']]);
  assertTellsApart(channels, ['mean', 'std', 'clipMin', 'clipMax']);
  assertTellsApart(channels, ['name', 'unit', 'kind']);
});

test('probe getters equal `wearfm probe info` on the shipped probes', async () => {
  const core = new WearfmCore(await loadCoreModule());
  const dir = path.join(root, 'models/probes');
  const fields = ['task', 'nFeatures', 'nClasses', 'nOutputs', 'iterations', 'converged', 'balanced', 'nTrain', 'lambda'];
  const expected = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort()) {
    const info = core.probeInfo({ probe: readFileSync(path.join(dir, f)) });
    const n = json(['probe', 'info', path.join(dir, f)]);
    const want = {
      task: n.task, nFeatures: n.features, nClasses: n.classes?.length ?? 0, nOutputs: n.classes?.length ?? 1,
      iterations: n.iterations, converged: n.converged, balanced: n.balanced, nTrain: n.n_train, lambda: n.lambda,
      encoderHash: n.encoder_weights_hash, classes: n.classes ?? [],
    };
    assert.deepEqual(pick(info, Object.keys(want)), want, f);
    expected.push(want);
  }
  assert.ok(expected.length >= 4);
  assertTellsApart(expected, fields);
});

test('Fitabase count getters equal `wearfm import fitabase --report`', async () => {
  const core = new WearfmCore(await loadCoreModule());
  // Built so that every count differs from the others: samples, implausible values, repeats and conflicts per channel.
  const U = 1503960366, at = (t) => `${U},4/12/2016 ${t}`;
  const sec = (s) => `7:21:${String(s).padStart(2, '0')} AM`;
  const files = {
    'heartrate_seconds.csv': ['Id,Time,Value', ...Array.from({ length: 10 }, (_, i) => at(`${sec(5 * i)},${90 + 5 * i}`)),
      at('7:22:00 AM,300'), at('7:22:05 AM,10'), at(`${sec(0)},90`), at(`${sec(5)},120`), at(`${sec(10)},121`), at(`${sec(15)},122`)],
    'minuteStepsNarrow.csv': ['Id,ActivityMinute,Steps', ...Array.from({ length: 6 }, (_, m) => at(`8:0${m}:00 AM,${m + 1}`)),
      at('8:10:00 AM,500'), at('8:11:00 AM,400'), ...[1, 2, 3, 4].map((v) => at(`8:0${v - 1}:00 AM,${v}`)), at('8:04:00 AM,50')],
    'minuteIntensitiesNarrow.csv': ['Id,ActivityMinute,Intensity', ...[0, 1, 2].map((v) => at(`9:0${v}:00 AM,${v}`)),
      ...[7, 8, 9, 5, 6].map((v, i) => at(`9:0${5 + i}:00 AM,${v}`)), at('9:00:00 AM,0'), at('9:01:00 AM,1'),
      at('9:02:00 AM,3'), at('9:01:00 AM,3'), at('9:00:00 AM,3'), at('9:00:00 AM,2')],
    'minuteSleep.csv': ['Id,date,value,logId', ...Array.from({ length: 8 }, (_, m) => at(`2:0${m}:30 AM,${1 + (m % 3)},11380564589`)),
      at('2:00:30 AM,1,11380564589')],
  };
  const paths = Object.entries(files).map(([name, lines]) => {
    writeFileSync(path.join(tmp, name), lines.join('\n') + '\n');
    return path.join(tmp, name);
  });
  const report = execFileSync(cli, ['import', 'fitabase', ...paths, '--report', '-q', '-o', path.join(tmp, 'fitabase')]).toString();
  const [, files_, rows] = /files (\d+), rows (\d+)/.exec(report).map(Number);
  const header = /^cells read\s+(.*)$/m.exec(report)[1].trim().split(/\s+/);
  const row = (label) => new RegExp(`^  ${label}\\s+([\\d ]+)$`, 'm').exec(report)[1].trim().split(/\s+/).map(Number);
  const by = (label) => Object.fromEntries(header.map((ch, k) => [ch, row(label)[k]]));
  const want = { files: files_, rows, values: by('values \\(HR: samples\\)'), dropped: by('dropped: empty/implausible'),
    duplicates: by('repeated, same value'), conflicts: by('repeated, later row won') };
  const { counts } = core.importFitabase(Object.keys(files).map((name) => ({ name, bytes: readFileSync(path.join(tmp, name)) })));
  assert.deepEqual(counts, want);
  assertTellsApart([want], ['files', 'rows']);
  assertTellsApart(header.map((ch) => ({ values: want.values[ch], dropped: want.dropped[ch], duplicates: want.duplicates[ch], conflicts: want.conflicts[ch] })),
    ['values', 'dropped', 'duplicates', 'conflicts']);
  assertTellsApart(['values', 'dropped', 'duplicates', 'conflicts'].map((k) => want[k]), header); // the channels' order
});

/** The CLI's closing line of an export import: {files, records, samples}, and the UTC note's count (0 without it). */
function nativeImportCounts(kind, files, extra = []) {
  const r = spawnSync(cli, ['import', kind, ...files, ...extra, '-o', path.join(tmp, `${kind}.csv`)], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [, files_, records, samples] = /(\d+) file\(s\), (\d+) record\(s\), (\d+) sample\(s\)/.exec(r.stderr).map(Number);
  return { files: files_, records, samples, utcTimes: Number(/(\d+) time\(s\) were written in UTC/.exec(r.stderr)?.[1] ?? 0) };
}

test('import count getters equal the CLI, and an export built to give each count', async () => {
  const core = new WearfmCore(await loadCoreModule());
  const fields = ['files', 'records', 'samples', 'ignored', 'outside', 'utcTimes', 'badRecords'];
  // Apple Health: 7 heart rates on the chosen day, 3 the day before (outside), 4 body masses (a kind it
  // does not use: ignored), 2 step counts that end before they start (bad records).
  const rec = (type, start, end, value, unit) => ` <Record type="HKQuantityTypeIdentifier${type}" sourceName="w" unit="${unit}" startDate="${start} -0500" endDate="${end} -0500" value="${value}"/>`;
  const xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<HealthData locale="en_US">',
    ...Array.from({ length: 7 }, (_, i) => rec('HeartRate', `2024-03-10 08:0${i}:00`, `2024-03-10 08:0${i}:00`, 70 + i, 'count/min')),
    ...Array.from({ length: 3 }, (_, i) => rec('HeartRate', `2024-03-08 08:0${i}:00`, `2024-03-08 08:0${i}:00`, 80, 'count/min')),
    ...Array.from({ length: 4 }, () => rec('BodyMass', '2024-03-10 09:00:00', '2024-03-10 09:00:00', 70, 'kg')),
    ...Array.from({ length: 2 }, () => rec('StepCount', '2024-03-10 10:05:00', '2024-03-10 10:00:00', 75, 'count')),
    '</HealthData>', ''].join('\n');
  const xmlPath = path.join(tmp, 'export.xml');
  writeFileSync(xmlPath, xml);
  const day = Date.UTC(2024, 2, 10) / 60000;
  const all = nativeImportCounts('apple-health', [xmlPath]), some = nativeImportCounts('apple-health', [xmlPath], ['--from', '2024-03-10', '--to', '2024-03-10']);
  const apple = { ...some, ignored: 4, outside: all.samples - some.samples, badRecords: 2 };
  assert.deepEqual(pick(core.importExport('apple-health', [{ name: 'export.xml', bytes: readFileSync(xmlPath) }], { from: day, to: day + 1440 }).counts, fields), pick(apple, fields));
  // Fitbit's account export: its JSON times are written in UTC.
  const dir = path.join(root, 'tests/data/takeout'), names = readdirSync(dir).filter((f) => /\.(json|csv)$/.test(f)).sort();
  const takeout = nativeImportCounts('takeout', names.map((f) => path.join(dir, f)));
  const got = core.importExport('takeout', names.map((name) => ({ name, bytes: readFileSync(path.join(dir, name)) }))).counts;
  assert.deepEqual(pick(got, Object.keys(takeout)), takeout);
  assert.ok(takeout.utcTimes > 0);
  assertTellsApart([apple], fields);
});

test('slot period getters: each period of a hand-worked sequence, field by field', async () => {
  const core = new WearfmCore(await loadCoreModule());
  // threshold 0.5, gaps of at most 1 slot: [1, 3) (0.9, 0.8; slot 3 unknown, slot 4 below), [5, 6), [9, 10)
  const prob = Float32Array.from([NaN, 0.9, 0.8, NaN, 0.2, 0.7, 0.1, 0.1, 0.1, 0.95]);
  const f = Math.fround;
  assert.deepEqual(core.slotPeriods(prob, { threshold: 0.5, maxGap: 1 }), [
    { first: 1, end: 3, meanProbability: f((f(0.9) + f(0.8)) / 2), known: 2 },
    { first: 5, end: 6, meanProbability: f(0.7), known: 1 },
    { first: 9, end: 10, meanProbability: f(0.95), known: 1 },
  ]);
  assert.deepEqual(core.slotPeriods(new Float32Array(0)), []);
});

test('one error slot: every file of the boundary fills wfmw_last_error, the next call clears it', async () => {
  const m = await loadCoreModule(), core = new WearfmCore(m);
  const last = () => m.UTF8ToString(m._wfmw_last_error());
  for (const name of ['_wfmw_probe_last_error', '_wfmw_slot_last_error', '_wfmw_info', '_wfmw_probe_info', '_wfmw_channel_stats',
    '_wfmw_fitabase_counts', '_wfmw_import_counts', '_wfmw_slot_periods'])
    assert.equal(m[name], undefined, `${name} is gone`);
  assert.throws(() => core.probeInfo({ probe: new Uint8Array(16) }), (e) => e.message === `probe file: ${last()}` && last().length > 0); // wearfm_web_probe.c
  assert.equal(m._wfmw_last_status() !== 0, true);
  assert.throws(() => core.accel.load(readFileSync(modelPath)), (e) => e.message === `motion model: ${last()}`); // wearfm_web_accel.c
  core.loadModel(readFileSync(modelPath));
  assert.equal(last(), '', 'a call that succeeds clears the slot');
  assert.equal(m._wfmw_last_status(), 0);
  const { windowMinutes: T, nChannels: C } = core.info;
  const x = m._malloc(T * C * 4), ip = m._malloc(4), fp = m._malloc(4), hp = m._malloc(1);
  m.HEAPF32.fill(1, x >> 2, (x >> 2) + T * C);
  m.HEAP32[ip >> 2] = 99; // no such channel: wearfm_web_slots.c fails
  assert.notEqual(m._wfmw_slot_features(core.model, x, ip, 1, fp, hp), 0);
  assert.match(last(), /.+/);
  [x, ip, fp, hp].forEach((p) => m._free(p));
});
