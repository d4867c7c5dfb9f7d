// The day timeline, hand-drawn on a canvas: one row per channel, minutes
// along x. Grey = not recorded, hatched = sensor disconnected, coloured =
// recorded, orange = the model's fill (drawn only where nothing was recorded).
import { channelMeta } from '../src/channels.js';

const ROW = 58, LABEL = 18, AXIS = 22, PAD = 6;
const COLORS = { missing: '#eceff1', gap: '#b0bec5', fill: '#e67e22', grid: '#d5dbe1', text: '#1d2a33', muted: '#5d6d7e' };

/**
 * @param {HTMLCanvasElement} canvas
 * @param {{table, dayStart:number, rows:string[], fillOf:(channel:string, minute:number)=>number, gaps:{from:number,to:number}[], shares:number[]}} d
 *   gaps are in local minutes; fillOf returns NaN where there is no fill.
 */
export function drawDay(canvas, { table, dayStart, rows, fillOf, gaps, shares }) {
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
  const x0 = PAD, w = width - 2 * PAD, dx = w / 1440;
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
    let lo = meta.min, hi = meta.max;
    if (lo === null || hi === null) [lo, hi] = range(table, c);
    const yOf = (v) => bottom - 2 - ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo || 1)) * (ROW - 6);

    // Sleep: how long the person slept, not how much was "recorded" (a day
    // with no sleep record usually means awake, not "not tracked").
    let asleep;
    if (meta.asleepFrom !== undefined) {
      asleep = 0;
      for (let i = 0; i < 1440; i++) if (val(i) >= meta.asleepFrom) asleep++;
    }
    g.fillStyle = COLORS.text;
    g.fillText(fit(g, w, meta, shares[r], asleep), x0, top - 5);
    g.fillStyle = '#fff';
    g.fillRect(x0, top, w, ROW);
    // Not recorded: runs of missing minutes.
    runs(1440, (i) => Number.isNaN(val(i)), (a, b) => { g.fillStyle = COLORS.missing; g.fillRect(xOf(a), top, (b - a) * dx, ROW); });
    for (const gap of gaps) {
      const a = Math.max(0, gap.from - dayStart), b = Math.min(1440, gap.to - dayStart);
      if (b > a) { g.fillStyle = hatch; g.fillRect(xOf(a), top, (b - a) * dx, ROW); }
    }
    grid(g, xOf, top, ROW);
    const bars = meta.agg === 'sum' || meta.agg === 'max' || meta.agg === 'last';
    stroke(g, meta.color, bars, 1440, val, xOf, yOf, bottom, dx);
    stroke(g, COLORS.fill, false, 1440, (i) => (Number.isNaN(val(i)) ? fillOf(name, dayStart + i) : NaN), xOf, yOf, bottom, dx, 2);
    g.strokeStyle = COLORS.grid;
    g.strokeRect(x0 + 0.5, top + 0.5, w - 1, ROW - 1);
  });

  const yAxis = rows.length * (ROW + LABEL) + 14;
  g.fillStyle = COLORS.muted;
  for (let h = 0; h <= 24; h += 3) {
    const label = `${String(h % 24).padStart(2, '0')}:00`;
    const x = Math.min(width - PAD - g.measureText(label).width, Math.max(PAD, xOf(h * 60) - 16));
    if (h % 6 === 0 || width > 600) g.fillText(label, x, yAxis);
  }
}

// The row title, shortened until it fits the width (phones).
function fit(g, w, meta, share, asleep) {
  const pct = share === undefined ? '' : `${Math.round(share * 100)}%`;
  const unit = meta.unit ? ` (${meta.unit})` : '';
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
