// Streaming samples -> minute bins in local time. A minute with no sample is
// missing (NaN); nothing is filled in here: gaps are the model's job.
// Samples may arrive late or out of order (bins are keyed by minute, and
// ordering within a minute is restored before RR differences are taken).
// Recorded connection gaps are kept so the page can shade them, and RR
// pairs that straddle one are never differenced.
import { CHANNELS, minuteChannelOf } from './channels.js';
import { localMinute as defaultLocalMinute } from './time.js';

const RR_MIN_MS = 250, RR_MAX_MS = 2500;   // physiologically possible beat intervals
const RR_MAX_PAIR_MS = 3000;               // successive beats are at most this far apart

export class MinuteAggregator {
  /** @param {{localMinute?: (ms:number)=>number, channels?: object}} [opts] */
  constructor(opts = {}) {
    this.localMinute = opts.localMinute ?? defaultLocalMinute;
    this.channels = opts.channels ?? CHANNELS;
    this.bins = new Map(); // channel -> Map(minute -> accumulator)
    this.gaps = [];        // [{from, to}] epoch ms, open gaps have to = null
    this.samples = 0;
    this.rejected = 0;
  }

  /** Adds one sample {t: epoch ms, channel, value, segment?}; non-finite values are ignored. */
  add(s) {
    if (!Number.isFinite(s.t) || !Number.isFinite(s.value)) { this.rejected++; return; }
    const name = minuteChannelOf(s.channel);
    const agg = this.channels[name]?.agg ?? 'mean';
    if (agg === 'rmssd' && !(s.value >= RR_MIN_MS && s.value <= RR_MAX_MS)) { this.rejected++; return; }
    let ch = this.bins.get(name);
    if (!ch) this.bins.set(name, (ch = new Map()));
    const m = this.localMinute(s.t);
    let b = ch.get(m);
    if (!b) ch.set(m, (b = { n: 0, sum: 0, max: -Infinity, last: NaN, lastT: -Infinity, rr: null }));
    b.n++;
    b.sum += s.value;
    if (s.value > b.max) b.max = s.value;
    if (s.t >= b.lastT) { b.last = s.value; b.lastT = s.t; }
    if (agg === 'rmssd') (b.rr ??= []).push({ t: s.t, v: s.value, seg: s.segment ?? 0 });
    this.samples++;
  }

  addAll(samples) { for (const s of samples) this.add(s); }

  /** Marks a disconnection starting at `from` (ms); closeGap ends it. */
  openGap(from) { this.gaps.push({ from, to: null }); }
  closeGap(to) {
    const g = this.gaps.findLast((x) => x.to === null);
    if (g) g.to = to;
  }

  /** First and last minute with any sample, or null. */
  extent() {
    let lo = Infinity, hi = -Infinity;
    for (const ch of this.bins.values()) for (const m of ch.keys()) { if (m < lo) lo = m; if (m > hi) hi = m; }
    return lo <= hi ? { first: lo, last: hi } : null;
  }

  value(name, b) {
    switch (this.channels[name]?.agg ?? 'mean') {
      case 'sum': return b.sum;
      case 'max': return b.max;
      case 'last': return b.last;
      case 'rmssd': return this.rmssd(b.rr);
      default: return b.sum / b.n;
    }
  }

  /** Root mean square of successive RR differences within the minute; NaN below 2 differences. */
  rmssd(rr) {
    const beats = rr.slice().sort((a, b) => a.t - b.t);
    let ss = 0, n = 0;
    for (let i = 1; i < beats.length; i++) {
      const a = beats[i - 1], b = beats[i];
      if (a.seg !== b.seg || b.t - a.t > RR_MAX_PAIR_MS || this.inGap(a.t, b.t)) continue;
      ss += (b.v - a.v) ** 2;
      n++;
    }
    return n >= 2 ? Math.sqrt(ss / n) : NaN;
  }

  inGap(t0, t1) {
    return this.gaps.some((g) => g.from < t1 && (g.to === null || g.to > t0));
  }

  /**
   * The minute table from `start` (default: midnight of the first day) for
   * `length` minutes (default: to midnight after the last day):
   * {start, length, channels, values: Float32Array row-major, NaN missing}.
   */
  table({ start, length, channels } = {}) {
    const ext = this.extent();
    const known = Object.keys(this.channels), rank = (n) => (known.includes(n) ? known.indexOf(n) : known.length);
    const names = channels ?? [...this.bins.keys()].filter((n) => this.bins.get(n).size).sort((a, b) => rank(a) - rank(b));
    if (start === undefined) start = ext ? Math.floor(ext.first / 1440) * 1440 : 0;
    if (length === undefined) length = ext ? Math.floor(ext.last / 1440) * 1440 + 1440 - start : 0;
    const C = names.length;
    const values = new Float32Array(length * C).fill(NaN);
    names.forEach((name, c) => {
      const ch = this.bins.get(name);
      if (!ch) return;
      for (const [m, b] of ch) {
        const i = m - start;
        if (i >= 0 && i < length) values[i * C + c] = this.value(name, b);
      }
    });
    return { start, length, channels: names, values };
  }
}
