// Local downloads of what the page shows: the minute table with the model's
// fills, as CSV (readable by the wearfm CLI) or JSON (with embeddings and
// connection gaps). Made in memory and handed to the browser's download; no
// request leaves the page.
import { tableToCsv, floatText } from '../src/minute-csv.js';
import { formatMinute } from '../src/time.js';

/** Extra CSV columns <channel>_model: the model's value where the minute was not recorded. */
export function fillColumns(table, analysis) {
  if (!analysis) return [];
  return analysis.channels.map((name, c) => {
    const values = new Float32Array(table.length).fill(NaN);
    for (const w of analysis.windows) {
      if (!w.imputed) continue;
      const C = analysis.channels.length;
      for (let i = 0; i < analysis.windowMinutes; i++) {
        const row = w.start + i - table.start;
        if (row >= 0 && row < table.length && w.filled[i * C + c]) values[row] = w.imputed[i * C + c];
      }
    }
    return { name: `${name}_model`, values };
  });
}

export function exportCsv(table, analysis) {
  return tableToCsv(table, fillColumns(table, analysis));
}

export function exportJson({ table, analysis, gaps, info, source, probe, predictions }) {
  const C = table.channels.length;
  const rows = [];
  for (let i = 0; i < table.length; i++) {
    rows.push([formatMinute(table.start + i), ...Array.from(table.values.subarray(i * C, i * C + C), num)]);
  }
  return JSON.stringify({
    exported_by: 'wearfm web demo',
    exported_at: new Date().toISOString(),
    source,
    time: 'local wall-clock minutes (no time zone), as docs/data.md',
    table: { start: formatMinute(table.start), minutes: table.length, columns: ['timestamp', ...table.channels], rows },
    connection_gaps: gaps.map((g) => ({ from: formatMinute(g.from), to: formatMinute(g.to) })),
    model: info && { file: info.file, sha256: info.sha256, version: info.version, window_minutes: info.windowMinutes, channels: info.channels.map((c) => c.name), provenance: info.config?.provenance ?? null },
    analysis: analysis && analysis.windows.map((w) => ({
      start: w.startText, visible_tokens: w.visibleTokens, total_tokens: w.totalTokens,
      embedding: w.embedding && Array.from(w.embedding, num),
      imputed: w.imputed && Array.from(w.imputed, num),
      filled: w.filled && Array.from(w.filled),
    })),
    probe: probe ? { file: probe.name, task: probe.info.task, classes: probe.info.classes, encoder_hash: probe.info.encoderHash } : null,
    predictions: predictions && predictions.map((p) => ({ day: p.startText, prediction: p.class ?? p.outputs[0], outputs: p.outputs })),
  }, null, 1);
}

const num = (v) => (Number.isNaN(v) ? null : Number(floatText(v)));

/** Hands text to the browser as a download. */
export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
