// The demo page: wires sources, the minute aggregator, the worker API, the
// timeline and the exports together. No model math and no file parsing here.
import { createWearfm, detectFeatures, SIMD_MESSAGE } from '../src/wearfm.js';
import { MinuteAggregator } from '../src/aggregator.js';
import { channelMeta } from '../src/channels.js';
import { localMinute } from '../src/time.js';
import { observedShare } from '../src/minute-csv.js';
import { dayLabel, observedText, latestText } from './day-summary.js';
import { BleHeartRateSource } from '../src/sources/ble-hr.js';
import { PolarAccSource } from '../src/sources/polar-pmd.js';
import { MotionSource } from '../src/sources/motion.js';
import { ReplaySource } from '../src/sources/replay.js';
import { drawDay } from './timeline.js';
import { importFiles } from './import.js';
import { exportCsv, exportJson, download } from './export.js';
import { openProbe, describeProbe, predictDays, showPredictions } from './predictions.js';

const MODEL_URL = 'model/wearfm.safetensors';
const SAMPLE_URL = 'sample/sample.csv';
const $ = (id) => document.getElementById(id);

// Exposed for the end-to-end test and for the curious; holds nothing beyond this tab.
const state = (globalThis.wearfmDemo = {
  api: null, info: null, features: detectFeatures(),
  agg: null, table: null, sources: [], sourceName: null,
  analysis: null, day: null, follow: true, ready: false,
  probe: null, predictions: null,
});

function setStatus(text) { $('status').textContent = text; }
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

function fillOf(name, minute) {
  const a = state.analysis;
  if (!a) return NaN;
  const c = a.channels.indexOf(name), T = a.windowMinutes, C = a.channels.length;
  if (c < 0) return NaN;
  const w = a.windowByStart.get(Math.floor(minute / T) * T);
  return w?.imputed && w.filled[(minute - w.start) * C + c] ? w.imputed[(minute - w.start) * C + c] : NaN;
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
  drawDay($('timeline'), { table, dayStart: state.day ?? 0, rows, fillOf, gaps: gapMinutes(), shares });
  $('day-label').textContent = has ? dayLabel(state.day) : 'No data yet';
  $('prev').disabled = !has || state.day <= first;
  $('next').disabled = !has || state.day >= last;
  $('observed').textContent = has ? observedText(table, from, rows) + latestText(table, rows, state.sources.length > 0) : '';
  const modelChannels = state.info?.channels.map((c) => c.name) ?? [];
  $('analyze').disabled = !(state.ready && has && table.channels.some((n) => modelChannels.includes(n)));
  $('export-csv').disabled = $('export-json').disabled = !has;
}

function stopSources() {
  $('user-pick').hidden = true;
  for (const s of state.sources) s.stop();
  state.sources = [];
  $('stop').hidden = true;
}

/** Starts a live source into the aggregator (several live sources can run together). */
async function startLive(source, name) {
  if (!state.agg || state.table) { stopSources(); newDataset(new MinuteAggregator(), null, name); }
  const agg = state.agg;
  let connections = 0;
  state.follow = true;
  setStatus(`${name}: connecting…`);
  try {
    await source.start(
      (s) => { agg.add(s); render(); },
      (e) => {
        if (e.type === 'connected') {
          if (connections++) agg.closeGap(e.t);
          setStatus(`${name}: recording. Keep this tab open.`);
        } else if (e.type === 'disconnected') {
          agg.openGap(e.t);
          setStatus(`${name}: connection lost; reconnecting. The time until it is back counts as not recorded.`);
        } else if (e.type === 'done') {
          setStatus(`${name}: done.`);
        } else if (e.type === 'error') {
          setStatus(`${name}: ${e.message}`);
        }
        render();
      });
    if (!(source instanceof ReplaySource)) { state.sources.push(source); $('stop').hidden = false; }
  } catch (e) {
    setStatus(e.name === 'NotFoundError' ? `${name}: no device was chosen.` : `${name}: ${e.message}`);
  }
}

function newDataset(agg, table, name) {
  state.agg = agg;
  state.table = table;
  state.analysis = null;
  state.predictions = null;
  showPredictions([], dayLabel);
  state.day = null;
  state.sourceName = name;
}

async function openFiles(files) {
  if (!files.length) return;
  if (!state.api) return setStatus('The page is still starting; try again in a moment.');
  stopSources();
  setStatus('Reading files…');
  try {
    const res = await importFiles(state.api, [...files]);
    const name = `files: ${[...files].map((f) => f.name).join(', ')}`;
    newDataset(res.aggregator ?? null, res.table ?? null, name);
    showUsers(res.users ?? [], name);
    state.follow = false;
    setStatus(res.notes.join('. ') + '.');
  } catch (e) {
    setStatus(`Could not read the files: ${e.message}`);
  }
  render();
}

// Several Fitabase participants in one export: one at a time, chosen here.
function showUsers(users, name) {
  const sel = $('user');
  sel.replaceChildren(...users.map((u, i) => Object.assign(document.createElement('option'), { value: i, textContent: u.id })));
  $('user-pick').hidden = users.length < 2;
  sel.onchange = () => {
    const u = users[sel.value];
    newDataset(null, u.table, `${name} (participant ${u.id})`);
    render();
  };
}

async function playSample() {
  if (!state.api) return setStatus('The page is still starting; try again in a moment.');
  stopSources();
  setStatus('Loading the sample…');
  const res = await fetch(SAMPLE_URL);
  const table = await state.api.readMinutesCsv(new Uint8Array(await res.arrayBuffer()));
  newDataset(new MinuteAggregator(), null, 'sample');
  state.sampleDone = false;
  await startLive(new ReplaySource(table), 'Sample');
  state.sampleDone = true;
  state.follow = false;
  setStatus('Sample: 3 days of a Fitbit user, replayed. Use ◀ ▶ to see each day, then fill the gaps.');
  render();
}

async function analyze() {
  const table = currentTable();
  $('analyze').disabled = true;
  $('model-status').textContent = 'The model is filling the gaps…';
  try {
    const t0 = performance.now();
    const a = await state.api.analyzeTable({ ...table, values: table.values.slice() }, { embedding: true, imputed: true });
    a.windowByStart = new Map(a.windows.map((w) => [w.start, w]));
    state.analysis = a;
    const filled = a.windows.reduce((s, w) => s + w.filled.reduce((x, y) => x + y, 0), 0);
    $('model-status').textContent = a.windows.length
      ? `Filled ${filled.toLocaleString()} missing values in ${a.windows.length} day(s), in ${Math.round(performance.now() - t0)} ms, on this device.`
      : 'No day has recorded values of the channels this model reads.';
  } catch (e) {
    $('model-status').textContent = `The model could not run: ${e.message}`;
  }
  await updatePredictions();
  render();
}

async function updatePredictions() {
  state.predictions = null;
  if (state.probe && state.analysis) {
    try {
      state.predictions = await predictDays(state.api, state.probe, state.analysis);
    } catch (e) {
      $('probe-status').textContent = `${describeProbe(state.probe, state.info)} It could not be used: ${e.message}`;
    }
  }
  showPredictions(state.predictions ?? [], dayLabel);
}

async function loadProbe(file) {
  try {
    state.probe = await openProbe(state.api, file);
    $('probe-status').textContent = describeProbe(state.probe, state.info) + (state.analysis ? '' : ' Fill the gaps (step 2) to see its predictions.');
  } catch (e) {
    state.probe = null;
    $('probe-status').textContent = `This file is not a probe this page can use: ${e.message}`;
  }
  await updatePredictions();
}

async function loadModel() {
  $('model-status').textContent = 'Loading the model…';
  try {
    state.info = await state.api.load(MODEL_URL, {
      cache: $('remember-model').checked,
      onProgress: ({ loaded, total, fromCache }) => {
        $('model-progress').value = total ? loaded / total : 0;
        $('model-status').textContent = fromCache ? 'Loading the model from this browser…' : `Downloading the model… ${(loaded / 1e6).toFixed(1)} MB`;
      },
    });
    $('model-progress').value = 1;
    state.ready = true;
    const untrained = String(state.info.config?.provenance ?? '').startsWith('UNTRAINED');
    const threads = state.info.threads > 1 ? `${state.info.threads} threads` : 'one thread';
    $('model-status').textContent = `Model ready (${state.info.channels.map((c) => c.name).join(', ')}; ${state.info.fromCache ? 'from this browser' : 'downloaded'}; runs on ${threads}).`;
    $('model-note').textContent = untrained ? 'The model is not trained yet (random weights): its fills show the software working, not real estimates.' : '';
    $('probe-status').textContent = state.info.probes
      ? 'No probe is loaded. Open a probe file to see its predictions for each day.'
      : 'This version of the page cannot run probes.';
    $('probe-file').disabled = !state.info.probes;
  } catch (e) {
    $('model-status').textContent = `The model could not be loaded: ${e.message}`;
  }
  render();
}

function exportFile(kind) {
  const table = currentTable();
  const stamp = new Date().toISOString().slice(0, 10);
  if (kind === 'csv') download(`wearfm-${stamp}.csv`, exportCsv(table, state.analysis), 'text/csv');
  else download(`wearfm-${stamp}.json`, exportJson({ table, analysis: state.analysis, gaps: gapMinutes(), info: state.info, source: state.sourceName, probe: state.probe, predictions: state.predictions }), 'application/json');
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
  $('stop').onclick = () => { stopSources(); setStatus('Recording stopped. The data stays here until you close the tab.'); render(); };
  $('prev').onclick = () => { state.follow = false; state.day -= 1440; render(); };
  $('next').onclick = () => { state.day += 1440; render(); };
  $('analyze').onclick = analyze;
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
  if (!f.simd) {
    // Files and the sample are read by the core, so they need it too; live sensors still record.
    alertBox(SIMD_MESSAGE);
    $('model-status').textContent = 'The model cannot run in this browser.';
    $('sample').disabled = $('file').disabled = $('probe-file').disabled = true;
    return;
  }
  try {
    state.api = await createWearfm();
    state.features = state.api.features;
  } catch (e) {
    alertBox(e.message);
    $('sample').disabled = $('file').disabled = $('probe-file').disabled = true;
    return;
  }
  await loadModel();
}

main();
