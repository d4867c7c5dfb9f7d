/* Models, states and the forward pass: model_load, model_info, state_new, run. */
#include "native.h"
#include <math.h>
#include <stdio.h>

static void model_destroy(PyObject *capsule) { wfm_model_free(PyCapsule_GetPointer(capsule, MODEL_CAPSULE)); }

/* model_load(path, n_threads, mask_mode) -> capsule (either family) */
static PyObject *py_model_load(PyObject *self, PyObject *args) {
    PyObject *path_obj;
    int n_threads, mask_mode;
    if (!PyArg_ParseTuple(args, "O&ii", PyUnicode_FSConverter, &path_obj, &n_threads, &mask_mode)) return NULL;
    wfm_model_params p = wfm_model_default_params();
    p.n_threads = n_threads;
    p.mask_mode = (wfm_mask_mode)mask_mode;
    wfm_model *m = NULL;
    wfm_error err = {0};
    wfm_status st;
    Py_BEGIN_ALLOW_THREADS
    st = wfm_model_load_file(PyBytes_AS_STRING(path_obj), &p, &m, &err);
    Py_END_ALLOW_THREADS
    Py_DECREF(path_obj);
    if (st) return raise_core(ERR_MODEL, &err);
    PyObject *cap = PyCapsule_New(m, MODEL_CAPSULE, model_destroy);
    if (!cap) wfm_model_free(m);
    return cap;
}

static const char *kind_name(wfm_channel_kind k) {
    return k == WFM_CHANNEL_COUNT ? "count" : k == WFM_CHANNEL_CATEGORY ? "category" : "continuous";
}

static PyObject *channel_dict(const wfm_channel_info *ch) {
    PyObject *levels = PyList_New(ch->n_levels);
    for (int k = 0; levels && k < ch->n_levels; k++) PyList_SET_ITEM(levels, k, PyFloat_FromDouble(ch->levels[k]));
    if (!levels) return NULL;
    return Py_BuildValue("{s:s,s:s,s:d,s:d,s:d,s:d,s:s,s:d,s:d,s:N,s:s}", "name", ch->name, "unit", ch->unit, "mean",
                         (double)ch->mean, "std", (double)ch->std, "clip_min", (double)ch->clip_min, "clip_max",
                         (double)ch->clip_max, "kind", kind_name(ch->kind), "range_min", (double)ch->range_min,
                         "range_max", (double)ch->range_max, "levels", levels, "residual",
                         ch->residual_others_missing ? "others_missing" : "always");
}

/* model_info(model) -> dict */
static PyObject *py_model_info(PyObject *self, PyObject *capsule) {
    wfm_model *m = model_from(capsule);
    if (!m) return NULL;
    wfm_model_info i;
    wfm_model_get_info(m, &i);
    PyObject *channels = PyList_New(i.n_channels);
    for (int c = 0; channels && c < i.n_channels; c++) {
        wfm_channel_info ch;
        wfm_error err = {0};
        PyObject *d = wfm_model_get_channel(m, c, &ch, &err) ? raise_core(ERR_MODEL, &err) : channel_dict(&ch);
        if (!d) { Py_CLEAR(channels); break; }
        PyList_SET_ITEM(channels, c, d);
    }
    if (!channels) return NULL;
    PyObject *d = Py_BuildValue("{s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:O,s:n,s:s,s:s,s:i,s:N}",
                         "architecture", i.architecture, "window_minutes", i.window_minutes, "patch_minutes",
                         i.patch_minutes, "n_channels", i.n_channels, "n_tokens", i.n_tokens, "enc_dim", i.enc_dim,
                         "enc_layers", i.enc_layers, "enc_heads", i.enc_heads, "enc_mlp_dim", i.enc_mlp_dim, "dec_dim",
                         i.dec_dim, "dec_layers", i.dec_layers, "dec_heads", i.dec_heads, "dec_mlp_dim", i.dec_mlp_dim,
                         "has_decoder", i.has_decoder ? Py_True : Py_False, "n_params", (Py_ssize_t)i.n_params,
                         "config_json", wfm_model_config_json(m), "weights_hash", wfm_model_weights_hash(m),
                         "threads", wfm_model_threads(m), "channels", channels);
    if (!d) return NULL;
    /* The family and the waveform fields (0 / None for a minute model). */
    PyObject *w = Py_BuildValue("{s:s,s:i,s:z,s:d,s:i,s:i,s:z,s:d,s:i,s:O,s:d,s:n}", "family",
                                i.family == WFM_FAMILY_WAVEFORM ? "waveform" : "minute", "embedding_dim",
                                i.embedding_dim, "signal", i.signal, "sample_rate_hz", (double)i.sample_rate_hz,
                                "window_samples", i.window_samples, "patch_samples", i.patch_samples, "input_norm",
                                i.input_norm, "window_std_floor", (double)i.window_std_floor, "projection_dim",
                                i.projection_dim, "anchor_profile", i.anchor_profile ? Py_True : Py_False,
                                "personal_lambda", i.personal_lambda, "anchor_params", (Py_ssize_t)i.anchor_params);
    if (!w || PyDict_Update(d, w) < 0) { Py_XDECREF(w); Py_DECREF(d); return NULL; }
    Py_DECREF(w);
    return d;
}

/* A state, the model capsule it keeps alive, and whether a thread runs it. */
typedef struct state_holder {
    wfm_state *state;
    PyObject *model;
    int busy;
} state_holder;

static void state_destroy(PyObject *capsule) {
    state_holder *h = PyCapsule_GetPointer(capsule, STATE_CAPSULE);
    if (!h) return;
    wfm_state_free(h->state); /* before the model it runs */
    Py_XDECREF(h->model);
    PyMem_Free(h);
}

/* state_new(model, n_threads, mask_mode) -> capsule */
static PyObject *py_state_new(PyObject *self, PyObject *args) {
    PyObject *mcap;
    int n_threads, mask_mode;
    if (!PyArg_ParseTuple(args, "Oii", &mcap, &n_threads, &mask_mode)) return NULL;
    wfm_model *m = model_from(mcap);
    if (!m) return NULL;
    wfm_state_params p = wfm_state_default_params();
    p.n_threads = n_threads;
    p.mask_mode = (wfm_mask_mode)mask_mode;
    wfm_state *s = NULL;
    wfm_error err = {0};
    if (wfm_state_create(m, &p, &s, &err)) return raise_core(ERR_MODEL, &err);
    state_holder *h = PyMem_Calloc(1, sizeof *h);
    if (!h) { wfm_state_free(s); return PyErr_NoMemory(); }
    h->state = s;
    h->model = mcap;
    Py_INCREF(mcap);
    PyObject *cap = PyCapsule_New(h, STATE_CAPSULE, state_destroy);
    if (!cap) { wfm_state_free(s); Py_DECREF(mcap); PyMem_Free(h); }
    return cap;
}

static void fill_nan(float *p, size_t n) {
    for (size_t k = 0; p && k < n; k++) p[k] = NAN;
}

/* run(state, x, n_windows, embedding, reconstruction, imputed, fill_probability,
 *     visible_tokens, skip_empty, profile) -> None. x is [B, T, C] float32;
 * profile None or [B, T, C] float32 (the windows' typical days); outputs are
 * caller-allocated (None = not wanted): [B, D], [B, T, C] x3, int32 [B].
 * skip_empty: a window with no observed patch gets NaN outputs and 0 visible
 * tokens instead of an InputError. The GIL is released for the whole batch. */
static PyObject *py_run(PyObject *self, PyObject *args) {
    PyObject *scap, *xo, *eo, *ro, *io, *po, *vo, *pro = Py_None, *ao = Py_None;
    Py_ssize_t B;
    int skip_empty;
    if (!PyArg_ParseTuple(args, "OOnOOOOOp|OO", &scap, &xo, &B, &eo, &ro, &io, &po, &vo, &skip_empty, &pro, &ao))
        return NULL;
    state_holder *h = PyCapsule_GetPointer(scap, STATE_CAPSULE);
    if (!h) return NULL;
    wfm_model_info info;
    wfm_model_get_info(model_from(h->model), &info);
    /* a window: T minutes (minute model) or T samples (waveform) x C; D the embedding (after any projection) */
    const int waveform = info.family == WFM_FAMILY_WAVEFORM;
    const Py_ssize_t T = waveform ? info.window_samples : info.window_minutes;
    const Py_ssize_t TC = T * info.n_channels, D = info.embedding_dim;
    Py_buffer x = {0}, e = {0}, r = {0}, im = {0}, p = {0}, v = {0}, pf = {0}, an = {0};
    const Py_ssize_t NA = (Py_ssize_t)info.anchor_params;
    if (get_buffer(xo, &x, "f", B * TC, 0, 0, "x")) return NULL;
    int bad = get_buffer(pro, &pf, "f", B * TC, 0, 1, "profile");
    bad = bad || get_buffer(ao, &an, "f", B * NA, 0, 1, "anchors");
    bad = bad || get_buffer(eo, &e, "f", B * D, 1, 1, "embedding");
    bad = bad || get_buffer(ro, &r, "f", B * TC, 1, 1, "reconstruction");
    bad = bad || get_buffer(io, &im, "f", B * TC, 1, 1, "imputed");
    bad = bad || get_buffer(po, &p, "f", B * TC, 1, 1, "fill_probability");
    bad = bad || get_buffer(vo, &v, "i", B, 1, 1, "visible_tokens");
    PyObject *result = NULL;
    if (bad) goto done;
    if ((r.buf || im.buf || p.buf) && waveform) {
        wfm_error err = {WFM_ERR_UNSUPPORTED, ""};
        snprintf(err.message, sizeof err.message,
                 "a %s model (%s) gives embeddings only: it has no decoder, so it cannot impute or reconstruct",
                 info.architecture, info.signal);
        raise_core(ERR_MODEL, &err);
        goto done;
    }
    if ((r.buf || im.buf || p.buf) && !info.has_decoder) {
        wfm_error err = {WFM_ERR_UNSUPPORTED, "this model has no decoder (encoder-only): it cannot impute or reconstruct"};
        raise_core(ERR_MODEL, &err);
        goto done;
    }
    if (h->busy) {
        PyErr_SetString(PyExc_RuntimeError, "this wearfm state is running in another thread; use one state per thread");
        goto done;
    }
    h->busy = 1;
    wfm_error err = {0};
    wfm_status st = WFM_OK;
    Py_ssize_t failed = -1;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t b = 0; b < B; b++) {
        float *eb = e.buf ? (float *)e.buf + b * D : NULL, *rb = r.buf ? (float *)r.buf + b * TC : NULL;
        float *ib = im.buf ? (float *)im.buf + b * TC : NULL, *pb = p.buf ? (float *)p.buf + b * TC : NULL;
        wfm_outputs o = {.embedding = eb, .reconstruction = rb, .imputed = ib, .fill_probability = pb};
        st = wfm_run_state_personal(h->state, (const float *)x.buf + b * TC,
                                    pf.buf ? (const float *)pf.buf + b * TC : NULL,
                                    an.buf ? (const float *)an.buf + b * NA : NULL, &o, &err);
        if (st == WFM_ERR_NO_DATA && skip_empty) {
            fill_nan(eb, (size_t)D); fill_nan(rb, (size_t)TC); fill_nan(ib, (size_t)TC); fill_nan(pb, (size_t)TC);
            o.n_visible_tokens = 0;
            st = WFM_OK;
        }
        if (st) { failed = b; break; }
        if (v.buf) ((int *)v.buf)[b] = o.n_visible_tokens;
    }
    Py_END_ALLOW_THREADS
    h->busy = 0;
    if (st) {
        char prefix[48];
        snprintf(prefix, sizeof prefix, "window %zd: ", failed);
        raise_core_prefixed(st == WFM_ERR_UNSUPPORTED ? ERR_MODEL : ERR_INPUT, &err, B > 1 ? prefix : NULL);
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    release_buffer(&x); release_buffer(&e); release_buffer(&r); release_buffer(&im); release_buffer(&p); release_buffer(&v);
    release_buffer(&pf); release_buffer(&an);
    return result;
}

/* profiles(model, start, n_minutes, [names], values [n x K] float32, window_starts int64 [B])
 * -> bytearray [B x T x C] float32: each window's typical day from the table
 * (wfm_profile_create / wfm_profile_window, the CLI's --history). */
static PyObject *py_profiles(PyObject *self, PyObject *args) {
    PyObject *mcap, *names, *vo, *wo;
    long long start;
    Py_ssize_t n;
    int anchors = 0; /* instead: each window's anchor parameters [B x anchor_params] (wfm_profile_anchor) */
    if (!PyArg_ParseTuple(args, "OLnOOO|p", &mcap, &start, &n, &names, &vo, &wo, &anchors)) return NULL;
    wfm_model *m = model_from(mcap);
    if (!m) return NULL;
    if (!PyList_Check(names)) { PyErr_SetString(PyExc_TypeError, "names must be a list"); return NULL; }
    const Py_ssize_t K = PyList_GET_SIZE(names);
    if (K < 1 || K > 256) { PyErr_SetString(PyExc_ValueError, "1..256 channel names"); return NULL; }
    const char *cn[256];
    for (Py_ssize_t k = 0; k < K; k++)
        if (!(cn[k] = PyUnicode_AsUTF8(PyList_GET_ITEM(names, k)))) return NULL;
    Py_buffer v = {0}, w = {0};
    if (get_buffer(vo, &v, "f", n * K, 0, 0, "values")) return NULL;
    if (PyObject_GetBuffer(wo, &w, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) { release_buffer(&v); return NULL; }
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    const Py_ssize_t B = w.len / 8, TC = anchors ? (Py_ssize_t)info.anchor_params
                                                 : (Py_ssize_t)info.window_minutes * info.n_channels;
    PyObject *out = NULL;
    wfm_minutes *t = NULL;
    wfm_profile *p = NULL;
    wfm_error err = {0};
    wfm_status st = wfm_minutes_from_values(start, (size_t)n, (int)K, cn, v.buf, &t, &err);
    if (!st) st = wfm_profile_create(m, t, &p, &err);
    if (!st && anchors && !(info.personal_lambda > 0)) {
        st = wfm_fail(&err, WFM_ERR_UNSUPPORTED, "this model is not refitted on a history (no personal_lambda)");
    }
    if (st) {
        raise_core(st == WFM_ERR_UNSUPPORTED ? ERR_MODEL : ERR_INPUT, &err);
        goto done;
    }
    if (!(out = PyByteArray_FromStringAndSize(NULL, B * TC * 4))) goto done;
    float *dst = (float *)PyByteArray_AS_STRING(out);
    const long long *ws = w.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t b = 0; b < B; b++) {
        if (anchors) wfm_profile_anchor(p, (int64_t)ws[b], dst + b * TC);
        else wfm_profile_window(p, (int64_t)ws[b], dst + b * TC);
    }
    Py_END_ALLOW_THREADS
done:
    wfm_profile_free(p);
    wfm_minutes_free(t);
    release_buffer(&v);
    PyBuffer_Release(&w);
    return out;
}

PyMethodDef model_methods[] = {
    {"model_load", py_model_load, METH_VARARGS, "model_load(path, n_threads, mask_mode) -> model capsule"},
    {"model_info", py_model_info, METH_O, "model_info(model) -> dict"},
    {"state_new", py_state_new, METH_VARARGS, "state_new(model, n_threads, mask_mode) -> state capsule"},
    {"run", py_run, METH_VARARGS,
     "run(state, x, n_windows, embedding, reconstruction, imputed, fill_probability, visible_tokens, skip_empty"
     "[, profile, anchors])"},
    {"profiles", py_profiles, METH_VARARGS,
     "profiles(model, start, n_minutes, names, values, window_starts[, anchors]) -> bytearray [B, T, C] float32 "
     "(anchors: [B, anchor_params], the personal fit's)"},
    {NULL, NULL, 0, NULL}};
