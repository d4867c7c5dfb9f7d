// Data sources against fake Web Bluetooth and motion objects: the heart-rate
// source turns notifications into samples, polls readable characteristics,
// and reconnects after a drop with a new segment; the Polar source starts the
// accelerometer and reads frames; replay emits a table's observed minutes.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { BleHeartRateSource } from '../src/sources/ble-hr.js';
import { PolarAccSource } from '../src/sources/polar-pmd.js';
import { MotionSource } from '../src/sources/motion.js';
import { ReplaySource } from '../src/sources/replay.js';
import { MinuteAggregator } from '../src/aggregator.js';
import { WearfmCore } from '../src/core.js';
import { loadCoreModule } from '../testlib/load-core.mjs';

let core;
before(async () => { core = new WearfmCore(await loadCoreModule()); });

class FakeChar extends EventTarget {
  constructor(props = { notify: true, read: false }) { super(); this.properties = props; this.reads = 0; this.writes = []; }
  async startNotifications() { if (!this.properties.notify) throw new Error('no notify'); }
  push(bytes) { this.value = new DataView(Uint8Array.from(bytes).buffer); this.dispatchEvent(new Event('characteristicvaluechanged')); }
  dispatchEvent(e) { Object.defineProperty(e, 'target', { value: this }); return super.dispatchEvent(e); }
  async readValue() { this.reads++; this.onRead?.(); return this.value; }
  async writeValueWithResponse(b) { this.writes.push([...b]); this.onWrite?.(b); }
}

function fakeDevice(chars) {
  const device = new EventTarget();
  device.name = 'Fake';
  device.gatt = {
    connected: false, connects: 0, failNext: 0,
    async connect() {
      if (this.failNext > 0) { this.failNext--; throw new Error('out of range'); }
      this.connected = true; this.connects++;
      return { getPrimaryService: async () => ({ getCharacteristic: async (u) => chars[u] }) };
    },
    disconnect() { this.connected = false; },
  };
  return device;
}
const fakeBluetooth = (device) => ({ requestDevice: async () => device });

test('heart-rate source: notifications -> heart_rate and RR samples; no-contact drops HR', async () => {
  const ch = new FakeChar();
  const src = new BleHeartRateSource({ bluetooth: fakeBluetooth(fakeDevice({ heart_rate_measurement: ch })), now: () => 1000000 });
  const got = [], events = [];
  await src.start((s) => got.push(s), (e) => events.push(e.type));
  ch.push([0x16, 72, 0x00, 0x04, 0x00, 0x02]); // contact detected, RR 1000 ms, 500 ms
  ch.push([0x04, 90]); // contact supported, not detected
  src.stop();
  assert.deepEqual(events, ['connected']);
  assert.deepEqual(got, [
    { t: 1000000, channel: 'heart_rate', value: 72 },
    { t: 1000000, channel: 'rr', value: 500, segment: 1 },
    { t: 999500, channel: 'rr', value: 1000, segment: 1 },
  ]);
});

test('heart-rate source: polls a readable characteristic when notifications are silent', async () => {
  const ch = new FakeChar({ notify: false, read: true });
  ch.onRead = () => ch.push([0x00, 64]);
  const src = new BleHeartRateSource({ bluetooth: fakeBluetooth(fakeDevice({ heart_rate_measurement: ch })), pollMs: 10 });
  const got = [];
  await src.start((s) => got.push(s));
  await new Promise((r) => setTimeout(r, 60));
  src.stop();
  assert.ok(ch.reads >= 2);
  assert.ok(got.length >= 2 && got.every((s) => s.value === 64));
});

test('heart-rate source: a drop is reported, reconnects with back-off, new segment', async () => {
  const ch = new FakeChar();
  const dev = fakeDevice({ heart_rate_measurement: ch });
  let clock = 0;
  const src = new BleHeartRateSource({ bluetooth: fakeBluetooth(dev), now: () => clock });
  const events = [], samples = [], agg = new MinuteAggregator(core, { localMinute: (ms) => Math.floor(ms / 60000) });
  await src.start((s) => { samples.push(s); agg.add(s); }, (e) => {
    events.push(e.type);
    if (e.type === 'disconnected') agg.openGap(e.t);
    if (e.type === 'connected' && e.segment > 1) agg.closeGap(e.t);
  });
  src.link.sleep = async () => { clock += 1000; };
  ch.push([0x10, 60, 0x00, 0x04]);
  clock = 5000;
  dev.gatt.connected = false;
  dev.gatt.failNext = 1; // the first attempt fails
  dev.dispatchEvent(new Event('gattserverdisconnected'));
  await new Promise((r) => setTimeout(r, 20));
  ch.push([0x10, 61, 0x00, 0x04]);
  src.stop();
  assert.deepEqual(events, ['connected', 'disconnected', 'reconnecting', 'error', 'reconnecting', 'connected']);
  assert.equal(dev.gatt.connects, 2);
  assert.equal(src.link.segment, 2);
  assert.deepEqual(agg.gaps, [{ from: 5000, to: 7000 }]);
  assert.deepEqual(samples.filter((s) => s.channel === 'rr').map((s) => s.segment), [1, 2]);
  await agg.flush();
  assert.equal(agg.samples, 4, 'heart rate and RR of both connections reach the core');
});

// Defect 5: the source used to keep any HR > 0, so a strap's 500 bpm was drawn.
test('heart-rate source: 500 and 0 bpm go to the core, whose rule drops and counts them', async () => {
  const ch = new FakeChar();
  const src = new BleHeartRateSource({ bluetooth: fakeBluetooth(fakeDevice({ heart_rate_measurement: ch })), now: () => 3600000 });
  const agg = new MinuteAggregator(core, { localMinute: (ms) => Math.floor(ms / 60000) });
  await src.start((s) => agg.add(s));
  ch.push([0x01, 0xf4, 0x01]); // u16 heart rate: 500
  ch.push([0x00, 0]);
  ch.push([0x00, 66]);
  src.stop();
  const tab = await agg.flush();
  assert.deepEqual(tab.values.filter((v) => !Number.isNaN(v)), new Float32Array([66]));
  assert.deepEqual([agg.dropped[0].channel, agg.dropped[0].above, agg.dropped[0].below], ['heart_rate', 1, 1]);
});

test('Polar source: writes the ACC start command, reads the factor, emits raw samples in mG on the sensor clock', async () => {
  const PMD = 'fb005c8%-02e7-f387-1cad-8acd2d8df0c8';
  const cp = new FakeChar({ notify: true, write: true }), data = new FakeChar();
  const f = [...new Uint8Array(new Float32Array([1]).buffer)];
  cp.onWrite = () => queueMicrotask(() => cp.push([0xf0, 0x02, 0x02, 0x00, 0x00, 0x05, 0x01, ...f]));
  const src = new PolarAccSource({ bluetooth: fakeBluetooth(fakeDevice({ [PMD.replace('%', '1')]: cp, [PMD.replace('%', '2')]: data })), now: () => 10000, sampleRate: 50 });
  const got = [];
  await src.start((s) => got.push(s));
  assert.deepEqual(cp.writes[0].slice(0, 2), [0x02, 0x02]);
  const le16 = (v) => [v & 0xff, (v >> 8) & 0xff];
  data.push([0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, ...le16(0), ...le16(0), ...le16(1000), ...le16(0), ...le16(0), ...le16(1500)]);
  // The next frame's last sample is 40 ms later on the sensor's clock (8-byte ns timestamp), whenever it arrives.
  const ns = [...new Uint8Array(new BigUint64Array([40000000n]).buffer)];
  data.push([0x02, ...ns, 0x01, ...le16(-1000 & 0xffff), ...le16(0), ...le16(0), ...le16(0), ...le16(2000), ...le16(0)]);
  src.stop();
  const acc = (t, x, y, z) => ({ t, channel: 'acceleration', x, y, z, unit: 'mg' });
  assert.deepEqual(got, [acc(9980, 0, 0, 1000), acc(10000, 0, 0, 1500), acc(10020, -1000, 0, 0), acc(10040, 0, 2000, 0)]);
  // the core makes them `movement`, |‖a‖ − 1 g| in mg
  const agg = new MinuteAggregator(core, { localMinute: (ms) => Math.floor(ms / 60000) });
  agg.addAll(got);
  const tab = await agg.flush();
  assert.deepEqual([tab.channels, tab.values.filter((v) => !Number.isNaN(v))], [['movement'], new Float32Array([(0 + 500 + 0 + 1000) / 4])]);
});

test('motion source: devicemotion with gravity -> raw samples in m/s², movement by the core', async () => {
  const target = new EventTarget();
  target.DeviceMotionEvent = function () {};
  const src = new MotionSource({ target, now: () => 5 });
  const got = [];
  await src.start((s) => got.push(s));
  const e = new Event('devicemotion');
  e.accelerationIncludingGravity = { x: 0, y: 0, z: 2 * 9.80665 };
  target.dispatchEvent(e);
  src.stop();
  target.dispatchEvent(e);
  assert.deepEqual(got, [{ t: 5, channel: 'acceleration', x: 0, y: 0, z: 2 * 9.80665, unit: 'm/s^2' }]);
  const agg = new MinuteAggregator(core, { localMinute: (ms) => Math.floor(ms / 60000) });
  agg.addAll(got);
  assert.deepEqual((await agg.flush()).values.filter((v) => !Number.isNaN(v)), new Float32Array([1000]));
});

test('motion source: says so when no reading arrives (a desktop has the event, not the sensor)', async () => {
  const target = new EventTarget();
  target.DeviceMotionEvent = function () {};
  const events = [];
  const src = new MotionSource({ target, silentMs: 5 });
  await src.start(() => {}, (e) => events.push(e));
  await new Promise((r) => setTimeout(r, 30));
  src.stop();
  assert.deepEqual(events.map((e) => e.type), ['connected', 'error']);
  assert.match(events[1].message, /no motion sensor/);
});

test('replay: a table streamed back through the aggregator is the same table', async () => {
  const table = { start: 28000 * 1440, length: 1440, channels: ['heart_rate', 'steps'], values: new Float32Array(2880).fill(NaN) };
  for (let i = 100; i < 400; i++) { table.values[i * 2] = 60 + (i % 9) + 0.25; if (i % 3) table.values[i * 2 + 1] = i % 50; }
  const agg = new MinuteAggregator(core);
  await new ReplaySource(table, { minutesPerTick: 500, tickMs: 1 }).start((s) => agg.add(s));
  const back = await agg.build({ channels: table.channels });
  assert.equal(back.start, table.start);
  assert.deepEqual(back.values, table.values);
});
