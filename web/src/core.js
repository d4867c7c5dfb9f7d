// The wasm core behind typed JS calls: copies arrays in and out of the heap
// and calls the flat wfmw_* entry points (web/wearfm_web.c). All model math,
// all file parsing and every data rule happen in C; this only moves bytes.
// Used by the worker and directly by the Node tests.
import { formatMinute } from './time.js';
import { hasProbeExports, probeFit, probePredict, probeInfo } from './probe.js';
import { AccelCore } from './accel-core.js';

const NO_DATA = 6; // WFM_ERR_NO_DATA: a window with no observed patch, an aggregator with no sample
// wfm_drop_reason (include/wearfm.h): why the data rules dropped a value.
const DROP_REASONS = { notFinite: 1, below: 2, above: 3, notWhole: 4, badTime: 5 };
const NONWEAR = { off: 0, auto: 1, 'movement-only': 2 };
const KINDS = ['continuous', 'count', 'category']; // wfm_channel_kind
const IMPORT_KINDS = ['takeout', 'apple-health', 'fit'];

export class WearfmCore {
  constructor(mod) {
    this.m = mod;
    this.model = 0;
    this.info = null;
    this.session = null; // the export import in progress (importBegin)
  }

  /** The accelerometer model beside the minute model (src/accel-core.js). */
  get accel() { return (this.accelCore ??= new AccelCore(this.m)); }

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
    const m = this.m, h = this.withBytes(bytes, (p, n) => m._wfmw_load(p, n, threads, maskMode));
    if (!h) throw new Error(`model: ${this.error()}`);
    this.freeBands(); // bound to the model they were measured on
    if (this.model) m._wfmw_free(this.model);
    this.model = h;
    const nChannels = m._wfmw_info_n_channels(h);
    const channels = Array.from({ length: nChannels }, (_, c) => ({
      name: m.UTF8ToString(m._wfmw_channel_name(h, c)), unit: m.UTF8ToString(m._wfmw_channel_unit(h, c)),
      mean: m._wfmw_channel_mean(h, c), std: m._wfmw_channel_std(h, c),
      clipMin: m._wfmw_channel_clip_min(h, c), clipMax: m._wfmw_channel_clip_max(h, c),
      kind: KINDS[m._wfmw_channel_kind(h, c)],
      levels: Array.from({ length: m._wfmw_channel_n_levels(h, c) }, (_, k) => m._wfmw_channel_level(h, c, k)),
    }));
    const config = JSON.parse(m.UTF8ToString(m._wfmw_config_json(h)));
    this.info = {
      windowMinutes: m._wfmw_info_window_minutes(h), patchMinutes: m._wfmw_info_patch_minutes(h), nChannels, nTokens: m._wfmw_info_n_tokens(h),
      encDim: m._wfmw_info_enc_dim(h), encLayers: m._wfmw_info_enc_layers(h), encHeads: m._wfmw_info_enc_heads(h), encMlpDim: m._wfmw_info_enc_mlp_dim(h),
      decDim: m._wfmw_info_dec_dim(h), decLayers: m._wfmw_info_dec_layers(h), decHeads: m._wfmw_info_dec_heads(h), decMlpDim: m._wfmw_info_dec_mlp_dim(h),
      hasDecoder: Boolean(m._wfmw_info_has_decoder(h)), threads: m._wfmw_info_threads(h), nParams: m._wfmw_info_n_params(h),
      channels, config, version: this.version, probes: this.hasProbe(),
      // What a probe fit on this model stores (docs/probes.md): the page checks its shipped probes with it.
      weightsHash: m.UTF8ToString(m._wfmw_model_weights_hash(h)),
    };
    return this.info;
  }

  /**
   * The model's measured fill bands (the bytes of models/<name>.fill-bands.json):
   * checked by the C core against this model; then every run with imputed
   * output also gives bandLow/bandHigh, the interval around each fill
   * (wfm_fill_bands_window; NaN where there is none). Returns {coverage}.
   */
  loadFillBands(bytes) {
    this.requireModel();
    const h = this.withBytes(bytes, (p, n) => this.m._wfmw_bands_load(this.model, p, n));
    if (!h) throw new Error(`fill bands: ${this.error()}`);
    this.freeBands();
    this.bands = h;
    return { coverage: this.m._wfmw_bands_coverage(h) };
  }

  freeBands() {
    if (this.bands) this.m._wfmw_bands_free(this.bands);
    this.bands = 0;
  }

  requireModel() {
    if (!this.model) throw new Error('no model loaded: call load() first');
    return this.info;
  }

  /**
   * One window x (T*C floats, minute-major, NaN missing). `want` picks the
   * outputs: embedding, reconstruction, imputed, tokens (per-token
   * embeddings), fillProbability (for a filled minute of a category channel,
   * the probability of the level given; NaN elsewhere). want.profilePtr: a
   * heap pointer to the window's profile buffer (a model with anchor_profile:
   * the profile, and a personal_lambda model's anchor; see analyzeTable), or 0. Returns fresh typed arrays (transferable).
   */
  run(x, want = {}) {
    const { windowMinutes: T, nChannels: C, encDim: D, nTokens: N } = this.requireModel();
    if (!(x instanceof Float32Array) || x.length !== T * C) throw new Error(`window must be a Float32Array of ${T}x${C} = ${T * C} values`);
    const m = this.m;
    const bands = want.imputed && this.bands ? T * C * 4 : 0;
    const sizes = { x: T * C * 4, emb: want.embedding ? D * 4 : 0, rec: want.reconstruction ? T * C * 4 : 0, imp: want.imputed ? T * C * 4 : 0, tok: want.tokens ? N * D * 4 : 0, vis: N, fp: want.fillProbability ? T * C * 4 : 0, nv: 4, lo: bands, hi: bands };
    const p = {};
    for (const [k, n] of Object.entries(sizes)) p[k] = n ? m._malloc(n) : 0;
    try {
      m.HEAPF32.set(x, p.x >> 2);
      const st = m._wfmw_run_all(this.model, p.x, want.profilePtr || 0, p.emb, p.rec, p.imp, p.tok, p.vis, p.fp, p.nv);
      if (st) { const e = new Error(this.error()); e.status = st; throw e; }
      if (bands && m._wfmw_bands_window(this.bands, p.x, p.imp, p.lo, p.hi)) throw new Error(`fill bands: ${this.error()}`);
      const f32 = (ptr, n) => (ptr ? m.HEAPF32.slice(ptr >> 2, (ptr >> 2) + n) : undefined);
      return {
        visibleTokens: m.HEAP32[p.nv >> 2],
        tokenVisible: m.HEAPU8.slice(p.vis, p.vis + N),
        embedding: f32(p.emb, D),
        reconstruction: f32(p.rec, T * C),
        imputed: f32(p.imp, T * C),
        tokenEmbeddings: f32(p.tok, N * D),
        fillProbability: f32(p.fp, T * C),
        bandLow: f32(p.lo, T * C),
        bandHigh: f32(p.hi, T * C),
      };
    } finally {
      for (const ptr of Object.values(p)) if (ptr) m._free(ptr);
    }
  }

  // Runs fn(ptr) with `names` as a C array of C strings on the heap.
  withNames(names, fn) {
    const m = this.m, ptrs = names.map((n) => {
      const size = m.lengthBytesUTF8(String(n)) + 1, p = m._malloc(size);
      m.stringToUTF8(String(n), p, size);
      return p;
    });
    const arr = m._malloc(Math.max(1, ptrs.length) * 4);
    try {
      m.HEAP32.set(ptrs, arr >> 2);
      return fn(arr, ptrs.length);
    } finally {
      for (const p of ptrs) m._free(p);
      m._free(arr);
    }
  }

  withString(text, fn) { return this.withNames([text], (arr) => fn(this.m.HEAP32[arr >> 2])); }

  // What the data rules dropped of one channel, with the rule's range for the words:
  // {channel, unit, min, max, whole, below, above, notWhole, notFinite, badTime}, or null for nothing.
  dropCounts(channel, count) {
    const m = this.m, d = { channel };
    let total = 0;
    for (const [k, why] of Object.entries(DROP_REASONS)) total += d[k] = count(why);
    if (!total) return null;
    const r = this.withString(channel, (p) => m._wfmw_channel_rule(p));
    return Object.assign(d, { unit: m.UTF8ToString(m._wfmw_rule_unit(r)), min: m._wfmw_rule_min(r), max: m._wfmw_rule_max(r), whole: Boolean(m._wfmw_rule_whole(r)) });
  }

  // Copies a wfm_minutes handle out as a JS table and frees it.
  takeTable(t) {
    const m = this.m;
    try {
      const C = m._wfmw_minutes_channels(t), n = m._wfmw_minutes_length(t);
      const channels = [];
      for (let k = 0; k < C; k++) channels.push(m.UTF8ToString(m._wfmw_minutes_channel_name(t, k)));
      const vp = m._wfmw_minutes_values(t);
      const dropped = channels.map((name, k) => this.dropCounts(name, (why) => m._wfmw_minutes_dropped(t, k, why))).filter(Boolean);
      return { start: m._wfmw_minutes_start(t), length: n, channels, values: m.HEAPF32.slice(vp >> 2, (vp >> 2) + n * C), duplicates: m._wfmw_minutes_duplicates(t), dropped };
    } finally {
      m._wfmw_minutes_free(t);
    }
  }

  // A wfm_minutes handle of a JS table {start, length, channels, values}; the caller frees it.
  tableHandle({ start, length, channels, values }) {
    const m = this.m, C = channels.length;
    if (!(values instanceof Float32Array) || values.length !== length * C) throw new Error(`a table of ${length} minutes x ${C} channels needs ${length * C} values`);
    const vp = m._malloc(Math.max(1, values.length * 4));
    try {
      m.HEAPF32.set(values, vp >> 2);
      const t = this.withNames(channels, (np, n) => m._wfmw_minutes_from_values(start, length, n, np, vp));
      if (!t) throw new Error(this.error());
      return t;
    } finally {
      m._free(vp);
    }
  }

  /** A table checked by the core's data rules, as if read from a file: {start, length, channels, values, dropped}. */
  checkTable(table) { return this.takeTable(this.tableHandle(table)); }

  /** A new minute aggregator in the core (src/data/aggregator.c); its handle. */
  aggregatorCreate() {
    const h = this.m._wfmw_aggregator_create();
    if (!h) throw new Error(this.error());
    return h;
  }
  aggregatorFree(h) { this.m._wfmw_aggregator_free(h); }

  /**
   * Adds a batch of samples to aggregator h, then returns its table now.
   * batch: {names, channel (index into names), t (local ms), value, segment,
   * gaps: [{open, t}], accel: [{unit, t, xyz (x, y, z per sample), segment}]},
   * as columns (src/aggregator.js); view: {start,
   * length, channels} (default: whole days, every channel with a kept
   * sample). Returns {table, kept, rejected, dropped} (dropped: per sample
   * channel, as dropCounts).
   */
  aggregate(h, { names = [], channel, t, value, segment, gaps = [], accel = [] } = {}, view = {}) {
    const m = this.m;
    const ids = names.map((name) => {
      const id = this.withString(name, (p) => m._wfmw_aggregator_channel(h, p));
      if (id < 0) throw new Error(`sample channel '${name}': ${this.error()}`);
      return id;
    });
    const n = t?.length ?? 0;
    if (n) {
      const cp = m._malloc(n * 4), sp = m._malloc(n * 4), tp = m._malloc(n * 8), vp = m._malloc(n * 8);
      try {
        m.HEAP32.set(Int32Array.from(channel, (k) => ids[k]), cp >> 2);
        m.HEAP32.set(segment ?? new Int32Array(n), sp >> 2);
        m.HEAPF64.set(t, tp >> 3);
        m.HEAPF64.set(value, vp >> 3);
        if (m._wfmw_aggregator_add(h, n, cp, tp, vp, sp)) throw new Error(this.error());
      } finally {
        for (const p of [cp, sp, tp, vp]) m._free(p);
      }
    }
    // Accelerometer samples: the core computes their movement (wfm_aggregator_add_acceleration).
    for (const a of accel) {
      const k = a.t.length, tp = m._malloc(k * 8 || 8), xp = m._malloc(k * 24 || 8), sp = m._malloc(k * 4 || 4);
      try {
        m.HEAPF64.set(a.t, tp >> 3);
        m.HEAPF64.set(a.xyz, xp >> 3);
        m.HEAP32.set(a.segment ?? new Int32Array(k), sp >> 2);
        if (this.withString(a.unit, (up) => m._wfmw_aggregator_add_acceleration(h, k, tp, xp, sp, up))) throw new Error(this.error());
      } finally {
        for (const p of [tp, xp, sp]) m._free(p);
      }
    }
    for (const g of gaps) {
      if (g.open) { if (m._wfmw_aggregator_open_gap(h, g.t)) throw new Error(this.error()); }
      else m._wfmw_aggregator_close_gap(h, g.t);
    }
    const want = view.channels ?? [];
    const tab = this.withNames(want, (np, nc) => m._wfmw_aggregator_table(h, view.start ?? 0, view.length ?? 0, np, nc));
    if (!tab && m._wfmw_last_status() !== NO_DATA) throw new Error(this.error());
    const table = tab ? this.takeTable(tab) : { start: 0, length: 0, channels: [...want], values: new Float32Array(0), duplicates: 0, dropped: [] };
    let kept = 0, rejected = 0;
    const dropped = [];
    for (let c = 0; c < m._wfmw_aggregator_channels(h); c++) {
      kept += m._wfmw_aggregator_count(h, c, 0);
      const d = this.dropCounts(m.UTF8ToString(m._wfmw_aggregator_channel_name(h, c)), (why) => m._wfmw_aggregator_count(h, c, why));
      if (d) { dropped.push(d); rejected += d.notFinite + d.below + d.above + d.notWhole + d.badTime; }
    }
    return { table, kept, rejected, dropped };
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
    const np = m._malloc(8); // each user's non-wear minutes
    try {
      const kinds = files.map(({ name, bytes }) => {
        const k = this.withBytes(bytes, (p, n) => m._wfmw_fitabase_add(fb, p, n));
        if (k < 0) throw new Error(`${name}: ${this.error()}`);
        return { name, kind: m.UTF8ToString(m._wfmw_fitabase_kind_name(k)) };
      });
      const channels = Array.from({ length: m._wfmw_fitabase_channels() }, (_, k) => m.UTF8ToString(m._wfmw_fitabase_channel_name(k)));
      const by = (count) => Object.fromEntries(channels.map((ch, k) => [ch, count(fb, k)]));
      const counts = {
        files: m._wfmw_fitabase_count_files(fb), rows: m._wfmw_fitabase_count_rows(fb),
        values: by(m._wfmw_fitabase_count_values), dropped: by(m._wfmw_fitabase_count_dropped),
        duplicates: by(m._wfmw_fitabase_count_duplicates), conflicts: by(m._wfmw_fitabase_count_conflicts),
      };
      const users = [];
      for (let i = 0; i < m._wfmw_fitabase_user_count(fb); i++) {
        const id = m._wfmw_fitabase_user_id(fb, i);
        const t = m._wfmw_fitabase_user_minutes(fb, id, NONWEAR[nonwear] ?? 1, np);
        const nonwearMinutes = m.HEAPF64[np >> 3];
        if (!t) throw new Error(`user ${id}: ${this.error()}`);
        users.push({ id: String(id), nonwearMinutes, table: this.takeTable(t) });
      }
      return { files: kinds, counts, users };
    } finally {
      m._free(np);
      m._wfmw_fitabase_free(fb);
    }
  }

  /**
   * The export importers (Fitbit's account export 'takeout', Apple Health
   * 'apple-health', Garmin 'fit') into a fresh core aggregator, as `wearfm
   * import <kind>`: importBegin, then importAdd per file (importFeed for
   * Apple Health's streamed bytes), then importFinish for the table. One
   * import at a time; importAbort frees it. options: {utcOffsetMinutes,
   * fixedOffset, from, to (minutes since 1970, local), timeZone: 'local' for
   * the browser's zone with its daylight saving (as `--tz local`; then no
   * utcOffsetMinutes), else UTC + utcOffsetMinutes (as `--utc-offset`)}.
   */
  importBegin(kind, { utcOffsetMinutes = 0, fixedOffset = false, from = 0, to = 0, timeZone = null } = {}) {
    if (!IMPORT_KINDS.includes(kind)) throw new Error(`unknown export kind '${kind}' (${IMPORT_KINDS.join(', ')})`);
    if (timeZone !== null && timeZone !== 'local') throw new Error(`timeZone '${timeZone}': only 'local' (the browser's zone)`);
    if (timeZone && utcOffsetMinutes) throw new Error('give timeZone or utcOffsetMinutes, not both');
    this.importAbort();
    const m = this.m;
    if (m._wfmw_import_begin(utcOffsetMinutes | 0, fixedOffset ? 1 : 0, from, to, timeZone ? 1 : 0)) throw new Error(this.error());
    const agg = this.aggregatorCreate();
    let parser = 0;
    if (kind === 'apple-health' && !(parser = m._wfmw_apple_health_create(agg))) {
      const e = new Error(this.error());
      this.aggregatorFree(agg);
      throw e;
    }
    this.session = { kind, agg, parser, files: [], skipped: [], fed: 0 };
    return this.session;
  }
  /** The next bytes of Apple Health's export.xml (any slice size; in order). */
  importFeed(bytes, name = 'export.xml') {
    const s = this.requireSession(), m = this.m;
    s.name ??= name;
    if (!s.parser) throw new Error(`${s.kind} files are read with importAdd`);
    if (this.withBytes(bytes, (p, n) => m._wfmw_apple_health_feed(s.parser, p, n))) throw new Error(`${s.name}: ${this.error()}`);
    s.fed += bytes.length;
  }
  /** One file of a takeout or fit import: bytes in, {name, kind} out (kind null: not one it reads, skipped). */
  importAdd(name, bytes) {
    const s = this.requireSession(), m = this.m;
    let k;
    if (s.kind === 'takeout') {
      k = this.withString(name, (np) => this.withBytes(bytes, (p, n) => m._wfmw_takeout_add(s.agg, np, p, n)));
      if (k < 0) throw new Error(`${name}: ${this.error()}`);
      const kind = k ? m.UTF8ToString(m._wfmw_takeout_kind_name(k)) : null;
      (kind ? s.files : s.skipped).push({ name, kind });
      return { name, kind };
    }
    if (s.kind === 'fit') {
      if (this.withBytes(bytes, (p, n) => m._wfmw_fit_add(s.agg, p, n))) throw new Error(`${name}: ${this.error()}`);
      s.files.push({ name, kind: 'fit' });
      return { name, kind: 'fit' };
    }
    throw new Error(`${s.kind} files are not read with importAdd`);
  }
  /** The table and what was read: {table, counts, files, skipped, dropped}; frees the import. */
  importFinish() {
    const s = this.requireSession(), m = this.m;
    try {
      if (s.parser) {
        if (m._wfmw_apple_health_finish(s.parser)) throw new Error(`${s.name ?? 'export.xml'}: ${this.error()}`);
        s.files.push({ name: s.name ?? 'export.xml', kind: 'apple health xml' });
      }
      const counts = {
        files: m._wfmw_import_count_files(), records: m._wfmw_import_count_records(), samples: m._wfmw_import_count_samples(),
        ignored: m._wfmw_import_count_ignored(), outside: m._wfmw_import_count_outside(),
        utcTimes: m._wfmw_import_count_utc_times(), badRecords: m._wfmw_import_count_bad_records(),
      };
      const dropped = [];
      for (let c = 0; c < m._wfmw_aggregator_channels(s.agg); c++) {
        const d = this.dropCounts(m.UTF8ToString(m._wfmw_aggregator_channel_name(s.agg, c)), (why) => m._wfmw_aggregator_count(s.agg, c, why));
        if (d) dropped.push(d);
      }
      // The files named in the core's words if nothing is kept: those read, or every one given.
      const named = (s.files.length ? s.files : s.skipped).map((f) => f.name);
      const t = this.withNames(named, (np, n) => m._wfmw_import_table(s.agg, np, n));
      if (!t) {
        const e = new Error(this.error());
        e.noData = m._wfmw_last_status() === NO_DATA;
        throw e;
      }
      return { table: this.takeTable(t), counts, files: s.files, skipped: s.skipped, dropped };
    } finally {
      this.importAbort();
    }
  }
  importAbort() {
    const s = this.session;
    if (!s) return;
    this.session = null;
    if (s.parser) this.m._wfmw_apple_health_free(s.parser);
    this.aggregatorFree(s.agg);
  }
  requireSession() {
    if (!this.session) throw new Error('no import in progress: call importBegin() first');
    return this.session;
  }
  /** A whole import of files [{name, bytes}] in one call (the Node tests; the worker streams Apple Health). */
  importExport(kind, files, options = {}) {
    this.importBegin(kind, options);
    try {
      for (const { name, bytes } of files) {
        if (kind === 'apple-health') this.importFeed(bytes, name);
        else this.importAdd(name, bytes);
      }
      return this.importFinish();
    } catch (e) {
      this.importAbort();
      throw e;
    }
  }

  /**
   * Every model window of a table with an observed value, as the CLI's
   * embed/impute commands: windows aligned to multiples of T minutes since
   * 1970-01-01T00:00, channels matched by name by the C core. The table goes
   * to the core as it is (wfm_minutes_from_values, the rules of a file read).
   * fillUntil: the first minute not to fill (the live view's "now"): later
   * minutes are neither marked filled nor counted.
   * slots: [{name, inputs: [channel names]}]: each window also gets
   * slots[name] = {features (T/P x D, NaN rows), has (T/P)}, the core's
   * wfm_slot_features with only those inputs (as `wearfm slots`).
   * onDay(done, total) is called after each day (window) the table spans.
   * A model with anchor_profile fills each window with the person's typical
   * day from the table's other days, as the CLI does by default.
   */
  analyzeTable(table, { embedding = true, imputed = true, reconstruction = false, tokens = false, fillUntil = Infinity, slots = [] } = {}, onDay = () => {}) {
    const { windowMinutes: T, nChannels: C, hasDecoder } = this.requireModel();
    const m = this.m;
    const t = this.tableHandle(table);
    const x = m._malloc(T * C * 4);
    const windows = [];
    let ph = 0, pbuf = 0;
    try {
      if (m._wfmw_uses_profile(this.model)) {
        ph = m._wfmw_profile_create(this.model, t);
        if (!ph) throw new Error(this.error());
        pbuf = m._malloc(m._wfmw_profile_floats(this.model) * 4); // the profile, and a personal model's anchor
      }
      const start = m._wfmw_minutes_start(t), stop = start + m._wfmw_minutes_length(t);
      const first = Math.floor(start / T) * T, total = Math.ceil((stop - first) / T);
      // The update runs after every day, skipped ones too (continue).
      for (let k = 0; k < total; onDay(++k, total)) {
        const ws = first + k * T;
        if (!m._wfmw_minutes_window(t, this.model, ws, x)) continue;
        if (ph) m._wfmw_profile_window(this.model, ph, ws, pbuf);
        const xs = m.HEAPF32.slice(x >> 2, (x >> 2) + T * C);
        let out;
        const fills = imputed && hasDecoder;
        try {
          out = this.run(xs, { embedding, tokens, imputed: fills, fillProbability: fills, reconstruction: reconstruction && hasDecoder, profilePtr: pbuf });
        } catch (e) {
          if (e.status === NO_DATA) continue; // as the CLI: skipped, not an error
          throw e;
        }
        const filled = new Uint8Array(T * C);
        for (let i = 0; i < T * C; i++) filled[i] = Number.isNaN(xs[i]) && ws + Math.floor(i / C) < fillUntil ? 1 : 0;
        const bySlot = Object.fromEntries(slots.map((sp) => [sp.name, this.slotFeatures(x, sp.inputs)]));
        windows.push({ start: ws, startText: formatMinute(ws), totalTokens: this.info.nTokens, filled, slots: bySlot, ...out });
      }
    } finally {
      m._free(x);
      if (pbuf) m._free(pbuf);
      if (ph) m._wfmw_profile_free(ph);
      m._wfmw_minutes_free(t);
    }
    return { channels: this.info.channels.map((c) => c.name), windowMinutes: T, patchMinutes: this.info.patchMinutes, windows };
  }

  /** wfm_slot_features of a window already on the heap at x; {features, has}, all NaN when no input is observed. */
  slotFeatures(x, inputs) {
    const m = this.m, { windowMinutes: T, patchMinutes: P, encDim: D } = this.info, NP = T / P;
    const idx = inputs.map((name) => this.info.channels.findIndex((c) => c.name === name)).filter((c) => c >= 0);
    if (!idx.length) return { features: new Float32Array(NP * D).fill(NaN), has: new Uint8Array(NP) };
    const ip = m._malloc(idx.length * 4), fp = m._malloc(NP * D * 4), hp = m._malloc(NP);
    try {
      m.HEAP32.set(idx, ip >> 2);
      const st = m._wfmw_slot_features(this.model, x, ip, idx.length, fp, hp);
      if (st === NO_DATA) return { features: new Float32Array(NP * D).fill(NaN), has: new Uint8Array(NP) };
      if (st) throw new Error(`slot features: ${this.error()}`);
      return { features: m.HEAPF32.slice(fp >> 2, (fp >> 2) + NP * D), has: m.HEAPU8.slice(hp, hp + NP) };
    } finally {
      for (const p of [ip, fp, hp]) m._free(p);
    }
  }

  /**
   * Periods of one class along consecutive slots (wfm_slot_periods): prob, a
   * Float32Array (NaN = no prediction). Returns [{first, end, meanProbability, known}].
   */
  slotPeriods(prob, { threshold = 0.5, maxGap = 1, minSlots = 1 } = {}) {
    const m = this.m, pp = m._malloc(Math.max(1, prob.length) * 4);
    let h = 0;
    try {
      m.HEAPF32.set(prob, pp >> 2);
      if (!(h = m._wfmw_slot_periods_create(pp, prob.length, threshold, maxGap, minSlots))) throw new Error(`slot periods: ${this.error()}`);
      return Array.from({ length: m._wfmw_slot_periods_count(h) }, (_, i) => ({
        first: m._wfmw_slot_period_first(h, i), end: m._wfmw_slot_period_end(h, i),
        meanProbability: m._wfmw_slot_period_mean_probability(h, i), known: m._wfmw_slot_period_n_known(h, i),
      }));
    } finally {
      m._free(pp);
      if (h) m._wfmw_slot_periods_free(h);
    }
  }

  /** wfm_slot_expected: {expected (the sum of the known probabilities), known}. */
  slotExpected(prob) {
    const m = this.m, pp = m._malloc(Math.max(1, prob.length) * 4), kp = m._malloc(8);
    try {
      m.HEAPF32.set(prob, pp >> 2);
      const expected = m._wfmw_slot_expected(pp, prob.length, kp);
      return { expected, known: m.HEAPF64[kp >> 3] };
    } finally {
      m._free(pp);
      m._free(kp);
    }
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
