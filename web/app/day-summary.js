// The words under the day's date: which day, how much of it was recorded,
// and while recording, the newest values.
import { channelMeta } from '../src/channels.js';
import { localMinute } from '../src/time.js';

export function dayLabel(day) {
  return new Date(day * 60000).toLocaleDateString(undefined, { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
}

// "Recorded 14 h 20 min of this day (60%)": minutes with any shown channel.
export function observedText(table, from, rows) {
  const C = table.channels.length, idx = rows.map((n) => table.channels.indexOf(n));
  let any = 0;
  for (let i = Math.max(0, from); i < Math.min(table.length, from + 1440); i++)
    if (idx.some((c) => !Number.isNaN(table.values[i * C + c]))) any++;
  return `Something was recorded in ${Math.floor(any / 60)} h ${any % 60} min of this day (${Math.round((any / 1440) * 100)}%).`;
}

const hm = (minutes) => `${Math.floor(minutes / 60).toLocaleString()} h ${minutes % 60} min`;
const shortDay = (day) => new Date(day * 86400000).toLocaleDateString(undefined, { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });

// The whole dataset in a few numbers, for the status line: "3 days (May 5,
// 2016 to May 7, 2016); something was recorded in 41 h 10 min of them (57%)".
export function datasetText(table, rows) {
  if (!table || !table.length) return 'nothing recorded yet';
  const C = table.channels.length, idx = rows.map((n) => table.channels.indexOf(n));
  let any = 0;
  for (let i = 0; i < table.length; i++)
    if (idx.some((c) => !Number.isNaN(table.values[i * C + c]))) any++;
  const first = Math.floor(table.start / 1440), last = Math.floor((table.start + table.length - 1) / 1440), n = last - first + 1;
  const span = n === 1 ? shortDay(first) : `${shortDay(first)} to ${shortDay(last)}`;
  return `${n} ${n === 1 ? 'day' : 'days'} (${span}); something was recorded in ${hm(any)} of ${n === 1 ? 'it' : 'them'} (${Math.round((any / (n * 1440)) * 100)}%)`;
}

// While recording: the newest minute's values, so a participant sees the sensor working.
export function latestText(table, rows, recording) {
  if (!recording) return '';
  const C = table.channels.length, now = localMinute(Date.now()) - table.start;
  const parts = [];
  for (const n of rows) {
    const c = table.channels.indexOf(n);
    for (let i = Math.min(now, table.length - 1); i >= Math.max(0, now - 2); i--) {
      const v = table.values[i * C + c];
      if (!Number.isNaN(v)) { parts.push(`${channelMeta(n).short ?? channelMeta(n).label.toLowerCase()} ${Math.round(v)} ${channelMeta(n).unit}`); break; }
    }
  }
  return parts.length ? ` Now: ${parts.join(', ')}.` : '';
}
