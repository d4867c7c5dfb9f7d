// Opened files -> one dataset. Fitabase exports and the generic minute CSV
// are parsed by the C importers in the worker (the same code as the CLI);
// Empatica E4 files become samples for the minute aggregator.
import { e4Kind, looksLikeE4, parseE4 } from '../src/parsers/e4.js';
import { MinuteAggregator } from '../src/aggregator.js';
import { channelWords, listWords } from '../src/channels.js';

// What each Fitabase file kind (the C importer's names) holds, in plain words.
const FITABASE_WORDS = {
  heartrate_seconds: 'heart rate', minuteStepsWide: 'steps', minuteStepsNarrow: 'steps',
  minuteIntensitiesWide: 'activity intensity', minuteIntensitiesNarrow: 'activity intensity', minuteSleep: 'sleep',
};

/**
 * @returns {Promise<{table?, aggregator?, notes: string[], users?: {id, table}[]}>}
 */
export async function importFiles(api, files) {
  const notes = [], fitabase = [], minuteTables = [];
  let agg = null;
  for (const file of files) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const head = new TextDecoder().decode(bytes.subarray(0, 512)).replace(/^\uFEFF/, '');
    const kind = e4Kind(file.name);
    if (kind && looksLikeE4(head)) {
      const samples = parseE4(kind, new TextDecoder().decode(bytes));
      if (!samples.length) { notes.push(`${file.name}: E4 ${kind} is not used here`); continue; }
      (agg ??= new MinuteAggregator()).addAll(samples);
      notes.push(`${file.name}: Empatica E4 ${kind}, ${samples.length} samples`);
    } else if (/^timestamp\s*,/i.test(head)) {
      minuteTables.push({ name: file.name, table: await api.readMinutesCsv(bytes) });
    } else if (await api.fitabaseKind(bytes)) {
      fitabase.push({ name: file.name, bytes });
    } else {
      notes.push(`${file.name}: not a file this page can read (see the list of formats above)`);
    }
  }
  if (fitabase.length) {
    const res = await api.importFitabase(fitabase);
    notes.push(`Fitabase export with ${listWords([...new Set(res.files.map((f) => FITABASE_WORDS[f.kind] ?? 'other data'))])}`);
    if (!res.users.length) throw new Error('The Fitabase files hold no participant data.');
    // Notes about one person (off-wrist minutes) are the page's: it shows one at a time.
    return { table: res.users[0].table, notes, users: res.users };
  }
  if (minuteTables.length) {
    const { name, table } = minuteTables[0];
    notes.push(`Read as a minute table with ${listWords(table.channels.map(channelWords))}`);
    if (minuteTables.length > 1) notes.push('only the first minute table is shown');
    return { table, notes };
  }
  if (agg) return { aggregator: agg, notes };
  throw new Error(notes.join('; ') || 'No file was chosen.');
}
