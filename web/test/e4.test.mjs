// Empatica E4 CSV import. The snippets below are the first lines of subject
// S2's wrist files in WESAD (Schmidt et al., "Introducing WESAD, a
// multimodal dataset for Wearable Stress and Affect Detection", ICMI 2018;
// academic, non-commercial licence), kept tiny, for the format only.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { parseE4, e4Kind, looksLikeE4 } from '../src/parsers/e4.js';
import { MinuteAggregator } from '../src/aggregator.js';
import { WearfmCore } from '../src/core.js';
import { loadCoreModule } from '../testlib/load-core.mjs';

let core;
before(async () => { core = new WearfmCore(await loadCoreModule()); });

const HR = '1495437335.000000\n1.000000\n101.00\n106.50\n95.33\n90.25\n';
const IBI = '1495437325.000000, IBI\n14.313155,0.765660\n15.203821,0.890666\n15.985107,0.781286\n16.797644,0.812537\n';
const ACC = '1495437325.000000, 1495437325.000000, 1495437325.000000\n32.000000, 32.000000, 32.000000\n29,-6,55\n28,-6,55\n';

test('file kinds and format detection', () => {
  assert.equal(e4Kind('S2/HR.csv'), 'HR');
  assert.equal(e4Kind('acc.CSV'), 'ACC');
  assert.equal(e4Kind('heartrate_seconds_merged.csv'), null);
  assert.ok(looksLikeE4(HR) && looksLikeE4(IBI) && looksLikeE4(ACC));
  assert.ok(!looksLikeE4('timestamp,heart_rate\n'));
});

test('HR.csv: 1 Hz samples from the UTC start time', () => {
  const s = parseE4('HR', HR);
  assert.equal(s.length, 4);
  assert.deepEqual(s[0], { t: 1495437335000, channel: 'heart_rate', value: 101 });
  assert.equal(s[3].t, 1495437338000);
  assert.equal(s[3].value, 90.25);
});

test('IBI.csv: beat times as offsets, intervals in ms -> RMSSD', async () => {
  const s = parseE4('IBI', IBI);
  assert.equal(s.length, 4);
  assert.ok(Math.abs(s[1].t - (1495437325000 + 15203.821)) < 1e-6);
  assert.ok(Math.abs(s[1].value - 890.666) < 1e-9);
  const a = new MinuteAggregator(core, { localMinute: (ms) => Math.floor(ms / 60000) });
  a.addAll(s);
  const tab = await a.flush();
  const v = tab.values.find((x) => !Number.isNaN(x));
  const d = [890.666 - 765.66, 781.286 - 890.666, 812.537 - 781.286];
  assert.ok(Math.abs(v - Math.sqrt(d.reduce((q, x) => q + x * x, 0) / 3)) < 1e-3);
});

test('ACC.csv: raw samples in 1/64 g at 32 Hz; the core makes them movement in mg', async () => {
  const s = parseE4('ACC', ACC);
  assert.equal(s[1].t, 1495437325000 + 1000 / 32);
  assert.deepEqual(s[0], { t: 1495437325000, channel: 'acceleration', x: 29, y: -6, z: 55, unit: '1/64 g' });
  const a = new MinuteAggregator(core, { localMinute: (ms) => Math.floor(ms / 60000) });
  a.addAll(s);
  const v = (await a.flush()).values.find((x) => !Number.isNaN(x));
  const mg = (r) => Math.abs(Math.hypot(...r) / 64 - 1) * 1000;
  assert.ok(Math.abs(v - (mg([29, -6, 55]) + mg([28, -6, 55])) / 2) < 1e-3, `${v}`);
});

test('other kinds give no samples; malformed files name the line', () => {
  assert.deepEqual(parseE4('TEMP', '1495437325\n4\n33.1\n'), []);
  assert.throws(() => parseE4('HR', '1495437335\n1\n101\nabc\n'), /line 4/);
  assert.throws(() => parseE4('HR', 'x\n1\n'), /line 1/);
  assert.throws(() => parseE4('HR', '1495437335\n'), /sample rate/);
});

// Defect 5: an E4 file's 500, -20 or 1e30 bpm went into the table unchecked.
test('HR.csv with impossible values: parsed as given, dropped by the core aggregator and counted', async () => {
  const s = parseE4('HR', '1495437300\n1\n70\n500\n-20\n1e30\n80\n');
  assert.deepEqual(s.map((x) => x.value), [70, 500, -20, 1e30, 80], 'parsing keeps numbers; rules are the core\'s');
  const a = new MinuteAggregator(core, { localMinute: (ms) => Math.floor(ms / 60000) });
  a.addAll(s);
  const tab = await a.flush();
  assert.deepEqual(tab.values.filter((x) => !Number.isNaN(x)), new Float32Array([75]));
  assert.equal(a.dropped[0].above, 2);
  assert.equal(a.dropped[0].below, 1);
});
