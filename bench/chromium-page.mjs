// The page side of bench/engine_chromium.mjs: one engine per page, loaded
// once, then timed one embedding at a time from performance.now() in the
// page. wearfm runs as the demo page runs it (web/src/worker.js: its Worker,
// the threaded build when the page is cross-origin isolated); onnxruntime-web
// runs with its defaults plus the thread count.
let run = null;

async function bytesOf(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

function wearfmWorker() {
  const worker = new Worker('/src/worker.js', { type: 'module' });
  let next = 0;
  const waiting = new Map();
  worker.onmessage = ({ data }) => {
    if (data.progress !== undefined || !waiting.has(data.id)) return;
    const [ok, no] = waiting.get(data.id);
    waiting.delete(data.id);
    if (data.ok) ok(data.result); else no(new Error(data.error?.message ?? data.error));
  };
  return (op, args = {}, transfer = []) => new Promise((ok, no) => {
    const id = ++next;
    waiting.set(id, [ok, no]);
    worker.postMessage({ id, op, args }, transfer);
  });
}

async function loadWearfm(threads) {
  const call = wearfmWorker();
  const init = await call('init');
  const bytes = await bytesOf('/bench/model');
  const info = await call('load', { bytes, threads }, [bytes.buffer]);
  const day = new Float32Array((await bytesOf('/bench/day/day.f32')).buffer);
  run = async () => {
    const x = day.slice(); // the worker takes ownership of what it is sent
    const t0 = performance.now();
    const r = await call('run', { x, want: { embedding: true } }, [x.buffer]);
    return { time: (performance.now() - t0) / 1000, visible: r.visibleTokens, embedding: Array.from(r.embedding) };
  };
  return { variant: init.variant, threads: info.threads ?? threads, tokens: info.nTokens };
}

async function loadOrt(form, threads) {
  const ort = await import('/ort/ort.min.mjs');
  ort.env.wasm.wasmPaths = '/ort/';
  ort.env.wasm.numThreads = threads;
  const manifest = JSON.parse(new TextDecoder().decode(await bytesOf('/bench/day/tokens.json')));
  const win = manifest.windows[0];
  const N = manifest.n_tokens, P = manifest.patch_minutes, n = win.n_visible;
  const file = async (name, Type) => new Type((await bytesOf(`/bench/day/${win.files[name]}`)).buffer);
  const feeds = form === 'masked'
    ? { patches: new ort.Tensor('float32', await file('patches', Float32Array), [1, N, P]),
        visible: new ort.Tensor('bool', await file('visible', Uint8Array), [1, N]) }
    : { patches: new ort.Tensor('float32', await file('compact', Float32Array), [1, n, P]),
        positions: new ort.Tensor('int64', await file('positions', BigInt64Array), [n]) };
  const session = await ort.InferenceSession.create(await bytesOf('/bench/model'),
    { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  run = async () => {
    const t0 = performance.now();
    const out = await session.run(feeds);
    return { time: (performance.now() - t0) / 1000, visible: n, embedding: Array.from(out.embedding.data) };
  };
  return { variant: crossOriginIsolated ? 'threads allowed' : 'not isolated', threads, tokens: N };
}

window.bench = {
  async load(engine, threads) {
    const t0 = performance.now();
    const info = engine === 'wearfm' ? await loadWearfm(threads) : await loadOrt(engine.replace('ort-', ''), threads);
    return { ...info, load: (performance.now() - t0) / 1000, isolated: crossOriginIsolated };
  },
  run: () => run(),
  // The page's memory, wasm included (cross-origin isolated pages only).
  async memory() {
    if (!performance.measureUserAgentSpecificMemory) return null;
    return (await performance.measureUserAgentSpecificMemory()).bytes / 1048576;
  },
};
window.benchReady = true;
