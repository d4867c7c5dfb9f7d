// The day timeline, hand-drawn on a canvas: one row per channel, minutes
// along x (local time), the channel's unit or categories on the left. Grey =
// not recorded, hatched = sensor disconnected, the channel's colour =
// measured; orange = estimated by the model, only where nothing was
// recorded. An estimated number carries its measured uncertainty band
// (the C core's interval, fill-band.js words it); an estimated category is paler the less sure the model is.
import { channelMeta } from '../src/channels.js';

const ROW = 58, LABEL = 18, AXIS = 36, PAD = 6, GUTTER = 70;
const COLORS = { missing: '#eceff1', gap: '#b0bec5', fill: '#e67e22', band: 'rgba(230, 126, 34, 0.22)', grid: '#d5dbe1', text: '#1d2a33', muted: '#5d6d7e' };

/**
 * @param {HTMLCanvasElement} canvas
 * @param {{table, dayStart:number, rows:string[], fillOf:(channel:string, minute:number)=>number,
 *   sureOf?:(channel:string, minute:number)=>number, bandOf?:(channel:string, minute:number)=>({low:number, high:number}|null),
 *   gaps:{from:number,to:number}[], shares:number[]}} d
 *   gaps are in local minutes; fillOf returns NaN where there is no fill; sureOf the
 *   probability of a filled category (NaN: unknown); bandOf the interval (values, not offsets)
 *   around a filled minute, from the core (null: none).
 */
export function drawDay(canvas, { table, dayStart, rows, fillOf, sureOf = () => NaN, bandOf = () => null, gaps, shares }) {
  const width = Math.max(280, canvas.clientWidth || 600);
  const height = rows.length ? rows.length * (ROW + LABEL) + AXIS : 60;
  const dpr = globalThis.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.height = `${height}px`;
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, width, height);
  g.font = '13px system-ui, sans-serif';
  if (!rows.length) {
    g.fillStyle = COLORS.muted;
    g.fillText('Nothing recorded yet: choose a source above.', PAD, 30);
    return;
  }
  const x0 = PAD + GUTTER, w = width - x0 - PAD, dx = w / 1440;
  const xOf = (i) => x0 + i * dx;
  const C = table.channels.length;
  const hatch = hatchPattern(g);

  rows.forEach((name, r) => {
    const meta = channelMeta(name), c = table.channels.indexOf(name);
    const top = r * (ROW + LABEL) + LABEL, bottom = top + ROW;
    const val = (i) => {
      const row = dayStart + i - table.start;
      return c >= 0 && row >= 0 && row < table.length ? table.values[row * C + c] : NaN;
    };
    const fill = (i) => (Number.isNaN(val(i)) ? fillOf(name, dayStart + i) : NaN);
    // Sleep: how long the person slept, not how much was "recorded" (a day
    // with no sleep record usually means awake, not "not tracked").
    let asleep;
    if (meta.asleepFrom !== undefined) {
      asleep = 0;
      for (let i = 0; i < 1440; i++) if (val(i) >= meta.asleepFrom) asleep++;
    }
    g.font = '13px system-ui, sans-serif';
    g.fillStyle = COLORS.text;
    g.fillText(fit(g, width - 2 * PAD, meta, shares[r], asleep), PAD, top - 5);
    g.fillStyle = '#fff';
    g.fillRect(x0, top, w, ROW);
    // Not recorded: runs of missing minutes.
    runs(1440, (i) => Number.isNaN(val(i)), (a, b) => { g.fillStyle = COLORS.missing; g.fillRect(xOf(a), top, (b - a) * dx, ROW); });
    for (const gap of gaps) {
      const a = Math.max(0, gap.from - dayStart), b = Math.min(1440, gap.to - dayStart);
      if (b > a) { g.fillStyle = hatch; g.fillRect(xOf(a), top, (b - a) * dx, ROW); }
    }
    grid(g, xOf, top, ROW);
    if (meta.levels) drawCategories(g, { meta, val, fill, sure: (i) => sureOf(name, dayStart + i), xOf, dx, top });
    else drawNumbers(g, { meta, val, fill, band: (i) => bandOf(name, dayStart + i), xOf, dx, top, bottom, range: meta.min === null || meta.max === null ? range(table, c) : [meta.min, meta.max] });
    g.strokeStyle = COLORS.grid;
    g.lineWidth = 1;
    g.strokeRect(x0 + 0.5, top + 0.5, w - 1, ROW - 1);
  });

  const yAxis = rows.length * (ROW + LABEL) + 14;
  g.font = '12px system-ui, sans-serif';
  g.fillStyle = COLORS.muted;
  for (let h = 0; h <= 24; h += 3) {
    const label = `${String(h).padStart(2, '0')}:00`;
    const x = Math.min(width - PAD - g.measureText(label).width, Math.max(x0, xOf(h * 60) - 16));
    if (h % 6 === 0 || w > 520) g.fillText(label, x, yAxis);
  }
  const caption = 'time of day (local)';
  g.fillText(caption, x0 + (w - g.measureText(caption).width) / 2, yAxis + 16);
}

// A number per minute: ticks with the unit on the left; measured as a line
// (counts as bars), estimated as an orange dashed line inside its band.
function drawNumbers(g, { meta, val, fill, band, xOf, dx, top, bottom, range: [lo, hi] }) {
  const yOf = (v) => bottom - 3 - ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo || 1)) * (ROW - 8);
  g.font = '11px system-ui, sans-serif';
  g.fillStyle = COLORS.muted;
  label(g, fmt(hi), xOf(0), top + 10);
  if (meta.unit) label(g, meta.unit, xOf(0), top + ROW / 2 + 4);
  label(g, fmt(lo), xOf(0), bottom - 2);
  // The band first, so that lines stay on top: one polygon per run of filled minutes.
  runs(1440, (i) => !Number.isNaN(fill(i)) && band(i), (a, b) => {
    g.beginPath();
    for (let i = a; i < b; i++) g.lineTo(xOf(i + 0.5), yOf(band(i).high));
    for (let i = b - 1; i >= a; i--) g.lineTo(xOf(i + 0.5), yOf(band(i).low));
    g.closePath();
    g.fillStyle = COLORS.band;
    g.fill();
  });
  const bars = meta.agg === 'sum' || meta.agg === 'max' || meta.agg === 'last';
  stroke(g, meta.color, bars, 1440, val, xOf, yOf, bottom, dx);
  g.setLineDash([4, 3]);
  stroke(g, COLORS.fill, false, 1440, fill, xOf, yOf, bottom, dx, 2);
  g.setLineDash([]);
}

// A category per minute: one lane per level, named on the left; measured in
// the channel's colour, estimated in orange, paler the less sure.
function drawCategories(g, { meta, val, fill, sure, xOf, dx, top }) {
  const levels = meta.levels, lane = (ROW - 4) / levels.length;
  const yOf = (v) => top + 2 + (levels.length - 1 - levels.findIndex((l) => l.value === v)) * lane;
  g.font = '11px system-ui, sans-serif';
  levels.forEach((l) => { g.fillStyle = COLORS.muted; label(g, l.name, xOf(0), yOf(l.value) + lane / 2 + 4); });
  for (let i = 0; i < 1440; i++) {
    let v = val(i), color = meta.color, alpha = 1;
    if (Number.isNaN(v)) {
      v = fill(i);
      if (Number.isNaN(v)) continue;
      const p = sure(i);
      color = COLORS.fill;
      alpha = Number.isNaN(p) ? 1 : 0.15 + 0.85 * p;
    }
    if (levels.findIndex((l) => l.value === v) < 0) continue;
    g.globalAlpha = alpha;
    g.fillStyle = color;
    g.fillRect(xOf(i), yOf(v) + 1, Math.max(1, dx), lane - 2);
  }
  g.globalAlpha = 1;
}

// Right-aligned in the gutter, left of the plot.
function label(g, text, xPlot, y) {
  g.fillText(text, Math.max(PAD, xPlot - 6 - g.measureText(text).width), y);
}

const fmt = (v) => (Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1));

// The row title, shortened until it fits the width (phones).
function fit(g, w, meta, share, asleep) {
  const pct = share === undefined ? '' : `${Math.round(share * 100)}%`;
  const unit = meta.unit && !meta.levels ? ` (${meta.unit})` : '';
  let long = `recorded ${pct} of the day`, short = pct;
  if (asleep !== undefined) {
    long = asleep ? `asleep or restless ${Math.floor(asleep / 60)} h ${asleep % 60} min` : 'no sleep recorded this day';
    short = asleep ? `${Math.floor(asleep / 60)} h ${asleep % 60} min asleep` : 'no sleep recorded';
  }
  for (const t of [`${meta.label}${unit} · ${long}`, `${meta.label} · ${long}`, `${meta.label}${unit} · ${short}`])
    if (g.measureText(t).width <= w) return t;
  return `${meta.label} · ${short}`;
}

// Calls f(a, b) for each maximal run [a, b) where pred holds.
function runs(n, pred, f) {
  for (let i = 0; i < n; ) {
    if (!pred(i)) { i++; continue; }
    let j = i;
    while (j < n && pred(j)) j++;
    f(i, j);
    i = j;
  }
}

// A line (or per-minute bars) that breaks wherever the value is missing.
function stroke(g, color, bars, n, val, xOf, yOf, bottom, dx, width = 1.5) {
  g.strokeStyle = g.fillStyle = color;
  g.lineWidth = width;
  if (bars) {
    for (let i = 0; i < n; i++) {
      const v = val(i);
      if (!Number.isNaN(v)) g.fillRect(xOf(i), yOf(v), Math.max(1, dx), Math.max(1, bottom - yOf(v)));
    }
    return;
  }
  g.beginPath();
  let open = false;
  for (let i = 0; i < n; i++) {
    const v = val(i);
    if (Number.isNaN(v)) { open = false; continue; }
    const x = xOf(i + 0.5), y = yOf(v);
    if (open) g.lineTo(x, y);
    else g.moveTo(x, y);
    // A minute with no recorded neighbour would be invisible as a line: a dot.
    if (!open && (i + 1 >= n || Number.isNaN(val(i + 1)))) g.fillRect(x - 1.5, y - 1.5, 3, 3);
    open = true;
  }
  g.stroke();
}

function grid(g, xOf, top, h) {
  g.strokeStyle = COLORS.grid;
  g.lineWidth = 1;
  for (let hr = 3; hr < 24; hr += 3) {
    const x = Math.round(xOf(hr * 60)) + 0.5;
    g.beginPath(); g.moveTo(x, top); g.lineTo(x, top + h); g.stroke();
  }
}

function hatchPattern(g) {
  const c = new OffscreenCanvas(8, 8), p = c.getContext('2d');
  p.fillStyle = '#fff'; p.fillRect(0, 0, 8, 8);
  p.strokeStyle = COLORS.gap; p.lineWidth = 3;
  p.beginPath(); p.moveTo(-2, 10); p.lineTo(10, -2); p.stroke();
  return g.createPattern(c, 'repeat');
}

function range(table, c) {
  let lo = Infinity, hi = -Infinity;
  const C = table.channels.length;
  for (let i = c; i < table.values.length; i += C) { const v = table.values[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
  return lo <= hi ? [lo, hi === lo ? lo + 1 : hi] : [0, 1];
}
