/* Linear probes: fit, info, coefficients, predict, evaluate, save, load.
 * The math is all in the core (src/probe*.c); this file moves arrays. */
#include "native.h"
#include <string.h>

static void probe_destroy(PyObject *capsule) { wfm_probe_free(PyCapsule_GetPointer(capsule, PROBE_CAPSULE)); }

static PyObject *probe_capsule(wfm_probe *p) {
    PyObject *cap = PyCapsule_New(p, PROBE_CAPSULE, probe_destroy);
    if (!cap) wfm_probe_free(p);
    return cap;
}

/* A list of str -> a NULL-terminated array of UTF-8 pointers into the list's
 * strings (valid while the list lives); NULL for None, with *ok = 1. */
static const char **string_array(PyObject *list, Py_ssize_t want, const char *what, int *ok) {
    *ok = 1;
    if (list == Py_None) return NULL;
    *ok = 0;
    if (!PyList_Check(list) || PyList_GET_SIZE(list) != want) {
        PyErr_Format(PyExc_ValueError, "%s: expected a list of %zd strings", what, want);
        return NULL;
    }
    const char **a = PyMem_Calloc((size_t)want + 1, sizeof *a);
    if (!a) { PyErr_NoMemory(); return NULL; }
    for (Py_ssize_t i = 0; i < want; i++)
        if (!(a[i] = PyUnicode_AsUTF8(PyList_GET_ITEM(list, i)))) { PyMem_Free(a); return NULL; }
    *ok = 1;
    return a;
}

static PyObject *py_probe_fit(PyObject *self, PyObject *args, PyObject *kw) {
    static char *kwlist[] = {"X", "n", "d", "labels", "targets", "groups", "task", "lam", "balanced", "max_iter",
                             "tol", "cv_lambda", "lambdas", "inner_folds", "cv_metric", "seed", "n_classes",
                             "class_names", "feature_names", "model", "relative", NULL};
    PyObject *xo, *lo, *to, *go, *lambdas_o, *classes_o, *features_o, *model_o;
    Py_ssize_t n, d;
    wfm_probe_params p = wfm_probe_default_params();
    int task, metric;
    unsigned long long seed;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OnnOOOidpidpOiiKiOOO|p", kwlist, &xo, &n, &d, &lo, &to, &go, &task,
                                     &p.lambda, &p.balanced, &p.max_iter, &p.tol, &p.cv_lambda, &lambdas_o,
                                     &p.inner_folds, &metric, &seed, &p.n_classes, &classes_o, &features_o, &model_o,
                                     &p.relative))
        return NULL;
    p.task = (wfm_probe_task)task;
    p.cv_metric = (wfm_metric)metric;
    p.seed = seed;
    double lambdas[64];
    if (lambdas_o != Py_None) {
        Py_ssize_t k = PySequence_Length(lambdas_o);
        if (k < 0) return NULL;
        if (k > 64) { PyErr_SetString(PyExc_ValueError, "lambdas: at most 64 values"); return NULL; }
        for (Py_ssize_t i = 0; i < k; i++) {
            PyObject *v = PySequence_GetItem(lambdas_o, i);
            lambdas[i] = v ? PyFloat_AsDouble(v) : -1;
            Py_XDECREF(v);
            if (PyErr_Occurred()) return NULL;
        }
        p.lambdas = lambdas;
        p.n_lambdas = (int)k;
    }
    if (model_o != Py_None && !(p.model = model_from(model_o))) return NULL;
    Py_buffer x = {0}, l = {0}, t = {0}, g = {0};
    const char **classes = NULL, **features = NULL;
    PyObject *result = NULL;
    int ok_c, ok_f;
    if (get_buffer(xo, &x, "f", n * d, 0, 0, "X") || get_buffer(lo, &l, "i", n, 0, 1, "labels") ||
        get_buffer(to, &t, "f", n, 0, 1, "targets") || get_buffer(go, &g, "i", n, 0, 1, "groups"))
        goto done;
    classes = string_array(classes_o, p.n_classes, "class_names", &ok_c);
    if (!ok_c) goto done;
    features = string_array(features_o, d, "feature_names", &ok_f);
    if (!ok_f) goto done;
    p.class_names = classes;
    p.feature_names = features;
    wfm_probe *pr = NULL;
    wfm_error err = {0};
    wfm_status st;
    Py_BEGIN_ALLOW_THREADS
    st = wfm_probe_fit(x.buf, (size_t)n, (size_t)d, l.buf, t.buf, g.buf, &p, &pr, &err);
    Py_END_ALLOW_THREADS
    result = st ? raise_core(ERR_INPUT, &err) : probe_capsule(pr);
done:
    PyMem_Free(classes);
    PyMem_Free(features);
    release_buffer(&x); release_buffer(&l); release_buffer(&t); release_buffer(&g);
    return result;
}

/* features_relative(X, n, d, groups, reference) -> None; X (float32, writable) in place */
static PyObject *py_features_relative(PyObject *self, PyObject *args) {
    PyObject *xo, *go, *ro;
    Py_ssize_t n, d;
    if (!PyArg_ParseTuple(args, "OnnOO", &xo, &n, &d, &go, &ro)) return NULL;
    Py_buffer x = {0}, g = {0}, r = {0};
    PyObject *result = NULL;
    uint8_t *ref = NULL;  /* reference (int32 0/1 from Python) as the core's bytes */
    if (get_buffer(xo, &x, "f", n * d, 1, 0, "X") || get_buffer(go, &g, "i", n, 0, 0, "groups") ||
        get_buffer(ro, &r, "i", n, 0, 1, "reference"))
        goto done;
    if (r.buf) {
        if (!(ref = PyMem_Malloc((size_t)n + 1))) { PyErr_NoMemory(); goto done; }
        for (Py_ssize_t i = 0; i < n; i++) ref[i] = ((const int *)r.buf)[i] != 0;
    }
    wfm_error err = {0};
    wfm_status st;
    Py_BEGIN_ALLOW_THREADS
    st = wfm_features_relative(x.buf, (size_t)n, (size_t)d, g.buf, ref, NULL, &err);
    Py_END_ALLOW_THREADS
    result = st ? raise_core(ERR_INPUT, &err) : (Py_INCREF(Py_None), Py_None);
done:
    PyMem_Free(ref);
    release_buffer(&x); release_buffer(&g); release_buffer(&r);
    return result;
}

static PyObject *name_list(const wfm_probe *p, int n, const char *(*get)(const wfm_probe *, int)) {
    if (n > 0 && !get(p, 0)) Py_RETURN_NONE;
    PyObject *list = PyList_New(n);
    for (int k = 0; list && k < n; k++) {
        PyObject *s = PyUnicode_FromString(get(p, k));
        if (!s) { Py_CLEAR(list); break; }
        PyList_SET_ITEM(list, k, s);
    }
    return list;
}

static PyObject *double_list(const double *v, int n) {
    PyObject *list = PyList_New(n);
    for (int k = 0; list && k < n; k++) PyList_SET_ITEM(list, k, PyFloat_FromDouble(v[k]));
    return list;
}

/* probe_info(probe) -> dict */
static PyObject *py_probe_info(PyObject *self, PyObject *cap) {
    wfm_probe *p = probe_from(cap);
    if (!p) return NULL;
    wfm_probe_info i;
    wfm_probe_get_info(p, &i);
    const double *ls, *sc;
    wfm_metric met = WFM_METRIC_AUTO;
    int ncv = wfm_probe_cv_scores(p, &ls, &sc, &met);
    return Py_BuildValue("{s:s,s:i,s:i,s:i,s:d,s:O,s:n,s:i,s:O,s:d,s:d,s:z,s:N,s:N,s:N,s:N,s:i,s:O}", "task",
                         wfm_probe_task_name(i.task), "n_features", i.n_features, "n_classes", i.n_classes,
                         "n_outputs", i.n_outputs, "lambda", i.lambda, "balanced", i.balanced ? Py_True : Py_False,
                         "n_train", (Py_ssize_t)i.n_train, "iterations", i.iterations, "converged",
                         i.converged ? Py_True : Py_False, "loss", i.loss, "grad_norm", i.grad_norm, "encoder_hash",
                         i.encoder_hash, "classes", name_list(p, i.n_classes, wfm_probe_class_name), "features",
                         name_list(p, i.n_features, wfm_probe_feature_name), "cv_lambdas", double_list(ls, ncv),
                         "cv_scores", double_list(sc, ncv), "cv_metric", (int)met, "relative",
                         i.relative ? Py_True : Py_False);
}

/* probe_coefficients(probe) -> (rows, cols, weight, bias, mean, std) as float32 bytes */
static PyObject *py_probe_coefficients(PyObject *self, PyObject *cap) {
    wfm_probe *p = probe_from(cap);
    if (!p) return NULL;
    wfm_probe_coefficients c;
    wfm_probe_get_coefficients(p, &c);
    Py_ssize_t q = c.rows, d = c.cols;
    return Py_BuildValue("nny#y#y#y#", q, d, (const char *)c.weight, q * d * 4, (const char *)c.bias, q * 4,
                         (const char *)c.feature_mean, d * 4, (const char *)c.feature_std, d * 4);
}

/* probe_predict(probe, model or None, X, n, d, out or None, classes or None) */
static PyObject *py_probe_predict(PyObject *self, PyObject *args) {
    PyObject *cap, *mo, *xo, *oo, *co;
    Py_ssize_t n, d;
    if (!PyArg_ParseTuple(args, "OOOnnOO", &cap, &mo, &xo, &n, &d, &oo, &co)) return NULL;
    wfm_probe *p = probe_from(cap);
    if (!p) return NULL;
    wfm_model *m = NULL;
    if (mo != Py_None && !(m = model_from(mo))) return NULL;
    wfm_probe_info i;
    wfm_probe_get_info(p, &i);
    Py_buffer x = {0}, o = {0}, c = {0};
    PyObject *result = NULL;
    if (get_buffer(xo, &x, "f", n * d, 0, 0, "X") || get_buffer(oo, &o, "f", n * i.n_outputs, 1, 1, "out") ||
        get_buffer(co, &c, "i", n, 1, 1, "classes"))
        goto done;
    wfm_error err = {0};
    wfm_status st;
    Py_BEGIN_ALLOW_THREADS
    st = wfm_probe_predict(p, m, x.buf, (size_t)n, (size_t)d, o.buf, c.buf, &err);
    Py_END_ALLOW_THREADS
    if (st) {
        /* Another encoder's probe is a model mismatch, as the CLI's exit code 3. */
        int mismatch = m && wfm_probe_check_model(p, m, NULL) != WFM_OK;
        raise_core(mismatch ? ERR_MODEL : ERR_INPUT, &err);
        goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    release_buffer(&x); release_buffer(&o); release_buffer(&c);
    return result;
}

/* probe_evaluate(probe, X, n, d, labels or None, targets or None) -> [metrics], by wfm_metric */
static PyObject *py_probe_evaluate(PyObject *self, PyObject *args) {
    PyObject *cap, *xo, *lo, *to;
    Py_ssize_t n, d;
    if (!PyArg_ParseTuple(args, "OOnnOO", &cap, &xo, &n, &d, &lo, &to)) return NULL;
    wfm_probe *p = probe_from(cap);
    if (!p) return NULL;
    Py_buffer x = {0}, l = {0}, t = {0};
    PyObject *result = NULL;
    if (get_buffer(xo, &x, "f", n * d, 0, 0, "X") || get_buffer(lo, &l, "i", n, 0, 1, "labels") ||
        get_buffer(to, &t, "f", n, 0, 1, "targets"))
        goto done;
    double met[WFM_METRIC_COUNT];
    wfm_error err = {0};
    wfm_status st;
    Py_BEGIN_ALLOW_THREADS
    st = wfm_probe_evaluate(p, NULL, x.buf, (size_t)n, (size_t)d, l.buf, t.buf, met, &err);
    Py_END_ALLOW_THREADS
    result = st ? raise_core(ERR_INPUT, &err) : double_list(met, WFM_METRIC_COUNT);
done:
    release_buffer(&x); release_buffer(&l); release_buffer(&t);
    return result;
}

static PyObject *py_probe_save(PyObject *self, PyObject *args) {
    PyObject *cap, *path;
    if (!PyArg_ParseTuple(args, "OO&", &cap, PyUnicode_FSConverter, &path)) return NULL;
    wfm_probe *p = probe_from(cap);
    wfm_error err = {0};
    wfm_status st = WFM_OK;
    if (p) {
        Py_BEGIN_ALLOW_THREADS
        st = wfm_probe_save_file(p, PyBytes_AS_STRING(path), &err);
        Py_END_ALLOW_THREADS
    }
    Py_DECREF(path);
    if (!p) return NULL;
    if (st) {
        PyErr_SetString(PyExc_OSError, err.message);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *py_probe_load(PyObject *self, PyObject *arg) {
    PyObject *path;
    if (!PyUnicode_FSConverter(arg, &path)) return NULL;
    wfm_probe *p = NULL;
    wfm_error err = {0};
    wfm_status st;
    Py_BEGIN_ALLOW_THREADS
    st = wfm_probe_load_file(PyBytes_AS_STRING(path), &p, &err);
    Py_END_ALLOW_THREADS
    Py_DECREF(path);
    return st ? raise_core(ERR_MODEL, &err) : probe_capsule(p);
}

/* probe_to_bytes(probe) -> bytes of the probe file; probe_from_bytes(data) -> probe (pickling) */
static PyObject *py_probe_to_bytes(PyObject *self, PyObject *cap) {
    wfm_probe *p = probe_from(cap);
    if (!p) return NULL;
    void *data = NULL;
    size_t size = 0;
    wfm_error err = {0};
    if (wfm_probe_save_buffer(p, &data, &size, &err)) return raise_core(ERR_MODEL, &err);
    PyObject *b = PyBytes_FromStringAndSize(data, (Py_ssize_t)size);
    wfm_probe_buffer_free(data);
    return b;
}

static PyObject *py_probe_from_bytes(PyObject *self, PyObject *arg) {
    Py_buffer b;
    if (PyObject_GetBuffer(arg, &b, PyBUF_SIMPLE) < 0) return NULL;
    wfm_probe *p = NULL;
    wfm_error err = {0};
    wfm_status st = wfm_probe_load_buffer(b.buf, (size_t)b.len, &p, &err);
    PyBuffer_Release(&b);
    return st ? raise_core(ERR_MODEL, &err) : probe_capsule(p);
}

static PyObject *py_metric_names(PyObject *self, PyObject *unused) {
    PyObject *list = PyList_New(WFM_METRIC_COUNT);
    for (int k = 0; list && k < WFM_METRIC_COUNT; k++)
        PyList_SET_ITEM(list, k, PyUnicode_FromString(wfm_metric_name((wfm_metric)k)));
    return list;
}

PyMethodDef probe_methods[] = {
    {"probe_fit", (PyCFunction)(void (*)(void))py_probe_fit, METH_VARARGS | METH_KEYWORDS, "probe_fit(...) -> probe"},
    {"probe_info", py_probe_info, METH_O, "probe_info(probe) -> dict"},
    {"features_relative", py_features_relative, METH_VARARGS,
     "features_relative(X, n, d, groups, reference) -> None (X standardised within each group, in place)"},
    {"probe_coefficients", py_probe_coefficients, METH_O, "probe_coefficients(probe) -> (q, d, W, b, mean, std)"},
    {"probe_predict", py_probe_predict, METH_VARARGS, "probe_predict(probe, model, X, n, d, out, classes)"},
    {"probe_evaluate", py_probe_evaluate, METH_VARARGS, "probe_evaluate(probe, X, n, d, labels, targets) -> metrics"},
    {"probe_save", py_probe_save, METH_VARARGS, "probe_save(probe, path)"},
    {"probe_load", py_probe_load, METH_O, "probe_load(path) -> probe"},
    {"probe_to_bytes", py_probe_to_bytes, METH_O, "probe_to_bytes(probe) -> bytes (the probe file)"},
    {"probe_from_bytes", py_probe_from_bytes, METH_O, "probe_from_bytes(data) -> probe"},
    {"metric_names", py_metric_names, METH_NOARGS, "metric_names() -> names in wfm_metric order"},
    {NULL, NULL, 0, NULL}};
