// The words of the "heart rate from motion" panel (app/motion-hr.js): plain,
// with the expected error, the states before a window and without the files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { motionWords, measuredWords } from '../app/motion-hr.js';

const ok = { hr: { ok: true }, activity: { ok: true } };
const JARGON = /\b[a-z]+_[a-z_]+\b|NaN|undefined|null/;

test('states: loading, missing model, not enough motion, an estimate', () => {
  assert.match(motionWords({ loaded: false }).hr, /Getting the motion model ready/);
  assert.equal(motionWords({ problem: 'the motion model is not on this site' }).hr, 'Heart rate from motion is not available on this site: the motion model is not on this site. Everything else works as usual.');
  assert.match(motionWords({ loaded: true, probes: ok, estimate: { enough: false, seconds: 12.7, windowSeconds: 30 } }).hr, /^Not enough motion yet: 12 of 30 seconds recorded\./);
  const w = motionWords({ loaded: true, probes: ok, estimate: { enough: true, windowSeconds: 30, hr_bpm: 91.6, expected_mae_bpm: 7.2, activity: 'stairs', p: 0.634 } });
  assert.equal(w.hr, 'About 92 bpm (about ±7 bpm), estimated from your movement in the last 30 seconds.');
  assert.equal(w.activity, 'Activity: most likely climbing stairs (63 in 100).');
  assert.equal(w.note, '');
  for (const s of Object.values(w)) assert.doesNotMatch(s, JARGON);
});

test('a probe missing, or without error bands: said plainly, the rest still shown', () => {
  const w = motionWords({ loaded: true, probes: { hr: { ok: true }, activity: { ok: false, problem: 'the file is not on this site' } }, estimate: { enough: true, windowSeconds: 30, hr_bpm: 70, expected_mae_bpm: NaN, activity: null, p: NaN } });
  assert.equal(w.hr, 'About 70 bpm (how far off it may be was not measured), estimated from your movement in the last 30 seconds.');
  assert.equal(w.activity, '');
  assert.equal(w.note, 'The activity estimate is not available (the file is not on this site).');
  const noHr = motionWords({ loaded: true, probes: { hr: { ok: false, problem: 'x' }, activity: { ok: true } }, estimate: { enough: true, windowSeconds: 30, hr_bpm: NaN, activity: 'sitting', p: 0.9 } });
  assert.match(noHr.hr, /no heart-rate estimate/);
});

test('the measured heart rate: the newest minute the core kept', () => {
  const table = { length: 3, channels: ['movement', 'heart_rate'], values: new Float32Array([1, 70, 2, 72.4, 3, NaN]) };
  assert.equal(measuredWords(table), 'Measured by your heart-rate sensor: 72 bpm (the latest minute’s average).');
  assert.equal(measuredWords({ length: 1, channels: ['movement'], values: new Float32Array([1]) }), 'Measured by your heart-rate sensor: nothing yet.');
});
