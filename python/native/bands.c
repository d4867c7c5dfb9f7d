/* Fill bands: the C core's interval around each fill (include/wearfm/fill_bands.h),
 * so Python writes the same <ch>_low/<ch>_high columns as `wearfm impute --bands`. */
#include "native.h"

/* fill_bands(model, text, x, filled, n_windows) -> (low, high, channels)
 * text: the bytes of a .fill-bands.json (checked against the model);
 * x, filled: float32 [B, T, C] (the input with NaN gaps, the imputed output);
 * low, high: bytearrays of float32 [B, T, C], NaN where there is no interval;
 * channels: a tuple of 0/1 per model channel, 1 where the file has bands. */
static PyObject *py_fill_bands(PyObject *self, PyObject *args) {
    PyObject *mcap, *xo, *fo;
    const char *text;
    Py_ssize_t len, B;
    if (!PyArg_ParseTuple(args, "Oy#OOn", &mcap, &text, &len, &xo, &fo, &B)) return NULL;
    wfm_model *m = model_from(mcap);
    if (!m) return NULL;
    if (B < 0) { PyErr_SetString(PyExc_ValueError, "fill_bands: n_windows >= 0"); return NULL; }
    wfm_model_info info;
    wfm_model_get_info(m, &info);
    const Py_ssize_t TC = (Py_ssize_t)info.window_minutes * info.n_channels;
    wfm_fill_bands *b = NULL;
    wfm_error err = {0};
    if (wfm_fill_bands_load(m, text, (size_t)len, &b, &err)) return raise_core(ERR_INPUT, &err);
    Py_buffer xv, fv;
    PyObject *lo = NULL, *hi = NULL, *res = NULL;
    if (get_buffer(xo, &xv, "f", B * TC, 0, 0, "x")) goto done_bands;
    if (get_buffer(fo, &fv, "f", B * TC, 0, 0, "filled")) goto done_x;
    lo = PyByteArray_FromStringAndSize(NULL, B * TC * (Py_ssize_t)sizeof(float));
    hi = PyByteArray_FromStringAndSize(NULL, B * TC * (Py_ssize_t)sizeof(float));
    if (!lo || !hi) goto done;
    wfm_status st = WFM_OK;
    float *l = (float *)PyByteArray_AS_STRING(lo), *h = (float *)PyByteArray_AS_STRING(hi);
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t w = 0; w < B && !st; w++)
        st = wfm_fill_bands_window(b, (const float *)xv.buf + w * TC, (const float *)fv.buf + w * TC, l + w * TC,
                                   h + w * TC, &err);
    Py_END_ALLOW_THREADS
    if (st) { raise_core(ERR_INPUT, &err); goto done; }
    PyObject *chans = PyTuple_New(info.n_channels);
    for (int c = 0; chans && c < info.n_channels; c++)
        PyTuple_SET_ITEM(chans, c, PyLong_FromLong(wfm_fill_bands_has_channel(b, c)));
    if (chans) res = Py_BuildValue("(OON)", lo, hi, chans);
done:
    Py_XDECREF(lo);
    Py_XDECREF(hi);
    release_buffer(&fv);
done_x:
    release_buffer(&xv);
done_bands:
    wfm_fill_bands_free(b);
    return res;
}

PyMethodDef bands_methods[] = {
    {"fill_bands", py_fill_bands, METH_VARARGS, "fill_bands(model, text, x, filled, n_windows) -> (low, high, channels)"},
    {NULL, NULL, 0, NULL}};
