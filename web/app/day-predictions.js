// Section 3's built-in predictions for the day shown: the sentences, the
// per-slot chart and the notes, redrawn with the day (from state.slotResults,
// which page-probes.js fills once per fill).
import { sleepWords, sleepCaveat, activityWords, recordedActiveMinutes } from './prediction-words.js';
import { validationFor } from './page-probes.js';
import { drawSlotChart } from './slot-chart.js';

const $ = (id) => document.getElementById(id);
// Chart row titles, longest first (a phone gets the shortest that fits).
const CHART_TITLES = { sleep: ['Chance of being asleep (estimated)', 'Chance of being asleep'], active: ['Chance of moderate or vigorous activity (estimated)', 'Chance of moderate or vigorous activity', 'Chance of being active'] };

export function pageProbesLine(state) {
  if (state.pageProbesError) return state.pageProbesError;
  if (!state.pageProbes) return state.ready ? 'No built-in predictions are available.' : 'Loading the predictions…';
  const P = state.pageProbes.manifest.model.patch_minutes;
  if (!state.analysis) return `Built in: whether you were asleep, and how much moderate or vigorous activity you had, for every ${P} minutes. Fill the gaps (step 2) to see them.`;
  return `Estimated here, on this device, from the model's summary of every ${P} minutes. The model is never shown the sleep or activity record it is asked about.`;
}

export function showDayPredictions(state, table) {
  const res = state.slotResults, probes = state.pageProbes?.probes ?? [];
  const shown = Boolean(res && table && state.day !== null && probes.length);
  $('day-predictions').hidden = $('slot-chart-wrap').hidden = $('chart-note').hidden = !shown;
  if (!shown) { $('prediction-notes').textContent = ''; return; }
  const items = [];
  for (const probe of probes) {
    const r = res.get(probe.name);
    if (probe.periods) items.push(...sleepWords(r, probe, state.day));
    else items.push(activityWords(r?.days.get(state.day), probe, validationFor(probe, table, state.day), recordedActiveMinutes(table, state.day)));
  }
  $('day-predictions').replaceChildren(...items.map((t) => Object.assign(document.createElement('li'), { textContent: t })));
  drawSlotChart($('slot-chart'), probes.map((p) => ({ titles: CHART_TITLES[p.name] ?? [p.title], result: res.get(p.name) })), state.day);
  $('prediction-notes').textContent = probes.map(sleepCaveat).filter(Boolean).join(' ');
  $('chart-note').textContent = `Each bar is ${state.pageProbes.manifest.model.patch_minutes} minutes: its height is the model's chance. Grey: nothing was recorded there that the estimates read.`;
}
