// Streaming samples -> minute bins, by the C core's aggregator
// (src/aggregator*.c): the per-channel rules (mean heart rate, summed steps,
// RMSSD from RR intervals, ...) and the plausibility limits live there, the
// same ones the file importers use. This shell only moves samples to the core
// in batches (the core may run in a worker), turns epoch times into local
// wall-clock time, keeps connection gaps for drawing, and holds the latest
// table so the page can draw without waiting.
import { localMinute as defaultLocalMinute } from './time.js';

const EMPTY = Object.freeze({ start: 0, length: 0, channels: [], values: new Float32Array(0), dropped: [] });
const FLUSH_MS = 100; // how long samples may wait before the table catches up

export class MinuteAggregator {
  /**
   * @param {object} core  the core's aggregator calls: a WearfmCore (src/core.js) or the worker client
   *   (src/wearfm.js), whose aggregatorCreate/aggregate/aggregatorFree may return promises.
   * @param {{localMinute?: (ms:number)=>number, onUpdate?: ()=>void}} [opts]
   */
  constructor(core, { localMinute = defaultLocalMinute, onUpdate = null } = {}) {
    if (!core?.aggregate) throw new Error('MinuteAggregator needs the wearfm core (its aggregate call)');
    Object.assign(this, { core, localMinute, onUpdate });
    this.gaps = [];       // [{from, to}] epoch ms, an open gap has to = null (for drawing)
    this.samples = 0;     // kept by the core's rules, as of the latest table
    this.rejected = 0;    // dropped by them
    this.dropped = [];    // per sample channel: why (src/core.js: dropCounts)
    this.latest = EMPTY;
    this.queue = [];
    this.gapQueue = [];
    this.handle = null;
    this.chain = Promise.resolve();
    this.timer = null;
  }

  // Local wall-clock ms of an epoch time: the minute tables' time base.
  localMs(ms) {
    return ms + (this.localMinute(ms) - Math.floor(ms / 60000)) * 60000;
  }

  /** Queues one sample {t: epoch ms, channel, value, segment?}; the core's rules decide whether it is kept. */
  add(s) {
    this.queue.push(s);
    this.schedule();
  }

  addAll(samples) { for (const s of samples) this.queue.push(s); this.schedule(); }

  /** Marks a disconnection starting at `from` (epoch ms); closeGap ends it. */
  openGap(from) {
    this.gaps.push({ from, to: null });
    this.gapQueue.push({ open: true, t: this.localMs(from) });
    this.schedule();
  }
  closeGap(to) {
    const g = this.gaps.findLast((x) => x.to === null);
    if (g) g.to = to;
    this.gapQueue.push({ open: false, t: this.localMs(to) });
    this.schedule();
  }

  schedule() {
    this.timer ??= setTimeout(() => { this.timer = null; this.flush().catch(() => {}); }, FLUSH_MS);
  }

  /** The latest table (as of the last flush): {start, length, channels, values, dropped}. */
  table() { return this.latest; }

  /** Sends what is queued to the core and updates the latest table; resolves to it. */
  flush() { return this.enqueue(() => this.send(undefined)); }

  /** A table with its own span or columns ({start, length, channels}), after what is queued. */
  build(view) { return this.enqueue(() => this.send(view ?? {})); }

  enqueue(job) {
    const p = this.chain.then(job);
    this.chain = p.catch(() => {});
    return p;
  }

  async send(view) {
    if (this.disposed) return view ? EMPTY : this.latest;
    const batch = this.takeBatch();
    if (!batch && !view && this.handle) return this.latest;
    this.handle ??= await this.core.aggregatorCreate();
    const r = await this.core.aggregate(this.handle, batch ?? {}, view ?? {});
    this.samples = r.kept;
    this.rejected = r.rejected;
    this.dropped = r.dropped;
    if (view) return r.table;
    this.latest = r.table;
    this.onUpdate?.();
    return r.table;
  }

  // The queue as columns (typed arrays travel to a worker without copying).
  takeBatch() {
    if (!this.queue.length && !this.gapQueue.length) return null;
    const q = this.queue, n = q.length, names = [], index = new Map();
    const channel = new Int32Array(n), t = new Float64Array(n), value = new Float64Array(n), segment = new Int32Array(n);
    q.forEach((s, i) => {
      if (!index.has(s.channel)) { index.set(s.channel, names.length); names.push(s.channel); }
      channel[i] = index.get(s.channel);
      t[i] = this.localMs(s.t);
      value[i] = s.value;
      segment[i] = s.segment ?? 0;
    });
    const gaps = this.gapQueue;
    this.queue = [];
    this.gapQueue = [];
    return { names, channel, t, value, segment, gaps };
  }

  /** Frees the core's aggregator; the object is unusable afterwards. */
  dispose() {
    this.disposed = true;
    clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
    // After whatever send is in flight (it may be making the handle).
    this.enqueue(async () => {
      const h = this.handle;
      this.handle = null;
      if (h) await this.core.aggregatorFree(h);
    });
  }
}
