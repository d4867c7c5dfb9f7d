// Empatica E4 CSV exports (HR.csv, ACC.csv, IBI.csv, ...): the first row is
// the session start as a UTC unix timestamp (one per column), the second the
// sample rate in Hz, then one sample per row. IBI.csv instead has rows of
// (seconds since start, inter-beat interval in seconds). Output is the
// sample stream of the data sources: {t: ms since epoch, channel, value}.

const ACC_UNIT = '1/64 g'; // the core's name of the E4 accelerometer unit (src/waveform/waveform_units.c)

/** Which E4 file this is, from its name (HR, ACC, IBI, TEMP, EDA, BVP) or null. */
export function e4Kind(name) {
  const m = /(?:^|[\\/])(HR|ACC|IBI|TEMP|EDA|BVP)\.csv$/i.exec(name);
  return m ? m[1].toUpperCase() : null;
}

/** Whether text looks like an E4 export (numeric start timestamp(s) on the first line). */
export function looksLikeE4(text) {
  const first = text.slice(0, 200).split(/\r?\n/, 1)[0];
  return /^\s*1\d{9}(\.\d+)?(\s*,\s*(1\d{9}(\.\d+)?|IBI))*\s*$/.test(first);
}

function rows(text) {
  return text.split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => l.split(',').map((c) => c.trim()));
}

/**
 * Parses one E4 file into samples. HR -> heart_rate (bpm); ACC -> raw
 * `acceleration` samples in 1/64 g (the core makes them `movement`); IBI -> rr (ms).
 * Other kinds are not model inputs and return no samples.
 */
export function parseE4(kind, text) {
  const r = rows(text);
  if (r.length < 2) throw new Error(`E4 ${kind}.csv: needs a start time and a sample rate`);
  const start = Number(r[0][0]) * 1000;
  if (!Number.isFinite(start)) throw new Error(`E4 ${kind}.csv: line 1 is not a unix timestamp`);
  const out = [];
  if (kind === 'IBI') {
    for (let i = 1; i < r.length; i++) {
      const off = Number(r[i][0]), ibi = Number(r[i][1]);
      if (!Number.isFinite(off) || !Number.isFinite(ibi)) throw new Error(`E4 IBI.csv: line ${i + 1} is not two numbers`);
      out.push({ t: start + off * 1000, channel: 'rr', value: ibi * 1000, segment: 0 });
    }
    return out;
  }
  const rate = Number(r[1][0]);
  if (!(rate > 0)) throw new Error(`E4 ${kind}.csv: line 2 is not a sample rate`);
  for (let i = 2; i < r.length; i++) {
    const t = start + ((i - 2) * 1000) / rate;
    const vals = r[i].map(Number);
    if (vals.some((x) => !Number.isFinite(x))) throw new Error(`E4 ${kind}.csv: line ${i + 1} is not numeric`);
    if (kind === 'HR') out.push({ t, channel: 'heart_rate', value: vals[0] });
    else if (kind === 'ACC') out.push({ t, channel: 'acceleration', x: vals[0], y: vals[1], z: vals[2], unit: ACC_UNIT });
  }
  return out;
}
