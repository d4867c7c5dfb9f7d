// How uncertain a filled heart rate or step count is: the words under the
// band the timeline draws around it. The numbers are measured, not modelled:
// models/wearfm-minute-fitabase.fill-bands.json (`make fill-bands`) holds,
// by distance to the nearest recorded minute, where 8 in 10 true values fell
// around the model's fills on people it never saw. The C core turns it into
// an interval per filled minute (wfm_fill_bands_window, via loadFillBands);
// this file only words it.
export const BANDS_URL = 'model/fill-bands.json';

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
