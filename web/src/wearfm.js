// wearfm in the browser: a promise-based client of the worker that runs the
// C core (built with Emscripten). Typed arrays passed in are transferred to
// the worker, not copied: they are detached after the call (pass a copy with
// .slice() to keep one). Types: ../wearfm.d.ts.
import { detectFeatures, SIMD_MESSAGE } from './features.js';

export { detectFeatures, SIMD_MESSAGE };

export class WearfmError extends Error {}

/** The error of a call stopped through its signal: `cancelled` tells it from a failure. */
export class WearfmCancelled extends WearfmError {
  constructor() { super('cancelled'); this.cancelled = true; }
}

/**
 * A call on a core aggregator whose worker was replaced by cancel(): the
 * aggregator went with it (`restarted`). src/aggregator.js then makes a new
 * one and gives it the samples again.
 */
export class WearfmRestarted extends WearfmError {
  constructor() { super('the core was restarted (a cancel): this aggregator is gone'); this.restarted = true; }
}

/** Starts the worker; rejects with a clear message when wasm SIMD is missing. */
export async function createWearfm({ workerUrl = new URL('./worker.js', import.meta.url) } = {}) {
  const features = detectFeatures();
  if (!features.simd) throw new WearfmError(SIMD_MESSAGE);
  const w = new Wearfm(() => new Worker(workerUrl, { type: 'module' }), features);
  const init = await w.call('init');
  w.version = init.version;
  // Which build the worker runs: 'pthreads' (cross-origin isolated) or 'single'.
  w.features = { ...features, threads: init.threads, build: init.variant };
  return w;
}

const buffersOf = (list) => [...new Set(list.filter(Boolean).map((a) => (ArrayBuffer.isView(a) ? a.buffer : a)))];

// Options every long call takes besides its own: they stay on this side.
const controlOf = ({ signal, onProgress, ...rest } = {}) => [rest, { signal, onProgress }];

export class Wearfm {
  /** newWorker: makes the worker (again after a cancel). */
  constructor(newWorker, features) {
    this.newWorker = newWorker;
    this.features = features;
    this.info = null;
    this.pending = new Map();
    this.nextId = 1;
    this.modelArgs = null; // what load() sent, to load it again into a new worker
    this.restarting = null;
    // The page's aggregator ids -> the current worker's handles. Ids are never
    // reused, so one from before a cancel() cannot reach an aggregator of the new worker.
    this.aggregators = new Map();
    this.nextAggregator = 1;
    this.attach(newWorker());
  }

  attach(worker) {
    this.worker = worker;
    worker.onmessage = ({ data }) => {
      const p = this.pending.get(data.id);
      if (!p) return;
      if (data.progress) return p.onProgress?.(data.progress);
      this.pending.delete(data.id);
      data.ok ? p.resolve(data.result) : p.reject(new WearfmError(data.error));
    };
    worker.onerror = (e) => {
      for (const p of this.pending.values()) p.reject(new WearfmError(`worker failed: ${e.message ?? e}`));
      this.pending.clear();
    };
  }

  /**
   * Posts one operation. control.onProgress gets the worker's progress
   * messages; control.signal (an AbortSignal) stops it: see cancel().
   */
  async call(op, args = {}, transfer = [], { onProgress, signal } = {}) {
    while (this.restarting) await this.restarting;
    // Checked after the wait: a signal aborted meanwhile has no pending call to stop.
    if (signal?.aborted) throw new WearfmCancelled();
    return this.post(op, args, transfer, { onProgress, signal });
  }

  post(op, args, transfer, { onProgress, signal } = {}) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      signal?.addEventListener('abort', () => { if (this.pending.has(id)) this.cancel(); }, { once: true });
      this.worker.postMessage({ id, op, args }, transfer);
    });
  }

  /**
   * Stops whatever the worker is computing, at once: the core runs each call
   * to its end, so the worker (and its threads) is ended and a new one loads
   * the same model again (from the HTTP cache, or from the bytes kept). Every
   * pending call rejects with WearfmCancelled; calls made meanwhile wait for
   * the new worker. Resolves when it is ready.
   */
  cancel() {
    this.worker.terminate();
    this.aggregators.clear(); // their state was in the worker's memory
    const stopped = [...this.pending.values()];
    this.pending.clear();
    for (const p of stopped) p.reject(new WearfmCancelled());
    this.attach(this.newWorker());
    const again = this.post('init', {}).then(() => this.modelArgs && this.post('load', this.modelArgs(), []))
      .then(() => this.bandsBytes && this.post('loadFillBands', { bytes: this.bandsBytes }, []))
      .then(() => this.accelArgs && this.post('loadAccelModel', this.accelArgs, [])); // its live buffers refill from new samples
    // A cancel during this restart starts another; only the last one clears the flag.
    const ready = again.catch(() => {}).then(() => { if (this.restarting === ready) this.restarting = null; });
    this.restarting = ready;
    return ready;
  }

  /** Loads a model from a URL (same origin; cached only if opts.cache) or from bytes. threads: at most features.threads. */
  async load(urlOrBytes, { onProgress, cache = false, threads } = {}) {
    const isUrl = typeof urlOrBytes === 'string' || urlOrBytes instanceof URL;
    const args = isUrl ? { url: String(new URL(urlOrBytes, globalThis.location?.href)), cache } : { bytes: toU8(urlOrBytes) };
    // A copy of the bytes stays here (they are transferred) for a worker started by cancel().
    const kept = isUrl ? null : args.bytes.slice();
    this.bandsBytes = null; // bands belong to the model they were measured on
    this.info = await this.call('load', { ...args, threads }, isUrl ? [] : buffersOf([args.bytes]), { onProgress });
    this.modelArgs = () => ({ ...args, threads, ...(kept && { bytes: kept.slice() }) });
    return this.info;
  }

  /**
   * The loaded model's measured fill bands (the bytes of its .fill-bands.json),
   * checked by the core against the model (another model's are refused).
   * Afterwards impute and analyzeTable also give bandLow/bandHigh per window:
   * the interval around each fill, NaN where there is none. Resolves {coverage}.
   * A model loaded later drops them.
   */
  async loadFillBands(bytes) {
    const kept = toU8(bytes).slice();
    const r = await this.call('loadFillBands', { bytes: kept }); // copied by postMessage, not transferred
    this.bandsBytes = kept;
    return r;
  }

  /** One window x (T*C, minute-major, NaN missing) -> embedding. x is transferred. */
  embed(x, { tokens = false } = {}) {
    return this.call('run', { x, want: { embedding: true, tokens } }, buffersOf([x]));
  }

  /** One window -> gaps filled (observed values kept); raw: the decoder output everywhere. x is transferred. */
  async impute(x, { raw = false } = {}) {
    const r = await this.call('run', { x, want: raw ? { reconstruction: true } : { imputed: true } }, buffersOf([x]));
    return { ...r, values: raw ? r.reconstruction : r.imputed };
  }

  /**
   * Every window of a minute table with observed data (as the CLI); table.values is transferred.
   * options.onProgress gets {done, total} days after each day; options.signal stops it (cancel()).
   */
  analyzeTable(table, options = {}) {
    const [opts, control] = controlOf(options);
    return this.call('analyzeTable', { table, options: opts }, buffersOf([table.values]), control);
  }

  /** A table checked by the core's data rules, as a file would be; table.values is transferred. */
  checkTable(table) { return this.call('checkTable', { table }, buffersOf([table.values])); }

  /**
   * A minute aggregator in the core (for src/aggregator.js): its id. It lives
   * in the worker, so a cancel() ends it: calls with its id then reject with
   * WearfmRestarted.
   */
  async aggregatorCreate() {
    const handle = await this.call('aggregatorCreate');
    const id = this.nextAggregator++;
    this.aggregators.set(id, handle);
    return id;
  }
  /** Adds a batch of samples (columns, transferred) and returns the table now (see src/core.js). */
  aggregate(id, batch = {}, view = {}) {
    const handle = this.aggregators.get(id);
    if (handle === undefined) return Promise.reject(new WearfmRestarted());
    const accel = (batch.accel ?? []).flatMap((a) => [a.t, a.xyz, a.segment]);
    return this.call('aggregate', { handle, batch, view }, buffersOf([batch.channel, batch.t, batch.value, batch.segment, ...accel]));
  }
  /** Frees an aggregator (one whose worker was replaced is already gone). */
  aggregatorFree(id) {
    const handle = this.aggregators.get(id);
    if (handle === undefined) return Promise.resolve(true);
    this.aggregators.delete(id);
    return this.call('aggregatorFree', { handle });
  }

  /** The generic minute CSV, parsed by the C importer. */
  readMinutesCsv(bytes) { return this.call('readMinutesCsv', { bytes: toU8(bytes) }, buffersOf([toU8(bytes)])); }

  /** The Fitabase export kind of a CSV (from its header) or null. bytes are not transferred. */
  fitabaseKind(bytes) { return this.call('fitabaseKind', { bytes: toU8(bytes).slice(0, 4096) }); }

  /** Fitabase CSV exports -> per-user minute tables (C importer). files' bytes are transferred; options.signal stops it. */
  importFitabase(files, options = {}) {
    const [opts, control] = controlOf(options);
    const fs = files.map((f) => ({ name: f.name, bytes: toU8(f.bytes) }));
    return this.call('importFitabase', { files: fs, options: opts }, buffersOf(fs.map((f) => f.bytes)), control);
  }

  /**
   * An export people have ('takeout': Fitbit's account export, 'apple-health':
   * export.xml, 'fit': Garmin FIT) -> one minute table, by the core's importers
   * and aggregator (as `wearfm import <kind>`). files: [{name, bytes}] (bytes
   * transferred) or [{name, blob}] (a File; Apple Health is streamed from it).
   * options: {utcOffsetMinutes, fixedOffset, from, to, timeZone ('local'), onProgress, signal}.
   * Resolves {table, counts, files, skipped, dropped}.
   */
  importExport(kind, files, options = {}) {
    const [opts, control] = controlOf(options);
    const fs = files.map((f) => (f.bytes ? { name: f.name, bytes: toU8(f.bytes) } : { name: f.name, blob: f.blob }));
    return this.call('importExport', { kind, files: fs, options: opts }, buffersOf(fs.map((f) => f.bytes)), control);
  }

  /**
   * Fits a linear probe on rows X (n x d, e.g. day embeddings) with labels
   * (classes 0..K-1) or targets; returns the probe file's bytes and its info.
   * X, labels, targets and groups are transferred; args.signal stops it (cancel()).
   */
  probeFit(args) {
    const [a, control] = controlOf(args);
    return this.call('probeFit', a, buffersOf([a.X, a.labels, a.targets, a.groups]), control);
  }
  /** Predictions of a probe (its file's bytes) for rows X (transferred; the probe bytes are copied). */
  probePredict(args) {
    return this.call('probePredict', args, buffersOf([args.X]));
  }
  /**
   * Periods of a class along consecutive slots (the core's wfm_slot_periods):
   * prob (Float32Array, NaN = no prediction) is transferred. options:
   * {threshold, maxGap, minSlots} in slots. Resolves to [{first, end, meanProbability, known}].
   */
  slotPeriods(prob, options = {}) { return this.call('slotPeriods', { prob, options }, buffersOf([prob])); }
  /** The expected count of a class over slots (wfm_slot_expected): {expected, known}; prob is transferred. */
  slotExpected(prob) { return this.call('slotExpected', { prob }, buffersOf([prob])); }

  /** What a probe file holds (task, classes, features, bound encoder). */
  probeInfo(probe) { return this.call('probeInfo', { probe: toU8(probe) }); }

  /**
   * Heart rate from motion: loads the accelerometer model (a URL of this
   * origin) and its probes ({hr, activity}: URLs; a missing one is reported
   * in the result's probes[kind].problem, the model works without it).
   * Resolves {rateHz, windowSeconds, embeddingDim, weightsHash, probes}.
   */
  async loadAccelModel(url, { probes = {}, cache = false, onProgress } = {}) {
    const abs = (u) => String(new URL(u, globalThis.location?.href));
    const args = { url: abs(url), cache, probes: Object.fromEntries(Object.entries(probes).map(([k, u]) => [k, abs(u)])) };
    const info = await this.call('loadAccelModel', args, [], { onProgress });
    this.accelArgs = args; // loaded again into a worker started by cancel()
    return info;
  }
  /** Raw samples of one source {source, unit, t (epoch ms), xyz (x, y, z each)} into its live buffer; t and xyz are transferred. Resolves {seconds, outOfOrder}. */
  pushAccel({ source, unit, t, xyz }) { return this.call('pushAccel', { source, unit, t, xyz }, buffersOf([t, xyz])); }
  /** The estimate of a source's latest full window (see src/accel-core.js estimate). */
  estimateAccel(source) { return this.call('estimateAccel', { source }); }
  /** Forgets a source's live buffer. */
  dropAccel(source) { return this.call('dropAccel', { source }); }

  /** Forgets cached model files. */
  clearCache() { return this.call('clearCache'); }

  terminate() { this.worker.terminate(); }
}

function toU8(b) {
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (typeof b === 'string') return new TextEncoder().encode(b);
  throw new TypeError('expected bytes (Uint8Array, ArrayBuffer) or text');
}
