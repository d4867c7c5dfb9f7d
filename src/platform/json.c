/* Strict JSON parser: recursive descent (depth-limited), values collected on
 * a scratch stack and copied into an arena when their container closes, so
 * every array/object ends up as one contiguous, pointer-stable slice. */
#include "platform/json.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Implementation limits (RFC 8259 section 9 allows them). */
#define MAX_NUMBER_CHARS 400        /* longer numbers are surely not model data */
#define MAX_VALUES (1u << 20)       /* bounds memory for hostile headers (~64 MiB of nodes) */
#define ARENA_ALIGN 16
#define ARENA_MIN_BLOCK 1024
#define ARENA_MAX_BLOCK (1u << 20)

typedef struct arena_block {
    struct arena_block *next;
    size_t used, cap;
} arena_block;
#define BLOCK_HDR ((sizeof(arena_block) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1))

struct wfm_json_doc {
    arena_block *blocks;
    size_t next_cap;
    const wfm_json *root;
};

typedef struct parser {
    const unsigned char *s;
    size_t len, pos;
    int depth;
    size_t n_values;
    wfm_json_doc *doc;
    wfm_json *stack;   /* finished values waiting for their container to close */
    size_t sp, scap;
    wfm_error *err;
    wfm_status status;
} parser;

/* ---- arena ------------------------------------------------------------ */

static void *arena_alloc(wfm_json_doc *d, size_t n) {
    if (n > SIZE_MAX - BLOCK_HDR - ARENA_ALIGN) return NULL;
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    arena_block *b = d->blocks;
    if (b && b->cap - b->used >= n) {
        void *p = (char *)b + BLOCK_HDR + b->used;
        b->used += n;
        return p;
    }
    size_t cap = n > d->next_cap ? n : d->next_cap;
    arena_block *nb = wfm_malloc(BLOCK_HDR + cap);
    if (!nb) return NULL;
    nb->cap = cap;
    nb->used = n;
    if (b && n > d->next_cap / 2) {
        /* A big one-off: keep the current block in front for small requests. */
        nb->next = b->next;
        b->next = nb;
    } else {
        nb->next = b;
        d->blocks = nb;
        if (d->next_cap < ARENA_MAX_BLOCK) d->next_cap *= 2;
    }
    return (char *)nb + BLOCK_HDR;
}

void wfm_json_free(wfm_json_doc *doc) {
    if (!doc) return;
    arena_block *b = doc->blocks;
    while (b) {
        arena_block *next = b->next;
        free(b);
        b = next;
    }
    free(doc);
}

const wfm_json *wfm_json_root(const wfm_json_doc *doc) { return doc ? doc->root : NULL; }

/* ---- errors ----------------------------------------------------------- */

static int fail_at(parser *p, size_t at, const char *what) {
    p->status = WFM_ERR_FORMAT;
    wfm_fail(p->err, WFM_ERR_FORMAT, "json: %s at byte %zu", what, at);
    return -1;
}

/* "unexpected character 'x'" or "unexpected byte 0xNN" at the current position. */
static int fail_char(parser *p) {
    unsigned char c = p->s[p->pos];
    char what[40];
    if (c > 0x20 && c < 0x7F) snprintf(what, sizeof what, "unexpected character '%c'", c);
    else snprintf(what, sizeof what, "unexpected byte 0x%02x", c);
    return fail_at(p, p->pos, what);
}

static int fail_oom(parser *p) {
    p->status = WFM_ERR_NO_MEMORY;
    wfm_fail(p->err, WFM_ERR_NO_MEMORY, "json: out of memory");
    return -1;
}

/* ---- lexing helpers --------------------------------------------------- */

static void skip_ws(parser *p) {
    while (p->pos < p->len) {
        unsigned char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        p->pos++;
    }
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int hex4(const unsigned char *s, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return 0;
        v = v << 4 | d;
    }
    *out = v;
    return 1;
}

static size_t put_utf8(unsigned char *o, unsigned cp) {
    if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Length of the well-formed UTF-8 sequence at s[0..avail), or 0 (Unicode
 * table 3-7: no overlongs, no surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t avail) {
    unsigned char c = s[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the 2nd byte */
    if (c >= 0xC2 && c <= 0xDF) n = 2;
    else if (c == 0xE0) { n = 3; lo = 0xA0; }
    else if (c == 0xED) { n = 3; hi = 0x9F; }
    else if (c >= 0xE1 && c <= 0xEF) n = 3;
    else if (c == 0xF0) { n = 4; lo = 0x90; }
    else if (c >= 0xF1 && c <= 0xF3) n = 4;
    else if (c == 0xF4) { n = 4; hi = 0x8F; }
    else return 0;
    if (avail < n) return 0;
    if (s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF) return 0;
    return n;
}

/* ---- strings ---------------------------------------------------------- */

/* At an opening quote: decodes into the arena. */
static int parse_string(parser *p, const char **out, size_t *out_len) {
    size_t start = p->pos++;
    /* Find the closing quote first to size the buffer: escapes only shrink. */
    size_t end = p->pos;
    while (end < p->len && p->s[end] != '"') end += p->s[end] == '\\' ? 2 : 1;
    if (end >= p->len) return fail_at(p, start, "unterminated string");
    unsigned char *buf = arena_alloc(p->doc, end - p->pos + 1);
    if (!buf) return fail_oom(p);
    size_t n = 0;
    while (p->pos < end) {
        unsigned char c = p->s[p->pos];
        if (c < 0x20) return fail_at(p, p->pos, "control character in string");
        if (c < 0x80 && c != '\\') {
            buf[n++] = c;
            p->pos++;
            continue;
        }
        if (c >= 0x80) {
            size_t k = utf8_seq(p->s + p->pos, end - p->pos);
            if (!k) return fail_at(p, p->pos, "invalid UTF-8");
            memcpy(buf + n, p->s + p->pos, k);
            n += k;
            p->pos += k;
            continue;
        }
        size_t esc = p->pos;
        unsigned char e = p->s[p->pos + 1]; /* exists: end skipped past it */
        p->pos += 2;
        switch (e) {
        case '"': buf[n++] = '"'; continue;
        case '\\': buf[n++] = '\\'; continue;
        case '/': buf[n++] = '/'; continue;
        case 'b': buf[n++] = '\b'; continue;
        case 'f': buf[n++] = '\f'; continue;
        case 'n': buf[n++] = '\n'; continue;
        case 'r': buf[n++] = '\r'; continue;
        case 't': buf[n++] = '\t'; continue;
        case 'u': break;
        default: return fail_at(p, esc, "invalid escape in string");
        }
        unsigned cp, lo;
        if (end - p->pos < 4 || !hex4(p->s + p->pos, &cp))
            return fail_at(p, esc, "invalid \\u escape");
        p->pos += 4;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return fail_at(p, esc, "lone low surrogate");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end - p->pos < 6 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u' ||
                !hex4(p->s + p->pos + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                return fail_at(p, esc, "lone high surrogate");
            p->pos += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        n += put_utf8(buf + n, cp);
    }
    buf[n] = 0;
    p->pos = end + 1;
    *out = (const char *)buf;
    *out_len = n;
    return 0;
}

/* ---- numbers ---------------------------------------------------------- */

/* Exact integer value of digits d[0..n) (int then fraction digits) with the
 * decimal point after position `point`; 0 if not an integer in int64. */
static int exact_int(const unsigned char *d, size_t n, long point, int neg, int64_t *out) {
    const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned dig = d[i] - '0';
        if ((long)i >= point) {
            if (dig) return 0; /* a non-zero digit after the point */
            continue;
        }
        if (acc > (limit - dig) / 10) return 0;
        acc = acc * 10 + dig;
    }
    for (long i = (long)n; i < point && acc; i++) {
        if (acc > limit / 10) return 0;
        acc *= 10;
    }
    if (neg) *out = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
    else *out = (int64_t)acc;
    return 1;
}

static int parse_number(parser *p, wfm_json *v) {
    const unsigned char *s = p->s;
    size_t start = p->pos, i = p->pos;
    int neg = 0;
    if (i < p->len && s[i] == '-') { neg = 1; i++; }
    if (i >= p->len || !is_digit(s[i])) return fail_at(p, start, "invalid number");
    size_t int_start = i;
    if (s[i] == '0') {
        i++;
        if (i < p->len && is_digit(s[i])) return fail_at(p, start, "leading zero in number");
    } else {
        while (i < p->len && is_digit(s[i])) i++;
    }
    size_t int_end = i, frac_start = i, frac_end = i;
    if (i < p->len && s[i] == '.') {
        i++;
        frac_start = i;
        if (i >= p->len || !is_digit(s[i])) return fail_at(p, start, "digit expected after '.'");
        while (i < p->len && is_digit(s[i])) i++;
        frac_end = i;
    }
    long exp = 0;
    if (i < p->len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        int eneg = 0;
        if (i < p->len && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
        if (i >= p->len || !is_digit(s[i])) return fail_at(p, start, "digit expected in exponent");
        for (; i < p->len && is_digit(s[i]); i++)
            if (exp < 1000000) exp = exp * 10 + (s[i] - '0'); /* saturate: far past any int64 */
        if (eneg) exp = -exp;
    }
    size_t n = i - start;
    if (n > MAX_NUMBER_CHARS) return fail_at(p, start, "number too long");

    /* strtod is correctly rounded but locale-dependent: use the locale's point. */
    char buf[MAX_NUMBER_CHARS + 8];
    memcpy(buf, s + start, n);
    buf[n] = 0;
    const char *dp = localeconv()->decimal_point;
    if (dp && dp[0] && dp[0] != '.' && !dp[1]) {
        char *dot = strchr(buf, '.');
        if (dot) *dot = dp[0];
    }
    char *endp = NULL;
    double x = strtod(buf, &endp);
    if (endp != buf + n) return fail_at(p, start, "invalid number");
    if (isinf(x)) return fail_at(p, start, "number out of range");

    /* Digits without the '.', for the exact integer check. */
    unsigned char digits[MAX_NUMBER_CHARS];
    size_t ni = int_end - int_start, nf = frac_end - frac_start;
    memcpy(digits, s + int_start, ni);
    memcpy(digits + ni, s + frac_start, nf);
    v->type = WFM_JSON_NUMBER;
    v->u.number = x;
    v->is_int = exact_int(digits, ni + nf, (long)ni + exp, neg, &v->int_value);
    p->pos = i;
    return 0;
}

char *wfm_json_format_number(double v, char buf[32]) {
    snprintf(buf, 32, "%.17g", v);
    /* printf writes the locale's decimal point (',' in de_DE, or several
     * bytes); the reader, like JSON, takes only '.'. */
    const char *dp = localeconv()->decimal_point;
    size_t k = dp ? strlen(dp) : 0;
    char *at = k && strcmp(dp, ".") ? strstr(buf, dp) : NULL;
    if (at) {
        *at = '.';
        memmove(at + 1, at + k, strlen(at + k) + 1);
    }
    return buf;
}

/* ---- values ----------------------------------------------------------- */

static int push(parser *p, const wfm_json *v) {
    if (p->sp == p->scap) {
        size_t cap = p->scap ? p->scap * 2 : 32;
        if (cap > SIZE_MAX / sizeof *p->stack) return fail_oom(p);
        wfm_json *s = wfm_realloc(p->stack, cap * sizeof *s);
        if (!s) return fail_oom(p);
        p->stack = s;
        p->scap = cap;
    }
    p->stack[p->sp++] = *v;
    return 0;
}

/* Moves stack[base..sp) into the arena as the container's items. */
static int close_container(parser *p, size_t base, wfm_json *v) {
    size_t n = p->sp - base;
    v->len = n;
    v->u.items = NULL;
    if (n) {
        wfm_json *items = arena_alloc(p->doc, n * sizeof *items);
        if (!items) return fail_oom(p);
        memcpy(items, p->stack + base, n * sizeof *items);
        v->u.items = items;
    }
    p->sp = base;
    return 0;
}

static int key_cmp(const void *a, const void *b) {
    const wfm_json *x = *(const wfm_json *const *)a, *y = *(const wfm_json *const *)b;
    size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
    int c = memcmp(x->key, y->key, n);
    if (c) return c;
    if (x->key_len != y->key_len) return x->key_len < y->key_len ? -1 : 1;
    return x->offset < y->offset ? -1 : x->offset > y->offset; /* later duplicate last */
}

static int same_key(const wfm_json *a, const wfm_json *b) {
    return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

static int check_duplicates(parser *p, const wfm_json *obj) {
    size_t n = obj->len;
    const wfm_json *items = obj->u.items;
    if (n <= 16) { /* the common case: tiny objects, no allocation */
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < i; j++)
                if (same_key(&items[i], &items[j]))
                    return fail_at(p, items[i].offset, "duplicate key in object");
        return 0;
    }
    const wfm_json **idx = wfm_malloc(n * sizeof *idx);
    if (!idx) return fail_oom(p);
    for (size_t i = 0; i < n; i++) idx[i] = &items[i];
    qsort(idx, n, sizeof *idx, key_cmp);
    size_t dup = SIZE_MAX;
    for (size_t i = 1; i < n; i++)
        if (same_key(idx[i - 1], idx[i]) && idx[i]->offset < dup) dup = idx[i]->offset;
    free(idx);
    return dup == SIZE_MAX ? 0 : fail_at(p, dup, "duplicate key in object");
}

static int parse_value(parser *p, wfm_json *v);

static int parse_array(parser *p, wfm_json *v) {
    size_t base = p->sp;
    p->pos++; /* '[' */
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
        return close_container(p, base, v);
    }
    for (;;) {
        wfm_json item;
        if (parse_value(p, &item) || push(p, &item)) return -1;
        skip_ws(p);
        if (p->pos >= p->len) return fail_at(p, p->pos, "unterminated array");
        unsigned char c = p->s[p->pos++];
        if (c == ']') return close_container(p, base, v);
        if (c != ',') return fail_at(p, p->pos - 1, "expected ',' or ']'");
    }
}

static int parse_object(parser *p, wfm_json *v) {
    size_t base = p->sp;
    p->pos++; /* '{' */
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
        return close_container(p, base, v);
    }
    for (;;) {
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != '"')
            return fail_at(p, p->pos, "expected a string key");
        size_t key_at = p->pos;
        const char *key;
        size_t key_len;
        if (parse_string(p, &key, &key_len)) return -1;
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ':') return fail_at(p, p->pos, "expected ':'");
        p->pos++;
        wfm_json item;
        if (parse_value(p, &item)) return -1;
        item.key = key;
        item.key_len = key_len;
        item.offset = key_at; /* members point at their key: better error locations */
        if (push(p, &item)) return -1;
        skip_ws(p);
        if (p->pos >= p->len) return fail_at(p, p->pos, "unterminated object");
        unsigned char c = p->s[p->pos++];
        if (c == '}') break;
        if (c != ',') return fail_at(p, p->pos - 1, "expected ',' or '}'");
    }
    if (close_container(p, base, v)) return -1;
    return check_duplicates(p, v);
}

static int literal(parser *p, const char *word) {
    size_t n = strlen(word);
    if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n) != 0)
        return fail_at(p, p->pos, "invalid literal");
    p->pos += n;
    return 0;
}

static int parse_value(parser *p, wfm_json *v) {
    skip_ws(p);
    memset(v, 0, sizeof *v);
    v->offset = p->pos;
    if (p->pos >= p->len) return fail_at(p, p->pos, "unexpected end of input");
    if (++p->n_values > MAX_VALUES) return fail_at(p, p->pos, "too many values");
    unsigned char c = p->s[p->pos];
    int rc;
    switch (c) {
    case '{':
    case '[':
        if (++p->depth > WFM_JSON_MAX_DEPTH) return fail_at(p, p->pos, "nesting too deep");
        v->type = c == '{' ? WFM_JSON_OBJECT : WFM_JSON_ARRAY;
        rc = c == '{' ? parse_object(p, v) : parse_array(p, v);
        p->depth--;
        return rc;
    case '"':
        v->type = WFM_JSON_STRING;
        return parse_string(p, &v->u.string, &v->len);
    case 't':
        v->type = WFM_JSON_BOOL;
        v->u.boolean = 1;
        return literal(p, "true");
    case 'f':
        v->type = WFM_JSON_BOOL;
        return literal(p, "false");
    case 'n':
        v->type = WFM_JSON_NULL;
        return literal(p, "null");
    default:
        if (c == '-' || is_digit(c)) return parse_number(p, v);
        return fail_char(p);
    }
}

wfm_status wfm_json_parse(const char *text, size_t len, wfm_json_doc **out, wfm_error *err) {
    if (!out || (!text && len)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "json: NULL argument");
    *out = NULL;
    wfm_json_doc *doc = wfm_calloc(1, sizeof *doc);
    if (!doc) return wfm_fail(err, WFM_ERR_NO_MEMORY, "json: out of memory");
    doc->next_cap = ARENA_MIN_BLOCK;
    parser p = {(const unsigned char *)text, len, 0, 0, 0, doc, NULL, 0, 0, err, WFM_OK};
    wfm_json root;
    int rc = parse_value(&p, &root);
    if (!rc) {
        skip_ws(&p);
        if (p.pos != p.len) rc = fail_at(&p, p.pos, "trailing characters after the value");
    }
    if (!rc) {
        wfm_json *r = arena_alloc(doc, sizeof *r);
        if (!r) rc = fail_oom(&p);
        else {
            *r = root;
            doc->root = r;
        }
    }
    free(p.stack);
    if (rc) {
        wfm_json_free(doc);
        return p.status;
    }
    *out = doc;
    return WFM_OK;
}

/* ---- accessors -------------------------------------------------------- */

const char *wfm_json_type_name(wfm_json_type type) {
    switch (type) {
    case WFM_JSON_NULL: return "null";
    case WFM_JSON_BOOL: return "boolean";
    case WFM_JSON_NUMBER: return "number";
    case WFM_JSON_STRING: return "string";
    case WFM_JSON_ARRAY: return "array";
    case WFM_JSON_OBJECT: return "object";
    }
    return "?";
}

const char *wfm_json_kind(wfm_json_type type) {
    switch (type) {
    case WFM_JSON_NULL: return "null";
    case WFM_JSON_BOOL: return "a boolean";
    case WFM_JSON_NUMBER: return "a number";
    case WFM_JSON_STRING: return "a string";
    case WFM_JSON_ARRAY: return "an array";
    case WFM_JSON_OBJECT: return "an object";
    }
    return "?";
}

int wfm_json_is(const wfm_json *v, wfm_json_type type) { return v && v->type == type; }

const wfm_json *wfm_json_get(const wfm_json *obj, const char *key) {
    if (!wfm_json_is(obj, WFM_JSON_OBJECT) || !key) return NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < obj->len; i++) {
        const wfm_json *m = &obj->u.items[i];
        if (m->key_len == n && memcmp(m->key, key, n) == 0) return m;
    }
    return NULL;
}

size_t wfm_json_count(const wfm_json *v) {
    return v && (v->type == WFM_JSON_ARRAY || v->type == WFM_JSON_OBJECT) ? v->len : 0;
}

const wfm_json *wfm_json_at(const wfm_json *v, size_t i) {
    return i < wfm_json_count(v) ? &v->u.items[i] : NULL;
}

const char *wfm_json_string(const wfm_json *v) {
    return wfm_json_is(v, WFM_JSON_STRING) ? v->u.string : NULL;
}

int wfm_json_string_is_c(const wfm_json *v) {
    return wfm_json_is(v, WFM_JSON_STRING) && memchr(v->u.string, 0, v->len) == NULL;
}

double wfm_json_number(const wfm_json *v) {
    return wfm_json_is(v, WFM_JSON_NUMBER) ? v->u.number : 0.0;
}

int wfm_json_int64(const wfm_json *v, int64_t *out) {
    if (!wfm_json_is(v, WFM_JSON_NUMBER) || !v->is_int) return 0;
    if (out) *out = v->int_value;
    return 1;
}

void wfm_json_quote(char *dst, size_t cap, const char *s, size_t len) {
    static const char hex[] = "0123456789abcdef";
    if (cap < 5) {
        if (cap) dst[0] = 0;
        return;
    }
    const size_t room = cap - 4; /* keep space for "..." and the NUL */
    size_t o = 0, i = 0;
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        int esc = c < 0x20 || c == 0x7F || c == '\\' || c == '\'';
        /* A lead byte reserves its whole sequence, so UTF-8 is never cut. */
        size_t need = esc ? 4 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (o + need > room) break;
        if (esc) {
            dst[o++] = '\\';
            dst[o++] = 'x';
            dst[o++] = hex[c >> 4];
            dst[o++] = hex[c & 15];
        } else {
            dst[o++] = (char)c;
        }
    }
    if (i < len) {
        memcpy(dst + o, "...", 3);
        o += 3;
    }
    dst[o] = 0;
}
