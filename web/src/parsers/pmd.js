// Polar Measurement Data (PMD) protocol, the part needed for the raw
// accelerometer: control point commands and responses with settings TLVs,
// and data frames (raw and delta-compressed), as in Polar's public BLE SDK
// documentation. Pure functions, tested on byte vectors.
import { toDataView } from './gatt-hr.js';

export const PMD_SERVICE = 'fb005c80-02e7-f387-1cad-8acd2d8df0c8';
export const PMD_CONTROL_POINT = 'fb005c81-02e7-f387-1cad-8acd2d8df0c8';
export const PMD_DATA = 'fb005c82-02e7-f387-1cad-8acd2d8df0c8';

export const MEASUREMENT = { ECG: 0, PPG: 1, ACC: 2, PPI: 3, GYRO: 5, MAG: 6 };
export const OP = { GET_SETTINGS: 1, START: 2, STOP: 3 };
// Setting type -> bytes per value.
export const SETTING = { SAMPLE_RATE: 0, RESOLUTION: 1, RANGE: 2, RANGE_MILLIUNIT: 3, CHANNELS: 4, FACTOR: 5 };
const SETTING_SIZE = { 0: 2, 1: 2, 2: 2, 3: 4, 4: 1, 5: 4 };
const SETTING_NAME = ['sampleRate', 'resolution', 'range', 'rangeMilliunit', 'channels', 'factor'];

/** Bytes of a START command: settings like {sampleRate: 52, resolution: 16, range: 8}. */
export function encodeStart(type, settings) {
  const out = [OP.START, type];
  for (const [name, value] of Object.entries(settings)) {
    const t = SETTING_NAME.indexOf(name);
    if (t < 0 || name === 'factor') throw new RangeError(`PMD: cannot request setting ${name}`);
    out.push(t, 1);
    for (let b = 0; b < SETTING_SIZE[t]; b++) out.push((value >>> (8 * b)) & 0xff);
  }
  return Uint8Array.from(out);
}
export const encodeStop = (type) => Uint8Array.of(OP.STOP, type);
export const encodeGetSettings = (type) => Uint8Array.of(OP.GET_SETTINGS, type);

/** Settings TLVs: type, count, count values of the type's size (LE). Values are lists. */
export function parseSettings(bytes, offset = 0) {
  const v = toDataView(bytes);
  const out = {};
  let o = offset;
  while (o + 2 <= v.byteLength) {
    const t = v.getUint8(o), n = v.getUint8(o + 1);
    const size = SETTING_SIZE[t];
    if (size === undefined) throw new RangeError(`PMD: unknown setting type ${t} at byte ${o}`);
    o += 2;
    if (o + n * size > v.byteLength) throw new RangeError(`PMD: setting ${SETTING_NAME[t]} truncated`);
    const vals = [];
    for (let i = 0; i < n; i++, o += size) {
      if (t === SETTING.FACTOR) vals.push(v.getFloat32(o, true));
      else if (size === 1) vals.push(v.getUint8(o));
      else if (size === 2) vals.push(v.getUint16(o, true));
      else vals.push(v.getUint32(o, true));
    }
    out[SETTING_NAME[t]] = vals;
  }
  return out;
}

/** Control point response: 0xF0, op, type, status, more, then settings. */
export function parseControlResponse(bytes) {
  const v = toDataView(bytes);
  if (v.byteLength < 4 || v.getUint8(0) !== 0xf0) throw new RangeError('PMD: not a control point response');
  const status = v.getUint8(3);
  return {
    op: v.getUint8(1),
    type: v.getUint8(2),
    status,
    ok: status === 0,
    more: v.byteLength > 4 && v.getUint8(4) !== 0,
    settings: v.byteLength > 5 ? parseSettings(v, 5) : {},
  };
}

/** Features read from the control point: 0x0F then a bitmask of measurement types. */
export function parseFeatures(bytes) {
  const v = toDataView(bytes);
  if (v.byteLength < 2 || v.getUint8(0) !== 0x0f) throw new RangeError('PMD: not a features record');
  const mask = v.getUint8(1);
  return Object.fromEntries(Object.entries(MEASUREMENT).map(([k, bit]) => [k, Boolean(mask & (1 << bit))]));
}

function signExtend(value, bits) {
  return bits < 32 && value & (2 ** (bits - 1)) ? value - 2 ** bits : value;
}

/** Delta-compressed payload: a reference sample, then blocks of (bit width, count, packed deltas, LSB first). */
export function parseDeltaFrames(bytes, channels, resolution) {
  const u8 = new Uint8Array(bytes.buffer ?? bytes, bytes.byteOffset ?? 0, bytes.byteLength);
  const width = Math.ceil(resolution / 8);
  if (u8.length < channels * width) throw new RangeError('PMD: delta frame without reference sample');
  const ref = [];
  for (let c = 0; c < channels; c++) {
    let raw = 0;
    for (let b = 0; b < width; b++) raw += u8[c * width + b] * 2 ** (8 * b);
    ref.push(signExtend(raw, resolution));
  }
  const samples = [ref];
  let o = channels * width;
  while (o + 2 <= u8.length) {
    const bits = u8[o], count = u8[o + 1];
    o += 2;
    const nbytes = Math.ceil((bits * count * channels) / 8);
    if (bits === 0 || bits > 32 || o + nbytes > u8.length) throw new RangeError(`PMD: bad delta block at byte ${o - 2}`);
    let bit = o * 8;
    for (let s = 0; s < count; s++) {
      const prev = samples[samples.length - 1];
      const next = [];
      for (let c = 0; c < channels; c++) {
        let raw = 0;
        for (let i = 0; i < bits; i++, bit++) if (u8[bit >> 3] & (1 << (bit & 7))) raw += 2 ** i;
        next.push(prev[c] + signExtend(raw, bits));
      }
      samples.push(next);
    }
    o += nbytes;
  }
  return samples;
}

/**
 * A data frame: type, 8-byte LE timestamp (ns, of the last sample), frame
 * type byte (bit 7 = delta compressed), payload. For ACC, raw frame types
 * 0/1/2 are int8/int16/int24 per axis; compressed frames use the resolution
 * (16 bits) and are scaled by the factor from the start response. Values in mG.
 */
export function parseDataFrame(bytes, { factor = 1, resolution = 16, channels = 3 } = {}) {
  const v = toDataView(bytes);
  if (v.byteLength < 10) throw new RangeError('PMD: data frame too short');
  const type = v.getUint8(0);
  const timestampNs = v.getBigUint64(1, true);
  const ft = v.getUint8(9);
  const compressed = Boolean(ft & 0x80), frameType = ft & 0x7f;
  const payload = new Uint8Array(v.buffer, v.byteOffset + 10, v.byteLength - 10);
  let samples;
  if (compressed) {
    samples = parseDeltaFrames(payload, channels, resolution);
    const f = frameType === 0 && type === MEASUREMENT.ACC ? factor * 1000 : factor; // type 0 is in G
    if (f !== 1) samples = samples.map((s) => s.map((x) => x * f));
  } else {
    const size = frameType + 1; // ACC raw frame types 0,1,2: 1,2,3 bytes per axis
    if (type !== MEASUREMENT.ACC || size > 3) throw new RangeError(`PMD: unsupported raw frame type ${frameType} for measurement ${type}`);
    if (payload.length % (size * channels)) throw new RangeError('PMD: raw frame length is not a whole number of samples');
    samples = [];
    for (let o = 0; o < payload.length; ) {
      const s = [];
      for (let c = 0; c < channels; c++, o += size) {
        let raw = 0;
        for (let b = 0; b < size; b++) raw += payload[o + b] * 2 ** (8 * b);
        s.push(signExtend(raw, 8 * size));
      }
      samples.push(s);
    }
  }
  return { type, timestampNs, frameType, compressed, samples };
}
