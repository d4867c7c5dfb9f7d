// Minutes in the device's local wall-clock time since 1970-01-01T00:00, the
// time base of minute tables (docs/data.md: no time zones in the data).

/** Local minute of a UTC epoch time in ms, using the browser's time zone. */
export function localMinute(ms) {
  return Math.floor(ms / 60000) - new Date(ms).getTimezoneOffset();
}

/** Inverse of localMinute (the start of that local minute, in epoch ms). */
export function epochOfLocalMinute(minute) {
  const guess = minute * 60000;
  return guess + new Date(guess).getTimezoneOffset() * 60000;
}

/** "YYYY-MM-DDTHH:MM", as the C core's wfm_format_minute. */
export function formatMinute(minute) {
  return new Date(minute * 60000).toISOString().slice(0, 16);
}

/** Inverse of formatMinute; NaN when malformed. */
export function parseMinute(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})/.exec(text);
  return m ? Date.UTC(+m[1], m[2] - 1, +m[3], +m[4], +m[5]) / 60000 : NaN;
}
