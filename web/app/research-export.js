// The researcher export in one step: every person in the open files is
// filled by the model (day by day, with progress and Cancel), and their CSVs
// (research-files.js) go into one zip (fflate, deflate), with a manifest.
import { Zip, ZipDeflate, strToU8 } from '../vendor/fflate.js';
import { personCsv, personFileName, provenanceOf, dateRange } from './research-files.js';

/**
 * people: [{id, table}]; job: a Job (progress, signal); fillUntil: the
 * first minute not to fill (now, for a live recording: analyzeTable's).
 * Resolves with {name, blob}, or rejects with the API's WearfmCancelled when stopped.
 */
export async function researchZip(api, info, people, job, { fillUntil = Infinity } = {}) {
  const provenance = provenanceOf(info);
  const chunks = [];
  const zip = new Zip((err, data) => { if (err) throw err; chunks.push(data); });
  const add = (name, text) => {
    const f = new ZipDeflate(name, { level: 6 });
    zip.add(f);
    f.push(strToU8(text), true);
  };
  const files = [];
  for (const [i, p] of people.entries()) {
    job.next(`Person ${i + 1} of ${people.length}`);
    const t = p.table;
    const analysis = await api.analyzeTable({ ...t, values: t.values.slice() }, { embedding: false, imputed: true, fillUntil, signal: job.signal, onProgress: job.progress });
    const name = personFileName(p.id, t), [from, to] = dateRange(t).split('_');
    add(name, personCsv(p.id, t, analysis, provenance));
    files.push({ file: name, person: p.id, from, to, days_filled: analysis.windows.length });
  }
  add('manifest.json', JSON.stringify({ exported_by: 'wearfm web page', exported_at: new Date().toISOString(), ...provenance, files }, null, 1) + '\n');
  zip.end();
  const span = { start: Math.min(...people.map((p) => p.table.start)), length: 0 };
  span.length = Math.max(...people.map((p) => p.table.start + p.table.length)) - span.start;
  const who = people.length === 1 ? people[0].id : `${people.length}-people`;
  return { name: personFileName(who, span, 'zip'), blob: new Blob(chunks, { type: 'application/zip' }) };
}
