// Live accelerometer samples -> the core's per-source buffers and, every few
// seconds of new motion, its estimate of the latest full window (heart rate
// from motion, the activity). This only batches samples to the worker and
// decides when to ask; the window, the grid and the estimate are the core's
// (src/accel-core.js, web/wearfm_web_accel.c).
const FLUSH_MS = 500;  // how long samples wait before they go to the worker
const EVERY_MS = 3000; // new motion (by the samples' own times) between two estimates

export class AccelFeed {
  /**
   * api: the worker client (pushAccel, estimateAccel) or a core with the same calls.
   * onEstimate(source, result): result as estimateAccel's ({enough: false, seconds, windowSeconds} before a full window).
   */
  constructor(api, { onEstimate = () => {}, onError = () => {}, flushMs = FLUSH_MS, everyMs = EVERY_MS } = {}) {
    Object.assign(this, { api, onEstimate, onError, flushMs, everyMs });
    this.queues = new Map(); // source -> {unit, samples: []}
    this.lastAsked = new Map(); // source -> sample time (ms) of the last estimate
    this.timer = null;
    this.chain = Promise.resolve();
  }

  /** One `acceleration` sample {t, x, y, z, unit} of a source (a name the page gives it). */
  add(source, s) {
    let q = this.queues.get(source);
    if (!q || q.unit !== s.unit) this.queues.set(source, (q = { unit: s.unit, samples: [] }));
    q.samples.push(s);
    this.timer ??= setTimeout(() => { this.timer = null; this.flush(); }, this.flushMs);
  }

  /** Sends what is queued, then asks for the estimates that are due; resolves when done. */
  flush() {
    const batches = [...this.queues].filter(([, q]) => q.samples.length).map(([source, q]) => ({
      source, unit: q.unit,
      t: Float64Array.from(q.samples, (s) => s.t),
      xyz: Float64Array.from(q.samples.flatMap((s) => [s.x, s.y, s.z])),
      newest: q.samples.at(-1).t,
    }));
    for (const q of this.queues.values()) q.samples = [];
    this.chain = this.chain.then(() => this.send(batches)).catch((e) => this.onError(e));
    return this.chain;
  }

  async send(batches) {
    for (const { source, unit, t, xyz, newest } of batches) {
      const { seconds } = await this.api.pushAccel({ source, unit, t, xyz });
      const last = this.lastAsked.get(source);
      if (last !== undefined && newest - last < this.everyMs) continue;
      const r = await this.api.estimateAccel(source);
      if (r.enough) this.lastAsked.set(source, newest);
      this.onEstimate(source, { ...r, seconds });
    }
  }

  /** Forgets a source (its recording stopped). */
  drop(source) {
    this.queues.delete(source);
    this.lastAsked.delete(source);
    this.chain = this.chain.then(() => this.api.dropAccel?.(source)).catch(() => {});
  }

  dispose() {
    clearTimeout(this.timer);
    this.timer = null;
    this.queues.clear();
  }
}
