// The files of the researcher export: one CSV per person, named by the
// person and the dates it covers, every row carrying its provenance (which
// model file, by SHA-256, and which wearfm core made the fills), so files
// stay attributable after they are concatenated or renamed.
import { tableToCsv } from '../src/minute-csv.js';
import { formatMinute } from '../src/time.js';
import { fillColumns } from './export.js';

/** {model_file, model_sha256, wearfm_version} of a loaded model (ModelInfo). */
export function provenanceOf(info) {
  return { model_file: info?.file ?? '', model_sha256: info?.sha256 ?? '', wearfm_version: info?.version ?? '' };
}

/** "2016-04-12_2016-05-12": the first and last day of a table. */
export function dateRange(table) {
  const day = (m) => formatMinute(m).slice(0, 10);
  return `${day(table.start)}_${day(table.start + table.length - 1)}`;
}

const safe = (text) => String(text).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'person';

/** wearfm_<person>_<first day>_<last day>.<ext> */
export function personFileName(person, table, ext = 'csv') {
  return `wearfm_${safe(person)}_${dateRange(table)}.${ext}`;
}

const field = (v) => (/[",\n]/.test(v) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

/**
 * The minute table with the model's fills (<channel>_model where a minute
 * was not recorded), then person and provenance columns on every row.
 */
export function personCsv(person, table, analysis, provenance) {
  const lines = tableToCsv(table, fillColumns(table, analysis)).split('\n');
  const names = ['person', ...Object.keys(provenance)];
  const tail = ',' + [person, ...Object.values(provenance)].map(field).join(',');
  lines[0] += ',' + names.join(',');
  for (let i = 1; i < lines.length; i++) if (lines[i]) lines[i] += tail;
  return lines.join('\n');
}
