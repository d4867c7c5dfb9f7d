// Issue 12, defect 3: one minute of live heart rate "filled" a whole day,
// hours that had not happened yet included. The page's clock is fixed at
// 09:30; the emulated strap gives one reading; the model may fill the gaps
// before now, but no minute after it is filled, drawn as an estimate or counted.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openPage, out } from './open-page.mjs';
import { emulateHeartRateSensor } from './ble-peripheral.mjs';

let p, sensor;
const now = new Date(2025, 5, 2, 9, 30, 15); // local time of the machine, as the browser's

before(async () => {
  p = await openPage();
  // Date.now() stands still at 09:30:15; timers keep running.
  await p.page.clock.setFixedTime(now);
  sensor = await emulateHeartRateSensor(p.browser, p.page, () => [0x06, 64]);
});
after(async () => {
  await sensor?.close();
  await p?.close();
});

test('a live minute of heart rate: the model fills only the hours before now', async () => {
  await p.page.click('#connect-hr');
  await p.page.waitForFunction(() => wearfmDemo.agg?.samples >= 1, null, { timeout: 30000 });
  await p.page.click('#analyze');
  await p.page.waitForFunction(() => wearfmDemo.analysis && /Filled/.test(document.getElementById('model-status').textContent), null, { timeout: 120000 });
  const r = await p.page.evaluate(() => {
    const a = wearfmDemo.analysis, C = a.channels.length, T = a.windowMinutes;
    const nowMinute = Math.floor(Date.now() / 60000) - new Date().getTimezoneOffset();
    let past = 0, future = 0;
    for (const w of a.windows)
      for (let i = 0; i < T * C; i++) if (w.filled[i]) (w.start + Math.floor(i / C) <= nowMinute ? past++ : future++);
    return { past, future, nowMinute, starts: a.windows.map((w) => w.start), C, pastText: past.toLocaleString(), status: document.getElementById('model-status').textContent };
  });
  const midnight = Math.floor(r.nowMinute / 1440) * 1440;
  assert.deepEqual(r.starts, [midnight], 'one day, today');
  assert.equal(r.future, 0, 'no minute after now is filled');
  // Every channel of every minute from midnight to now, less the one heart rate recorded.
  assert.equal(r.past, (r.nowMinute - midnight + 1) * r.C - 1);
  assert.ok(r.status.startsWith(`Filled ${r.pastText} missing values in 1 day`), r.status);
  await p.page.locator('#day').screenshot({ path: path.join(out, 'live-fill-past-only.png') });
  await p.page.click('#stop');
});

// The core's aggregator lives in the worker, which a Cancel (of a fill or the
// research export) ends: the recording is given to a new one, not lost.
test('a cancel (a new worker) keeps what was recorded, and it fills again', async () => {
  const r = await p.page.evaluate(async () => {
    const observed = (t) => Array.from(t.values).filter((v) => !Number.isNaN(v)).length;
    const agg = wearfmDemo.agg, worker = wearfmDemo.api.worker;
    const before = { observed: observed(agg.table()), samples: agg.samples, channels: agg.table().channels };
    await wearfmDemo.api.cancel();
    agg.add({ t: Date.now(), channel: 'heart_rate', value: 66 }); // the same minute (the clock stands still)
    const tab = await agg.flush();
    return { replaced: wearfmDemo.api.worker !== worker, before, observed: observed(tab), samples: agg.samples, channels: tab.channels };
  });
  assert.equal(r.replaced, true);
  assert.deepEqual(r.channels, r.before.channels);
  assert.equal(r.observed, r.before.observed, 'every recorded minute is still there');
  assert.equal(r.samples, r.before.samples + 1, 'the samples from before the cancel, and the new one');
  const old = await p.page.evaluateHandle(() => wearfmDemo.analysis);
  await p.page.click('#analyze');
  await p.page.waitForFunction((a) => wearfmDemo.analysis && wearfmDemo.analysis !== a && /Filled/.test(document.getElementById('model-status').textContent), old, { timeout: 120000 });
  assert.equal(await p.page.evaluate(() => wearfmDemo.analysis.windows.length), 1);
});

test('no request left the page origin; no page errors', () => {
  assert.deepEqual(p.foreign, []);
  assert.deepEqual(p.problems, []);
});
