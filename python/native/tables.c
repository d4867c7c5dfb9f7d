/* Minute tables through the C importers: minutes_parse (generic minute CSV)
 * and fitabase_import (Fitabase exports, merged per user). The values are
 * returned as a bytearray of float32 rows, which numpy views without a copy. */
#include "native.h"
#include <string.h>

/* (start_minute, [channel names], bytearray [n x C] float32) */
static PyObject *table_tuple(const wfm_minutes *t) {
    int C = wfm_minutes_channels(t);
    size_t n = wfm_minutes_length(t);
    PyObject *names = PyList_New(C);
    for (int c = 0; names && c < C; c++) {
        PyObject *s = PyUnicode_FromString(wfm_minutes_channel_name(t, c));
        if (!s) { Py_CLEAR(names); break; }
        PyList_SET_ITEM(names, c, s);
    }
    if (!names) return NULL;
    PyObject *values = PyByteArray_FromStringAndSize((const char *)wfm_minutes_values(t), (Py_ssize_t)(n * C * 4));
    if (!values) { Py_DECREF(names); return NULL; }
    return Py_BuildValue("LNN", (long long)wfm_minutes_start(t), names, values);
}

/* minutes_parse(data: bytes-like) -> (start, names, values, duplicates) */
static PyObject *py_minutes_parse(PyObject *self, PyObject *arg) {
    Py_buffer b;
    if (PyObject_GetBuffer(arg, &b, PyBUF_SIMPLE) < 0) return NULL;
    wfm_minutes *t = NULL;
    wfm_error err = {0};
    wfm_status st;
    Py_BEGIN_ALLOW_THREADS
    st = wfm_minutes_read_csv(b.buf, (size_t)b.len, &t, &err);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&b);
    if (st) return raise_core(ERR_INPUT, &err);
    PyObject *tup = table_tuple(t);
    PyObject *res = tup ? Py_BuildValue("Nn", tup, (Py_ssize_t)wfm_minutes_duplicates(t)) : NULL;
    wfm_minutes_free(t);
    return res;
}

static PyObject *counts_dict(const wfm_fitabase *fb) {
    wfm_fitabase_counts k;
    wfm_fitabase_get_counts(fb, &k);
    PyObject *d = Py_BuildValue("{s:n,s:n}", "files", (Py_ssize_t)k.files, "rows", (Py_ssize_t)k.rows);
    const char *keys[4] = {"values", "dropped", "duplicates", "conflicts"};
    const size_t *arr[4] = {k.values, k.dropped, k.duplicates, k.conflicts};
    for (int a = 0; d && a < 4; a++) {
        PyObject *per = PyDict_New();
        for (int c = 0; per && c < WFM_FITABASE_CHANNELS; c++) {
            PyObject *v = PyLong_FromSize_t(arr[a][c]);
            if (!v || PyDict_SetItemString(per, wfm_fitabase_channel_name(c), v) < 0) Py_CLEAR(per);
            Py_XDECREF(v);
        }
        if (!per || PyDict_SetItemString(d, keys[a], per) < 0) Py_CLEAR(d);
        Py_XDECREF(per);
    }
    return d;
}

/* fitabase_import(files: [(name, data)], nonwear_rule, min_minutes, min_minutes_no_hr,
 *                 sleep_outside_logs, users: [int] or None)
 * -> ([(user, start, names, values, nonwear_minutes)], counts, [(name, kind)])
 * A file that fails raises InputError naming it; nothing is returned then. */
static PyObject *py_fitabase_import(PyObject *self, PyObject *args) {
    PyObject *files, *users;
    wfm_fitabase_options opt = wfm_fitabase_default_options();
    int rule, sleep;
    if (!PyArg_ParseTuple(args, "O!iiiiO", &PyList_Type, &files, &rule, &opt.nonwear_min_minutes,
                          &opt.nonwear_min_minutes_no_hr, &sleep, &users))
        return NULL;
    opt.nonwear_rule = (wfm_nonwear_rule)rule;
    opt.sleep_outside_logs = (wfm_sleep_outside_logs)sleep;
    wfm_fitabase *fb = NULL;
    wfm_error err = {0};
    if (wfm_fitabase_create(&fb, &err)) return raise_core(ERR_INPUT, &err);
    PyObject *kinds = PyList_New(0), *out = NULL, *tables = NULL;
    for (Py_ssize_t i = 0; kinds && i < PyList_GET_SIZE(files); i++) {
        const char *name;
        Py_buffer b;
        if (!PyArg_ParseTuple(PyList_GET_ITEM(files, i), "sy*", &name, &b)) goto done;
        wfm_fitabase_kind kind;
        wfm_status st;
        Py_BEGIN_ALLOW_THREADS
        st = wfm_fitabase_add(fb, b.buf, (size_t)b.len, &kind, &err);
        Py_END_ALLOW_THREADS
        PyBuffer_Release(&b);
        if (st) {
            size_t n = strlen(name) + 3;
            char *prefix = PyMem_Malloc(n);
            if (!prefix) { PyErr_NoMemory(); goto done; }
            snprintf(prefix, n, "%s: ", name);
            raise_core_prefixed(ERR_INPUT, &err, prefix);
            PyMem_Free(prefix);
            goto done;
        }
        PyObject *k = Py_BuildValue("ss", name, wfm_fitabase_kind_name(kind));
        if (!k || PyList_Append(kinds, k) < 0) { Py_XDECREF(k); goto done; }
        Py_DECREF(k);
    }
    if (!kinds) goto done;
    tables = PyList_New(0);
    for (size_t i = 0; tables && i < wfm_fitabase_user_count(fb); i++) {
        long long id = (long long)wfm_fitabase_user_id(fb, i);
        if (users != Py_None) {
            PyObject *key = PyLong_FromLongLong(id);
            int want = key ? PySequence_Contains(users, key) : -1;
            Py_XDECREF(key);
            if (want < 0) goto done;
            if (!want) continue;
        }
        wfm_minutes *t = NULL;
        size_t nonwear = 0;
        wfm_status st;
        Py_BEGIN_ALLOW_THREADS
        st = wfm_fitabase_user_minutes(fb, (int64_t)id, &opt, &t, &nonwear, &err);
        Py_END_ALLOW_THREADS
        if (st) {
            char prefix[48];
            snprintf(prefix, sizeof prefix, "user %lld: ", id);
            raise_core_prefixed(ERR_INPUT, &err, prefix);
            goto done;
        }
        PyObject *tup = table_tuple(t);
        wfm_minutes_free(t);
        PyObject *row = tup ? Py_BuildValue("LNn", id, tup, (Py_ssize_t)nonwear) : NULL;
        if (!row || PyList_Append(tables, row) < 0) { Py_XDECREF(row); goto done; }
        Py_DECREF(row);
    }
    if (tables) out = Py_BuildValue("ONO", tables, counts_dict(fb), kinds);
done:
    Py_XDECREF(tables);
    Py_XDECREF(kinds);
    wfm_fitabase_free(fb);
    return out;
}

/* fitabase_detect(data) -> kind name, or None when the header is no Fitabase export */
static PyObject *py_fitabase_detect(PyObject *self, PyObject *arg) {
    Py_buffer b;
    if (PyObject_GetBuffer(arg, &b, PyBUF_SIMPLE) < 0) return NULL;
    wfm_fitabase_kind k = wfm_fitabase_detect(b.buf, (size_t)b.len);
    PyBuffer_Release(&b);
    if (k == WFM_FITABASE_UNKNOWN) Py_RETURN_NONE;
    return PyUnicode_FromString(wfm_fitabase_kind_name(k));
}

PyMethodDef table_methods[] = {
    {"minutes_parse", py_minutes_parse, METH_O, "minutes_parse(data) -> ((start, names, values), duplicates)"},
    {"fitabase_import", py_fitabase_import, METH_VARARGS,
     "fitabase_import(files, nonwear_rule, min_minutes, min_minutes_no_hr, sleep_outside_logs, users)"},
    {"fitabase_detect", py_fitabase_detect, METH_O, "fitabase_detect(data) -> kind name or None"},
    {NULL, NULL, 0, NULL}};
