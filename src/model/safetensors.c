/* safetensors header validation. Every check a loader would otherwise need
 * (sizes, overflow, coverage of the data buffer) happens here, once. */
#include "model/safetensors.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include "platform/json.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define META_KEY "__metadata__"

size_t wfm_dtype_size(wfm_dtype dtype) { return dtype == WFM_DTYPE_F32 ? 4 : 2; }

const char *wfm_dtype_name(wfm_dtype dtype) {
    switch (dtype) {
    case WFM_DTYPE_F32: return "F32";
    case WFM_DTYPE_F16: return "F16";
    case WFM_DTYPE_BF16: return "BF16";
    }
    return "?";
}

/* ---- header length ---------------------------------------------------- */

wfm_status wfm_st_header_length(const uint8_t first8[8], uint64_t file_size,
                                uint64_t *header_len, wfm_error *err) {
    if (!first8 || !header_len) return wfm_fail(err, WFM_ERR_INVALID_ARG, "safetensors: NULL argument");
    *header_len = 0;
    if (file_size < 8)
        return wfm_fail(err, WFM_ERR_FORMAT,
                        "file is %" PRIu64 " bytes: too short for a safetensors header", file_size);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = n << 8 | first8[i];
    if (n < WFM_ST_MIN_HEADER)
        return wfm_fail(err, WFM_ERR_FORMAT, "header length %" PRIu64 " is too small", n);
    if (n > WFM_ST_MAX_HEADER)
        return wfm_fail(err, WFM_ERR_FORMAT,
                        "header length %" PRIu64 " exceeds the 100 MiB limit", n);
    if (n > file_size - 8) /* file_size >= 8 here: no wrap-around */
        return wfm_fail(err, WFM_ERR_FORMAT,
                        "header length %" PRIu64 " runs past the end of the file (%" PRIu64 " bytes)",
                        n, file_size);
    *header_len = n;
    return WFM_OK;
}

/* ---- header ----------------------------------------------------------- */

static void fmt_shape(char *buf, size_t cap, const wfm_st_tensor *t) {
    size_t o = 0;
    o += (size_t)snprintf(buf, cap, "[");
    for (int i = 0; i < t->ndim && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%" PRIu64, i ? ", " : "", t->shape[i]);
    if (o < cap) snprintf(buf + o, cap - o, "]");
}

/* "tensor 'name': <problem>" */
static wfm_status tensor_fail(wfm_error *err, const char *name, size_t name_len,
                              const char *fmt, const char *detail) {
    char q[96];
    wfm_json_quote(q, sizeof q, name, name_len);
    return wfm_fail(err, WFM_ERR_FORMAT, "tensor '%s': %s%s", q, fmt, detail ? detail : "");
}

static int parse_dtype(const wfm_json *v, wfm_dtype *out) {
    const char *s = wfm_json_string(v);
    if (!s || !wfm_json_string_is_c(v)) return 0;
    if (!strcmp(s, "F32")) *out = WFM_DTYPE_F32;
    else if (!strcmp(s, "F16")) *out = WFM_DTYPE_F16;
    else if (!strcmp(s, "BF16")) *out = WFM_DTYPE_BF16;
    else return 0;
    return 1;
}

/* One tensor entry: {"dtype": ..., "shape": [...], "data_offsets": [b, e]}. */
static wfm_status parse_tensor(const wfm_json *m, uint64_t data_size, wfm_st_tensor *t,
                               wfm_error *err) {
    const char *name = m->key;
    size_t nl = m->key_len;
    char buf[192];
    if (nl == 0) return wfm_fail(err, WFM_ERR_FORMAT, "tensor name is empty");
    if (nl > WFM_ST_MAX_NAME) {
        snprintf(buf, sizeof buf, "%zu bytes (at most %d)", nl, WFM_ST_MAX_NAME);
        return tensor_fail(err, name, nl, "name is too long: ", buf);
    }
    if (memchr(name, 0, nl)) return tensor_fail(err, name, nl, "name contains a NUL character", NULL);
    if (!wfm_json_is(m, WFM_JSON_OBJECT)) {
        snprintf(buf, sizeof buf, "entry is %s, not an object", wfm_json_kind(m->type));
        return tensor_fail(err, name, nl, buf, NULL);
    }
    for (size_t i = 0; i < wfm_json_count(m); i++) {
        const wfm_json *k = wfm_json_at(m, i);
        if (k->key_len == 5 && !memcmp(k->key, "dtype", 5)) continue;
        if (k->key_len == 5 && !memcmp(k->key, "shape", 5)) continue;
        if (k->key_len == 12 && !memcmp(k->key, "data_offsets", 12)) continue;
        char q[64];
        wfm_json_quote(q, sizeof q, k->key, k->key_len);
        snprintf(buf, sizeof buf, "unexpected key '%s'", q);
        return tensor_fail(err, name, nl, buf, NULL);
    }
    const wfm_json *dt = wfm_json_get(m, "dtype"), *sh = wfm_json_get(m, "shape"),
                   *off = wfm_json_get(m, "data_offsets");
    if (!dt) return tensor_fail(err, name, nl, "missing \"dtype\"", NULL);
    if (!sh) return tensor_fail(err, name, nl, "missing \"shape\"", NULL);
    if (!off) return tensor_fail(err, name, nl, "missing \"data_offsets\"", NULL);

    if (!parse_dtype(dt, &t->dtype)) {
        if (!wfm_json_is(dt, WFM_JSON_STRING))
            return tensor_fail(err, name, nl, "dtype is not a string", NULL);
        char q[48];
        wfm_json_quote(q, sizeof q, dt->u.string, dt->len);
        snprintf(buf, sizeof buf, "unsupported dtype '%s' (wearfm reads F32, F16 and BF16)", q);
        return tensor_fail(err, name, nl, buf, NULL);
    }

    if (!wfm_json_is(sh, WFM_JSON_ARRAY))
        return tensor_fail(err, name, nl, "shape is not an array", NULL);
    if (wfm_json_count(sh) > WFM_ST_MAX_DIMS) {
        snprintf(buf, sizeof buf, "shape has %zu dims (at most %d)", wfm_json_count(sh), WFM_ST_MAX_DIMS);
        return tensor_fail(err, name, nl, buf, NULL);
    }
    t->ndim = (int)wfm_json_count(sh);
    uint64_t numel = 1;
    int overflow = 0, zero = 0;
    for (int i = 0; i < t->ndim; i++) {
        int64_t d;
        if (!wfm_json_int64(wfm_json_at(sh, (size_t)i), &d) || d < 0) {
            snprintf(buf, sizeof buf, "shape[%d] is not a non-negative integer", i);
            return tensor_fail(err, name, nl, buf, NULL);
        }
        t->shape[i] = (uint64_t)d;
        if (d == 0) zero = 1;
        else if (numel > UINT64_MAX / (uint64_t)d) overflow = 1;
        else numel *= (uint64_t)d;
    }
    size_t es = wfm_dtype_size(t->dtype);
    if (zero) numel = 0;
    char shp[128];
    fmt_shape(shp, sizeof shp, t);
    if (!zero && (overflow || numel > UINT64_MAX / es)) {
        snprintf(buf, sizeof buf, "shape %s has too many elements", shp);
        return tensor_fail(err, name, nl, buf, NULL);
    }
    t->numel = numel;
    uint64_t bytes = numel * es;

    int64_t b, e;
    if (!wfm_json_is(off, WFM_JSON_ARRAY) || wfm_json_count(off) != 2)
        return tensor_fail(err, name, nl, "data_offsets must be an array [begin, end]", NULL);
    if (!wfm_json_int64(wfm_json_at(off, 0), &b) || !wfm_json_int64(wfm_json_at(off, 1), &e) ||
        b < 0 || e < 0)
        return tensor_fail(err, name, nl, "data_offsets must be non-negative integers", NULL);
    if (b > e) {
        snprintf(buf, sizeof buf, "data_offsets [%" PRId64 ", %" PRId64 "] end before they begin", b, e);
        return tensor_fail(err, name, nl, buf, NULL);
    }
    t->begin = (uint64_t)b;
    t->end = (uint64_t)e;
    if (t->end - t->begin != bytes) {
        snprintf(buf, sizeof buf,
                 "data_offsets length %" PRIu64 " does not match shape %s x %s (%" PRIu64 " bytes)",
                 t->end - t->begin, shp, wfm_dtype_name(t->dtype), bytes);
        return tensor_fail(err, name, nl, buf, NULL);
    }
    if (t->end > data_size) {
        snprintf(buf, sizeof buf,
                 "data_offsets [%" PRIu64 ", %" PRIu64 "] run past the data buffer (%" PRIu64 " bytes)",
                 t->begin, t->end, data_size);
        return tensor_fail(err, name, nl, buf, NULL);
    }
    return WFM_OK;
}

static int by_offset(const void *a, const void *b) {
    const wfm_st_tensor *x = *(const wfm_st_tensor *const *)a, *y = *(const wfm_st_tensor *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int by_name(const void *a, const void *b) {
    const wfm_st_tensor *x = *(const wfm_st_tensor *const *)a, *y = *(const wfm_st_tensor *const *)b;
    return strcmp(x->name, y->name);
}

/* Sorted by offset, the tensors must tile [0, data_size) exactly. */
static wfm_status check_coverage(wfm_st_file *f, const wfm_st_tensor **sorted, wfm_error *err) {
    char q1[96], q2[96];
    uint64_t pos = 0;
    const wfm_st_tensor *prev = NULL;
    for (size_t i = 0; i < f->n_tensors; i++) {
        const wfm_st_tensor *t = sorted[i];
        wfm_json_quote(q1, sizeof q1, t->name, strlen(t->name));
        if (t->begin > pos)
            return wfm_fail(err, WFM_ERR_FORMAT,
                            "data buffer bytes [%" PRIu64 ", %" PRIu64 ") belong to no tensor "
                            "(gap before tensor '%s')", pos, t->begin, q1);
        if (t->begin < pos) {
            wfm_json_quote(q2, sizeof q2, prev->name, strlen(prev->name));
            return wfm_fail(err, WFM_ERR_FORMAT,
                            "tensor '%s': data_offsets [%" PRIu64 ", %" PRIu64 "] overlap tensor '%s' "
                            "[%" PRIu64 ", %" PRIu64 "]", q1, t->begin, t->end, q2, prev->begin, prev->end);
        }
        pos = t->end;
        prev = t;
    }
    if (pos != f->data_size)
        return wfm_fail(err, WFM_ERR_FORMAT,
                        "tensors cover %" PRIu64 " bytes but the data buffer has %" PRIu64
                        " (%" PRIu64 " trailing bytes)", pos, f->data_size, f->data_size - pos);
    return WFM_OK;
}

static wfm_status check_metadata(const wfm_json *meta, wfm_error *err) {
    if (!wfm_json_is(meta, WFM_JSON_OBJECT))
        return wfm_fail(err, WFM_ERR_FORMAT, "__metadata__ is %s, not an object",
                        wfm_json_kind(meta->type));
    char q[96];
    for (size_t i = 0; i < wfm_json_count(meta); i++) {
        const wfm_json *m = wfm_json_at(meta, i);
        wfm_json_quote(q, sizeof q, m->key, m->key_len);
        if (!wfm_json_is(m, WFM_JSON_STRING))
            return wfm_fail(err, WFM_ERR_FORMAT, "__metadata__['%s'] is %s, not a string", q,
                            wfm_json_kind(m->type));
        if (memchr(m->key, 0, m->key_len))
            return wfm_fail(err, WFM_ERR_FORMAT, "__metadata__ key '%s' contains a NUL character", q);
        if (!wfm_json_string_is_c(m))
            return wfm_fail(err, WFM_ERR_FORMAT, "__metadata__['%s'] contains a NUL character", q);
    }
    return WFM_OK;
}

static int is_meta(const wfm_json *m) {
    return m->key_len == sizeof META_KEY - 1 && !memcmp(m->key, META_KEY, m->key_len);
}

static char *copy_str(char **cursor, const char *s, size_t n) {
    char *d = *cursor;
    memcpy(d, s, n);
    d[n] = 0;
    *cursor += n + 1;
    return d;
}

static wfm_status fill(wfm_st_file *f, const wfm_json *root, uint64_t data_size, wfm_error *err) {
    const wfm_json *meta = NULL;
    size_t n_members = wfm_json_count(root), str_bytes = 0;
    for (size_t i = 0; i < n_members; i++) {
        const wfm_json *m = wfm_json_at(root, i);
        if (is_meta(m)) meta = m;
        else f->n_tensors++;
        str_bytes += m->key_len + 1;
    }
    if (meta) {
        wfm_status st = check_metadata(meta, err);
        if (st) return st;
        f->n_metadata = wfm_json_count(meta);
        for (size_t i = 0; i < f->n_metadata; i++) {
            const wfm_json *m = wfm_json_at(meta, i);
            str_bytes += m->key_len + 1 + m->len + 1;
        }
    }
    f->data_size = data_size;
    size_t nt = f->n_tensors ? f->n_tensors : 1, nm = f->n_metadata ? f->n_metadata : 1;
    f->tensors = wfm_calloc(nt, sizeof *f->tensors);
    f->by_name = wfm_calloc(nt, sizeof *f->by_name);
    f->meta_keys = wfm_calloc(nm, sizeof *f->meta_keys);
    f->meta_values = wfm_calloc(nm, sizeof *f->meta_values);
    f->strings = wfm_malloc(str_bytes ? str_bytes : 1);
    const wfm_st_tensor **sorted = wfm_malloc(nt * sizeof *sorted);
    wfm_status st = WFM_OK;
    if (!f->tensors || !f->by_name || !f->meta_keys || !f->meta_values || !f->strings || !sorted) {
        st = wfm_fail(err, WFM_ERR_NO_MEMORY, "safetensors: out of memory");
        goto done;
    }
    char *cur = f->strings;
    size_t k = 0;
    for (size_t i = 0; i < n_members; i++) {
        const wfm_json *m = wfm_json_at(root, i);
        if (is_meta(m)) continue;
        wfm_st_tensor *t = &f->tensors[k];
        if ((st = parse_tensor(m, data_size, t, err))) goto done;
        t->name = copy_str(&cur, m->key, m->key_len);
        sorted[k] = f->by_name[k] = t;
        k++;
    }
    for (size_t i = 0; i < f->n_metadata; i++) {
        const wfm_json *m = wfm_json_at(meta, i);
        f->meta_keys[i] = copy_str(&cur, m->key, m->key_len);
        f->meta_values[i] = copy_str(&cur, m->u.string, m->len);
    }
    qsort(sorted, f->n_tensors, sizeof *sorted, by_offset);
    qsort(f->by_name, f->n_tensors, sizeof *f->by_name, by_name);
    st = check_coverage(f, sorted, err);
done:
    free(sorted);
    return st;
}

wfm_status wfm_st_parse_header(const char *json, size_t len, uint64_t data_size,
                               wfm_st_file *out, wfm_error *err) {
    if (!out || (!json && len)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "safetensors: NULL argument");
    memset(out, 0, sizeof *out);
    wfm_json_doc *doc = NULL;
    wfm_status st = wfm_json_parse(json, len, &doc, err);
    if (st) {
        wfm_error_prefix(err, "header");
        return st;
    }
    const wfm_json *root = wfm_json_root(doc);
    if (!wfm_json_is(root, WFM_JSON_OBJECT))
        st = wfm_fail(err, WFM_ERR_FORMAT, "header: JSON is %s, not an object",
                      wfm_json_kind(root->type));
    else
        st = fill(out, root, data_size, err);
    wfm_json_free(doc);
    if (st) wfm_st_free(out);
    return st;
}

wfm_status wfm_st_parse_buffer(const void *buf, size_t size, wfm_st_file *out, wfm_error *err) {
    if (!out || (!buf && size)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "safetensors: NULL argument");
    memset(out, 0, sizeof *out);
    static const uint8_t none[8] = {0};
    uint64_t hl;
    wfm_status st = wfm_st_header_length(buf ? buf : none, size, &hl, err);
    if (st) return st;
    const char *p = buf;
    st = wfm_st_parse_header(p + 8, (size_t)hl, (uint64_t)size - 8 - hl, out, err);
    if (st) return st;
    out->header_len = hl;
    out->data_offset = 8 + hl;
    return WFM_OK;
}

void wfm_st_free(wfm_st_file *f) {
    if (!f) return;
    free(f->tensors);
    free(f->by_name);
    free(f->meta_keys);
    free(f->meta_values);
    free(f->strings);
    memset(f, 0, sizeof *f);
}

const wfm_st_tensor *wfm_st_find(const wfm_st_file *f, const char *name) {
    if (!f || !name) return NULL;
    size_t lo = 0, hi = f->n_tensors;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, f->by_name[mid]->name);
        if (!c) return f->by_name[mid];
        if (c < 0) hi = mid;
        else lo = mid + 1;
    }
    return NULL;
}

const char *wfm_st_metadata(const wfm_st_file *f, const char *key) {
    if (!f || !key) return NULL;
    for (size_t i = 0; i < f->n_metadata; i++)
        if (!strcmp(f->meta_keys[i], key)) return f->meta_values[i];
    return NULL;
}

/* ---- conversions ------------------------------------------------------ */

static float from_bits(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

float wfm_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = h >> 10 & 0x1F, man = h & 0x3FF;
    if (exp == 0x1F) return from_bits(sign | 0x7F800000 | man << 13); /* inf / NaN */
    if (exp) return from_bits(sign | (exp + 112) << 23 | man << 13);
    if (!man) return from_bits(sign);
    /* Subnormal man * 2^-24: normalise into an f32 exponent. */
    uint32_t e = 113; /* f32 biased exponent of 2^-14 */
    while (!(man & 0x400)) {
        man <<= 1;
        e--;
    }
    return from_bits(sign | e << 23 | (man & 0x3FF) << 13);
}

float wfm_bf16_to_f32(uint16_t b) { return from_bits((uint32_t)b << 16); }

uint16_t wfm_f32_to_f16(float f) {
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    uint16_t sign = (uint16_t)(x >> 16 & 0x8000);
    uint32_t ax = x & 0x7FFFFFFF;
    if (ax > 0x7F800000) return (uint16_t)(sign | 0x7E00 | (ax >> 13 & 0x3FF)); /* quiet NaN */
    if (ax >= 0x477FF000) return (uint16_t)(sign | 0x7C00); /* >= 65520 rounds to inf */
    if (ax >= 0x38800000) { /* normal f16 */
        uint32_t r = ax - 0x38000000; /* rebias exponent 127 -> 15 */
        r += 0xFFF + (r >> 13 & 1);   /* round half to even; a carry bumps the exponent */
        return (uint16_t)(sign | r >> 13);
    }
    if (ax <= 0x33000000) return sign; /* <= 2^-25: rounds (ties to even) to zero */
    /* Subnormal f16: count units of 2^-24. */
    uint32_t e = ax >> 23, m = (ax & 0x7FFFFF) | 0x800000;
    uint32_t shift = 126 - e; /* 14..24 */
    uint32_t q = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1))) q++;
    return (uint16_t)(sign | q); /* q == 0x400 is the smallest normal: still right */
}

uint16_t wfm_f32_to_bf16(float f) {
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    if ((x & 0x7FFFFFFF) > 0x7F800000) return (uint16_t)(x >> 16 | 0x0040); /* keep NaN a NaN */
    return (uint16_t)((x + 0x7FFF + (x >> 16 & 1)) >> 16);
}

void wfm_st_to_f32(wfm_dtype dtype, const void *src, size_t count, float *dst) {
    const uint8_t *s = src;
    switch (dtype) {
    case WFM_DTYPE_F32:
        for (size_t i = 0; i < count; i++, s += 4)
            dst[i] = from_bits((uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 |
                               (uint32_t)s[3] << 24);
        break;
    case WFM_DTYPE_F16:
        for (size_t i = 0; i < count; i++, s += 2)
            dst[i] = wfm_f16_to_f32((uint16_t)(s[0] | s[1] << 8));
        break;
    case WFM_DTYPE_BF16:
        for (size_t i = 0; i < count; i++, s += 2)
            dst[i] = wfm_bf16_to_f32((uint16_t)(s[0] | s[1] << 8));
        break;
    }
}
