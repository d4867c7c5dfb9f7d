// Heart rate from motion in the wasm core (web/wearfm_web_accel.c through
// src/accel-core.js), in Node: the estimate of the latest full window of a
// live buffer equals the native CLI's `wearfm embed` / `wearfm hr` on the
// same real samples (tests/data/wisdm: 60 s of walking, so the CLI's second
// window is the buffer's latest), the probes are checked when they load, and
// the buffer says how much motion it holds before a window is full.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { loadCoreModule, build, accelPaths, walkingRows, walkingPath, modelPath, relErr } from '../testlib/load-core.mjs';
import { WearfmCore } from '../src/core.js';
import { AccelFeed } from '../src/accel-feed.js';
import { MOTION_UNIT } from '../src/sources/motion.js';

const cli = path.join(build, 'native/wearfm');
const missing = Object.values(accelPaths).concat(cli).filter((f) => !existsSync(f));
// The shipped model and probes are part of the repository (make ship-accel): a missing one fails.
const skip = false;
test('the accelerometer model, its probes and the native CLI exist', () => {
  assert.deepEqual(missing, [], `missing ${missing.join(', ')} (make ship-accel; make native)`);
});
const rows = walkingRows();
let core;

before(async () => { core = new WearfmCore(await loadCoreModule()); });

function loadAll(c = core) {
  const info = c.accel.load(readFileSync(accelPaths.model));
  c.accel.setProbe('hr', readFileSync(accelPaths.hr));
  c.accel.setProbe('activity', readFileSync(accelPaths.activity));
  return info;
}
const push = (source, list, c = core) => c.accel.push(source, MOTION_UNIT, Float64Array.from(list, (r) => r[0]), Float64Array.from(list.flatMap((r) => r.slice(1))));

test('the accelerometer loader refuses a minute model by name', () => {
  assert.throws(() => core.accel.load(readFileSync(modelPath)), /motion model: a lsm2_mae model .*needs a 3-axis accelerometer/);
});

test('the latest window equals the CLI on a real snippet: embedding and heart rate (1e-5)', { skip }, () => {
  const info = loadAll();
  assert.equal(info.windowSeconds, 30);
  const near = (a, b) => Math.abs(a - b) < 1e-6; // unix seconds as doubles step by 0.2 us
  assert.ok(near(push('phone', rows).seconds, 59.95));
  const e = core.accel.estimate('phone');
  assert.ok(e.enough);
  const run = (...args) => execFileSync(cli, [...args, '--unit', 'm/s2', '--quiet'], { encoding: 'utf8' }).trim().split('\n');
  const emb = run('embed', accelPaths.model, walkingPath);
  const last = emb.at(-1).split(','), want = Float32Array.from(last.slice(2).map(Number));
  const hr = run('hr', accelPaths.model, accelPaths.hr, walkingPath).at(-1).split(',');
  const [, bpm, observed, motion, mae] = hr.map(Number);
  assert.equal(new Date(e.start * 1000).toISOString(), last[0]);
  const embErr = relErr(e.embedding, want), hrErr = Math.abs(e.hr_bpm - bpm);
  console.log(`  parity with the CLI: embedding ${embErr.toExponential(2)} (max |diff| / max |x|), heart rate ${hrErr.toExponential(2)} bpm (${e.hr_bpm.toFixed(3)} bpm)`);
  assert.ok(embErr <= 1e-5, `embedding differs by ${embErr}`);
  assert.ok(hrErr <= 1e-5 * Math.max(1, Math.abs(bpm)), `heart rate ${e.hr_bpm} vs ${bpm}`);
  // the CLI leaves expected_mae_bpm empty for a probe without error bands
  const maeSame = hr[4] === '' ? !Number.isFinite(e.expected_mae_bpm) : Math.abs(e.expected_mae_bpm - mae) < 1e-6;
  assert.ok(Math.abs(e.observed - observed) < 1e-6 && Math.abs(e.motion_g - motion) < 1e-6 && maeSame,
    `observed ${e.observed}/${observed}, motion ${e.motion_g}/${motion}, expected error ${e.expected_mae_bpm}/${hr[4]}`);
  assert.ok(['walking', 'jogging', 'stairs', 'sitting', 'standing', 'kicking'].includes(e.activity) && e.p > 0 && e.p <= 1, `${e.activity} ${e.p}`);
});

test('before 30 s of motion the estimate says how much there is; late samples are dropped and counted', { skip }, async () => {
  const c = new WearfmCore(await loadCoreModule());
  loadAll(c);
  const r = push('polar', rows.slice(0, 400), c); // 20 s
  const near = (a, b) => Math.abs(a - b) < 1e-6;
  assert.ok(near(r.seconds, 19.95));
  const e = c.accel.estimate('polar');
  assert.ok(!e.enough && near(e.seconds, 19.95) && e.windowSeconds === 30);
  assert.equal(c.accel.estimate('nobody').enough, false);
  assert.equal(push('polar', [rows[10], rows[400]], c).outOfOrder, 1);
  assert.throws(() => c.accel.push('other', 'furlongs', new Float64Array(1), new Float64Array(3)), /not a unit of acceleration/);
});

test('probes are checked when they load: kind, binding', { skip }, async () => {
  const c = new WearfmCore(await loadCoreModule());
  c.accel.load(readFileSync(accelPaths.model));
  assert.throws(() => c.accel.setProbe('activity', readFileSync(accelPaths.hr)), /needs a classifier/);
  assert.throws(() => c.accel.setProbe('hr', readFileSync(accelPaths.activity)), /heart rate needs a ridge/);
  const { classes } = c.accel.setProbe('activity', readFileSync(accelPaths.activity));
  assert.deepEqual([...classes].sort(), ['jogging', 'kicking', 'sitting', 'stairs', 'standing', 'walking']);
  // without probes the estimate still gives the window, with NaN and null for what they would add
  const bare = new WearfmCore(await loadCoreModule());
  bare.accel.load(readFileSync(accelPaths.model));
  push('phone', rows, bare);
  const e = bare.accel.estimate('phone');
  assert.ok(e.enough && Number.isNaN(e.hr_bpm) && Number.isNaN(e.expected_mae_bpm) && e.activity === null && e.motion_g > 0);
});

test('the feed batches samples and asks for an estimate every few seconds of new motion', { skip }, async () => {
  const c = new WearfmCore(await loadCoreModule());
  loadAll(c);
  const got = [];
  const feed = new AccelFeed({ pushAccel: async (a) => c.accel.push(a.source, a.unit, a.t, a.xyz), estimateAccel: async (s) => c.accel.estimate(s) }, { onEstimate: (s, r) => got.push([s, r.enough, r.seconds]), flushMs: 1e9, everyMs: 5000 });
  for (let i = 0; i < rows.length; i += 20) { // one second at a time
    for (const r of rows.slice(i, i + 20)) feed.add('phone', { t: r[0], x: r[1], y: r[2], z: r[3], unit: MOTION_UNIT });
    await feed.flush();
  }
  feed.dispose();
  const ready = got.filter((g) => g[1]);
  assert.ok(got.length > 20 && !got[0][1] && Math.abs(got[0][2] - 0.95) < 1e-6, JSON.stringify(got.slice(0, 2)));
  assert.ok(ready.length >= 5 && ready.length <= 7 && ready[0][2] >= 29.99, JSON.stringify(ready)); // at 30 s, then every 5 s
});
