// Minute tables to text: the generic minute CSV that the C importer and the
// CLI read (timestamp,<channel>,...; empty = missing), so a table recorded in
// the browser is analysed, exported and re-imported the same way everywhere.
import { formatMinute } from './time.js';

/** CSV text of a table; extra columns (e.g. model fills) may be appended. */
export function tableToCsv(table, extra = []) {
  const { start, length, channels, values } = table;
  const C = channels.length;
  const head = ['timestamp', ...channels, ...extra.map((e) => e.name)].join(',');
  const lines = [head];
  for (let i = 0; i < length; i++) {
    const cells = [formatMinute(start + i)];
    for (let c = 0; c < C; c++) cells.push(cell(values[i * C + c]));
    for (const e of extra) cells.push(cell(e.values[i]));
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

function cell(v) {
  return v === undefined || Number.isNaN(v) ? '' : floatText(v);
}

/** Shortest decimal text that reads back as the same float32 (101.6, not 101.5999984741211). */
export function floatText(v) {
  const f = Math.fround(v);
  for (let p = 1; p < 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return String(s);
  }
  return String(f);
}

/** Share of observed (non-NaN) values per channel over rows [from, to). */
export function observedShare(table, from = 0, to = table.length) {
  const C = table.channels.length;
  const out = new Array(C).fill(0);
  for (let i = Math.max(0, from); i < Math.min(to, table.length); i++)
    for (let c = 0; c < C; c++) if (!Number.isNaN(table.values[i * C + c])) out[c]++;
  const n = Math.max(1, to - from);
  return out.map((k) => k / n);
}
