// issue 12 defect 6: the core's .mjs was downloaded five times per visit (the
// worker and each of the four pthread workers imported it, and without a
// validator every import was a full download), and the 3.6 MB model was
// downloaded again on every visit. Counted on the server's side: one body
// per file per visit (the repeats are 304s), and none at all on the next
// visit, whose requests are all revalidations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openPage } from './open-page.mjs';

let p;
// Not routed: Playwright's request routing turns the browser's HTTP cache off.
// The page is ready with the minute model; the motion model loads after it (heart rate from motion).
const settled = () => p.page.waitForFunction(() => globalThis.wearfmDemo?.accel.settled, null, { timeout: 30000 });
before(async () => { p = await openPage({ intercept: false }); await settled(); });
after(async () => { await p?.close(); });

const CORE = ['/core/wearfm_core_mt.mjs', '/core/wearfm_core_mt.wasm', '/core/wearfm_core_mt.worker.js', '/model/wearfm.safetensors'];
const statuses = (entries, file) => entries.filter((e) => e.path === file).map((e) => e.status);

test('one visit downloads the core and the model once', () => {
  const first = [...p.log];
  for (const file of CORE) {
    const s = statuses(first, file);
    assert.equal(s.filter((x) => x === 200).length, 1, `${file}: ${s.join(' ')}`);
    assert.ok(s.every((x) => x === 200 || x === 304), `${file}: ${s.join(' ')}`);
  }
  const mjs = statuses(first, '/core/wearfm_core_mt.mjs');
  console.log(`  /core/wearfm_core_mt.mjs on the first visit: ${mjs.join(', ')}`);
});

test('the next visit downloads neither the core nor the model: every request is a 304', async () => {
  const from = p.log.length;
  await p.page.reload();
  await p.page.waitForFunction(() => globalThis.wearfmDemo?.ready, null, { timeout: 30000 });
  await settled();
  const again = p.log.slice(from);
  // The motion model too, when this checkout has it (scripts/common.sh ACCEL_MODEL).
  const served = statuses(p.log.slice(0, from), '/accel/model.safetensors').includes(200) ? ['/accel/model.safetensors'] : [];
  for (const file of [...CORE, ...served]) {
    const s = statuses(again, file);
    assert.ok(s.length >= 1, `${file} was asked for`);
    assert.deepEqual(s.filter((x) => x !== 304), [], `${file}: ${s.join(' ')}`);
  }
  assert.deepEqual(again.filter((e) => e.status === 200).map((e) => e.path), [], 'no file changed, so no body was sent');
  const info = await p.page.evaluate(() => wearfmDemo.info);
  assert.match(info.sha256, /^[0-9a-f]{64}$/, 'the model still loads, from the browser cache');
});

test('no request left the page origin; no page errors', () => {
  assert.deepEqual(p.foreign, []);
  assert.deepEqual(p.problems, []);
});
