// issue 12 defect 1: status lines went stale. After opening another person's
// file the page still said "Filled 8,882 missing values in 3 day(s)" from the
// sample; live Bluetooth showed a fill count of a file opened before; a failed
// import left lines about three different datasets; the participant picker
// did not update the status line. Here every line is checked against numbers
// computed outside the page (from the CSV, and from the native CLI) for the
// dataset shown at that moment.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { openPage, out } from './open-page.mjs';
import { emulateHeartRateSensor } from './ble-peripheral.mjs';
import { root, build, modelPath } from '../testlib/load-core.mjs';

const sample = path.join(root, 'data/sample/fitabase_4020332650.csv');
const other = path.join(root, 'data/sample/fitabase_4388161847.csv');
const wearfm = path.join(build, 'native/wearfm');
let p, locale;

before(async () => {
  p = await openPage();
  locale = await p.page.evaluate(() => navigator.language);
});
after(async () => { await p?.close(); });

const lines = () => p.page.evaluate(() => ({
  status: document.getElementById('status').textContent,
  model: document.getElementById('model-status').textContent,
  probe: document.getElementById('probe-status').textContent,
  day: document.getElementById('day-label').textContent,
}));

// What the status line must say about a minute CSV: its days and how much of them was recorded.
function expectedNumbers(csv) {
  const rows = readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const any = rows.filter((r) => r.slice(1).some((v) => v !== '')).length;
  const days = [...new Set(rows.map((r) => r[0].slice(0, 10)))];
  const date = (d) => new Date(`${d}T00:00Z`).toLocaleDateString(locale, { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });
  return `${days.length} days (${date(days[0])} to ${date(days.at(-1))}); something was recorded in ${Math.floor(any / 60).toLocaleString(locale)} h ${any % 60} min of them (${Math.round((any / (days.length * 1440)) * 100)}%)`;
}

// The native CLI's count of filled values for a minute CSV.
function cliFilled(csv) {
  const r = JSON.parse(execFileSync(wearfm, ['impute', modelPath, csv, '--format', 'json', '--threads', '1', '-q'], { maxBuffer: 1 << 28 }));
  return { count: r.windows.reduce((s, w) => s + w.filled.flat().filter(Boolean).length, 0), days: r.windows.length };
}
const filledText = ({ count, days }) => `Filled ${count.toLocaleString(locale)} missing values in ${days} ${days === 1 ? 'day' : 'days'}`;

async function fill() {
  await p.page.click('#analyze');
  await p.page.waitForFunction(() => wearfmDemo.analysis && /Filled/.test(document.getElementById('model-status').textContent), null, { timeout: 120000 });
}

let sampleFilled;

test('the sample: the status line has its numbers, the model line its fill count', async () => {
  await p.page.click('#sample');
  await p.page.waitForFunction(() => wearfmDemo.sampleDone, null, { timeout: 30000 });
  let l = await lines();
  assert.match(l.status, /^Sample/);
  assert.ok(l.status.includes(expectedNumbers(sample)), `${l.status}\n  should say ${expectedNumbers(sample)}`);
  assert.match(l.model, /Model ready/);
  await fill();
  l = await lines();
  sampleFilled = l.model.match(/Filled [\d,]+ missing values in \d+ days?/)[0];
  const own = await p.page.evaluate(() => wearfmDemo.analysis.windows.reduce((s, w) => s + w.filled.reduce((x, y) => x + y, 0), 0));
  assert.equal(sampleFilled, `Filled ${own.toLocaleString(locale)} missing values in 3 days`);
});

test('another person’s file: every line changes to the new numbers', async () => {
  await p.page.setInputFiles('#file', other);
  await p.page.waitForFunction(() => /fitabase_4388161847\.csv: \d+ days/.test(document.getElementById('status').textContent), null, { timeout: 20000 });
  let l = await lines();
  assert.ok(l.status.includes(expectedNumbers(other)), `${l.status}\n  should say ${expectedNumbers(other)}`);
  assert.ok(!l.status.includes(expectedNumbers(sample)), 'nothing about the sample is left');
  assert.ok(!l.model.includes(sampleFilled), `the sample's fill count is gone: ${l.model}`);
  assert.match(l.model, /Model ready/);
  assert.match(l.day, /2016/);
  await fill();
  l = await lines();
  const want = filledText(cliFilled(other));
  assert.ok(l.model.startsWith(want), `${l.model}\n  should start with ${want} (the CLI's count)`);
  assert.notEqual(want, sampleFilled, 'the two files differ, so the test can tell them apart');
  await p.page.locator('#sources').screenshot({ path: path.join(out, 'status-other-file.png') });
});

test('a failed import says so, and every other line still describes the data shown', async () => {
  const bad = path.join(out, 'not-wearable-data.csv');
  writeFileSync(bad, 'hello, world\n1,2\n');
  const before = await lines();
  await p.page.setInputFiles('#file', bad);
  await p.page.waitForFunction(() => /Could not read/.test(document.getElementById('status').textContent), null, { timeout: 20000 });
  const l = await lines();
  assert.match(l.status, /^Could not read not-wearable-data\.csv: /);
  assert.ok(l.status.includes(`fitabase_4388161847.csv: ${expectedNumbers(other)}`), `still names what is shown: ${l.status}`);
  assert.equal(l.model, before.model, 'the fill count of the data still shown');
  assert.equal(l.day, before.day);
});

test('the participant picker: the status line names the person shown, with their own numbers', async () => {
  const dir = path.join(root, 'fuzz/corpus_fitabase');
  const files = ['heartrate.csv', 'steps_wide.csv', 'intensities_wide.csv', 'sleep.csv'].map((f) => path.join(dir, f));
  const cliOut = path.join(out, 'status-fitabase');
  rmSync(cliOut, { recursive: true, force: true });
  execFileSync(wearfm, ['import', 'fitabase', ...files, '-o', cliOut], { stdio: 'ignore' });
  const ids = readdirSync(cliOut).map((f) => f.replace(/\.csv$/, '')).sort();
  assert.ok(ids.length >= 2, 'an export with several people');
  await p.page.setInputFiles('#file', files);
  await p.page.waitForFunction(() => /Fitabase/.test(document.getElementById('status').textContent), null, { timeout: 20000 });
  const shown = await p.page.evaluate(() => [...document.querySelectorAll('#user option')].map((o) => o.textContent));
  assert.deepEqual(shown, ids);
  for (const [i, id] of ids.entries()) {
    if (i) await p.page.selectOption('#user', String(i));
    await p.page.waitForFunction((id) => document.getElementById('status').textContent.includes(`participant ${id}`), id, { timeout: 10000 });
    const l = await lines();
    assert.ok(l.status.includes(`participant ${id}: `), l.status);
    const mine = expectedNumbers(path.join(cliOut, `${id}.csv`)).replace(/^1 days \((.*?) to \1\); (.*) of them/, '1 day ($1); $2 of it');
    assert.ok(l.status.includes(mine), `${l.status}\n  should say ${mine}`);
    for (const o of ids.filter((x) => x !== id)) assert.ok(!l.status.includes(`participant ${o}`), `${o} is not shown`);
    assert.match(l.model, /Model ready/, 'no fill count of another dataset');
  }
});

test('live Bluetooth after a filled file: the model line does not show the file’s fill count', async () => {
  await p.page.setInputFiles('#file', other);
  await p.page.waitForFunction(() => /fitabase_4388161847\.csv: \d+ days/.test(document.getElementById('status').textContent), null, { timeout: 20000 });
  await fill();
  const fileModel = (await lines()).model;
  let n = 0;
  const sensor = await emulateHeartRateSensor(p.browser, p.page, () => [0x16, 70 + (n++ % 5), 0x33, 0x03]);
  try {
    await p.page.click('#connect-hr');
    await p.page.waitForFunction(() => wearfmDemo.agg?.samples >= 3 && /recording/.test(document.getElementById('status').textContent), null, { timeout: 30000 });
    const l = await lines();
    assert.ok(!l.model.includes(fileModel.match(/Filled [\d,]+/)[0]), `live, yet the model line says ${l.model}`);
    assert.match(l.model, /Model ready/);
    assert.match(l.status, /^Heart-rate sensor: recording\. Keep this tab open\. Recorded here: 1 day/);
    assert.ok(!l.status.includes('fitabase_4388161847'), l.status);
    await p.page.click('#stop');
  } finally {
    await sensor.close();
  }
  assert.deepEqual(p.problems, []);
  assert.deepEqual(p.foreign, []);
});
