// issue 12 defect 7 and the honest pictures: out of the box (no file to
// pick) the sample's fill comes with predictions in plain words, made by the
// C core with the shipped probes, equal to the native CLI's `wearfm slots`;
// the timeline tells measured from estimated, draws the measured band around
// estimated numbers, categories as lanes with their names, and units on the
// axes. Screenshots (desktop and phone): build/web-e2e/predictions-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { openPage, out } from './open-page.mjs';
import { root, build, modelPath, samplePath } from '../testlib/load-core.mjs';

const probes = path.join(root, 'models/probes');
const slots = (args) => JSON.parse(execFileSync(path.join(build, 'native/wearfm'), ['slots', modelPath, samplePath, ...args, '--format', 'json', '--threads', '1', '-q']).toString());
let p;

before(async () => {
  p = await openPage({
    init: () => {
      // What the canvases draw: the words, and the colour of every filled shape (the bands).
      const drawn = (globalThis.__drawn = { text: [], fills: [] });
      const proto = CanvasRenderingContext2D.prototype, fillText = proto.fillText, fill = proto.fill;
      proto.fillText = function (t, ...rest) { drawn.text.push(String(t)); return fillText.call(this, t, ...rest); };
      proto.fill = function (...a) { drawn.fills.push(String(this.fillStyle)); return fill.apply(this, a); };
    },
  });
});
after(async () => { await p?.close(); });

const frames = () => p.page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));

async function showDay(re) {
  // The buttons and the label change on the next frame.
  while (await frames(), !(await p.page.isDisabled('#prev'))) await p.page.click('#prev');
  for (let i = 0; i < 5 && !re.test(await p.page.textContent('#day-label')); i++) { await p.page.click('#next'); await frames(); }
  await frames();
  assert.match(await p.page.textContent('#day-label'), re);
}

test('with the sample and no probe file, the fill comes with sleep and activity in plain words', async () => {
  const before = await p.page.textContent('#page-probes-status');
  assert.match(before, /^Built in: whether you were asleep, and how much moderate or vigorous activity you had, for every 20 minutes\. Fill the gaps/);
  await p.page.click('#sample');
  await p.page.waitForFunction(() => wearfmDemo.sampleDone, null, { timeout: 30000 });
  await p.page.click('#analyze');
  await p.page.waitForFunction(() => wearfmDemo.slotResults?.size === 2, null, { timeout: 60000 });
  await showDay(/May 6, 2016|6 May 2016/);
  const shown = await p.page.evaluate(() => ({
    items: [...document.querySelectorAll('#day-predictions li')].map((li) => li.textContent),
    notes: document.getElementById('prediction-notes').textContent,
    status: document.getElementById('page-probes-status').textContent,
    chart: !document.getElementById('slot-chart-wrap').hidden && document.getElementById('slot-chart').clientHeight,
    customProbe: wearfmDemo.probe,
  }));
  assert.equal(shown.customProbe, null, 'no probe file was opened');
  assert.match(shown.status, /^Estimated here, on this device/);
  assert.ok(shown.chart > 100, 'the per-slot chart is drawn');
  // The night to 6 May as the CLI finds it (the page's periods come from the same C function).
  const sleep = JSON.parse(execFileSync('cat', [path.join(probes, 'probes.json')])).probes.find((q) => q.name === 'sleep');
  const { threshold, max_gap_minutes: gap, min_minutes: min } = sleep.periods;
  const night = slots(['--inputs', sleep.inputs.join(','), '--probe', path.join(probes, 'sleep.safetensors'), '--periods', 'asleep',
    '--threshold', String(threshold), '--max-gap', String(gap), '--min-length', String(min)]).periods.filter((q) => q.to.startsWith('2016-05-06'));
  assert.ok(night.length, 'the CLI finds a sleep period ending on 6 May');
  const said = shown.items.filter((t) => t.startsWith('Asleep'));
  assert.equal(said.length, night.length, shown.items.join(' | '));
  night.forEach((q, i) => assert.match(said[i], new RegExp(`^Asleep from about ${q.from.slice(11)}.* to about ${q.to.slice(11)} \\(.*\\): (very likely|likely|probably|uncertain) \\(the model's chance of sleep averages ${Math.round(q.mean_probability * 100)}% there; stretches this sure were right \\d+% of the time for people the model had never seen\\)\\.$`)));
  // Activity: 20 x the sum of P(active) over the day's slots, to the nearest 5 min.
  const act = slots(['--inputs', 'heart_rate,steps', '--probe', path.join(probes, 'active.safetensors')]).slots.filter((s) => s.start.startsWith('2016-05-06'));
  const minutes = Math.round((20 * act.reduce((a, s) => a + s.probabilities.active, 0)) / 5) * 5;
  const about = minutes >= 60 ? `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}` : `${minutes} min`;
  const active = shown.items.find((t) => t.includes('moderate or vigorous'));
  assert.ok(active?.startsWith(`About ${about} of moderate or vigorous activity, estimated from heart rate and steps`), active);
  assert.match(active, /half such day totals were within .* of what their band recorded/);
  assert.match(active, /Your device's own record for this day: /);
  assert.match(shown.notes, /Falling asleep is the less sure end/);
  assert.deepEqual(p.problems, []);
});

test('measured and estimated look different: bands, category lanes, units', async () => {
  await p.page.evaluate(() => { globalThis.__drawn.text.length = 0; globalThis.__drawn.fills.length = 0; dispatchEvent(new Event('resize')); });
  await frames();
  const d = await p.page.evaluate(() => ({ ...globalThis.__drawn, note: document.getElementById('band-note').textContent, legend: document.querySelector('#day .legend').textContent }));
  assert.ok(d.fills.some((f) => /rgba\(230, 126, 34, 0\.22\)/.test(f)), `an uncertainty band is filled (${[...new Set(d.fills)]})`);
  for (const level of ['awake', 'restless', 'asleep', 'sedentary', 'light', 'moderate', 'vigorous']) assert.ok(d.text.includes(level), `category lane “${level}”`);
  for (const unit of ['bpm', 'steps/min']) assert.ok(d.text.includes(unit), `an axis in ${unit}`);
  assert.ok(d.text.includes('180') && d.text.includes('40'), 'the heart-rate axis has its range');
  assert.ok(d.text.includes('time of day (local)'));
  assert.ok(d.text.includes('100%') && d.text.includes('0%'), 'the chart has a probability axis');
  assert.match(d.legend, /measured.*estimated by the model.*how far off an estimate may be.*a less sure estimate/s);
  assert.match(d.note, /^The pale band around an estimated heart rate or step count shows where 8 in 10 true values fell/);
});

test('screenshots at desktop and phone size; the cards are served; nothing leaves the origin', async () => {
  await p.page.screenshot({ path: path.join(out, 'predictions-desktop.png'), fullPage: true });
  await p.page.locator('#predictions').screenshot({ path: path.join(out, 'predictions-section-desktop.png') });
  await p.page.setViewportSize({ width: 390, height: 844 });
  await frames();
  await p.page.screenshot({ path: path.join(out, 'predictions-phone.png'), fullPage: true });
  await p.page.locator('#predictions').screenshot({ path: path.join(out, 'predictions-section-phone.png') });
  await p.page.locator('#day').screenshot({ path: path.join(out, 'predictions-day-phone.png') });
  const wide = await p.page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `no sideways scrolling on a phone (${wide} px)`);
  const card = await p.page.evaluate(async () => (await fetch('probes/sleep.md')).text());
  assert.match(card, /^# Probe card: Asleep or awake/);
  assert.ok(p.log.some((r) => r.path === '/probes/probes.json' && r.status === 200));
  assert.deepEqual(p.foreign, []);
  assert.deepEqual(p.problems, []);
});
