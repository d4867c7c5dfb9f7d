// The Web Worker that owns the wasm core, so inference never blocks the page.
// Messages: {id, op, args} -> {id, ok, result} | {id, ok: false, error} and
// {id, progress}. Typed arrays travel in transfer lists, both ways.
import { WearfmCore, transferables } from './core.js';
import { fetchModel, clearModelCache, sha256Hex } from './model-fetch.js';
import { looksLikeZip, feedZippedExportXml } from './zipped-export.js';

// The threaded build needs shared wasm memory, which browsers give only to
// cross-origin-isolated pages; anywhere else (or if it fails to start) the
// single-threaded build runs, with no error.
const SLICE = 1 << 20; // bytes of a streamed file per step
// Each model gets one thread per reported core; -sPTHREAD_POOL_SIZE in
// web.cmake starts enough pool workers for the models that can be alive at
// once, so no thread waits for a worker.
const CORES = () => navigator.hardwareConcurrency || 1;
let variant = 'single';
let threads = 1;
async function start() {
  if (self.crossOriginIsolated && typeof SharedArrayBuffer === 'function') {
    try {
      const { default: create } = await import('../core/wearfm_core_mt.mjs');
      // Its thread pool starts before the module resolves; never wait forever on it.
      let timer;
      const late = new Promise((_, no) => { timer = setTimeout(() => no(new Error('thread pool did not start in 20 s')), 20000); });
      const m = await Promise.race([create(), late]).finally(() => clearTimeout(timer));
      variant = 'pthreads';
      threads = CORES();
      return new WearfmCore(m);
    } catch (e) {
      console.warn(`wearfm: threaded build unavailable (${e?.message ?? e}); running single-threaded`);
    }
  }
  const { default: create } = await import('../core/wearfm_core.mjs');
  return new WearfmCore(await create());
}
let corePromise = null;
const core = () => (corePromise ??= start());

const ops = {
  async init() { const c = await core(); return { version: c.version, probes: c.hasProbe(), variant, threads }; },
  async load({ url, bytes, cache, threads: wanted }, progress) {
    let fromCache = false;
    if (!bytes) ({ bytes, fromCache } = await fetchModel(url, { cache, onProgress: progress }));
    const info = (await core()).loadModel(bytes, { threads: Math.min(wanted ?? threads, threads) });
    // The file's identity for the exports' provenance: its SHA-256 and the name it was served under.
    const file = url ? decodeURIComponent(new URL(url).pathname.split('/').pop()) : null;
    return { ...info, fromCache, bytes: bytes.length, sha256: await sha256Hex(bytes), file };
  },
  async loadFillBands({ bytes }) { return (await core()).loadFillBands(bytes); },
  async run({ x, want }) { return (await core()).run(x, want); },
  async readMinutesCsv({ bytes }) { return (await core()).readMinutesCsv(bytes); },
  async fitabaseKind({ bytes }) { return (await core()).fitabaseKind(bytes); },
  async importFitabase({ files, options }) { return (await core()).importFitabase(files, options); },
  // An export (takeout, apple-health, fit): files are {name, bytes} or {name, blob}. Apple
  // Health's export.xml is read here in slices, so its size is not held in memory.
  async importExport({ kind, files, options }, progress) {
    const c = await core();
    c.importBegin(kind, options);
    try {
      const total = files.reduce((n, f) => n + (f.blob?.size ?? f.bytes.length), 0);
      let done = 0;
      for (const f of files) {
        if (kind === 'apple-health') {
          const size = f.blob?.size ?? f.bytes.length;
          const read = async (at) => (f.blob ? new Uint8Array(await f.blob.slice(at, at + SLICE).arrayBuffer()) : f.bytes.subarray(at, at + SLICE));
          async function* slices() {
            for (let at = 0; at < size; at += SLICE) {
              const part = await read(at);
              yield part;
              progress({ done: done += part.length, total, unit: 'bytes' });
            }
          }
          const head = f.blob ? new Uint8Array(await f.blob.slice(0, 4).arrayBuffer()) : f.bytes.subarray(0, 4);
          if (looksLikeZip(head)) { // Apple's export.zip: its export.xml, inflated as it streams
            const fflate = await import('../vendor/fflate.js');
            await feedZippedExportXml(fflate, slices(), (chunk) => c.importFeed(chunk, 'export.xml'), f.name);
          } else {
            for await (const part of slices()) c.importFeed(part, f.name);
          }
        } else {
          c.importAdd(f.name, f.bytes ?? new Uint8Array(await f.blob.arrayBuffer()));
          progress({ done: done += f.blob?.size ?? f.bytes.length, total, unit: 'bytes' });
        }
      }
      return c.importFinish();
    } catch (e) {
      c.importAbort();
      throw e;
    }
  },
  // One progress message per day, so the page can say "n of N days" (and cancel between them).
  async analyzeTable({ table, options }, progress) {
    return (await core()).analyzeTable(table, options, (done, total) => progress({ done, total }));
  },
  async checkTable({ table }) { return (await core()).checkTable(table); },
  async aggregatorCreate() { return (await core()).aggregatorCreate(); },
  async aggregate({ handle, batch, view }) { return (await core()).aggregate(handle, batch, view); },
  async aggregatorFree({ handle }) { (await core()).aggregatorFree(handle); return true; },
  async probeFit(args) { return (await core()).probeFit(args); },
  async probePredict(args) { return (await core()).probePredict(args); },
  async probeInfo(args) { return (await core()).probeInfo(args); },
  async slotPeriods({ prob, options }) { return (await core()).slotPeriods(prob, options); },
  async slotExpected({ prob }) { return (await core()).slotExpected(prob); },
  // Heart rate from motion: the accelerometer model and its probes, fetched as
  // the minute model is (HTTP validators; Cache Storage only with consent). A
  // missing or refused probe is reported, not thrown: the estimate works without it.
  async loadAccelModel({ url, probes = {}, cache, threads: wanted }, progress) {
    const c = await core();
    const { bytes, fromCache } = await fetchModel(url, { cache, onProgress: progress });
    const info = c.accel.load(bytes, { threads: Math.min(wanted ?? threads, threads) });
    const loaded = {};
    for (const [kind, u] of Object.entries(probes)) {
      try {
        const res = await fetch(u, { credentials: 'same-origin' });
        if (!res.ok) throw new Error(res.status === 404 ? 'the file is not on this site' : `HTTP ${res.status}`);
        loaded[kind] = { ok: true, ...c.accel.setProbe(kind, new Uint8Array(await res.arrayBuffer())) };
      } catch (e) {
        loaded[kind] = { ok: false, problem: String(e?.message ?? e) };
      }
    }
    return { ...info, fromCache, probes: loaded };
  },
  async pushAccel({ source, unit, t, xyz }) { return (await core()).accel.push(source, unit, t, xyz); },
  async estimateAccel({ source }) { return (await core()).accel.estimate(source); },
  async dropAccel({ source }) { (await core()).accel.drop(source); return true; },
  async clearCache() { await clearModelCache(); return true; },
};

self.onmessage = async ({ data: { id, op, args } }) => {
  try {
    if (!ops[op]) throw new Error(`unknown operation ${op}`);
    const result = await ops[op](args ?? {}, (p) => self.postMessage({ id, progress: p }));
    self.postMessage({ id, ok: true, result }, transferables(result));
  } catch (e) {
    self.postMessage({ id, ok: false, error: String(e?.message ?? e) });
  }
};
