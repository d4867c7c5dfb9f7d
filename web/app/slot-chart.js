// The shipped probes' estimates for one day, one row per probe: a bar per
// slot (20 minutes) as high as the model's chance of the class, from 0% to
// 100%, grey where nothing it reads was recorded. Everything drawn here is an
// estimate, so it is orange, the colour of the timeline's estimates.
const ROW = 54, LABEL = 18, AXIS = 34, PAD = 6, GUTTER = 70;
const COLORS = { bar: '#e67e22', none: '#eceff1', grid: '#d5dbe1', text: '#1d2a33', muted: '#5d6d7e' };

/** rows: [{titles (longest first), result (page-probes.js predictSlots)}]; dayStart in local minutes. */
export function drawSlotChart(canvas, rows, dayStart) {
  const width = Math.max(280, canvas.clientWidth || 600);
  const height = rows.length * (ROW + LABEL) + AXIS;
  const dpr = globalThis.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  canvas.style.height = `${height}px`;
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, width, height);
  const x0 = PAD + GUTTER, w = width - x0 - PAD, dx = w / 1440;
  rows.forEach(({ titles, result }, r) => {
    const top = r * (ROW + LABEL) + LABEL, bottom = top + ROW;
    g.font = '13px system-ui, sans-serif';
    g.fillStyle = COLORS.text;
    g.fillText(titles.find((t) => g.measureText(t).width <= width - 2 * PAD) ?? titles.at(-1), PAD, top - 5);
    g.fillStyle = COLORS.none;
    g.fillRect(x0, top, w, ROW);
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = COLORS.muted;
    for (const [v, y] of [['100%', top + 10], ['50%', top + ROW / 2 + 4], ['0%', bottom - 2]]) g.fillText(v, x0 - 6 - g.measureText(v).width, y);
    if (result) {
      const { first, P, prob } = result;
      for (let m = 0; m < 1440; m += P) {
        const i = (dayStart + m - first) / P, p = i >= 0 && i < prob.length ? prob[i] : NaN;
        if (Number.isNaN(p)) continue;
        g.fillStyle = '#fff';
        g.fillRect(x0 + m * dx, top, P * dx, ROW);
        g.fillStyle = COLORS.bar;
        g.fillRect(x0 + m * dx + 0.5, bottom - p * (ROW - 2), Math.max(1, P * dx - 1), p * (ROW - 2));
      }
    }
    g.strokeStyle = COLORS.grid;
    g.setLineDash([3, 3]);
    g.beginPath(); g.moveTo(x0, top + ROW / 2 + 0.5); g.lineTo(x0 + w, top + ROW / 2 + 0.5); g.stroke();
    g.setLineDash([]);
    g.strokeRect(x0 + 0.5, top + 0.5, w - 1, ROW - 1);
  });
  const y = rows.length * (ROW + LABEL) + 14;
  g.font = '12px system-ui, sans-serif';
  g.fillStyle = COLORS.muted;
  for (let h = 0; h <= 24; h += 3) {
    const label = `${String(h).padStart(2, '0')}:00`;
    const x = Math.min(width - PAD - g.measureText(label).width, Math.max(x0, x0 + h * 60 * dx - 16));
    if (h % 6 === 0 || w > 520) g.fillText(label, x, y);
  }
  const caption = 'time of day (local)';
  g.fillText(caption, x0 + (w - g.measureText(caption).width) / 2, y + 16);
}
