// Streaming samples -> minute bins, by the C core's aggregator
// (src/aggregator*.c): the per-channel rules (mean heart rate, summed steps,
// RMSSD from RR intervals, ...) and the plausibility limits live there, the
// same ones the file importers use. This shell only moves samples to the core
// in batches (the core may run in a worker), turns epoch times into local
// wall-clock time, keeps connection gaps for drawing, and holds the latest
// table so the page can draw without waiting. It also keeps every sample the
// core has taken (as columns, 24 bytes a sample): the worker that holds the
// core's aggregator is ended when a long computation is cancelled
// (src/wearfm.js cancel()), and a new aggregator in the new worker is given
// them all again, so a recording outlives a cancelled fill. Accelerometer
// samples ({channel: 'acceleration', x, y, z, unit}) travel as their own
// columns, grouped by unit: the core makes them `movement`.
import { localMinute as defaultLocalMinute } from './time.js';

const EMPTY = Object.freeze({ start: 0, length: 0, channels: [], values: new Float32Array(0), dropped: [] });
const FLUSH_MS = 100; // how long samples may wait before the table catches up
const ACCELERATION = 'acceleration';

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
    this.history = new SampleHistory();
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
    const r = await this.apply(batch, view ?? {});
    if (batch) this.history.append(batch);
    this.samples = r.kept;
    this.rejected = r.rejected;
    this.dropped = r.dropped;
    if (view) return r.table;
    this.latest = r.table;
    this.onUpdate?.();
    return r.table;
  }

  // One batch to the core's aggregator, as a copy (the batch is kept for the
  // history; the worker client transfers what it is given). A new aggregator
  // (after the worker was restarted) is given the history first.
  async apply(batch, view) {
    for (let attempt = 0; ; attempt++) {
      try {
        if (!this.handle) {
          this.handle = await this.core.aggregatorCreate();
          if (this.history.n || this.history.gaps.length || this.history.accel.size) await this.core.aggregate(this.handle, this.history.copy(), {});
        }
        return await this.core.aggregate(this.handle, copyBatch(batch) ?? {}, view);
      } catch (e) {
        // restarted: the worker that held the handle was replaced; cancelled: it was ended during this call.
        if (!(e?.restarted || e?.cancelled) || this.disposed || attempt >= 3) throw e;
        this.handle = null;
      }
    }
  }

  // The queue as columns (typed arrays travel to a worker without copying).
  takeBatch() {
    if (!this.queue.length && !this.gapQueue.length) return null;
    const scalars = this.queue.filter((s) => s.channel !== ACCELERATION), n = scalars.length, names = [], index = new Map();
    const channel = new Int32Array(n), t = new Float64Array(n), value = new Float64Array(n), segment = new Int32Array(n);
    scalars.forEach((s, i) => {
      if (!index.has(s.channel)) { index.set(s.channel, names.length); names.push(s.channel); }
      channel[i] = index.get(s.channel);
      t[i] = this.localMs(s.t);
      value[i] = s.value;
      segment[i] = s.segment ?? 0;
    });
    const byUnit = new Map();
    for (const s of this.queue) if (s.channel === ACCELERATION) (byUnit.get(s.unit) ?? byUnit.set(s.unit, []).get(s.unit)).push(s);
    const accel = [...byUnit].map(([unit, list]) => ({
      unit,
      t: Float64Array.from(list, (s) => this.localMs(s.t)),
      xyz: Float64Array.from(list.flatMap((s) => [s.x, s.y, s.z])),
      segment: Int32Array.from(list, (s) => s.segment ?? 0),
    }));
    const gaps = this.gapQueue;
    this.queue = [];
    this.gapQueue = [];
    return { names, channel, t, value, segment, gaps, accel };
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

function copyBatch(b) {
  const accel = (b?.accel ?? []).map((a) => ({ unit: a.unit, t: a.t.slice(), xyz: a.xyz.slice(), segment: a.segment.slice() }));
  return b && { names: [...b.names], channel: b.channel.slice(), t: b.t.slice(), value: b.value.slice(), segment: b.segment.slice(), gaps: [...b.gaps], accel };
}

// Typed columns that grow by doubling: n rows of width[key] values per key.
class Columns {
  constructor(kinds) {
    this.n = 0;
    this.cap = 0;
    this.width = Object.fromEntries(Object.entries(kinds).map(([k, [, w]]) => [k, w]));
    this.cols = Object.fromEntries(Object.entries(kinds).map(([k, [T]]) => [k, new T(0)]));
  }
  append(parts, k) {
    if (this.n + k > this.cap) {
      this.cap = Math.max(1024, 2 * (this.n + k));
      for (const [key, a] of Object.entries(this.cols)) {
        const grown = new a.constructor(this.cap * this.width[key]);
        grown.set(a.subarray(0, this.n * this.width[key]));
        this.cols[key] = grown;
      }
    }
    for (const [key, a] of Object.entries(parts)) this.cols[key].set(a, this.n * this.width[key]);
    this.n += k;
  }
  view(key) { return this.cols[key].subarray(0, this.n * this.width[key]); }
}

// Every batch the core has taken, in order, as one growing set of columns:
// replayed into a new aggregator it gives the same table (the core bins by
// time; samples keep their order of arrival, gaps theirs).
class SampleHistory {
  constructor() {
    this.names = [];
    this.index = new Map();
    this.n = 0;
    this.cols = { channel: new Int32Array(0), t: new Float64Array(0), value: new Float64Array(0), segment: new Int32Array(0) };
    this.gaps = [];
    this.accel = new Map(); // unit -> Columns of t, xyz, segment
  }

  append(b) {
    for (const a of b.accel ?? []) {
      if (!this.accel.has(a.unit)) this.accel.set(a.unit, new Columns({ t: [Float64Array, 1], xyz: [Float64Array, 3], segment: [Int32Array, 1] }));
      this.accel.get(a.unit).append({ t: a.t, xyz: a.xyz, segment: a.segment }, a.t.length);
    }
    const k = b.channel.length;
    if (this.n + k > this.cols.t.length) {
      const cap = Math.max(1024, 2 * (this.n + k));
      for (const [key, a] of Object.entries(this.cols)) {
        const grown = new a.constructor(cap);
        grown.set(a.subarray(0, this.n));
        this.cols[key] = grown;
      }
    }
    const ids = b.names.map((name) => {
      if (!this.index.has(name)) { this.index.set(name, this.names.length); this.names.push(name); }
      return this.index.get(name);
    });
    const { channel, t, value, segment } = this.cols;
    for (let i = 0; i < k; i++) channel[this.n + i] = ids[b.channel[i]];
    t.set(b.t, this.n);
    value.set(b.value, this.n);
    segment.set(b.segment, this.n);
    this.n += k;
    for (const g of b.gaps) this.gaps.push(g);
  }

  /** The history as a batch (views of its columns). */
  batch() {
    const { channel, t, value, segment } = this.cols, n = this.n;
    const accel = [...this.accel].map(([unit, c]) => ({ unit, t: c.view('t'), xyz: c.view('xyz'), segment: c.view('segment') }));
    return { names: this.names, channel: channel.subarray(0, n), t: t.subarray(0, n), value: value.subarray(0, n), segment: segment.subarray(0, n), gaps: this.gaps, accel };
  }

  /** The history as a new batch (fresh arrays, to be transferred). */
  copy() { return copyBatch(this.batch()); }
}
