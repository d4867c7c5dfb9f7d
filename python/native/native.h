/* Shared by the sources of the wearfm._native extension: the capsules that
 * own C handles, typed errors, and checked access to buffers. */
#ifndef WFM_PY_NATIVE_H
#define WFM_PY_NATIVE_H
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "wearfm.h"

/* Which Python exception a failing C call raises (wearfm.errors). */
typedef enum err_kind { ERR_MODEL = 0, ERR_INPUT = 1 } err_kind;

/* Raises the wearfm.errors class for `kind` (MemoryError for
 * WFM_ERR_NO_MEMORY) with the core's message and status; returns NULL. */
PyObject *raise_core(err_kind kind, const wfm_error *err);
/* The same with a message prefix, e.g. "window 3: ". */
PyObject *raise_core_prefixed(err_kind kind, const wfm_error *err, const char *prefix);
int errors_init(void);

/* Capsule names; each capsule owns its handle and frees it when collected. */
#define MODEL_CAPSULE "wearfm.model"
#define STATE_CAPSULE "wearfm.state"
#define PROBE_CAPSULE "wearfm.probe"
wfm_model *model_from(PyObject *capsule);   /* NULL with TypeError set */
wfm_probe *probe_from(PyObject *capsule);

/* A C-contiguous buffer of `count` items of struct format `fmt` ("f", "i"),
 * writable when asked. Py_None gives an empty view and returns 0 with
 * view->buf NULL when `none_ok`. On failure: -1 with ValueError/TypeError. */
int get_buffer(PyObject *obj, Py_buffer *view, const char *fmt, Py_ssize_t count, int writable, int none_ok,
               const char *what);
void release_buffer(Py_buffer *view);

/* Method tables of each file, joined in module.c. */
extern PyMethodDef model_methods[];
extern PyMethodDef table_methods[];
extern PyMethodDef probe_methods[];
extern PyMethodDef waveform_methods[];
extern PyMethodDef bands_methods[];
#endif
