// The probes the page ships (models/probes, served under probes/): asleep or
// awake, and moderate or vigorous activity, per slot (one patch of the
// model), fit and measured by `make page-probes`. They load with the page, so
// predictions work without a file. The core computes everything here (slot
// features in analyzeTable, the probe's probabilities, the periods and the
// expected totals); this file only moves arrays between those calls.
export const PROBES_URL = 'probes/probes.json';

/**
 * The manifest and each probe's bytes, checked by the core against the loaded
 * model (a probe bound to another model is left out, with the reason).
 * Returns {manifest, probes: [{...entry, bytes, classes}], problems: [text]}.
 */
export async function loadPageProbes(api, fetchFile = (u) => fetch(u)) {
  const res = await fetchFile(PROBES_URL);
  if (!res.ok) throw new Error(`the page's probes are missing (${res.status})`);
  const manifest = await res.json();
  const probes = [], problems = [];
  for (const entry of manifest.probes) {
    const r = await fetchFile(`probes/${entry.file}`);
    if (!r.ok) { problems.push(`${entry.title}: file missing (${r.status})`); continue; }
    const bytes = new Uint8Array(await r.arrayBuffer());
    const info = await api.probeInfo(bytes.slice());
    if (api.info?.weightsHash && info.encoderHash !== api.info.weightsHash) {
      problems.push(`${entry.title}: made for another model`);
      continue;
    }
    probes.push({ ...entry, bytes, classes: info.classes });
  }
  return { manifest, probes, problems };
}

/** What analyzeTable must compute for these probes. */
export const slotSpecs = (probes) => probes.map((p) => ({ name: p.name, inputs: p.inputs }));

/**
 * One probe over every analysed window. Returns {first (minute of slot 0),
 * P, prob (P(positive) per slot, NaN where no input was recorded), periods
 * (with probe.periods: [{from, to (minutes), meanProbability}]), days: Map
 * dayStart -> {expectedMinutes, knownMinutes}}.
 */
export async function predictSlots(api, probe, analysis) {
  const { windowMinutes: T, patchMinutes: P, windows } = analysis;
  if (!windows.length) return null;
  const NP = T / P, first = windows[0].start, n = (windows.at(-1).start + T - first) / P;
  const at = [], rows = [];
  for (const w of windows) {
    const s = w.slots?.[probe.name];
    if (!s) continue;
    const D = s.features.length / NP;
    for (let p = 0; p < NP; p++) if (s.has[p]) { at.push((w.start - first) / P + p); rows.push(s.features.subarray(p * D, (p + 1) * D)); }
  }
  const prob = new Float32Array(n).fill(NaN);
  if (!rows.length) return { first, P, prob, periods: [], days: new Map() };
  const d = rows[0].length, X = new Float32Array(rows.length * d);
  rows.forEach((r, i) => X.set(r, i * d));
  const out = await api.probePredict({ probe: probe.bytes.slice(), X, n: rows.length, d });
  const k = out.info.classes.indexOf(probe.positive), K = out.info.nOutputs;
  at.forEach((slot, i) => { prob[slot] = out.outputs[i * K + k]; });
  let periods = [];
  if (probe.periods) {
    const { threshold, max_gap_minutes: gap, min_minutes: min } = probe.periods;
    const found = await api.slotPeriods(prob.slice(), { threshold, maxGap: Math.floor(gap / P), minSlots: Math.ceil(min / P) });
    periods = found.map((q) => ({ from: first + q.first * P, to: first + q.end * P, meanProbability: q.meanProbability }));
  }
  const days = new Map();
  for (const w of windows) {
    const a = (w.start - first) / P;
    const { expected, known } = await api.slotExpected(prob.slice(a, a + NP));
    days.set(w.start, { expectedMinutes: expected * P, knownMinutes: known * P });
  }
  return { first, P, prob, periods, days };
}

/** The probe's validation row for the inputs a day actually has (null when it has none of them). */
export function validationFor(probe, table, dayStart) {
  const C = table.channels.length, present = probe.inputs.filter((name) => {
    const c = table.channels.indexOf(name);
    if (c < 0) return false;
    for (let i = Math.max(0, dayStart - table.start); i < Math.min(table.length, dayStart + 1440 - table.start); i++)
      if (!Number.isNaN(table.values[i * C + c])) return true;
    return false;
  });
  return probe.validation.find((v) => v.inputs.length === present.length && v.inputs.every((c) => present.includes(c))) ?? null;
}
