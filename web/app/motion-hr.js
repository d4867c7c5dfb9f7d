// "Heart rate from motion": the words of the live panel, from the core's
// estimate (src/accel-core.js). The URLs the page asks for are here once;
// the files behind them are named in scripts/common.sh (ACCEL_MODEL,
// ACCEL_HR_PROBE, ACCEL_ACTIVITY_PROBE), served by serve.mjs.
export const ACCEL_URLS = { model: 'accel/model.safetensors', hr: 'accel/hr.safetensors', activity: 'accel/activity.safetensors' };

// The activity probe's classes (WISDM), as a participant says them.
const ACTIVITY_WORDS = { walking: 'walking', jogging: 'jogging', stairs: 'climbing stairs', sitting: 'sitting', standing: 'standing', kicking: 'kicking a ball' };

/** What the panel says: {hr, activity, note} (strings; '' for nothing). */
export function motionWords({ loaded, problem, probes, estimate }) {
  if (problem) return { hr: `Heart rate from motion is not available on this site: ${problem}. Everything else works as usual.`, activity: '', note: '' };
  if (!loaded) return { hr: 'Getting the motion model ready…', activity: '', note: '' };
  const missing = [];
  if (!probes?.hr?.ok) missing.push(`The heart-rate estimate is not available (${probes?.hr?.problem ?? 'not loaded'}).`);
  if (!probes?.activity?.ok) missing.push(`The activity estimate is not available (${probes?.activity?.problem ?? 'not loaded'}).`);
  const note = missing.join(' ');
  const e = estimate;
  if (!e) return { hr: 'Waiting for the first motion readings…', activity: '', note };
  if (!e.enough) {
    const s = Math.min(Math.floor(e.seconds), e.windowSeconds - 1);
    return { hr: `Not enough motion yet: ${s} of ${e.windowSeconds} seconds recorded. Keep the phone or sensor on you; the estimate appears after ${e.windowSeconds} seconds.`, activity: '', note };
  }
  const hr = Number.isFinite(e.hr_bpm)
    ? `About ${Math.round(e.hr_bpm)} bpm${Number.isFinite(e.expected_mae_bpm) ? ` (about ±${Math.round(e.expected_mae_bpm)} bpm)` : ' (how far off it may be was not measured)'}, estimated from your movement in the last ${e.windowSeconds} seconds.`
    : `Your movement in the last ${e.windowSeconds} seconds was read, but there is no heart-rate estimate.`;
  const activity = e.activity
    ? `Activity: most likely ${ACTIVITY_WORDS[e.activity] ?? e.activity} (${Math.round(e.p * 100)} in 100).`
    : '';
  return { hr, activity, note };
}

/** The measured heart rate beside it: the newest minute of heart rate in the table (after the core's rules), or ''. */
export function measuredWords(table) {
  const c = table?.channels.indexOf('heart_rate') ?? -1;
  if (c < 0) return 'Measured by your heart-rate sensor: nothing yet.';
  const C = table.channels.length;
  for (let i = table.length - 1; i >= 0; i--) {
    const v = table.values[i * C + c];
    if (!Number.isNaN(v)) return `Measured by your heart-rate sensor: ${Math.round(v)} bpm (the latest minute’s average).`;
  }
  return 'Measured by your heart-rate sensor: nothing yet.';
}
