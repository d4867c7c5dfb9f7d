// wearfm in the browser: a promise-based client of the worker that runs the
// C core (built with Emscripten). Typed arrays passed in are transferred to
// the worker, not copied: they are detached after the call (pass a copy with
// .slice() to keep one). Types: ../wearfm.d.ts.
import { detectFeatures, SIMD_MESSAGE } from './features.js';

export { detectFeatures, SIMD_MESSAGE };

export class WearfmError extends Error {}

/** Starts the worker; rejects with a clear message when wasm SIMD is missing. */
export async function createWearfm({ workerUrl = new URL('./worker.js', import.meta.url) } = {}) {
  const features = detectFeatures();
  if (!features.simd) throw new WearfmError(SIMD_MESSAGE);
  const w = new Wearfm(new Worker(workerUrl, { type: 'module' }), features);
  const init = await w.call('init');
  w.version = init.version;
  // Which build the worker runs: 'pthreads' (cross-origin isolated) or 'single'.
  w.features = { ...features, threads: init.threads, build: init.variant };
  return w;
}

const buffersOf = (list) => [...new Set(list.filter(Boolean).map((a) => (ArrayBuffer.isView(a) ? a.buffer : a)))];

export class Wearfm {
  constructor(worker, features) {
    this.worker = worker;
    this.features = features;
    this.info = null;
    this.pending = new Map();
    this.nextId = 1;
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

  call(op, args = {}, transfer = [], onProgress) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, op, args }, transfer);
    });
  }

  /** Loads a model from a URL (same origin; cached only if opts.cache) or from bytes. threads: at most features.threads. */
  async load(urlOrBytes, { onProgress, cache = false, threads } = {}) {
    const isUrl = typeof urlOrBytes === 'string' || urlOrBytes instanceof URL;
    const args = isUrl ? { url: String(new URL(urlOrBytes, globalThis.location?.href)), cache } : { bytes: toU8(urlOrBytes) };
    this.info = await this.call('load', { ...args, threads }, isUrl ? [] : buffersOf([args.bytes]), onProgress);
    return this.info;
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

  /** Every window of a minute table with observed data (as the CLI); table.values is transferred. */
  analyzeTable(table, options = {}) {
    return this.call('analyzeTable', { table, options }, buffersOf([table.values]));
  }

  /** A table checked by the core's data rules, as a file would be; table.values is transferred. */
  checkTable(table) { return this.call('checkTable', { table }, buffersOf([table.values])); }

  /** A minute aggregator in the core (for src/aggregator.js): its handle. */
  aggregatorCreate() { return this.call('aggregatorCreate'); }
  /** Adds a batch of samples (columns, transferred) and returns the table now (see src/core.js). */
  aggregate(handle, batch = {}, view = {}) {
    return this.call('aggregate', { handle, batch, view }, buffersOf([batch.channel, batch.t, batch.value, batch.segment]));
  }
  aggregatorFree(handle) { return this.call('aggregatorFree', { handle }); }

  /** The generic minute CSV, parsed by the C importer. */
  readMinutesCsv(bytes) { return this.call('readMinutesCsv', { bytes: toU8(bytes) }, buffersOf([toU8(bytes)])); }

  /** The Fitabase export kind of a CSV (from its header) or null. bytes are not transferred. */
  fitabaseKind(bytes) { return this.call('fitabaseKind', { bytes: toU8(bytes).slice(0, 4096) }); }

  /** Fitabase CSV exports -> per-user minute tables (C importer). files' bytes are transferred. */
  importFitabase(files, options = {}) {
    const fs = files.map((f) => ({ name: f.name, bytes: toU8(f.bytes) }));
    return this.call('importFitabase', { files: fs, options }, buffersOf(fs.map((f) => f.bytes)));
  }

  /**
   * Fits a linear probe on rows X (n x d, e.g. day embeddings) with labels
   * (classes 0..K-1) or targets; returns the probe file's bytes and its info.
   * X, labels, targets and groups are transferred.
   */
  probeFit(args) {
    return this.call('probeFit', args, buffersOf([args.X, args.labels, args.targets, args.groups]));
  }
  /** Predictions of a probe (its file's bytes) for rows X (transferred; the probe bytes are copied). */
  probePredict(args) {
    return this.call('probePredict', args, buffersOf([args.X]));
  }
  /** What a probe file holds (task, classes, features, bound encoder). */
  probeInfo(probe) { return this.call('probeInfo', { probe: toU8(probe) }); }

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
