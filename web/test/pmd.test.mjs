// Polar PMD parser on byte vectors built from the protocol description:
// control point commands and responses (settings TLVs), features, raw and
// delta-compressed accelerometer frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeStart, encodeStop, parseControlResponse, parseFeatures, parseSettings, parseDataFrame, parseDeltaFrames, MEASUREMENT } from '../src/parsers/pmd.js';

const le16 = (v) => [v & 0xff, (v >> 8) & 0xff];
const header = (type, frameType, ts = 0x0102030405060708n) => {
  const b = new Uint8Array(10);
  const v = new DataView(b.buffer);
  v.setUint8(0, type);
  v.setBigUint64(1, ts, true);
  v.setUint8(9, frameType);
  return [...b];
};
// Packs signed values of `bits` bits, least significant bit first.
function pack(values, bits) {
  const out = new Uint8Array(Math.ceil((values.length * bits) / 8));
  let bit = 0;
  for (const v of values) {
    const u = v < 0 ? v + 2 ** bits : v;
    for (let i = 0; i < bits; i++, bit++) if (Math.floor(u / 2 ** i) % 2) out[bit >> 3] |= 1 << (bit & 7);
  }
  return [...out];
}

test('start and stop commands: op, type, settings TLVs', () => {
  assert.deepEqual([...encodeStart(MEASUREMENT.ACC, { sampleRate: 52, resolution: 16, range: 8 })],
    [0x02, 0x02, 0x00, 0x01, 52, 0x00, 0x01, 0x01, 16, 0x00, 0x02, 0x01, 8, 0x00]);
  assert.deepEqual([...encodeStop(MEASUREMENT.ACC)], [0x03, 0x02]);
  assert.throws(() => encodeStart(2, { factor: 1 }), RangeError);
});

test('settings TLVs: several values, u8 channels, float factor', () => {
  const f = new Uint8Array(new Float32Array([0.244]).buffer);
  const s = parseSettings([0x00, 0x03, ...le16(25), ...le16(52), ...le16(200), 0x04, 0x01, 3, 0x05, 0x01, ...f]);
  assert.deepEqual(s.sampleRate, [25, 52, 200]);
  assert.deepEqual(s.channels, [3]);
  assert.ok(Math.abs(s.factor[0] - 0.244) < 1e-6);
  assert.throws(() => parseSettings([0x09, 0x01, 0]), /unknown setting/);
  assert.throws(() => parseSettings([0x00, 0x02, 1, 0]), /truncated/);
});

test('control point responses: success with settings, and an error status', () => {
  const f = [...new Uint8Array(new Float32Array([1]).buffer)];
  const ok = parseControlResponse([0xf0, 0x02, 0x02, 0x00, 0x00, 0x05, 0x01, ...f]);
  assert.equal(ok.ok, true);
  assert.equal(ok.op, 2);
  assert.equal(ok.type, MEASUREMENT.ACC);
  assert.deepEqual(ok.settings.factor, [1]);
  const bad = parseControlResponse([0xf0, 0x02, 0x02, 0x06]);
  assert.equal(bad.ok, false);
  assert.equal(bad.status, 6);
  assert.throws(() => parseControlResponse([0x0f, 1, 2, 3]), RangeError);
});

test('features: bitmask of measurement types', () => {
  const f = parseFeatures([0x0f, (1 << 0) | (1 << 2) | (1 << 3)]);
  assert.equal(f.ECG, true);
  assert.equal(f.ACC, true);
  assert.equal(f.PPI, true);
  assert.equal(f.PPG, false);
});

test('raw 16-bit ACC frame: timestamp and signed samples in mG', () => {
  const frame = parseDataFrame([...header(2, 0x01), ...le16(-10 & 0xffff), ...le16(20), ...le16(1000), ...le16(5), ...le16(-6 & 0xffff), ...le16(-1000 & 0xffff)]);
  assert.equal(frame.timestampNs, 0x0102030405060708n);
  assert.equal(frame.compressed, false);
  assert.deepEqual(frame.samples, [[-10, 20, 1000], [5, -6, -1000]]);
  assert.throws(() => parseDataFrame([...header(2, 0x01), 1, 2, 3]), /whole number/);
});

test('raw 8-bit and 24-bit ACC frames', () => {
  assert.deepEqual(parseDataFrame([...header(2, 0x00), 0xff, 0x01, 0x80]).samples, [[-1, 1, -128]]);
  assert.deepEqual(parseDataFrame([...header(2, 0x02), 0xff, 0xff, 0xff, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00]).samples, [[-1, 65536, 2]]);
});

test('delta-compressed frames: reference sample, then bit-packed deltas in blocks', () => {
  const ref = [...le16(100), ...le16(-200 & 0xffff), ...le16(1000)];
  // block 1: 4-bit deltas, 2 samples; block 2: 7-bit deltas, 1 sample
  const d1 = [[1, -1, 7], [-8, 0, 2]], d2 = [[63, -64, 0]];
  const payload = [...ref, 4, 2, ...pack(d1.flat(), 4), 7, 1, ...pack(d2.flat(), 7)];
  assert.deepEqual(parseDeltaFrames(new Uint8Array(payload), 3, 16), [
    [100, -200, 1000], [101, -201, 1007], [93, -201, 1009], [156, -265, 1009]]);
  const frame = parseDataFrame([...header(2, 0x81), ...payload], { factor: 2 });
  assert.equal(frame.compressed, true);
  assert.equal(frame.frameType, 1);
  assert.deepEqual(frame.samples[1], [202, -402, 2014]);
  // frame type 0 compressed is in G: scaled by factor * 1000
  assert.deepEqual(parseDataFrame([...header(2, 0x80), ...ref], { factor: 0.001 }).samples, [[100, -200, 1000]]);
});

test('truncated delta blocks and short frames throw', () => {
  assert.throws(() => parseDeltaFrames(new Uint8Array([1, 0, 2]), 3, 16), /reference/);
  assert.throws(() => parseDeltaFrames(new Uint8Array([0, 0, 0, 0, 0, 0, 8, 3, 1]), 3, 16), /bad delta block/);
  assert.throws(() => parseDataFrame([2, 0, 0]), /too short/);
});
