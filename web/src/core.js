// The wasm core behind typed JS calls: copies arrays in and out of the heap
// and calls the flat wfmw_* entry points (web/wearfm_web.c). All model math
// and all file parsing happen in C; this only moves bytes. Used by the
// worker and directly by the Node tests.
import { tableToCsv } from './minute-csv.js';
import { formatMinute } from './time.js';
import { hasProbeExports, probeFit, probePredict, probeInfo } from './probe.js';

const NO_DATA = 6; // WFM_ERR_NO_DATA: a window with no observed patch
const FITABASE_CHANNELS = ['heart_rate', 'steps', 'intensity', 'sleep_state'];
const NONWEAR = { off: 0, auto: 1, 'movement-only': 2 };

export class WearfmCore {
  constructor(mod) {
    this.m = mod;
    this.model = 0;
    this.info = null;
  }

  get version() { return this.m.UTF8ToString(this.m._wfmw_version()); }
  error() { return this.m.UTF8ToString(this.m._wfmw_last_error()); }
  hasProbe() { return hasProbeExports(this.m); }

  // Runs fn(ptr) with `bytes` copied into a temporary heap buffer.
  withBytes(bytes, fn) {
    const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes.buffer ?? bytes, bytes.byteOffset ?? 0, bytes.byteLength);
    const p = this.m._malloc(Math.max(1, u8.length));
    try {
      this.m.HEAPU8.set(u8, p);
      return fn(p, u8.length);
    } finally {
      this.m._free(p);
    }
  }

  /** Loads a safetensors model from bytes; returns its description. */
  loadModel(bytes, { threads = 1, maskMode = 0 } = {}) {
    const h = this.withBytes(bytes, (p, n) => this.m._wfmw_load(p, n, threads, maskMode));
    if (!h) throw new Error(`model: ${this.error()}`);
    if (this.model) this.m._wfmw_free(this.model);
    this.model = h;
    const ip = this.m._malloc(64);
    this.m._wfmw_info(h, ip);
    const v = Array.from(this.m.HEAP32.subarray(ip >> 2, (ip >> 2) + 16));
    const sp = this.m._malloc(16);
    const channels = [];
    for (let c = 0; c < v[2]; c++) {
      this.m._wfmw_channel_stats(h, c, sp);
      const [mean, std, clipMin, clipMax] = this.m.HEAPF32.subarray(sp >> 2, (sp >> 2) + 4);
      channels.push({ name: this.m.UTF8ToString(this.m._wfmw_channel_name(h, c)), unit: this.m.UTF8ToString(this.m._wfmw_channel_unit(h, c)), mean, std, clipMin, clipMax });
    }
    this.m._free(sp);
    this.m._free(ip);
    const config = JSON.parse(this.m.UTF8ToString(this.m._wfmw_config_json(h)));
    this.info = {
      windowMinutes: v[0], patchMinutes: v[1], nChannels: v[2], nTokens: v[3],
      encDim: v[4], encLayers: v[5], encHeads: v[6], encMlpDim: v[7],
      decDim: v[8], decLayers: v[9], decHeads: v[10], decMlpDim: v[11],
      hasDecoder: Boolean(v[12]), threads: v[13], nParams: v[14],
      channels, config, version: this.version, probes: this.hasProbe(),
    };
    return this.info;
  }

  requireModel() {
    if (!this.model) throw new Error('no model loaded: call load() first');
    return this.info;
  }

  /**
   * One window x (T*C floats, minute-major, NaN missing). `want` picks the
   * outputs: embedding, reconstruction, imputed, tokens (per-token
   * embeddings). Returns fresh typed arrays (transferable).
   */
  run(x, want = {}) {
    const { windowMinutes: T, nChannels: C, encDim: D, nTokens: N } = this.requireModel();
    if (!(x instanceof Float32Array) || x.length !== T * C) throw new Error(`window must be a Float32Array of ${T}x${C} = ${T * C} values`);
    const m = this.m;
    const sizes = { x: T * C * 4, emb: want.embedding ? D * 4 : 0, rec: want.reconstruction ? T * C * 4 : 0, imp: want.imputed ? T * C * 4 : 0, tok: want.tokens ? N * D * 4 : 0, vis: N, nv: 4 };
    const p = {};
    for (const [k, n] of Object.entries(sizes)) p[k] = n ? m._malloc(n) : 0;
    try {
      m.HEAPF32.set(x, p.x >> 2);
      const st = m._wfmw_run_all(this.model, p.x, p.emb, p.rec, p.imp, p.tok, p.vis, p.nv);
      if (st) { const e = new Error(this.error()); e.status = st; throw e; }
      const f32 = (ptr, n) => (ptr ? m.HEAPF32.slice(ptr >> 2, (ptr >> 2) + n) : undefined);
      return {
        visibleTokens: m.HEAP32[p.nv >> 2],
        tokenVisible: m.HEAPU8.slice(p.vis, p.vis + N),
        embedding: f32(p.emb, D),
        reconstruction: f32(p.rec, T * C),
        imputed: f32(p.imp, T * C),
        tokenEmbeddings: f32(p.tok, N * D),
      };
    } finally {
      for (const ptr of Object.values(p)) if (ptr) m._free(ptr);
    }
  }

  // Copies a wfm_minutes handle out as a JS table and frees it.
  takeTable(t) {
    const m = this.m;
    try {
      const C = m._wfmw_minutes_channels(t), n = m._wfmw_minutes_length(t);
      const channels = [];
      for (let k = 0; k < C; k++) channels.push(m.UTF8ToString(m._wfmw_minutes_channel_name(t, k)));
      const vp = m._wfmw_minutes_values(t);
      return { start: m._wfmw_minutes_start(t), length: n, channels, values: m.HEAPF32.slice(vp >> 2, (vp >> 2) + n * C), duplicates: m._wfmw_minutes_duplicates(t) };
    } finally {
      m._wfmw_minutes_free(t);
    }
  }

  /** The generic minute CSV, parsed by the C importer. */
  readMinutesCsv(bytes) {
    const t = this.withBytes(bytes, (p, n) => this.m._wfmw_minutes_read_csv(p, n));
    if (!t) throw new Error(this.error());
    return this.takeTable(t);
  }

  /** The export kind of a Fitabase CSV from its header, or null. */
  fitabaseKind(bytes) {
    const k = this.withBytes(bytes.subarray(0, 4096), (p, n) => this.m._wfmw_fitabase_detect(p, n));
    return k > 0 ? this.m.UTF8ToString(this.m._wfmw_fitabase_kind_name(k)) : null;
  }

  /**
   * Fitabase exports -> one minute table per user, as `wearfm import fitabase`.
   * files: [{name, bytes}]; a malformed file throws with its name and line.
   */
  importFitabase(files, { nonwear = 'auto' } = {}) {
    const m = this.m;
    const fb = m._wfmw_fitabase_create();
    if (!fb) throw new Error(this.error());
    try {
      const kinds = files.map(({ name, bytes }) => {
        const k = this.withBytes(bytes, (p, n) => m._wfmw_fitabase_add(fb, p, n));
        if (k < 0) throw new Error(`${name}: ${this.error()}`);
        return { name, kind: m.UTF8ToString(m._wfmw_fitabase_kind_name(k)) };
      });
      const cp = m._malloc(18 * 8);
      m._wfmw_fitabase_counts(fb, cp);
      const c = Array.from(m.HEAPF64.subarray(cp >> 3, (cp >> 3) + 18));
      const by = (o) => Object.fromEntries(FITABASE_CHANNELS.map((ch, i) => [ch, c[o + i]]));
      const counts = { files: c[0], rows: c[1], values: by(2), dropped: by(6), duplicates: by(10), conflicts: by(14) };
      const users = [];
      for (let i = 0; i < m._wfmw_fitabase_user_count(fb); i++) {
        const id = m._wfmw_fitabase_user_id(fb, i);
        const t = m._wfmw_fitabase_user_minutes(fb, id, NONWEAR[nonwear] ?? 1, cp);
        const nonwearMinutes = m.HEAPF64[cp >> 3];
        if (!t) throw new Error(`user ${id}: ${this.error()}`);
        users.push({ id: String(id), nonwearMinutes, table: this.takeTable(t) });
      }
      m._free(cp);
      return { files: kinds, counts, users };
    } finally {
      m._wfmw_fitabase_free(fb);
    }
  }

  /**
   * Every model window of a table with an observed value, as the CLI's
   * embed/impute commands: windows aligned to multiples of T minutes since
   * 1970-01-01T00:00, channels matched by name by the C core. The table goes
   * through the minute CSV so the browser reads it exactly as the CLI does.
   * onDay(done, total) is called after each day (window) the table spans.
   */
  analyzeTable(table, { embedding = true, imputed = true, reconstruction = false, tokens = false } = {}, onDay = () => {}) {
    const { windowMinutes: T, nChannels: C, hasDecoder } = this.requireModel();
    const m = this.m;
    const csv = new TextEncoder().encode(tableToCsv(table));
    const t = this.withBytes(csv, (p, n) => m._wfmw_minutes_read_csv(p, n));
    if (!t) throw new Error(this.error());
    const x = m._malloc(T * C * 4);
    const windows = [];
    try {
      const start = m._wfmw_minutes_start(t), stop = start + m._wfmw_minutes_length(t);
      const first = Math.floor(start / T) * T, total = Math.ceil((stop - first) / T);
      // The update runs after every day, skipped ones too (continue).
      for (let k = 0; k < total; onDay(++k, total)) {
        const ws = first + k * T;
        if (!m._wfmw_minutes_window(t, this.model, ws, x)) continue;
        const xs = m.HEAPF32.slice(x >> 2, (x >> 2) + T * C);
        let out;
        try {
          out = this.run(xs, { embedding, tokens, imputed: imputed && hasDecoder, reconstruction: reconstruction && hasDecoder });
        } catch (e) {
          if (e.status === NO_DATA) continue; // as the CLI: skipped, not an error
          throw e;
        }
        const filled = new Uint8Array(T * C);
        for (let i = 0; i < T * C; i++) filled[i] = Number.isNaN(xs[i]) ? 1 : 0;
        windows.push({ start: ws, startText: formatMinute(ws), totalTokens: this.info.nTokens, filled, ...out });
      }
    } finally {
      m._free(x);
      m._wfmw_minutes_free(t);
    }
    return { channels: this.info.channels.map((c) => c.name), windowMinutes: T, windows };
  }

  /** Linear probes (src/probe.js). bind: tie the probe to the loaded model's weights. */
  probeFit({ bind = false, ...o }) {
    this.requireProbe();
    return probeFit(this.m, bind ? this.requireModel() && this.model : 0, o);
  }
  /** check: refuse a probe bound to another encoder than the loaded model (default when one is loaded). */
  probePredict({ check = true, ...o }) {
    this.requireProbe();
    return probePredict(this.m, check ? this.model : 0, o);
  }
  probeInfo({ probe }) {
    this.requireProbe();
    return probeInfo(this.m, probe);
  }
  requireProbe() {
    if (!this.hasProbe()) throw new Error('probes are not available in this build (no _wfmw_probe_* exports)');
  }
}

/** Transferable buffers of a result (typed arrays found one level deep, and in windows). */
export function transferables(result) {
  const out = new Set();
  const visit = (o, depth) => {
    if (!o || typeof o !== 'object' || depth > 3) return;
    if (ArrayBuffer.isView(o)) { out.add(o.buffer); return; }
    for (const v of Array.isArray(o) ? o : Object.values(o)) visit(v, depth + 1);
  };
  visit(result, 0);
  return [...out];
}
