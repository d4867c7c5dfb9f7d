// The demo page: wires sources, the minute aggregator, the worker API, the
// timeline and the exports together. No model math and no file parsing here.
import { createWearfm, detectFeatures, SIMD_MESSAGE } from '../src/wearfm.js';
import { MinuteAggregator } from '../src/aggregator.js';
import { channelMeta, channelWords, listWords } from '../src/channels.js';
import { localMinute } from '../src/time.js';
import { observedShare } from '../src/minute-csv.js';
import { dayLabel, observedText, latestText, datasetText } from './day-summary.js';
import { BleHeartRateSource } from '../src/sources/ble-hr.js';
import { PolarAccSource } from '../src/sources/polar-pmd.js';
import { MotionSource } from '../src/sources/motion.js';
import { ReplaySource } from '../src/sources/replay.js';
import { drawDay } from './timeline.js';
import { importFiles } from './import.js';
import { EXPORT_WORDS } from '../src/exports.js';
import { exportCsv, exportJson, download } from './export.js';
import { droppedText } from './dropped.js';
import { openProbe, describeProbe, predictDays, showPredictions } from './predictions.js';
import { loadPageProbes, slotSpecs, predictSlots } from './page-probes.js';
import { showDayPredictions, pageProbesLine } from './day-predictions.js';
import { BANDS_URL, bandNote, bandDetails } from './fill-band.js';
import { Job, days } from './job.js';
import { personFileName } from './research-files.js';
import { researchZip } from './research-export.js';
import { AccelFeed } from '../src/accel-feed.js';
import { ACCEL_URLS, motionWords, measuredWords } from './motion-hr.js';

const MODEL_URL = 'model/wearfm.safetensors';
const SAMPLE_URL = 'sample/sample.csv';
const $ = (id) => document.getElementById(id);

// Exposed for the end-to-end test and for the curious; holds nothing beyond this tab.
// The status lines are not set by the actions: draw() derives each of them
// from this state, so none can outlive the dataset it describes. `dataset`
// is what the page shows (its name, facts from the import, the newest source
// event); `gen` numbers datasets, so a result that arrives after another
// dataset was opened is dropped. `job` is the long computation running (at
// most one; job.js), `people` everyone in the opened files (the export's).
const state = (globalThis.wearfmDemo = {
  api: null, info: null, features: detectFeatures(),
  agg: null, table: null, sources: [], replay: null, sourceName: null, dataset: null, gen: 0,
  notice: null, model: { text: 'Loading the model…' }, job: null, restarting: false, people: null, exportNote: null,
  analysis: null, day: null, follow: true, ready: false,
  probe: null, probeError: null, predictions: null, predictionError: null,
  // The shipped probes (page-probes.js) and their results per probe name; the fills' measured bands.
  pageProbes: null, pageProbesError: null, slotResults: null, bands: null,
  // Heart rate from motion: the accelerometer model (loaded or its problem), its probes, the
  // feed of live samples to the core, the motion sources running, and the latest estimate.
  accel: { loaded: false, problem: null, probes: null, feed: null, running: new Set(), estimate: null },
});

/** A message about the last action (not about the data); the dataset's own line follows it. */
function setStatus(text) { state.notice = text; render(); }
function alertBox(text) { const a = $('alert'); a.textContent = text; a.hidden = !text; }

/** The current dataset: the live aggregator's table, or an imported table. */
function currentTable() {
  if (state.agg) return state.agg.table();
  return state.table;
}

// Connection gaps in local minutes (an open gap runs to now).
function gapMinutes() {
  if (!state.agg) return [];
  return state.agg.gaps.map((g) => ({ from: localMinute(g.from), to: localMinute(g.to ?? Date.now()) + 1 }));
}

// The model's output at a filled minute of a channel: its value (imputed), or how sure it is of a category (fillProbability).
function filledOutput(key, name, minute) {
  const a = state.analysis;
  if (!a) return NaN;
  const c = a.channels.indexOf(name), T = a.windowMinutes, C = a.channels.length;
  if (c < 0) return NaN;
  const w = a.windowByStart.get(Math.floor(minute / T) * T);
  return w?.[key] && w.filled[(minute - w.start) * C + c] ? w[key][(minute - w.start) * C + c] : NaN;
}
const fillOf = (name, minute) => filledOutput('imputed', name, minute);
const sureOf = (name, minute) => filledOutput('fillProbability', name, minute);

// The measured interval around a filled minute (the core's wfm_fill_bands_window, in the analysis), or null.
function bandOf(name, minute) {
  const low = filledOutput('bandLow', name, minute), high = filledOutput('bandHigh', name, minute);
  return Number.isNaN(low) || Number.isNaN(high) ? null : { low, high };
}

let frame = 0;
function render() {
  if (frame) return;
  frame = requestAnimationFrame(() => {
    frame = 0;
    draw();
  });
}

function draw() {
  const table = currentTable();
  const has = table && table.length > 0;
  const first = has ? Math.floor(table.start / 1440) * 1440 : null;
  const last = has ? Math.floor((table.start + table.length - 1) / 1440) * 1440 : null;
  if (has && (state.follow || state.day === null || state.day < first || state.day > last)) state.day = state.follow ? last : first;
  const rows = has ? table.channels.filter((n) => !channelMeta(n).hidden) : [];
  const from = has ? state.day - table.start : 0;
  const share = has ? observedShare(table, from, from + 1440) : [];
  const shares = rows.map((n) => share[table.channels.indexOf(n)]);
  drawDay($('timeline'), { table, dayStart: state.day ?? 0, rows, fillOf, sureOf, bandOf, gaps: gapMinutes(), shares });
  $('band-note').textContent = state.analysis ? bandNote(state.bands) : '';
  $('band-details').textContent = state.analysis ? bandDetails(state.bands) : '';
  $('page-probes-status').textContent = pageProbesLine(state);
  showDayPredictions(state, has ? table : null);
  $('day-label').textContent = has ? dayLabel(state.day) : 'No data yet';
  $('prev').disabled = !has || state.day <= first;
  $('next').disabled = !has || state.day >= last;
  $('observed').textContent = has ? observedText(table, from, rows) + latestText(table, rows, state.sources.length > 0) : '';
  $('status').textContent = statusLine(table);
  $('model-status').textContent = modelLine();
  $('probe-status').textContent = probeLine();
  const modelChannels = state.info?.channels.map((c) => c.name) ?? [];
  const usable = state.ready && !state.restarting && has && table.channels.some((n) => modelChannels.includes(n));
  const job = state.job;
  $('analyze').disabled = !usable || Boolean(job);
  $('cancel-fill').hidden = job?.kind !== 'fill';
  if (job?.kind === 'fill') $('model-progress').value = job.share;
  $('export-csv').disabled = $('export-json').disabled = !has;
  $('export-zip').disabled = !usable || Boolean(job);
  $('cancel-export').hidden = job?.kind !== 'export';
  $('export-line').hidden = job?.kind !== 'export' && !state.exportNote;
  $('export-progress').hidden = job?.kind !== 'export';
  if (job?.kind === 'export') $('export-progress').value = job.share;
  $('export-status').textContent = job?.kind === 'export' ? `Preparing the research export. ${job.text()}…` : (state.exportNote ?? '');
  drawMotionPanel(table);
}

// The live panel while the phone's motion or a Polar sensor records; the measured heart rate beside it with a strap.
function drawMotionPanel(table) {
  const a = state.accel;
  $('motion-panel').hidden = a.running.size === 0;
  if (!a.running.size) return;
  const w = motionWords(a);
  $('motion-hr').textContent = w.hr;
  $('motion-activity').textContent = w.activity;
  $('motion-note').textContent = w.note;
  const strap = state.sources.some((s) => s instanceof BleHeartRateSource);
  $('motion-measured').hidden = !strap;
  if (strap) $('motion-measured').textContent = measuredWords(table);
}

// The line under "Choose your data": the last action's message, then what
// the current dataset is, with its numbers from the table shown now.
function statusLine(table) {
  const d = state.dataset, parts = [];
  if (state.notice) parts.push(state.notice);
  if (d) {
    if (d.event) parts.push(d.event);
    const rows = table ? table.channels.filter((n) => !channelMeta(n).hidden) : [];
    if (!d.event || (table && table.length)) parts.push(`${state.notice ? 'Shown: ' : ''}${d.label}: ${datasetText(table, rows)}.`);
    parts.push(...d.notes.map((n) => `${n}.`));
    // Samples the core's rules dropped so far (a sensor, the sample, E4 files).
    if (state.agg?.dropped.length) parts.push(`${droppedText(state.agg.dropped)}.`);
    if (d.hint) parts.push(d.hint);
  }
  return parts.join(' ');
}

// The line under the model's button: loading, or for the current dataset
// only, filling or what was filled.
function modelLine() {
  if (!state.ready) return state.model.text;
  if (state.restarting) return 'Stopped. Getting the model ready again…';
  if (state.job?.kind === 'fill') return `The model is filling the gaps: ${state.job.text()}…`;
  if (state.analysis) return state.analysis.summary;
  if (state.analysisError) return state.analysisError;
  return state.model.text;
}

function probeLine() {
  if (!state.info) return 'No prediction model (probe) is loaded.';
  if (!state.info.probes) return 'This version of the page cannot run probes.';
  if (!state.probe) return state.probeError ?? 'No probe is loaded. Open a probe file to see its predictions for each day.';
  const about = describeProbe(state.probe, state.info);
  if (state.predictionError) return `${about} It could not be used: ${state.predictionError}`;
  return about + (state.analysis ? '' : ' Fill the gaps (step 2) to see its predictions.');
}

function stopSources() {
  $('user-pick').hidden = true;
  for (const s of state.sources) s.stop();
  state.sources = [];
  for (const name of state.accel.running) state.accel.feed?.drop(name);
  state.accel.running.clear();
  state.accel.estimate = null;
  state.replay?.stop();
  state.replay = null;
  $('stop').hidden = true;
}

/** Starts a live source into the aggregator (several live sources can run together). */
async function startLive(source, name) {
  // Samples become minutes in the core (its aggregator and data rules), so live recording waits for it too.
  if (!state.api) return setStatus('The page is still starting; try again in a moment.');
  if (!state.agg || state.table) { stopSources(); newDataset(liveAggregator(), null, { name, label: 'Recorded here', person: 'recorded-here' }); }
  const agg = state.agg, d = state.dataset;
  agg.onUpdate = render; // an imported aggregator (E4 files) keeps recording here
  // Events of a source whose dataset was replaced by another are not shown.
  const event = (text) => { if (state.dataset === d) { d.event = text; state.notice = null; } };
  let connections = 0;
  state.follow = true;
  event(`${name}: connecting…`);
  render();
  try {
    if (source instanceof ReplaySource) state.replay = source;
    await source.start(
      (s) => {
        agg.add(s);
        // Raw motion also feeds the accelerometer model's live buffer (in the core).
        if (s.channel === 'acceleration' && state.dataset === d) { state.accel.running.add(name); state.accel.feed?.add(name, s); }
        render();
      },
      (e) => {
        if (e.type === 'connected') {
          if (connections++) agg.closeGap(e.t);
          event(`${name}: recording. Keep this tab open.`);
        } else if (e.type === 'disconnected') {
          agg.openGap(e.t);
          event(`${name}: connection lost; reconnecting. The time until it is back counts as not recorded.`);
        } else if (e.type === 'done') {
          event(`${name}: done.`);
        } else if (e.type === 'error') {
          event(`${name}: ${e.message}`);
        }
        render();
      });
    if (!(source instanceof ReplaySource) && state.dataset === d) { state.sources.push(source); $('stop').hidden = false; }
  } catch (e) {
    event(e.name === 'NotFoundError' ? `${name}: no device was chosen.` : `${name}: ${e.message}`);
  }
  render();
}

/** An aggregator in the core whose every new table redraws the page. */
function liveAggregator() {
  return new MinuteAggregator(state.api, { onUpdate: render });
}

/** d: {name (for exports), label (for the status line), notes?, hint?}. */
function newDataset(agg, table, d) {
  if (state.job?.kind === 'fill') stopJob(); // its result would be dropped: stop spending the CPU on it
  state.gen++;
  if (state.agg && state.agg !== agg) state.agg.dispose();
  state.agg = agg;
  state.table = table;
  state.dataset = { notes: [], event: null, hint: null, ...d };
  state.notice = null;
  state.analysis = null;
  state.analysisError = null;
  state.exportNote = null;
  state.people = null;
  state.predictions = null;
  state.predictionError = null;
  state.slotResults = null;
  showPredictions([], dayLabel);
  state.day = null;
  state.sourceName = d.name;
}

async function openFiles(files) {
  if (!files.length) return;
  if (!state.api) return setStatus('The page is still starting; try again in a moment.');
  const names = [...files].map((f) => f.name);
  if (state.job?.kind === 'fill') stopJob(); // the worker is needed now, and that fill would be dropped
  setStatus(`Reading ${names.join(', ')}…`);
  // A large export (Apple Health's export.xml) is read in slices: say how far, and let it be stopped.
  const reading = new AbortController();
  state.reading = reading;
  let done = 0, total = 0;
  const onProgress = (p) => {
    if (p.unit !== 'bytes' || p.total <= 4e6) return;
    ({ done, total } = p);
    $('cancel-import').hidden = false;
    setStatus(`Reading ${names.join(', ')}: ${Math.round(done / 1e6)} of ${Math.round(total / 1e6)} MB…`);
  };
  try {
    const res = await importFiles(state.api, [...files], { onProgress, signal: reading.signal });
    // What was shown (and any live recording) stays until the new files are read.
    stopSources();
    const name = `files: ${names.join(', ')}`;
    const label = res.users?.length ? 'Fitabase export' : res.kind ? EXPORT_WORDS[res.kind] : names.length === 1 ? names[0] : `${names.length} files`;
    newDataset(res.aggregator ?? null, res.table ?? null, { name, label, notes: res.notes, person: names[0].replace(/\.[^.]*$/, '') });
    showUsers(res.users ?? [], name, res.notes);
    state.follow = false;
  } catch (e) {
    if (reading.signal.aborted) {
      state.restarting = Boolean(state.api?.restarting);
      state.api?.restarting?.then(() => { state.restarting = false; render(); });
      setStatus(`Stopped reading ${names.join(', ')} after ${Math.round(done / 1e6)} of ${Math.round(total / 1e6)} MB; nothing of it is used.`);
    } else setStatus(`Could not read ${names.join(', ')}: ${e.message}`);
  } finally {
    if (state.reading === reading) state.reading = null;
    $('cancel-import').hidden = true;
  }
  render();
}

// Several Fitabase participants in one export: one at a time, chosen here.
// The status line names the one shown, with that person's own numbers.
function showUsers(users, name, notes) {
  const sel = $('user');
  sel.replaceChildren(...users.map((u, i) => Object.assign(document.createElement('option'), { value: i, textContent: u.id })));
  $('user-pick').hidden = users.length < 2;
  const show = (u) => {
    const mine = u.nonwearMinutes ? [`${u.nonwearMinutes.toLocaleString()} minutes looked like the band was off the wrist and count as not recorded`] : [];
    if (u.table.dropped.length) mine.push(droppedText(u.table.dropped));
    return {
      name: `${name} (participant ${u.id})`, label: `Fitabase export, participant ${u.id}`, notes: [...notes, ...mine],
      hint: users.length > 1 ? `${users.length} people are in these files; choose another below.` : null,
    };
  };
  if (users.length) Object.assign(state.dataset, show(users[0]), { person: users[0].id });
  state.sourceName = state.dataset.name;
  state.people = users.length ? users.map((u) => ({ id: u.id, table: u.table })) : null;
  sel.onchange = () => {
    const u = users[sel.value];
    newDataset(null, u.table, { ...show(u), person: u.id });
    state.people = users.map((v) => ({ id: v.id, table: v.table }));
    render();
  };
}

async function playSample() {
  if (!state.api) return setStatus('The page is still starting; try again in a moment.');
  if (state.job?.kind === 'fill') stopJob();
  setStatus('Loading the sample…');
  const res = await fetch(SAMPLE_URL);
  const table = await state.api.readMinutesCsv(new Uint8Array(await res.arrayBuffer()));
  stopSources();
  newDataset(liveAggregator(), null, { name: 'sample', label: 'Sample (a Fitbit user, replayed)', person: 'sample' });
  const gen = state.gen;
  state.sampleDone = false;
  await startLive(new ReplaySource(table), 'Sample');
  await state.agg?.flush(); // every replayed minute is in the table
  if (gen !== state.gen) return;
  state.sampleDone = true;
  state.follow = false;
  state.dataset.event = null;
  state.dataset.hint = 'Use ◀ ▶ to see each day, then fill the gaps.';
  render();
}

/** Runs fn(job) as the page's one long computation; false when it was stopped. */
async function runJob(kind, fn) {
  const job = (state.job = new Job(kind, render));
  render();
  try {
    await fn(job);
    return true;
  } catch (e) {
    if (!job.cancelled) throw e;
    return false;
  } finally {
    if (state.job === job) state.job = null;
    render();
  }
}

/** Cancel: the worker stops at once and loads the model again; the page stays usable meanwhile. */
function stopJob() {
  const job = state.job;
  if (!job) return;
  const when = job.stoppedText();
  job.cancel();
  state.job = null;
  if (job.kind === 'fill') {
    state.analysisError = `Stopped ${when}; nothing was filled. You can fill the gaps again.`;
    $('model-progress').value = 0;
  } else {
    state.exportNote = `The research export was stopped (${when}); nothing was saved.`;
  }
  state.restarting = Boolean(state.api?.restarting);
  state.api?.restarting?.then(() => { state.restarting = false; render(); });
  render();
}

async function analyze() {
  const table = currentTable(), gen = state.gen;
  let a = null, error = null;
  const t0 = performance.now();
  try {
    // Only the past is filled: a live day's hours after now have not happened (issue 12, defect 3).
    const fillUntil = localMinute(Date.now()) + 1;
    const done = await runJob('fill', async (job) => {
      const slots = slotSpecs(state.pageProbes?.probes ?? []);
      a = await state.api.analyzeTable({ ...table, values: table.values.slice() }, { embedding: true, imputed: true, fillUntil, slots, signal: job.signal, onProgress: job.progress });
    });
    if (!done) return; // stopJob() said so
  } catch (e) {
    error = `The model could not run: ${e.message}`;
  }
  if (gen !== state.gen) return render(); // another dataset was opened meanwhile
  if (a) {
    a.windowByStart = new Map(a.windows.map((w) => [w.start, w]));
    const filled = a.windows.reduce((s, w) => s + w.filled.reduce((x, y) => x + y, 0), 0);
    $('model-progress').value = 1;
    a.summary = a.windows.length
      ? `Filled ${filled.toLocaleString()} missing values in ${days(a.windows.length)}, in ${Math.round(performance.now() - t0)} ms, on this device.`
      : 'No day has recorded values of the channels this model reads.';
  }
  state.analysis = a;
  state.analysisError = error;
  await updateSlotPredictions();
  await updatePredictions();
  render();
}

// The shipped probes on every analysed window: the core predicts, finds the periods and sums the day totals.
async function updateSlotPredictions() {
  const gen = state.gen, results = new Map();
  try {
    for (const probe of state.analysis ? state.pageProbes?.probes ?? [] : []) results.set(probe.name, await predictSlots(state.api, probe, state.analysis));
    state.pageProbesError = null;
  } catch (e) {
    state.pageProbesError = `The predictions could not be made: ${e.message}`;
  }
  if (gen !== state.gen) return;
  state.slotResults = state.analysis ? results : null;
}

async function updatePredictions() {
  const gen = state.gen;
  let rows = null, error = null;
  if (state.probe && state.analysis) {
    try {
      rows = await predictDays(state.api, state.probe, state.analysis);
    } catch (e) {
      error = e.message;
    }
  }
  if (gen !== state.gen) return;
  state.predictions = rows;
  state.predictionError = error;
  showPredictions(rows ?? [], dayLabel);
  render();
}

async function loadProbe(file) {
  try {
    state.probe = await openProbe(state.api, file);
    state.probeError = null;
  } catch (e) {
    state.probe = null;
    state.probeError = `This file cannot be used here: ${e.message}.`;
  }
  state.predictionError = null;
  render();
  await updatePredictions();
}

// The accelerometer model and its probes, beside the minute model; the page works without them.
async function loadAccelModel() {
  const a = state.accel;
  try {
    const info = await state.api.loadAccelModel(ACCEL_URLS.model, { probes: { hr: ACCEL_URLS.hr, activity: ACCEL_URLS.activity }, cache: $('remember-model').checked });
    Object.assign(a, { loaded: true, problem: null, probes: info.probes, info });
    a.feed ??= new AccelFeed(state.api, {
      onEstimate: (source, r) => { if (a.running.has(source)) { a.estimate = r; render(); } },
      onError: (e) => { a.estimate = null; a.problem = `the motion model could not run (${e.message})`; render(); },
    });
  } catch (e) {
    a.problem = /HTTP 404/.test(e.message) ? 'the motion model is not on this site' : `the motion model could not be loaded (${e.message})`;
  }
  a.settled = true;
  render();
}

async function loadModel() {
  state.ready = false;
  state.model.text = 'Loading the model…';
  render();
  try {
    state.info = await state.api.load(MODEL_URL, {
      cache: $('remember-model').checked,
      onProgress: ({ loaded, total, fromCache }) => {
        $('model-progress').value = total ? loaded / total : 0;
        state.model.text = fromCache ? 'Loading the model from this browser…' : `Downloading the model… ${(loaded / 1e6).toFixed(1)} MB`;
        render();
      },
    });
    $('model-progress').value = 1;
    await loadPageData(); // before "ready": a fill then always comes with the predictions
    state.ready = true;
    const untrained = String(state.info.config?.provenance ?? '').startsWith('UNTRAINED');
    state.model.text = `Model ready. It reads ${listWords(state.info.channels.map((c) => channelWords(c.name)))}, and runs here, on this device${state.info.fromCache ? ' (opened from this browser’s storage)' : ''}.`;
    $('model-note').textContent = untrained ? 'The model is not trained yet (random weights): its fills show the software working, not real estimates.' : '';
    $('probe-file').disabled = !state.info.probes;
  } catch (e) {
    state.model.text = `The model could not be loaded: ${e.message}`;
  }
  render();
}

// What the page ships beside the model: its probes and the fills' measured bands (same origin, small).
async function loadPageData() {
  try {
    const res = await fetch(BANDS_URL);
    const bytes = res.ok ? new Uint8Array(await res.arrayBuffer()) : null;
    // The core checks them against the model (another model's are refused) and computes every interval.
    if (bytes) await state.api.loadFillBands(bytes);
    state.bands = bytes ? JSON.parse(new TextDecoder().decode(bytes)) : null;
  } catch (e) {
    if (!(e instanceof TypeError)) console.warn(`wearfm: fill bands left out: ${e.message}`);
    state.bands = null;
  }
  if (!state.info.probes) { state.pageProbesError = 'This version of the page cannot make predictions.'; return render(); }
  try {
    const loaded = await loadPageProbes(state.api);
    state.pageProbes = loaded;
    state.pageProbesError = loaded.problems.length ? `Left out: ${loaded.problems.join('; ')}.` : null;
  } catch (e) {
    state.pageProbesError = `The predictions could not be loaded: ${e.message}.`;
  }
  render();
}

function exportFile(kind) {
  const table = currentTable(), person = state.dataset?.person ?? 'data';
  if (kind === 'csv') download(personFileName(person, table, 'csv'), exportCsv(table, state.analysis), 'text/csv');
  else download(personFileName(person, table, 'json'), exportJson({ table, analysis: state.analysis, gaps: gapMinutes(), info: state.info, source: state.sourceName, probe: state.probe, predictions: state.predictions }), 'application/json');
}

// Everyone in the opened files (or the one dataset shown), filled by the model, in one zip.
async function exportZip() {
  const people = state.people ?? [{ id: state.dataset?.person ?? 'data', table: currentTable() }];
  state.exportNote = null;
  try {
    let zip = null;
    // As the fill: no minute after now gets the model's value.
    const fillUntil = localMinute(Date.now()) + 1;
    const done = await runJob('export', async (job) => { zip = await researchZip(state.api, state.info, people, job, { fillUntil }); });
    if (!done) return;
    download(zip.name, zip.blob, 'application/zip');
    state.exportNote = `Saved ${zip.name}: ${people.length === 1 ? 'one person' : `${people.length} people`}, one CSV each, with the model's fills.`;
  } catch (e) {
    state.exportNote = `The research export failed: ${e.message}`;
  }
  render();
}

async function main() {
  const f = state.features;
  if (!f.bluetooth) {
    for (const id of ['connect-hr', 'connect-polar']) $(id).disabled = true;
    $('bt-note').textContent = 'This browser cannot connect to Bluetooth sensors (Web Bluetooth works in Chrome, Edge and other Chromium-based browsers, on a computer or Android). You can still open a file or try the sample.';
  }
  if (!f.motion) $('connect-motion').disabled = true;
  $('connect-hr').onclick = () => startLive(new BleHeartRateSource(), 'Heart-rate sensor');
  $('connect-polar').onclick = () => startLive(new PolarAccSource(), 'Polar sensor');
  $('connect-motion').onclick = () => startLive(new MotionSource(), 'Phone motion');
  $('sample').onclick = () => playSample().catch((e) => setStatus(`Sample: ${e.message}`));
  $('file').onchange = (e) => openFiles(e.target.files).finally(() => { e.target.value = ''; });
  $('stop').onclick = () => {
    stopSources();
    if (state.dataset) state.dataset.event = 'Recording stopped. The data stays here until you close the tab.';
    render();
  };
  $('prev').onclick = () => { state.follow = false; state.day -= 1440; render(); };
  $('next').onclick = () => { state.day += 1440; render(); };
  $('analyze').onclick = analyze;
  $('cancel-fill').onclick = $('cancel-export').onclick = stopJob;
  $('cancel-import').onclick = () => state.reading?.abort();
  $('export-zip').onclick = exportZip;
  $('probe-file').onchange = (e) => loadProbe(e.target.files[0]).finally(() => { e.target.value = ''; });
  $('export-csv').onclick = () => exportFile('csv');
  $('export-json').onclick = () => exportFile('json');
  // Ticking the box later stores the model now (with consent), not only on the next visit.
  $('remember-model').onchange = (e) => { if (e.target.checked && state.api) loadModel(); };
  $('forget').onclick = async () => {
    $('remember-model').checked = false;
    await state.api?.clearCache();
    setStatus('The stored model was removed from this browser.');
  };
  addEventListener('resize', render);
  // While recording, an ongoing disconnection grows even when no sample arrives.
  setInterval(() => { if (state.sources.length) render(); }, 15000);
  render();
  // Files, the sample and live sensors all go through the core (its importers
  // and minute aggregator), so without it only the message is left.
  const noCore = () => {
    for (const id of ['sample', 'file', 'probe-file', 'connect-hr', 'connect-polar', 'connect-motion']) $(id).disabled = true;
  };
  if (!f.simd) {
    alertBox(SIMD_MESSAGE);
    state.model.text = 'The model cannot run in this browser.';
    render();
    noCore();
    return;
  }
  try {
    state.api = await createWearfm();
    state.features = state.api.features;
  } catch (e) {
    alertBox(e.message);
    state.model.text = 'The model cannot run in this browser.';
    render();
    noCore();
    return;
  }
  await loadModel();
  await loadAccelModel();
}

main();
