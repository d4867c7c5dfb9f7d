// Bluetooth SIG Heart Rate Measurement characteristic (0x2A37), as in the
// GATT Specification Supplement: a flags byte, then HR (u8 or u16 LE), an
// optional energy expended (u16 LE, kJ) and optional RR intervals (u16 LE,
// units of 1/1024 s). Pure function so it is testable on byte vectors.

const FLAG_HR_U16 = 0x01;
const FLAG_CONTACT_DETECTED = 0x02;
const FLAG_CONTACT_SUPPORTED = 0x04;
const FLAG_ENERGY = 0x08;
const FLAG_RR = 0x10;

/**
 * @param {DataView|ArrayBufferView|ArrayBuffer} data
 * @returns {{heartRate:number, contact:boolean|null, energyExpended:number|null, rrIntervals:number[], rrRaw:number[]}}
 *   contact is null when the sensor does not report contact; rrIntervals are in ms.
 */
export function parseHeartRateMeasurement(data) {
  const v = toDataView(data);
  if (v.byteLength < 2) throw new RangeError('heart rate measurement: too short');
  const flags = v.getUint8(0);
  let o = 1;
  let heartRate;
  if (flags & FLAG_HR_U16) {
    if (v.byteLength < 3) throw new RangeError('heart rate measurement: u16 value truncated');
    heartRate = v.getUint16(o, true);
    o += 2;
  } else {
    heartRate = v.getUint8(o);
    o += 1;
  }
  const contact = flags & FLAG_CONTACT_SUPPORTED ? Boolean(flags & FLAG_CONTACT_DETECTED) : null;
  let energyExpended = null;
  if (flags & FLAG_ENERGY) {
    if (v.byteLength < o + 2) throw new RangeError('heart rate measurement: energy expended truncated');
    energyExpended = v.getUint16(o, true);
    o += 2;
  }
  const rrRaw = [];
  if (flags & FLAG_RR) {
    // An odd trailing byte is malformed; the spec has whole u16 values only.
    if ((v.byteLength - o) % 2) throw new RangeError('heart rate measurement: odd RR interval bytes');
    for (; o + 2 <= v.byteLength; o += 2) rrRaw.push(v.getUint16(o, true));
  }
  return { heartRate, contact, energyExpended, rrIntervals: rrRaw.map((r) => (r * 1000) / 1024), rrRaw };
}

export function toDataView(data) {
  if (data instanceof DataView) return data;
  if (data instanceof ArrayBuffer) return new DataView(data);
  if (ArrayBuffer.isView(data)) return new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (Array.isArray(data)) return new DataView(Uint8Array.from(data).buffer);
  throw new TypeError('expected bytes');
}
