/* A small strict JSON (RFC 8259) parser into a read-only DOM.
 *
 * Strict on purpose: model files come from anywhere, so anything a lenient
 * parser would guess about is an error. Rejected: invalid UTF-8 (overlongs,
 * UTF-8-encoded surrogates, > U+10FFFF), lone \u surrogates, control
 * characters in strings, leading zeros, numbers that overflow a double,
 * trailing garbage, a byte-order mark, nesting deeper than WFM_JSON_MAX_DEPTH
 * and duplicate keys in an object. Every error message carries the byte
 * offset. All nodes and strings live in one arena freed by wfm_json_free. */
#ifndef WFM_JSON_H
#define WFM_JSON_H
#include <stddef.h>
#include <stdint.h>
#include "wearfm.h"

#define WFM_JSON_MAX_DEPTH 64

typedef enum wfm_json_type {
    WFM_JSON_NULL,
    WFM_JSON_BOOL,
    WFM_JSON_NUMBER,
    WFM_JSON_STRING,
    WFM_JSON_ARRAY,
    WFM_JSON_OBJECT
} wfm_json_type;

/* A value. Treat as read-only and use the accessors below. */
typedef struct wfm_json wfm_json;
struct wfm_json {
    wfm_json_type type;
    size_t offset;           /* byte offset in the source text (of the key for members) */
    size_t len;              /* string: bytes; array/object: element count */
    const char *key;         /* key when this is an object member, else NULL */
    size_t key_len;
    int is_int;              /* number: literal is an exact integer in int64 */
    int64_t int_value;       /* valid when is_int */
    union {
        double number;
        int boolean;
        const char *string;  /* NUL-terminated; may contain NUL (see len) */
        const wfm_json *items;  /* array elements / object members, in order */
    } u;
};

typedef struct wfm_json_doc wfm_json_doc;

/* Parses text[0..len). On failure returns WFM_ERR_FORMAT (or
 * WFM_ERR_NO_MEMORY) with "json: <problem> at byte N" in err. */
wfm_status wfm_json_parse(const char *text, size_t len, wfm_json_doc **out, wfm_error *err);
void wfm_json_free(wfm_json_doc *doc);
const wfm_json *wfm_json_root(const wfm_json_doc *doc);

/* "null", "boolean", "number", "string", "array", "object". */
const char *wfm_json_type_name(wfm_json_type type);
/* The same for messages: "null", "a boolean", ..., "an array", "an object". */
const char *wfm_json_kind(wfm_json_type type);

/* Accessors are NULL-safe: a NULL or wrong-typed value gives NULL / 0. */
int wfm_json_is(const wfm_json *v, wfm_json_type type);
/* Object member by key (exact bytes), or NULL. */
const wfm_json *wfm_json_get(const wfm_json *obj, const char *key);
/* Array element / object member count. */
size_t wfm_json_count(const wfm_json *v);
/* i-th array element or object member (its key is in ->key), or NULL. */
const wfm_json *wfm_json_at(const wfm_json *v, size_t i);
/* String contents (NUL-terminated), or NULL if not a string. */
const char *wfm_json_string(const wfm_json *v);
/* 1 if the string contains no embedded NUL, so C-string use is lossless. */
int wfm_json_string_is_c(const wfm_json *v);
/* Number value; 0 if not a number. */
double wfm_json_number(const wfm_json *v);
/* 1 and *out if v is a number whose value is exactly an integer that fits
 * int64 (decided from the decimal text, so 2^53+1 or 1e3 are exact and 1.5
 * or 1e400 are not); 0 otherwise. */
int wfm_json_int64(const wfm_json *v, int64_t *out);

/* A finite double as JSON text, "%.17g" (round-trips) with a '.' decimal
 * point whatever LC_NUMERIC a host program set; returns buf. */
char *wfm_json_format_number(double v, char buf[32]);

/* Writes s[0..len) into dst (capacity cap >= 5 to be useful) for use inside
 * '...' in messages: control bytes, quote and backslash become \xNN and a
 * long string is cut (never inside a UTF-8 sequence) and ends in "...". */
void wfm_json_quote(char *dst, size_t cap, const char *s, size_t len);

#endif
