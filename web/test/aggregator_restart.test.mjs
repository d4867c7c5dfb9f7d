// A live recording outlives a Cancel. The core's aggregator lives in the
// worker, and cancel() (a long fill or research export stopped) ends that
// worker: its memory, and the aggregator in it, are gone. The client's
// aggregator ids die with it (a stale id must never reach the new worker's
// heap), and src/aggregator.js gives a new aggregator every sample again, so
// the table is the one an aggregator that was never restarted makes.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { Wearfm } from '../src/wearfm.js';
import { MinuteAggregator } from '../src/aggregator.js';
import { WearfmCore } from '../src/core.js';
import { loadCoreModule } from '../testlib/load-core.mjs';

// worker.js's aggregator ops, in this process, on a core module of its own
// (a new heap for each worker, as in the browser); messages are cloned and
// their transfer lists detached, as postMessage does.
const OPS = {
  init: (c) => ({ version: c.version }),
  aggregatorCreate: (c) => c.aggregatorCreate(),
  aggregate: (c, { handle, batch, view }) => c.aggregate(handle, batch, view),
  aggregatorFree: (c, { handle }) => { c.aggregatorFree(handle); return true; },
};
const workers = [];
class FakeWorker {
  constructor() {
    this.core = loadCoreModule().then((m) => new WearfmCore(m));
    this.dead = false;
    this.seen = [];
    workers.push(this);
  }
  postMessage(msg, transfer = []) {
    const { id, op, args } = structuredClone(msg, { transfer });
    this.seen.push({ op, handle: args?.handle });
    setTimeout(async () => {
      let data;
      try {
        data = { id, ok: true, result: OPS[op](await this.core, args ?? {}) };
      } catch (e) {
        data = { id, ok: false, error: String(e?.message ?? e) };
      }
      if (!this.dead) this.onmessage({ data });
    }, 5);
  }
  terminate() { this.dead = true; }
}

const FLUSH_WAIT = 1; // ms: after a flush posted its batch, before the worker answers (5 ms)
let direct;
before(async () => { direct = new WearfmCore(await loadCoreModule()); });

const tz = (ms) => Math.floor(ms / 60000) + 120; // UTC+2, as aggregator.test.mjs
const day = Date.UTC(2024, 2, 10) - 120 * 60000;
const at = (h, m, s = 0) => day + ((h * 60 + m) * 60 + s) * 1000;

// The same calls on both aggregators.
const both = (aggs, f) => aggs.forEach(f);
const feed = (aggs, h, m, hr, rr, seg) => both(aggs, (a) => {
  a.add({ t: at(h, m, 0), channel: 'heart_rate', value: hr });
  rr.forEach((v, i) => a.add({ t: at(h, m, 1 + i), channel: 'rr', value: v, segment: seg }));
  // raw accelerometer samples (the core's movement), in two units: their own columns in the history
  a.add({ t: at(h, m, 10), channel: 'acceleration', x: 0, y: 0, z: 1000 + 10 * m, unit: 'mg' });
  a.add({ t: at(h, m, 11), channel: 'acceleration', x: 0, y: 9.80665, z: 1, unit: 'm/s^2' });
});

test('a cancel during a live recording: a new aggregator gets every sample, the table is unchanged', async () => {
  const api = new Wearfm(() => new FakeWorker(), {});
  await api.call('init');
  const live = new MinuteAggregator(api, { localMinute: tz });
  const ref = new MinuteAggregator(direct, { localMinute: tz });
  const aggs = [live, ref];

  feed(aggs, 8, 0, 61, [800, 810, 805], 1);
  both(aggs, (a) => a.add({ t: at(8, 0, 20), channel: 'heart_rate', value: 500 })); // dropped, and counted
  await Promise.all(aggs.map((a) => a.flush()));
  const before = live.handle;
  assert.equal(workers.length, 1);

  // A batch in flight when the worker is ended: its call is cancelled, and sent again.
  feed(aggs, 8, 1, 62, [790, 800, 830], 1);
  both(aggs, (a) => a.openGap(at(8, 1, 30)));
  const flushing = live.flush();
  await new Promise((r) => setTimeout(r, FLUSH_WAIT));
  assert.ok(workers[0].seen.some((s) => s.op === 'aggregate' && s.handle !== undefined), 'the batch went to the first worker');
  await api.cancel();
  assert.equal(workers.length, 2, 'a new worker');
  const [tab] = await Promise.all([flushing, ref.flush()]);
  assert.notEqual(live.handle, before, 'a new aggregator id');

  // Recording goes on into the new worker's aggregator.
  both(aggs, (a) => a.closeGap(at(8, 3, 0)));
  feed(aggs, 8, 3, 63, [900, 910, 905], 2);
  const [a, b] = await Promise.all(aggs.map((x) => x.flush()));
  assert.ok(tab.length > 0);
  assert.deepEqual(a.channels, b.channels);
  assert.ok(a.channels.includes('movement'));
  assert.deepEqual(Array.from(a.values), Array.from(b.values), 'the same table as an aggregator never restarted');
  assert.equal(live.samples, ref.samples);
  assert.deepEqual(live.dropped, ref.dropped);
  assert.equal(live.rejected, 1);
  const sent = workers[1].seen.filter((s) => s.op === 'aggregate').length;
  assert.ok(sent >= 3, `the history, then the batches, to the new worker (${sent} calls)`);

  // An id from before the cancel is refused here, never sent to the new worker's heap.
  await assert.rejects(api.aggregate(before, {}), (e) => e.restarted === true);
  assert.equal(await api.aggregatorFree(before), true);
  assert.ok(!workers[1].seen.some((s) => s.op === 'aggregatorFree'), 'nothing to free in the new worker');

  live.dispose();
  await live.chain;
  assert.equal(workers[1].seen.filter((s) => s.op === 'aggregatorFree').length, 1, 'the live one is freed');
  ref.dispose();
});

test('an aggregator disposed after a cancel frees nothing in the new worker', async () => {
  const api = new Wearfm(() => new FakeWorker(), {});
  await api.call('init');
  const live = new MinuteAggregator(api, { localMinute: tz });
  live.add({ t: at(9, 0, 0), channel: 'heart_rate', value: 70 });
  await live.flush();
  const n = workers.length;
  await api.cancel();
  live.dispose();
  await live.chain;
  assert.deepEqual(workers[n].seen.map((s) => s.op), ['init']);
});
