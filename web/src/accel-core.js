// "Heart rate from motion" in the wasm core (web/wearfm_web_accel.c): the
// accelerometer model, its two probes, one live buffer of raw samples per
// source, and the estimate of the latest full window. The grid, the units,
// resampling, the window, the motion summary and the probes' error bands
// are the core's; this moves arrays in and reads the result's getters.
const NO_DATA = 6; // WFM_ERR_NO_DATA: less than a window buffered yet
export const BUFFER_SECONDS = 120; // what a source's buffer keeps: the last 2 minutes
export const PROBE_KINDS = { hr: 0, activity: 1 }; // wfmw_accel_check_probe's kinds

export class AccelCore {
  constructor(m) {
    this.m = m;
    this.model = 0;
    this.probes = { hr: 0, activity: 0 };
    this.buffers = new Map(); // source -> {handle, unit}
    this.info = null;
  }

  error() { return this.m.UTF8ToString(this.m._wfmw_last_error()); }

  bytesCall(bytes, fn) {
    const m = this.m, p = m._malloc(Math.max(1, bytes.length));
    try { m.HEAPU8.set(bytes, p); return fn(p, bytes.length); } finally { m._free(p); }
  }

  /** Loads the accelerometer model (replacing one loaded before, with its probes and buffers). */
  load(bytes, { threads = 1 } = {}) {
    const m = this.m, h = this.bytesCall(bytes, (p, n) => m._wfmw_accel_load(p, n, threads));
    if (!h) throw new Error(`motion model: ${this.error()}`);
    this.free();
    this.model = h;
    this.info = {
      rateHz: m._wfmw_accel_rate_hz(h), windowSeconds: m._wfmw_accel_window_seconds(h),
      embeddingDim: m._wfmw_accel_embedding_dim(h), weightsHash: m.UTF8ToString(m._wfmw_model_weights_hash(h)),
    };
    return this.info;
  }

  /** Sets probe `kind` ('hr' or 'activity') from a probe file's bytes; the core refuses one that does not fit. */
  setProbe(kind, bytes) {
    const m = this.m;
    if (!this.model) throw new Error('no motion model is loaded');
    const p = this.bytesCall(bytes, (ptr, n) => m._wfmw_probe_load(ptr, n));
    if (!p) throw new Error(this.error());
    if (m._wfmw_accel_check_probe(this.model, p, PROBE_KINDS[kind]) !== 0) {
      const e = this.error();
      m._wfmw_probe_free(p);
      throw new Error(e);
    }
    if (this.probes[kind]) m._wfmw_probe_free(this.probes[kind]);
    this.probes[kind] = p;
    return { kind, classes: Array.from({ length: m._wfmw_probe_n_classes(p) }, (_, k) => m.UTF8ToString(m._wfmw_probe_class_name(p, k))) };
  }

  /** Adds samples of a source: t (epoch ms) and xyz (x, y, z per sample) in `unit`. Returns {seconds, outOfOrder}. */
  push(source, unit, t, xyz) {
    const m = this.m;
    let b = this.buffers.get(source);
    if (b && b.unit !== unit) { m._wfmw_accel_buffer_free(b.handle); b = null; }
    if (!b) {
      const size = m.lengthBytesUTF8(unit) + 1, up = m._malloc(size);
      m.stringToUTF8(unit, up, size);
      const handle = m._wfmw_accel_buffer_new(BUFFER_SECONDS, up);
      m._free(up);
      if (!handle) throw new Error(this.error());
      this.buffers.set(source, (b = { handle, unit }));
    }
    const n = t.length, tp = m._malloc(n * 8 || 8), xp = m._malloc(n * 24 || 8);
    try {
      m.HEAPF64.set(t, tp >> 3);
      m.HEAPF64.set(xyz, xp >> 3);
      if (m._wfmw_accel_push(b.handle, n, tp, xp)) throw new Error(this.error());
    } finally {
      m._free(tp);
      m._free(xp);
    }
    return { seconds: m._wfmw_accel_buffer_seconds(b.handle), outOfOrder: m._wfmw_accel_buffer_out_of_order(b.handle) };
  }

  /**
   * The estimate of the source's latest full window: {enough: false, seconds,
   * windowSeconds} until a window is buffered, then {enough: true, seconds,
   * windowSeconds, start (unix s), hr_bpm, expected_mae_bpm, motion_g,
   * observed, activity, p, embedding}; NaN / null for a probe not loaded.
   */
  estimate(source) {
    const m = this.m;
    if (!this.model) throw new Error('no motion model is loaded');
    const b = this.buffers.get(source), windowSeconds = this.info.windowSeconds;
    const seconds = b ? m._wfmw_accel_buffer_seconds(b.handle) : 0;
    if (!b) return { enough: false, seconds, windowSeconds };
    const e = m._wfmw_accel_estimate(this.model, this.probes.hr, this.probes.activity, b.handle);
    if (!e) {
      if (m._wfmw_last_status() === NO_DATA) return { enough: false, seconds, windowSeconds, why: this.error() };
      throw new Error(this.error());
    }
    try {
      const act = m._wfmw_estimate_activity(e), ep = m._wfmw_estimate_embedding(e);
      return {
        enough: true, seconds, windowSeconds,
        start: m._wfmw_estimate_start(e),
        hr_bpm: m._wfmw_estimate_hr_bpm(e),
        expected_mae_bpm: m._wfmw_estimate_expected_mae_bpm(e),
        motion_g: m._wfmw_estimate_motion_g(e),
        observed: m._wfmw_estimate_observed(e),
        activity: act ? m.UTF8ToString(act) : null,
        p: m._wfmw_estimate_activity_p(e),
        embedding: m.HEAPF32.slice(ep >> 2, (ep >> 2) + m._wfmw_estimate_embedding_dim(e)),
      };
    } finally {
      m._wfmw_accel_estimate_free(e);
    }
  }

  /** Forgets a source's samples (its recording stopped). */
  drop(source) {
    const b = this.buffers.get(source);
    if (b) this.m._wfmw_accel_buffer_free(b.handle);
    this.buffers.delete(source);
  }

  free() {
    const m = this.m;
    for (const s of [...this.buffers.keys()]) this.drop(s);
    for (const k of Object.keys(this.probes)) { if (this.probes[k]) m._wfmw_probe_free(this.probes[k]); this.probes[k] = 0; }
    if (this.model) m._wfmw_free(this.model);
    this.model = 0;
    this.info = null;
  }
}
