/* wearfm._native: a thin CPython binding of include/wearfm.h.
 *
 * Why a small CPython extension and not cffi: it is compiled against the
 * header, so the compiler checks every struct layout the binding touches
 * (cffi's ABI mode would trust a hand-copied cdef, and its API mode needs
 * a code-generation step at build time); it needs nothing at run time
 * beyond Python, takes numpy arrays through the buffer protocol without
 * copying (no numpy headers, so no build-time numpy ABI), and releases the
 * GIL exactly around the C calls that compute. The Python classes on top
 * (wearfm/*.py) do the shapes, dtypes and pandas. */
#include "native.h"
#include <string.h>

static PyObject *model_error, *input_error;

int errors_init(void) {
    PyObject *mod = PyImport_ImportModule("wearfm.errors");
    if (!mod) return -1;
    model_error = PyObject_GetAttrString(mod, "ModelError");
    input_error = PyObject_GetAttrString(mod, "InputError");
    Py_DECREF(mod);
    return model_error && input_error ? 0 : -1;
}

PyObject *raise_core_prefixed(err_kind kind, const wfm_error *err, const char *prefix) {
    if (err->status == WFM_ERR_NO_MEMORY) return PyErr_NoMemory();
    const char *msg = err->message[0] ? err->message : wfm_status_string(err->status);
    PyObject *cls = kind == ERR_MODEL ? model_error : input_error;
    PyObject *exc = PyObject_CallFunction(cls, "(Ni)", PyUnicode_FromFormat("%s%s", prefix ? prefix : "", msg),
                                          (int)err->status);
    if (exc) {
        PyErr_SetObject(cls, exc);
        Py_DECREF(exc);
    }
    return NULL;
}

PyObject *raise_core(err_kind kind, const wfm_error *err) { return raise_core_prefixed(kind, err, NULL); }

wfm_model *model_from(PyObject *capsule) { return PyCapsule_GetPointer(capsule, MODEL_CAPSULE); }
wfm_probe *probe_from(PyObject *capsule) { return PyCapsule_GetPointer(capsule, PROBE_CAPSULE); }

/* Struct formats may carry a native byte-order prefix ('=', '@', '<' here). */
static int format_is(const char *have, const char *want) {
    if (!have) have = "B";
    if (*have == '@' || *have == '=' || (*have == '<' && PY_LITTLE_ENDIAN)) have++;
    return !strcmp(have, want);
}

int get_buffer(PyObject *obj, Py_buffer *view, const char *fmt, Py_ssize_t count, int writable, int none_ok,
               const char *what) {
    memset(view, 0, sizeof *view);
    if (obj == Py_None) {
        if (none_ok) return 0;
        PyErr_Format(PyExc_TypeError, "%s: an array is required", what);
        return -1;
    }
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) return -1;
    if (view->itemsize != 4 || !format_is(view->format, fmt)) {
        PyErr_Format(PyExc_TypeError, "%s: expected %s items, got format '%s'", what,
                     !strcmp(fmt, "f") ? "float32" : "int32", view->format ? view->format : "B");
        PyBuffer_Release(view);
        return -1;
    }
    if (count >= 0 && view->len != count * 4) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd items, got %zd", what, count, view->len / 4);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

void release_buffer(Py_buffer *view) {
    if (view->obj) PyBuffer_Release(view);
}

static PyObject *py_version(PyObject *self, PyObject *args) { return PyUnicode_FromString(wfm_version()); }

static PyMethodDef module_methods[] = {
    {"version", py_version, METH_NOARGS, "The C core's version string."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module_def = {PyModuleDef_HEAD_INIT, "wearfm._native",
                                        "Thin binding of the wearfm C core (include/wearfm.h).", -1, NULL};

static int add_methods(PyObject *m, PyMethodDef *defs) {
    for (PyMethodDef *d = defs; d->ml_name; d++) {
        PyObject *name = PyModule_GetNameObject(m);
        PyObject *f = name ? PyCFunction_NewEx(d, NULL, name) : NULL;
        Py_XDECREF(name);
        if (!f || PyModule_AddObject(m, d->ml_name, f) < 0) { Py_XDECREF(f); return -1; }
    }
    return 0;
}

PyMODINIT_FUNC PyInit__native(void) {
    PyObject *m = PyModule_Create(&module_def);
    if (!m) return NULL;
    if (errors_init() < 0 || add_methods(m, module_methods) < 0 || add_methods(m, model_methods) < 0 ||
        add_methods(m, table_methods) < 0 || add_methods(m, probe_methods) < 0 ||
        add_methods(m, waveform_methods) < 0 || add_methods(m, bands_methods) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
