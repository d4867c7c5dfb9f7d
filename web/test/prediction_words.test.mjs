// The words of the built-in predictions and the fills' bands (web/app), on
// the shipped probes.json and fill-bands.json: what a participant reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { root, modelPath } from '../testlib/load-core.mjs';
import { duration, about, confidence, sleepWords, sleepCaveat, activityWords, recordedActiveMinutes, listInputs } from '../app/prediction-words.js';
import { bandNote, bandDetails } from '../app/fill-band.js';

const manifest = JSON.parse(readFileSync(path.join(root, 'models/probes/probes.json'), 'utf8'));
const bands = JSON.parse(readFileSync(modelPath.replace(/\.safetensors$/, '.fill-bands.json'), 'utf8'));
const sleep = manifest.probes.find((p) => p.name === 'sleep'), active = manifest.probes.find((p) => p.name === 'active');
const DAY = 16927 * 1440; // 2016-05-06

test('durations read as a person says them', () => {
  assert.equal(duration(45), '45 min');
  assert.equal(duration(60), '1 h');
  assert.equal(duration(85), '1 h 25 min');
  assert.equal(about(43), '45 min');
  assert.equal(about(2), '0 min');
  assert.equal(listInputs(['heart_rate', 'steps', 'intensity']), 'heart rate, steps and activity intensity');
});

test('confidence words follow the card: the probability of the class named', () => {
  const cal = sleep.validation[0].calibration;
  assert.equal(confidence(0.95, cal).words, 'very likely');
  assert.equal(confidence(0.05, cal).words, 'very likely', 'sure it is not');
  assert.equal(confidence(0.8, cal).words, 'likely');
  assert.equal(confidence(0.55, cal).words, 'uncertain');
  assert.equal(confidence(0.8, cal).right, cal[1].right);
});

test('a night that crosses midnight is told on the morning it ends, with its confidence', () => {
  const result = { periods: [{ from: DAY - 20, to: DAY + 380, meanProbability: 0.86 }], days: new Map([[DAY, { knownMinutes: 1440 }]]) };
  const [s] = sleepWords(result, sleep, DAY);
  assert.match(s, /^Asleep from about 23:40 the evening before to about 06:20 \(6 h 40 min\): likely \(the model's chance of sleep averages 86% there; stretches this sure were right \d+% of the time for people the model had never seen\)\.$/);
  assert.deepEqual(sleepWords(result, sleep, DAY - 1440).length, 1, 'the day before gets no period');
  assert.match(sleepWords(result, sleep, DAY - 1440)[0], /no sleep of 1 h or more|nothing was recorded/);
  assert.match(sleepCaveat(sleep), /half the estimated starts were more than .* off the band's own sleep log, and half the ends within/);
});

test("a day total says how far off such totals were, and the device's own record", () => {
  const v = active.validation.find((r) => r.inputs.join() === 'heart_rate,steps');
  const s = activityWords({ expectedMinutes: 43.2, knownMinutes: 860 }, active, v, 40);
  assert.match(s, /^About 45 min of moderate or vigorous activity, estimated from heart rate and steps in the 14 h 20 min of this day with a recording\. For people the model had never seen, half such day totals were within .* of what their band recorded/);
  assert.match(s, /Your device's own record for this day: 40 min\.$/);
  const hrOnly = active.validation.find((r) => r.inputs.join() === 'heart_rate');
  if (Math.abs(hrOnly.day_minutes.mean_error_minutes) >= 5) assert.match(activityWords({ expectedMinutes: 20, knownMinutes: 600 }, active, hrOnly, null), /on average .* too (low|high)\.$/);
  assert.match(activityWords({ expectedMinutes: 0, knownMinutes: 0 }, active, null, null), /nothing was recorded/);
  const table = { start: DAY, length: 4, channels: ['intensity'], values: Float32Array.from([0, 2, 3, NaN]) };
  assert.equal(recordedActiveMinutes(table, DAY), 2);
  assert.equal(recordedActiveMinutes({ ...table, channels: ['steps'] }, DAY), null);
});

test('the band note says what was measured', () => {
  assert.match(bandNote(bands), /^The pale band around an estimated heart rate or step count shows where 8 in 10 true values fell when recorded stretches of 7 people the model had never seen were hidden and filled, at the same distance from the nearest recorded minute\.$/);
  assert.equal(bandNote(bands).split('. ').length, 1, 'one sentence');
  assert.match(bandDetails(bands), /Heart rate was measured on 2 of them: on one person, the band made from the other held \d+% of the true values\. A day with nothing recorded/);
});
