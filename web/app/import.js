// Opened files -> one dataset. Fitabase exports and the generic minute CSV
// are parsed by the C importers in the worker (the same code as the CLI);
// Empatica E4 files become samples for the core's minute aggregator. The
// core's data rules apply on every path; what they dropped is said here (files)
// or by the page's status line (an aggregator's samples).
import { e4Kind, looksLikeE4, parseE4 } from '../src/parsers/e4.js';
import { MinuteAggregator } from '../src/aggregator.js';
import { channelWords, listWords } from '../src/channels.js';
import { droppedText } from './dropped.js';
import { exportKind, EXPORT_WORDS } from '../src/exports.js';

// What each Fitabase file kind (the C importer's names) holds, in plain words.
const FITABASE_WORDS = {
  heartrate_seconds: 'heart rate', minuteStepsWide: 'steps', minuteStepsNarrow: 'steps',
  minuteIntensitiesWide: 'activity intensity', minuteIntensitiesNarrow: 'activity intensity', minuteSleep: 'sleep',
};

/**
 * @returns {Promise<{table?, aggregator?, notes: string[], users?: {id, table}[]}>}
 *   (an aggregator's samples are in the core when it resolves)
 */
export async function importFiles(api, files, options = {}) {
  let agg = null;
  try {
    const notes = [], fitabase = [], minuteTables = [], exports = {};
    for (const file of files) {
      // The first bytes say what a file is; a large export is then read by the worker, in slices.
      const first = new Uint8Array(await file.slice(0, 512).arrayBuffer());
      const ex = exportKind(file.name, first);
      if (ex) { (exports[ex] ??= []).push(file); continue; }
      const bytes = new Uint8Array(await file.arrayBuffer());
      const head = new TextDecoder().decode(bytes.subarray(0, 512)).replace(/^\uFEFF/, '');
      const kind = e4Kind(file.name);
      if (kind && looksLikeE4(head)) {
        const samples = parseE4(kind, new TextDecoder().decode(bytes));
        if (!samples.length) { notes.push(`${file.name}: E4 ${kind} is not used here`); continue; }
        (agg ??= new MinuteAggregator(api)).addAll(samples);
        notes.push(`${file.name}: Empatica E4 ${kind}, ${samples.length} samples`);
      } else if (/^timestamp\s*,/i.test(head)) {
        minuteTables.push({ name: file.name, table: await api.readMinutesCsv(bytes) });
      } else if (await api.fitabaseKind(bytes)) {
        fitabase.push({ name: file.name, bytes });
      } else {
        notes.push(`${file.name}: not a file this page can read (see the list of formats above)`);
      }
    }
    const exportKinds = Object.keys(exports);
    if (exportKinds.length) {
      agg?.dispose();
      const kind = exportKinds[0], list = exports[kind];
      // UTC times (Fitbit's CSVs, FIT without a local time) in the participant's own zone, daylight saving included.
      const res = await api.importExport(kind, list.map((f) => ({ name: f.name, blob: f })),
        { timeZone: 'local', onProgress: options.onProgress, signal: options.signal });
      notes.push(exportNote(kind, res));
      if (res.counts.utcTimes) {
        const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
        notes.push(`${res.counts.utcTimes.toLocaleString('en')} times written in UTC are shown in this browser's time zone (${zone}), with its daylight saving`);
      }
      if (res.dropped.length) notes.push(droppedText(res.dropped));
      if (exportKinds.length > 1) notes.push(`only the ${EXPORT_WORDS[kind]} is shown`);
      return { table: res.table, notes, kind };
    }
    if (fitabase.length) {
      agg?.dispose(); // only one dataset is shown: E4 samples beside it are not used
      const res = await api.importFitabase(fitabase);
      notes.push(`Fitabase export with ${listWords([...new Set(res.files.map((f) => FITABASE_WORDS[f.kind] ?? 'other data'))])}`);
      if (!res.users.length) throw new Error('The Fitabase files hold no participant data.');
      // Notes about one person (off-wrist minutes, dropped values) are the page's: it shows one at a time.
      return { table: res.users[0].table, notes, users: res.users };
    }
    if (minuteTables.length) {
      agg?.dispose();
      const { table } = minuteTables[0];
      notes.push(`Read as a minute table with ${listWords(table.channels.map(channelWords))}`);
      if (table.dropped.length) notes.push(droppedText(table.dropped));
      if (minuteTables.length > 1) notes.push('only the first minute table is shown');
      return { table, notes };
    }
    if (agg) {
      await agg.flush(); // the table is complete before the page shows it
      return { aggregator: agg, notes };
    }
    throw new Error(notes.join('; ') || 'No file was chosen.');
  } catch (e) {
    agg?.dispose(); // a failed import leaves nothing in the core
    throw e;
  }
}

// "Read heart rate, steps and sleep from 6 files (1 other file not used)" (the label names the export).
function exportNote(kind, res) {
  const measures = new Set(res.table.channels.filter((c, k) => {
    const C = res.table.channels.length;
    for (let i = k; i < res.table.values.length; i += C) if (!Number.isNaN(res.table.values[i])) return true;
    return false;
  }));
  const what = measures.size ? listWords([...measures].map(channelWords)) : 'nothing usable';
  const n = res.files.length, skipped = res.skipped.length;
  return `Read ${what} from ${n} file${n === 1 ? '' : 's'}` +
    (skipped ? ` (${skipped} other file${skipped === 1 ? '' : 's'} not used)` : '');
}
