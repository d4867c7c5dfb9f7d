// Linear probes through the core's flat entry points (wearfm_web_probe.c):
// fit on feature rows (e.g. day embeddings), predict, and move probes as the
// bytes of their safetensors file, so nothing stays in the worker between
// calls and a probe fit here is the same file the CLI reads and writes.
const TASKS = ['logistic', 'ridge', 'linear'];
// JS option -> wfmw_probe_params_set key
const PARAMS = { lambda: 'lambda', balanced: 'balanced', maxIter: 'max_iter', tol: 'tol', cvLambda: 'cv_lambda', innerFolds: 'inner_folds', cvMetric: 'cv_metric', seed: 'seed', nClasses: 'n_classes' };

// The core's one error slot (web/wearfm_web.h): the message of the last failed call.
const lastError = (m) => m.UTF8ToString(m._wfmw_last_error());

export function hasProbeExports(m) {
  return typeof m._wfmw_probe_fit === 'function' && typeof m._wfmw_probe_predict === 'function';
}

class Heap {
  constructor(m) { this.m = m; this.ptrs = []; }
  alloc(n) { const p = this.m._malloc(Math.max(1, n)); this.ptrs.push(p); return p; }
  typed(a) { if (!a) return 0; const u8 = new Uint8Array(a.buffer, a.byteOffset, a.byteLength); const p = this.alloc(u8.length); this.m.HEAPU8.set(u8, p); return p; }
  str(s) { const n = this.m.lengthBytesUTF8(s) + 1, p = this.alloc(n); this.m.stringToUTF8(s, p, n); return p; }
  strs(list) { return list ? this.typed(Uint32Array.from(list, (s) => this.str(String(s)))) : 0; }
  free() { for (const p of this.ptrs) this.m._free(p); this.ptrs = []; }
}

function checkRows(X, n, d) {
  if (!(X instanceof Float32Array) || !(n > 0) || !(d > 0) || X.length !== n * d) throw new Error(`probe: X must be a Float32Array of n*d = ${n}*${d} values`);
}

/** Info of a probe handle: task, sizes, lambda, classes, bound encoder. */
function describe(m, p) {
  const nClasses = m._wfmw_probe_n_classes(p), hash = m._wfmw_probe_encoder_hash(p);
  return {
    task: TASKS[m._wfmw_probe_task(p)], nFeatures: m._wfmw_probe_n_features(p), nClasses, nOutputs: m._wfmw_probe_n_outputs(p),
    iterations: m._wfmw_probe_iterations(p), converged: Boolean(m._wfmw_probe_converged(p)), balanced: Boolean(m._wfmw_probe_balanced(p)),
    nTrain: m._wfmw_probe_n_train(p), lambda: m._wfmw_probe_lambda(p), encoderHash: hash ? m.UTF8ToString(hash) : null,
    classes: Array.from({ length: nClasses }, (_, k) => m.UTF8ToString(m._wfmw_probe_class_name(p, k))),
  };
}

/**
 * Fits a probe. {X, n, d, labels (Int32Array, classification) | targets
 * (Float32Array, regression), groups?, task?, lambda?, balanced?, cvLambda?,
 * lambdas?, classNames?, featureNames?, ...}; model: a model handle to bind
 * the probe to (0: unbound). Returns {probe: Uint8Array, info}.
 */
export function probeFit(m, model, o) {
  checkRows(o.X, o.n, o.d);
  const task = TASKS.indexOf(o.task ?? (o.targets ? 'ridge' : 'logistic'));
  if (task < 0) throw new Error(`probe: unknown task ${o.task}`);
  const h = new Heap(m), params = m._wfmw_probe_params_new();
  let probe = 0;
  try {
    const set = (key, v) => { if (m._wfmw_probe_params_set(params, h.str(key), Number(v)) !== 0) throw new Error(`probe: bad parameter ${key}`); };
    set('task', task);
    for (const [k, key] of Object.entries(PARAMS)) if (o[k] !== undefined) set(key, o[k]);
    if (o.lambdas) m._wfmw_probe_params_set_lambdas(params, h.typed(Float64Array.from(o.lambdas)), o.lambdas.length);
    if (o.classNames) m._wfmw_probe_params_set_class_names(params, h.strs(o.classNames));
    if (o.featureNames) m._wfmw_probe_params_set_feature_names(params, h.strs(o.featureNames));
    if (model) m._wfmw_probe_params_set_model(params, model);
    probe = m._wfmw_probe_fit(h.typed(o.X), o.n, o.d, h.typed(o.labels && Int32Array.from(o.labels)), h.typed(o.targets && Float32Array.from(o.targets)), h.typed(o.groups && Int32Array.from(o.groups)), params);
    if (!probe) throw new Error(`probe: ${lastError(m)}`);
    const sp = h.alloc(4);
    const buf = m._wfmw_probe_save(probe, sp);
    if (!buf) throw new Error(`probe: ${lastError(m)}`);
    const bytes = m.HEAPU8.slice(buf, buf + m.HEAPU32[sp >> 2]);
    m._wfmw_probe_buffer_free(buf);
    return { probe: bytes, info: describe(m, probe) };
  } finally {
    if (probe) m._wfmw_probe_free(probe);
    m._wfmw_probe_params_free(params);
    h.free();
  }
}

function load(m, h, bytes) {
  const p = m._wfmw_probe_load(h.typed(bytes), bytes.byteLength);
  if (!p) throw new Error(`probe file: ${lastError(m)}`);
  return p;
}

/** Describes a probe file's bytes. */
export function probeInfo(m, bytes) {
  const h = new Heap(m);
  const p = load(m, h, bytes);
  try { return describe(m, p); } finally { m._wfmw_probe_free(p); h.free(); }
}

/**
 * Predictions for rows X (n x d) with a probe file's bytes. model: a handle
 * whose weights a bound probe must match (0: no check). Returns {outputs
 * (n x nOutputs: class probabilities or values), classes (Int32Array, most
 * probable class; classification only), info}.
 */
export function probePredict(m, model, { probe: bytes, X, n, d }) {
  checkRows(X, n, d);
  const h = new Heap(m);
  const p = load(m, h, bytes);
  try {
    const info = describe(m, p);
    const out = h.alloc(n * info.nOutputs * 4), cls = info.nClasses ? h.alloc(n * 4) : 0;
    const st = m._wfmw_probe_predict(p, model, h.typed(X), n, d, out, cls);
    if (st) throw new Error(`probe: ${lastError(m)}`);
    return {
      outputs: m.HEAPF32.slice(out >> 2, (out >> 2) + n * info.nOutputs),
      classes: cls ? m.HEAP32.slice(cls >> 2, (cls >> 2) + n) : undefined,
      info,
    };
  } finally {
    m._wfmw_probe_free(p);
    h.free();
  }
}
