// The shipped probes' results in plain words, with how sure they are and how
// often such estimates were right on people the model never saw (numbers
// from the probe's card, probes.json). Words only: the numbers come from
// the core (page-probes.js).
const pct = (v) => `${Math.round(v * 100)}%`;

/** "23:40" of a local minute. */
export const clock = (minute) => new Date(minute * 60000).toISOString().slice(11, 16);

/** "45 min", "1 h 25 min", "7 h". */
export function duration(minutes) {
  const m = Math.round(minutes), h = Math.floor(m / 60), r = m % 60;
  if (!h) return `${r} min`;
  return r ? `${h} h ${r} min` : `${h} h`;
}

/** To the nearest 5 minutes: "about 45 min". */
export const about = (minutes) => duration(Math.round(minutes / 5) * 5);

/** "heart rate and steps". */
export function listInputs(inputs) {
  const w = inputs.map((c) => ({ heart_rate: 'heart rate', intensity: 'activity intensity' })[c] ?? c.replace(/_/g, ' '));
  return w.length < 2 ? w.join('') : `${w.slice(0, -1).join(', ')} and ${w.at(-1)}`;
}

/**
 * p: the probability of the class named. The band of the probe's calibration
 * table it falls in: {words ("likely"), right (share right on new people, or null)}.
 */
export function confidence(p, calibration) {
  const c = Math.max(p, 1 - p);
  const band = calibration.find((b) => c >= b.from) ?? calibration.at(-1);
  return { words: band.words, right: band.right };
}

function sureText(p, probe, what) {
  const main = probe.validation.find((v) => v.calibration); // all the probe's inputs
  const { words, right } = confidence(p, main.calibration);
  const seen = right === null ? '' : `; stretches this sure were right ${pct(right)} of the time for people the model had never seen`;
  return `${words} (the model's chance of ${what} averages ${pct(p)} there${seen})`;
}

/** Sentences about the sleep periods that end on the day [dayStart, dayStart + 1440). */
export function sleepWords(result, probe, dayStart) {
  if (!result) return ['Sleep: fill the gaps first; the predictions come with the fill.'];
  const mine = result.periods.filter((q) => q.to > dayStart && q.to <= dayStart + 1440);
  const day = result.days.get(dayStart);
  if (!mine.length) {
    return [day?.knownMinutes ? `Sleep: no sleep of ${duration(probe.periods.min_minutes)} or more was found in the ${duration(day.knownMinutes)} of this day with a recording.`
      : 'Sleep: nothing was recorded that the sleep estimate reads (heart rate, steps or activity intensity).'];
  }
  return mine.map((q) => {
    const start = q.from < dayStart ? `${clock(q.from)} the evening before` : clock(q.from);
    return `Asleep from about ${start} to about ${clock(q.to)} (${duration(q.to - q.from)}): ${sureText(q.meanProbability, probe, 'sleep')}.`;
  });
}

/** How far off the start and end of a period were on new people (the probe card's period check). */
export function sleepCaveat(probe) {
  const c = probe.period_check;
  if (!c?.found) return '';
  return `Falling asleep is the less sure end: for people the model had never seen, half the estimated starts were more than ${duration(c.median_abs_start_error_minutes)} off the band's own sleep log, and half the ends within ${duration(c.median_abs_end_error_minutes)}. Lying still awake looks much like sleep without a heart rate.`;
}

/**
 * The day's moderate or vigorous activity. day: {expectedMinutes,
 * knownMinutes} from the core; validation: the probe's validation row for
 * the inputs this day has; recorded: minutes of intensity 2-3 the device
 * itself recorded that day (null when it records none).
 */
export function activityWords(day, probe, validation, recorded) {
  if (!day?.knownMinutes || !validation) return 'Activity: nothing was recorded that the activity estimate reads (heart rate or steps).';
  const dm = validation.day_minutes;
  let text = `About ${about(day.expectedMinutes)} of moderate or vigorous activity, estimated from ${listInputs(validation.inputs)} in the ${duration(day.knownMinutes)} of this day with a recording.`;
  if (dm) {
    text += ` For people the model had never seen, half such day totals were within ${duration(dm.median_abs_error_minutes)} of what their band recorded`;
    text += Math.abs(dm.mean_error_minutes) >= 5 ? `, and on average ${duration(Math.abs(dm.mean_error_minutes))} too ${dm.mean_error_minutes > 0 ? 'high' : 'low'}.` : '.';
  }
  if (recorded !== null && recorded !== undefined) text += ` Your device's own record for this day: ${duration(recorded)}.`;
  return text;
}

/** Minutes of a day with intensity 2 or 3 (moderate or vigorous) in the table; null without the channel. */
export function recordedActiveMinutes(table, dayStart) {
  const c = table.channels.indexOf('intensity'), C = table.channels.length;
  if (c < 0) return null;
  let n = 0, any = false;
  for (let i = Math.max(0, dayStart - table.start); i < Math.min(table.length, dayStart + 1440 - table.start); i++) {
    const v = table.values[i * C + c];
    if (!Number.isNaN(v)) { any = true; if (v >= 2) n++; }
  }
  return any ? n : null;
}
