/* CSV text helpers shared by the importers (src/data/minutes.c, src/data/fitabase.c):
 * line iteration over an in-memory buffer, field splitting, cell parsing. */
#ifndef WFM_CSV_H
#define WFM_CSV_H
#include <stddef.h>
#include <stdint.h>

/* One field: [b, e) with surrounding spaces trimmed; simple quoted fields allowed. */
typedef struct wfm_field { const char *b, *e; } wfm_field;

static inline size_t wfm_field_len(wfm_field f) { return (size_t)(f.e - f.b); }
/* Length to print with "%.*s" in messages: at most 40 characters. */
static inline int wfm_field_shown(wfm_field f) { return f.e - f.b > 40 ? 40 : (int)(f.e - f.b); }

/* Skips a UTF-8 byte-order mark (spreadsheets write one). */
const char *wfm_csv_skip_bom(const char *p, const char *end);

/* Why the text [p, end) cannot be read as CSV at all, or NULL: UTF-16 (a
 * byte-order mark, or NUL bytes between the first characters) or CR-only
 * line endings (old Mac spreadsheets), which would otherwise look like one
 * strange header line, or a NUL byte anywhere, named by its line, column
 * (byte in the line, from 1) and field (a message cut at the NUL would
 * quote the wrong text). The message is a constant or written to buf. */
const char *wfm_csv_text_problem(const char *p, const char *end, char *buf, size_t cap);

/* Advances *q past one line; [*lb, *le) is the line without its \r\n.
 * Returns 0 for a blank line. */
int wfm_csv_next_line(const char **q, const char *end, const char **lb, const char **le);

/* Splits [b, e) at commas into at most max fields; returns the true count. */
size_t wfm_csv_split(const char *b, const char *e, wfm_field *f, size_t max);

/* Empty, NaN, nan, NAN, NA or null. */
int wfm_csv_is_missing(wfm_field f);

/* A finite number within float range; returns 0 on success. */
int wfm_csv_parse_float(wfm_field f, float *out);

/* Any number strtod reads in the whole field, infinite or beyond float
 * range included (the caller judges it), at most WFM_CSV_NUMBER_MAX
 * characters; returns 0 on success. */
#define WFM_CSV_NUMBER_MAX 40
int wfm_csv_parse_double(wfm_field f, double *out);

/* Decimal digits only (no sign), at most INT64_MAX; returns 0 on success. */
int wfm_csv_parse_id(wfm_field f, int64_t *out);

/* Case-insensitive comparison of a field with a NUL-terminated word. */
int wfm_field_is(wfm_field f, const char *word);

#endif
