// Heart rate from motion (issue 10) in headless Chromium: the page's
// devicemotion source is fed the real WISDM snippet (tests/data/wisdm: 60 s
// of walking at 20 Hz, m/s²) as DeviceMotionEvents, with the page's clock
// stepping 50 ms per event (Date.now, which the source reads, is replaced
// before the page's scripts). The panel says "not enough motion yet" before
// 30 s, then a heart rate with its expected error and an activity; the
// estimate of the last window equals `wearfm hr` (1e-5). Served without the
// model's files, the page says so plainly and keeps recording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { openPage, out } from './open-page.mjs';
import { build, accelPaths, walkingRows, walkingPath } from '../testlib/load-core.mjs';

const rows = walkingRows();
const cli = path.join(build, 'native/wearfm');
const missing = Object.values(accelPaths).concat(cli).filter((f) => !existsSync(f));
// The shipped model and probes are part of the repository (make ship-accel): a missing one fails.
const skip = false;
test('the accelerometer model, its probes and the native CLI exist', () => {
  assert.deepEqual(missing, [], `missing ${missing.join(', ')} (make ship-accel; make native)`);
});

// The page's clock starts at the snippet's first time and moves only when the test says so.
const clock = (t0) => {
  let now = t0;
  Date.now = () => now;
  globalThis.__clockTo = (t) => { now = t; };
};

// Dispatches rows [from, to) as devicemotion events, each at its own time, in one task.
const dispatch = (page, from, to) => page.evaluate(([list]) => {
  for (const [t, x, y, z] of list) {
    globalThis.__clockTo(t);
    dispatchEvent(new DeviceMotionEvent('devicemotion', { accelerationIncludingGravity: { x, y, z }, interval: 50 }));
  }
}, [rows.slice(from, to)]);

// The source listens from its "connected" event on (the status line says so):
// events dispatched before that would be lost, as a real sensor's are not.
const connectMotion = async (page) => {
  await page.click('#connect-motion');
  await page.waitForFunction(() => /^Phone motion: recording/.test(document.getElementById('status').textContent), null, { timeout: 10000 });
};

const panel = (page) => page.evaluate(() => ({
  hidden: document.getElementById('motion-panel').hidden,
  hr: document.getElementById('motion-hr').textContent,
  activity: document.getElementById('motion-activity').textContent,
  note: document.getElementById('motion-note').textContent,
}));

test('the phone’s motion: not enough yet, then a heart rate with its error and the activity, as the CLI', { skip, timeout: 120000 }, async () => {
  const p = await openPage({ init: [clock, rows[0][0]] });
  try {
    const { page } = p;
    await page.waitForFunction(() => wearfmDemo.accel.settled, null, { timeout: 30000 });
    assert.equal(await page.evaluate(() => wearfmDemo.accel.problem), null);
    await connectMotion(page);
    await dispatch(page, 0, 400); // 20 s
    await page.waitForFunction(() => /Not enough motion yet/.test(document.getElementById('motion-hr').textContent), null, { timeout: 10000 });
    let shown = await panel(page);
    assert.equal(shown.hidden, false);
    assert.match(shown.hr, /^Not enough motion yet: 19 of 30 seconds recorded\./);
    assert.equal(shown.activity, '');
    await dispatch(page, 400, rows.length); // to 60 s, in one batch: the estimate reads the whole snippet
    await page.waitForFunction(() => /^About \d+ bpm/.test(document.getElementById('motion-hr').textContent), null, { timeout: 10000 });
    shown = await panel(page);
    assert.match(shown.hr, /^About \d+ bpm \(about ±\d+ bpm\), estimated from your movement in the last 30 seconds\.$/);
    assert.match(shown.activity, /^Activity: most likely (walking|jogging|climbing stairs|sitting|standing|kicking a ball) \(\d+ in 100\)\.$/);
    assert.equal(shown.note, '');
    await page.screenshot({ path: path.join(out, 'motion-hr.png'), fullPage: true });
    const e = await page.evaluate(() => wearfmDemo.accel.estimate);
    const [, bpm, , , mae] = execFileSync(cli, ['hr', accelPaths.model, accelPaths.hr, walkingPath, '--unit', 'm/s2', '--quiet'], { encoding: 'utf8' }).trim().split('\n').at(-1).split(',').map(Number);
    console.log(`  page ${e.hr_bpm.toFixed(4)} bpm (±${e.expected_mae_bpm}), CLI ${bpm.toFixed(4)} bpm; ${e.activity} ${e.p.toFixed(2)}`);
    assert.ok(Math.abs(e.hr_bpm - bpm) <= 1e-5 * bpm && Math.abs(e.expected_mae_bpm - mae) < 1e-6); // the CLI prints 9 digits
    assert.ok(shown.hr.startsWith(`About ${Math.round(bpm)} bpm (about ±${Math.round(mae)} bpm)`));
    // the core made the same samples the minute channel `movement`
    assert.ok(await page.evaluate(() => wearfmDemo.agg.table().channels.includes('movement')));
    await page.click('#stop');
    await page.waitForFunction(() => document.getElementById('motion-panel').hidden, null, { timeout: 5000 });
    assert.deepEqual(p.problems, []);
    assert.deepEqual(p.foreign, []);
  } finally {
    await p.close();
  }
});

test('without the motion model’s files the page says so plainly and keeps recording', { timeout: 60000 }, async () => {
  const nowhere = 'build/no-such-accel.safetensors';
  const p = await openPage({ init: [clock, rows[0][0]], serveOptions: { accel: { model: nowhere, hr: nowhere, activity: nowhere } } });
  try {
    const { page } = p;
    await page.waitForFunction(() => wearfmDemo.accel.settled, null, { timeout: 30000 });
    await connectMotion(page);
    await dispatch(page, 0, 100);
    await page.waitForFunction(() => !document.getElementById('motion-panel').hidden, null, { timeout: 10000 });
    const shown = await panel(page);
    assert.equal(shown.hr, 'Heart rate from motion is not available on this site: the motion model is not on this site. Everything else works as usual.');
    await page.waitForFunction(() => wearfmDemo.agg.table().channels.includes('movement'), null, { timeout: 10000 });
    // the 404s of the missing files are expected; nothing else went wrong
    assert.deepEqual(p.problems.filter((x) => !/404/.test(x)), []);
  } finally {
    await p.close();
  }
});
