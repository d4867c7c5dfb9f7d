// Issue 12, defect 5: a heart rate of 500, -20 or 1e30 from a file or a
// sensor was shown and used without a word. Now the core's data rule drops
// it on every path (minute CSV, Fitabase, E4 files, the Bluetooth strap) and
// the status line says how many values were left out and why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openPage, out } from './open-page.mjs';
import { emulateHeartRateSensor } from './ble-peripheral.mjs';

const dir = path.join(out, 'plausibility');
let p;

before(async () => {
  mkdirSync(dir, { recursive: true });
  p = await openPage();
});
after(async () => { await p?.close(); });

const status = () => p.page.evaluate(() => document.getElementById('status').textContent);
const WORDS = '3 heart rate values were left out as impossible readings (2 above 250 bpm and 1 below 25 bpm)';

// The heart rates the page holds for the dataset shown.
const shownHeartRates = () => p.page.evaluate(() => {
  const t = wearfmDemo.agg ? wearfmDemo.agg.table() : wearfmDemo.table;
  const c = t.channels.indexOf('heart_rate'), C = t.channels.length, out = [];
  for (let i = 0; i < t.length; i++) if (c >= 0 && !Number.isNaN(t.values[i * C + c])) out.push(t.values[i * C + c]);
  return out;
});

async function open(files, until) {
  await p.page.setInputFiles('#file', files);
  await p.page.waitForFunction((re) => new RegExp(re).test(document.getElementById('status').textContent), until, { timeout: 20000 });
}

test('a minute CSV: 500, -20 and 1e30 bpm are dropped and the page says so', async () => {
  const csv = path.join(dir, 'minutes.csv');
  writeFileSync(csv, 'timestamp,heart_rate,steps\n2016-05-05T08:00,500,3\n2016-05-05T08:01,-20,4\n2016-05-05T08:02,1e30,5\n2016-05-05T08:03,70,6\n');
  await open(csv, 'minutes\\.csv: \\d'); // the dataset's line, not "Reading minutes.csv…"
  const s = await status();
  assert.ok(s.includes(WORDS), s);
  assert.deepEqual(await shownHeartRates(), [70]);
});

test('an Empatica E4 HR.csv: the core aggregator drops them, the page says so', async () => {
  const hr = path.join(dir, 'HR.csv');
  writeFileSync(hr, ['1495437300.000000', '1.000000', '500', '-20', '1e30', ...Array(57).fill('70'), '71'].join('\n') + '\n');
  await open(hr, 'Empatica E4 HR');
  const s = await status();
  assert.ok(s.includes(WORDS), s);
  const shown = await shownHeartRates();
  assert.equal(shown.length, 2);
  assert.ok(shown.every((v) => v === 70 || v === 71), shown.join());
});

test('a Fitabase heart-rate export: the participant line says what was dropped', async () => {
  const f = path.join(dir, 'heartrate_seconds_merged.csv');
  writeFileSync(f, 'Id,Time,Value\n7,4/12/2016 7:21:00 AM,500\n7,4/12/2016 7:21:05 AM,-20\n7,4/12/2016 7:21:10 AM,1e30\n7,4/12/2016 7:21:15 AM,80\n');
  await open(f, 'participant 7');
  const s = await status();
  assert.ok(s.includes(WORDS), s);
  assert.deepEqual(await shownHeartRates(), [80]);
});

test('the emulated strap: impossible heart rates are dropped and counted as they arrive', async () => {
  // A strap that now and then sends 500 bpm (16-bit value) and 0, between real beats.
  const packets = [[0x01, 0xf4, 0x01], [0x06, 71], [0x00, 0], [0x06, 72]];
  let n = 0;
  const sensor = await emulateHeartRateSensor(p.browser, p.page, () => packets[n++ % packets.length]);
  try {
    await p.page.click('#connect-hr');
    await p.page.waitForFunction(() => wearfmDemo.agg?.samples >= 2 && wearfmDemo.agg.rejected >= 2, null, { timeout: 30000 });
    await p.page.waitForFunction(() => /heart rate values? (was|were) left out/.test(document.getElementById('status').textContent), null, { timeout: 5000 });
    const s = await status();
    assert.match(s, /\d+ heart rate values were left out as impossible readings \(\d+ above 250 bpm and \d+ below 25 bpm\)/);
    const shown = await shownHeartRates();
    assert.ok(shown.length >= 1 && shown.every((v) => v >= 71 && v <= 72), shown.join());
    await p.page.locator('#sources').screenshot({ path: path.join(out, 'plausibility-strap.png') });
    await p.page.click('#stop');
  } finally {
    await sensor.close();
  }
});

test('no request left the page origin; no page errors', () => {
  assert.deepEqual(p.foreign, []);
  assert.deepEqual(p.problems, []);
});
