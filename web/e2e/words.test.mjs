// issue 12 defect 8 (the words): participant-facing text said `sleep_state`,
// "runs on 2 threads", "minuteIntensitiesWide" and quoted a 19-digit header
// length from a probe error; "Sleep · recorded 0%" read as "not tracked" on a
// day that simply had no sleep; disabled buttons had 3.0:1 contrast. Checked
// on the DOM text, on the words drawn on the timeline canvas (fillText is
// recorded), and with contrast computed from the computed styles.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openPage, out, contrast } from './open-page.mjs';
import { root } from '../testlib/load-core.mjs';

const sample = path.join(root, 'data/sample/fitabase_4020332650.csv');
// Identifiers and machine words a participant should not meet.
const JARGON = /\b[a-z]+_[a-z_]+\b|\bminute[A-Z]\w+|\bheartrate_seconds\b|\bthreads?\b|\d{13,}/;
let p;

before(async () => {
  p = await openPage({
    init: () => {
      const drawn = (globalThis.__drawnText = []);
      const fillText = CanvasRenderingContext2D.prototype.fillText;
      CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
        drawn.push(String(text));
        if (drawn.length > 2000) drawn.splice(0, 1000);
        return fillText.call(this, text, ...rest);
      };
    },
  });
});
after(async () => { await p?.close(); });

const text = () => p.page.evaluate(() => ({
  body: document.body.innerText,
  status: document.getElementById('status').textContent,
  model: document.getElementById('model-status').textContent,
  probe: document.getElementById('probe-status').textContent,
}));

// The timeline's row titles after the next frame.
async function drawnTitles(action) {
  await p.page.evaluate(() => { globalThis.__drawnText.length = 0; });
  await action();
  await p.page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
  return p.page.evaluate(() => globalThis.__drawnText.filter((t) => t.includes(' · ')));
}

function noJargon(where, s) {
  const m = JARGON.exec(s);
  assert.equal(m, null, `${where} says “${m?.[0]}”: ${s}`);
}

test('disabled buttons are readable: at least 4.5:1 contrast', async () => {
  const r = await p.page.evaluate(() => {
    document.getElementById('probe-file').disabled = true; // its label is drawn disabled too
    const out = [...document.querySelectorAll('button:disabled, label.button:has(+ input:disabled)')]
      .filter((b) => b.offsetParent !== null)
      .map((b) => ({ id: b.id || b.htmlFor, color: getComputedStyle(b).color, bg: getComputedStyle(b).backgroundColor }));
    document.getElementById('probe-file').disabled = !wearfmDemo.info.probes;
    return out;
  });
  const ids = r.map((b) => b.id);
  for (const id of ['prev', 'next', 'analyze', 'export-csv', 'export-json', 'probe-file']) assert.ok(ids.includes(id), `${id} is disabled before any data (${ids})`);
  for (const b of r) assert.ok(contrast(b.color, b.bg) >= 4.5, `#${b.id}: ${b.color} on ${b.bg} is ${contrast(b.color, b.bg).toFixed(2)}:1`);
  console.log(`  disabled contrast: ${Math.min(...r.map((b) => contrast(b.color, b.bg))).toFixed(2)}:1 at least`);
});

test('the model line names what it reads in plain words, without threads', async () => {
  const t = await text();
  assert.match(t.model, /^Model ready\. It reads heart rate, steps, activity intensity and sleep/);
  noJargon('the model line', t.model);
  noJargon('the page', t.body);
});

test('a minute table: plain channel names; a day without sleep says “no sleep recorded”', async () => {
  await p.page.setInputFiles('#file', sample);
  await p.page.waitForFunction(() => /minute table/.test(document.getElementById('status').textContent), null, { timeout: 20000 });
  const t = await text();
  assert.match(t.status, /Read as a minute table with heart rate, steps, activity intensity and sleep\./);
  noJargon('the status line', t.status);
  let titles = await drawnTitles(() => p.page.evaluate(() => dispatchEvent(new Event('resize'))));
  const sleep = (ts) => ts.filter((s) => s.startsWith('Sleep')).at(-1);
  assert.match(sleep(titles), /asleep or restless 4 h 4 min$/, 'May 5: 244 minutes asleep or restless in the file');
  for (const s of titles) noJargon('a timeline title', s);
  await p.page.click('#next');
  titles = await drawnTitles(() => p.page.click('#next'));
  assert.match(await p.page.textContent('#day-label'), /May 7, 2016|7 May 2016/);
  assert.match(sleep(titles), /no sleep recorded this day$/, 'May 7 has no sleep record');
  assert.ok(!titles.some((s) => /^Sleep.*recorded 0%/.test(s)), titles.join(' | '));
  await p.page.locator('#day').screenshot({ path: path.join(out, 'words-no-sleep-day.png') });
});

test('a Fitabase export is described by what it holds, not by file kinds', async () => {
  const dir = path.join(root, 'fuzz/corpus_fitabase');
  await p.page.setInputFiles('#file', ['heartrate.csv', 'steps_wide.csv', 'intensities_wide.csv', 'sleep.csv'].map((f) => path.join(dir, f)));
  await p.page.waitForFunction(() => /Fitabase export with/.test(document.getElementById('status').textContent), null, { timeout: 20000 });
  const t = await text();
  assert.match(t.status, /Fitabase export with heart rate, steps, activity intensity and sleep\./);
  noJargon('the status line', t.status);
});

test('a damaged probe file gets a plain reason, not a 19-digit header length', async () => {
  const bad = path.join(out, 'damaged-probe.safetensors');
  const b = Buffer.alloc(64, 0x41); // header length 0x4141414141414141
  writeFileSync(bad, b);
  await p.page.setInputFiles('#probe-file', bad);
  await p.page.waitForFunction(() => /cannot be used/.test(document.getElementById('probe-status').textContent), null, { timeout: 20000 });
  const t = await text();
  assert.equal(t.probe, 'This file cannot be used here: it is not a probe file, or it is damaged.');
  noJargon('the page', t.body);
  assert.deepEqual(p.problems, []);
  assert.deepEqual(p.foreign, []);
});
