// How uncertain a filled heart rate or step count is: the band the timeline
// draws around it. The numbers are measured, not modelled here:
// models/wearfm-minute-fitabase.fill-bands.json (`make fill-bands`) holds,
// by distance to the nearest recorded minute, where 8 in 10 true values fell
// around the model's fills on people it never saw.
export const BANDS_URL = 'model/fill-bands.json';

/**
 * Minutes from each of the n minutes of a day to the nearest recorded minute
 * of a channel in that day (the model sees one day); Infinity when it has
 * none. recorded(i): minute i of the day has a value.
 */
export function distanceToRecorded(recorded, n = 1440) {
  const d = new Float64Array(n).fill(Infinity);
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    if (recorded(i)) last = i;
    d[i] = i - last;
  }
  let next = Infinity;
  for (let i = n - 1; i >= 0; i--) {
    if (recorded(i)) next = i;
    d[i] = Math.min(d[i], next - i);
  }
  return d;
}

/**
 * {low, high} to add to a fill at this distance, or null: no band for the
 * channel, or none recorded that day (a case the bands did not measure).
 */
export function bandAt(bands, channel, distance) {
  const rows = bands?.channels?.[channel]?.bands;
  if (!rows || !(distance >= 1) || !Number.isFinite(distance)) return null;
  const b = rows.find((r) => distance <= r.to) ?? rows.at(-1);
  return b.low === undefined ? null : { low: b.low, high: b.high };
}

/** The one sentence under the timeline that says what the band is. */
export function bandNote(bands) {
  if (!bands) return '';
  return `The pale band around an estimated heart rate or step count shows where ${Math.round(bands.coverage * 10)} in 10 true values fell when recorded stretches of ${bands.validation_people} people the model had never seen were hidden and filled, at the same distance from the nearest recorded minute.`;
}

/** Its limits, and what paler categories mean. */
export function bandDetails(bands) {
  if (!bands) return '';
  const hr = bands.channels.heart_rate;
  const few = hr?.left_out_coverage ? `Heart rate was measured on ${hr.people} of them: on one person, the band made from the other held ${Math.round(hr.left_out_coverage * 100)}% of the true values. ` : '';
  return `${few}A day with nothing recorded of a channel gets no band (that case was not measured), so read its estimate as rough. An estimated category is paler the less sure the model was of it.`;
}
