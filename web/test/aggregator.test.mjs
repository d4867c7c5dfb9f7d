// The page's minute aggregator: a shell over the C core's (src/aggregator*.c),
// run here on the wasm build. Bins in local time, missing minutes stay NaN,
// late and out-of-order samples land in their own minute, RMSSD from RR
// intervals, reconnect gaps recorded and never differenced across, and the
// core's plausibility rules on every sample (issue 12, defect 5).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { MinuteAggregator } from '../src/aggregator.js';
import { WearfmCore } from '../src/core.js';
import { loadCoreModule } from '../testlib/load-core.mjs';

let core;
before(async () => { core = new WearfmCore(await loadCoreModule()); });

// A fixed local time: UTC+2 (no DST), so tests do not depend on the machine.
const tz = (ms) => Math.floor(ms / 60000) + 120;
const day = Date.UTC(2024, 2, 10) - 120 * 60000; // local midnight 2024-03-10
const at = (h, m, s = 0) => day + ((h * 60 + m) * 60 + s) * 1000;
const row = (tab, h, m) => (h * 60 + m) - (tab.start - Math.floor(day / 60000) - 120);
const aggregator = () => new MinuteAggregator(core, { localMinute: tz });

test('samples become minute means in local time; empty minutes are missing', async () => {
  const a = aggregator();
  a.add({ t: at(8, 0, 5), channel: 'heart_rate', value: 60 });
  a.add({ t: at(8, 0, 50), channel: 'heart_rate', value: 70 });
  a.add({ t: at(8, 2, 0), channel: 'heart_rate', value: 80 });
  const tab = await a.flush();
  assert.equal(a.table(), tab, 'the latest table is what the page draws');
  assert.equal(tab.start % 1440, 0);
  assert.equal(tab.length, 1440);
  assert.deepEqual(tab.channels, ['heart_rate']);
  assert.equal(tab.values[row(tab, 8, 0)], 65);
  assert.ok(Number.isNaN(tab.values[row(tab, 8, 1)]));
  assert.equal(tab.values[row(tab, 8, 2)], 80);
  assert.equal(tab.values.filter((v) => !Number.isNaN(v)).length, 2);
  assert.equal(a.samples, 3);
  a.dispose();
});

test('out-of-order and late samples land in their own minute', async () => {
  const a = aggregator(), b = aggregator();
  const s = [[9, 0, 10, 50], [9, 1, 0, 70], [9, 0, 40, 60], [8, 59, 59, 40], [9, 1, 30, 90]]
    .map(([h, m, sec, v]) => ({ t: at(h, m, sec), channel: 'heart_rate', value: v }));
  a.addAll(s);
  b.addAll([...s].sort((x, y) => x.t - y.t));
  const tab = await a.flush();
  assert.deepEqual(tab.values, (await b.flush()).values);
  assert.equal(tab.values[row(tab, 9, 0)], 55);
  assert.equal(tab.values[row(tab, 9, 1)], 80);
  assert.equal(tab.values[row(tab, 8, 59)], 40);
});

test('per-channel rules: steps summed, intensity max, sleep last in time', async () => {
  const a = aggregator();
  a.addAll([
    { t: at(7, 0, 1), channel: 'steps', value: 10 }, { t: at(7, 0, 30), channel: 'steps', value: 5 },
    { t: at(7, 0, 1), channel: 'intensity', value: 2 }, { t: at(7, 0, 2), channel: 'intensity', value: 1 },
    { t: at(7, 0, 40), channel: 'sleep_state', value: 1 }, { t: at(7, 0, 10), channel: 'sleep_state', value: 2 },
  ]);
  const tab = await a.build({ channels: ['steps', 'intensity', 'sleep_state', 'heart_rate'] });
  const r = row(tab, 7, 0) * 4;
  assert.deepEqual(Array.from(tab.values.slice(r, r + 3)), [15, 2, 1]);
  assert.ok(Number.isNaN(tab.values[r + 3]), 'a channel with no samples is all missing');
});

test('RMSSD from RR intervals, sorted within the minute; fewer than 2 differences is missing', async () => {
  const a = aggregator();
  const rr = [800, 820, 790, 810];
  let t = at(10, 0, 10);
  const beats = rr.map((v) => ({ t: (t += v), channel: 'rr', value: v, segment: 1 }));
  a.addAll(beats.reverse()); // arrival order does not matter
  a.add({ t: at(10, 1, 0), channel: 'rr', value: 800, segment: 1 });
  a.add({ t: at(10, 1, 1), channel: 'rr', value: 100, segment: 1 }); // implausible: dropped
  const tab = await a.flush();
  assert.deepEqual(tab.channels, ['hrv_rmssd']);
  const want = Math.sqrt((20 ** 2 + 30 ** 2 + 20 ** 2) / 3);
  assert.ok(Math.abs(tab.values[row(tab, 10, 0)] - want) < 1e-4);
  assert.ok(Number.isNaN(tab.values[row(tab, 10, 1)]));
  assert.equal(a.rejected, 1);
});

test('reconnects: the gap is recorded, its minutes are missing, RR pairs across it are not differenced', async () => {
  const a = aggregator();
  const hr = (h, m, s) => a.add({ t: at(h, m, s), channel: 'heart_rate', value: 70 });
  const rr = (h, m, s, v, seg) => a.add({ t: at(h, m, s), channel: 'rr', value: v, segment: seg });
  hr(12, 0, 0); rr(12, 0, 1, 800, 1); rr(12, 0, 2, 810, 1); rr(12, 0, 3, 800, 1);
  a.openGap(at(12, 0, 4));
  rr(12, 0, 5, 900, 1); // a late packet from before the drop, stamped inside the gap
  a.closeGap(at(12, 3, 20));
  hr(12, 3, 30); rr(12, 3, 30, 1000, 2); rr(12, 3, 31, 1000, 2); rr(12, 3, 32, 1000, 2);
  const tab = await a.build({ channels: ['heart_rate', 'hrv_rmssd'] });
  assert.deepEqual(a.gaps, [{ from: at(12, 0, 4), to: at(12, 3, 20) }]);
  for (const m of [1, 2]) assert.ok(Number.isNaN(tab.values[row(tab, 12, m) * 2]));
  assert.equal(tab.values[row(tab, 12, 3) * 2 + 1], 0);
  // 12:00 has 800,810,800 (+900 inside the gap, not paired): sqrt((100+100)/2) = 10
  assert.equal(tab.values[row(tab, 12, 0) * 2 + 1], 10);
});

test('samples across midnight give a two-day table; bad samples are counted, not stored', async () => {
  const a = aggregator();
  a.add({ t: at(23, 59, 30), channel: 'heart_rate', value: 50 });
  a.add({ t: at(24, 0, 30), channel: 'heart_rate', value: 52 });
  a.add({ t: at(1, 0, 0), channel: 'heart_rate', value: NaN });
  const tab = await a.flush();
  assert.equal(tab.length, 2880);
  assert.equal(tab.values[1439], 50);
  assert.equal(tab.values[1440], 52);
  assert.equal(a.rejected, 1);
  assert.equal((await aggregator().flush()).length, 0, 'no samples: an empty table, not an error');
});

// Defect 5: the JavaScript aggregator kept any finite value (BLE only required HR > 0).
test('implausible heart rate (500, -20, 1e30 bpm) is dropped by the core and counted by reason', async () => {
  const a = aggregator();
  [500, -20, 1e30, 0, 72].forEach((value, i) => a.add({ t: at(9, 0, i), channel: 'heart_rate', value }));
  a.add({ t: at(9, 1, 0), channel: 'steps', value: 2.5 });
  const tab = await a.flush();
  assert.equal(tab.values[row(tab, 9, 0) * tab.channels.length], 72);
  assert.equal(a.samples, 1);
  assert.equal(a.rejected, 5);
  assert.deepEqual(a.dropped, [
    { channel: 'heart_rate', notFinite: 0, below: 2, above: 2, notWhole: 0, badTime: 0, unit: 'bpm', min: 25, max: 250, whole: false },
    { channel: 'steps', notFinite: 0, below: 0, above: 0, notWhole: 1, badTime: 0, unit: 'steps/min', min: 0, max: 300, whole: true },
  ]);
  assert.deepEqual(tab.channels, ['heart_rate'], 'a channel whose every sample was dropped has no column');
});

test('a bad channel name is an error from the core, and the aggregator keeps working', async () => {
  const a = aggregator();
  a.add({ t: at(9, 0, 0), channel: 'a,b', value: 1 });
  await assert.rejects(a.flush(), /comma/);
  a.add({ t: at(9, 0, 0), channel: 'heart_rate', value: 61 });
  assert.deepEqual((await a.flush()).channels, ['heart_rate']);
});

test('a table the page hands to the core is checked by the same rules (no CSV in between)', () => {
  const values = new Float32Array([70, 3, 500, 2.5, NaN, 301]);
  const t = core.checkTable({ start: 100, length: 3, channels: ['heart_rate', 'steps'], values });
  assert.equal(t.start, 100);
  assert.deepEqual(Array.from(t.values).map((v) => (Number.isNaN(v) ? null : v)), [70, 3, null, null, null, null]);
  assert.deepEqual(t.dropped.map((d) => [d.channel, d.above, d.notWhole]), [['heart_rate', 1, 0], ['steps', 1, 1]]);
  assert.throws(() => core.checkTable({ start: 0, length: 1, channels: ['a', 'a'], values: new Float32Array(2) }), /duplicate/);
});
