// Heart Rate Measurement (0x2A37) parser on byte vectors built from the
// GATT Specification Supplement's field layout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHeartRateMeasurement as parse } from '../src/parsers/gatt-hr.js';

test('u8 heart rate, no contact support, nothing else', () => {
  assert.deepEqual(parse([0x00, 72]), { heartRate: 72, contact: null, energyExpended: null, rrIntervals: [], rrRaw: [] });
});

test('u16 heart rate (little endian)', () => {
  assert.equal(parse([0x01, 0x2c, 0x01]).heartRate, 300);
  assert.equal(parse(new Uint8Array([0x01, 0x48, 0x00])).heartRate, 72);
});

test('sensor contact: supported and detected, supported and not detected', () => {
  assert.equal(parse([0x06, 60]).contact, true);
  assert.equal(parse([0x04, 60]).contact, false);
  assert.equal(parse([0x02, 60]).contact, null); // detected bit without the supported bit means nothing
});

test('energy expended (kJ, u16) before RR intervals', () => {
  const m = parse([0x18, 80, 0x34, 0x12, 0x00, 0x04]);
  assert.equal(m.energyExpended, 0x1234);
  assert.deepEqual(m.rrRaw, [1024]);
  assert.deepEqual(m.rrIntervals, [1000]);
});

test('RR interval lists in 1/1024 s, after a u16 heart rate', () => {
  // flags: u16 HR, contact supported+detected, RR present; HR 65; RR 1024, 870, 512
  const m = parse([0x17, 65, 0, 0x00, 0x04, 0x66, 0x03, 0x00, 0x02]);
  assert.equal(m.heartRate, 65);
  assert.equal(m.contact, true);
  assert.deepEqual(m.rrRaw, [1024, 870, 512]);
  assert.deepEqual(m.rrIntervals, [1000, (870 * 1000) / 1024, 500]);
});

test('a DataView on an offset buffer is read from its offset', () => {
  const buf = new Uint8Array([9, 9, 0x10, 70, 0x00, 0x03]);
  assert.deepEqual(parse(new DataView(buf.buffer, 2)).rrRaw, [768]);
});

test('truncated packets throw', () => {
  assert.throws(() => parse([0x00]), RangeError);
  assert.throws(() => parse([0x01, 70]), RangeError);
  assert.throws(() => parse([0x08, 70, 1]), RangeError);
  assert.throws(() => parse([0x10, 70, 1]), RangeError);
});
