// What the core's data rules left out, in plain words for the status line:
// "3 heart rate values were left out as impossible readings (2 above 250 bpm
// and 1 below 25 bpm)". The counts and the limits come
// from the core (src/core.js: dropCounts); nothing here decides what is
// plausible.
import { channelWords, listWords } from '../src/channels.js';

// Sample channels that are not drawn under their own name.
const SAMPLE_WORDS = { rr: 'beat-to-beat interval' };

const count = (n) => n.toLocaleString();
const limit = (v, unit) => `${v.toLocaleString()}${unit && !/\s/.test(unit) ? ` ${unit}` : ''}`;

/** One sentence per channel with dropped values, or '' when nothing was dropped. */
export function droppedText(dropped = []) {
  return dropped.map((d) => {
    const parts = [];
    if (d.above) parts.push(`${count(d.above)} above ${limit(d.max, d.unit)}`);
    if (d.below) parts.push(`${count(d.below)} below ${limit(d.min, d.unit)}`);
    if (d.notWhole) parts.push(`${count(d.notWhole)} not a whole number`);
    if (d.notFinite) parts.push(`${count(d.notFinite)} not a number`);
    if (d.badTime) parts.push(`${count(d.badTime)} without a valid time`);
    const n = d.above + d.below + d.notWhole + d.notFinite + d.badTime;
    const what = SAMPLE_WORDS[d.channel] ?? channelWords(d.channel);
    const were = n === 1 ? 'value was left out as an impossible reading' : 'values were left out as impossible readings';
    return `${count(n)} ${what} ${were} (${listWords(parts)})`;
  }).join('. ');
}
