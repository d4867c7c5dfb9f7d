/* Raw waveforms: the C readers (wfm_waveform_read_file) and the one window
 * rule of waveform models (wfm_waveform_prepare / wfm_waveform_window), so
 * Python gets exactly the windows `wearfm embed` embeds. */
#include "native.h"
#include <stdio.h>
#include <string.h>

/* waveform_read(path, format, unit, rate) -> (start, rate, channels, n, samples, unit, dropped)
 * format: 0 E4, 1 timestamp CSV; unit None or a name; rate 0 = estimate.
 * samples: a bytearray of n x channels float32 (row-major, NaN = missing);
 * dropped: a tuple of counts by wfm_drop_reason. */
static PyObject *py_waveform_read(PyObject *self, PyObject *args) {
    PyObject *path_obj;
    int format;
    const char *unit;
    double rate;
    if (!PyArg_ParseTuple(args, "O&izd", PyUnicode_FSConverter, &path_obj, &format, &unit, &rate)) return NULL;
    wfm_waveform_options o = {(wfm_waveform_format)format, unit, rate, 0};
    wfm_waveform *w = NULL;
    wfm_error err = {0};
    wfm_status st;
    Py_BEGIN_ALLOW_THREADS
    st = wfm_waveform_read_file(PyBytes_AS_STRING(path_obj), &o, &w, &err);
    Py_END_ALLOW_THREADS
    Py_DECREF(path_obj);
    if (st) /* the message names the file and line */
        return raise_core_prefixed(ERR_INPUT, &err, format == WFM_WAVEFORM_E4 ? "E4 CSV: " : "timestamp CSV: ");
    PyObject *samples = PyByteArray_FromStringAndSize((const char *)w->samples,
                                                      (Py_ssize_t)(w->n * (size_t)w->channels * sizeof(float)));
    PyObject *dropped = PyTuple_New(WFM_DROP_REASONS);
    for (int k = 0; dropped && k < WFM_DROP_REASONS; k++)
        PyTuple_SET_ITEM(dropped, k, PyLong_FromSize_t(w->dropped[k]));
    PyObject *res = samples && dropped ? Py_BuildValue("(ddinNsN)", w->start, w->rate, w->channels, (Py_ssize_t)w->n,
                                                       samples, w->unit, dropped)
                                       : NULL;
    if (!res) { Py_XDECREF(samples); Py_XDECREF(dropped); }
    wfm_waveform_free(w);
    return res;
}

/* waveform_windows(model, start, rate, unit, samples, n, channels, stride)
 *   -> (prepared_n, starts, x, observed, motion_g)
 * samples: n x channels float32; stride in samples at the model's rate (0 =
 * the window). starts, observed, motion_g: bytes of float64 [B]; x a
 * bytearray of float32 [B, T, C]. The GIL is released throughout. */
static PyObject *py_waveform_windows(PyObject *self, PyObject *args) {
    PyObject *mcap, *so;
    double start, rate;
    const char *unit;
    Py_ssize_t n, stride;
    int channels;
    if (!PyArg_ParseTuple(args, "OddsOnin", &mcap, &start, &rate, &unit, &so, &n, &channels, &stride)) return NULL;
    wfm_model *m = model_from(mcap);
    if (!m) return NULL;
    if (n < 1 || channels < 1 || stride < 0) {
        PyErr_SetString(PyExc_ValueError, "waveform_windows: n >= 1, channels >= 1 and stride >= 0");
        return NULL;
    }
    Py_buffer sv;
    if (get_buffer(so, &sv, "f", n * channels, 0, 0, "samples")) return NULL;
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    wfm_waveform w = {0};
    w.start = start;
    w.rate = rate;
    w.channels = channels;
    w.n = (size_t)n;
    w.samples = sv.buf; /* read only */
    w.unit = unit;
    wfm_waveform *p = NULL;
    wfm_error err = {0};
    wfm_status st;
    Py_BEGIN_ALLOW_THREADS
    st = wfm_waveform_prepare(m, &w, &p, &err);
    Py_END_ALLOW_THREADS
    release_buffer(&sv);
    if (st) return raise_core(st == WFM_ERR_UNSUPPORTED ? ERR_MODEL : ERR_INPUT, &err);
    const size_t B = wfm_waveform_window_count(m, p, (size_t)stride);
    const size_t TC = (size_t)info.window_samples * (size_t)info.n_channels;
    PyObject *starts = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(B * sizeof(double)));
    PyObject *observed = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(B * sizeof(double)));
    PyObject *motion = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(B * sizeof(double)));
    PyObject *x = B > (size_t)PY_SSIZE_T_MAX / sizeof(float) / (TC ? TC : 1)
                      ? PyErr_NoMemory()
                      : PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(B * TC * sizeof(float)));
    PyObject *res = NULL;
    if (!starts || !observed || !motion || !x) goto done;
    double *st_p = (double *)PyBytes_AS_STRING(starts), *ob_p = (double *)PyBytes_AS_STRING(observed),
           *mo_p = (double *)PyBytes_AS_STRING(motion);
    float *xp = (float *)PyByteArray_AS_STRING(x);
    st = WFM_OK;
    size_t failed = 0;
    Py_BEGIN_ALLOW_THREADS
    for (size_t i = 0; i < B; i++) {
        wfm_window_summary s;
        if ((st = wfm_waveform_window(m, p, i, (size_t)stride, xp + i * TC, st_p + i, &s, &err))) { failed = i; break; }
        ob_p[i] = s.observed;
        mo_p[i] = s.motion_g;
    }
    Py_END_ALLOW_THREADS
    if (st) {
        char prefix[48];
        snprintf(prefix, sizeof prefix, "window %zu: ", failed);
        raise_core_prefixed(ERR_INPUT, &err, prefix);
        goto done;
    }
    res = Py_BuildValue("(nOOOO)", (Py_ssize_t)p->n, starts, x, observed, motion);
done:
    Py_XDECREF(starts); Py_XDECREF(observed); Py_XDECREF(motion); Py_XDECREF(x);
    wfm_waveform_free(p);
    return res;
}

PyMethodDef waveform_methods[] = {
    {"waveform_read", py_waveform_read, METH_VARARGS,
     "waveform_read(path, format, unit, rate) -> (start, rate, channels, n, samples, unit, dropped)"},
    {"waveform_windows", py_waveform_windows, METH_VARARGS,
     "waveform_windows(model, start, rate, unit, samples, n, channels, stride) -> (n, starts, x, observed, motion_g)"},
    {NULL, NULL, 0, NULL}};
