#include "data/csv.h"
#include "platform/alloc.h"
#include <ctype.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *wfm_csv_skip_bom(const char *p, const char *end) {
    return end - p >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3) ? p + 3 : p;
}

const char *wfm_csv_text_problem(const char *p, const char *end, char *buf, size_t cap) {
    const unsigned char *u = (const unsigned char *)p;
    size_t n = (size_t)(end - p);
    if (n >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
        return "the file is UTF-16; save it as UTF-8";
    if (n >= 4 && ((u[0] && !u[1] && u[2] && !u[3]) || (!u[0] && u[1] && !u[2] && u[3])))
        return "the file is UTF-16; save it as UTF-8";
    /* A CR with more of the first line after it; a CRLF's CR ends the line. */
    const char *nl = memchr(p, '\n', n), *le = nl ? nl : end;
    const char *cr = memchr(p, '\r', (size_t)(le - p));
    if (cr && cr + 1 < le) return "CR-only line endings are not supported; convert to LF or CRLF";
    const char *z = memchr(p, 0, n);
    if (z) {
        size_t line = 1, field = 1;
        const char *lb = p;
        for (const char *q = p; q < z; q++)
            if (*q == '\n') { line++; lb = q + 1; }
        for (const char *q = lb; q < z; q++) field += *q == ',';
        snprintf(buf, cap, "a NUL byte at line %zu, column %zu (field %zu): not text; is the file damaged?", line,
                 (size_t)(z - lb) + 1, field);
        return buf;
    }
    return NULL;
}

int wfm_csv_next_line(const char **q, const char *end, const char **lb, const char **le) {
    const char *nl = memchr(*q, '\n', (size_t)(end - *q));
    *lb = *q;
    *le = nl ? nl : end;
    *q = nl ? nl + 1 : end;
    if (*le > *lb && (*le)[-1] == '\r') (*le)--;
    return *le > *lb;
}

size_t wfm_csv_split(const char *b, const char *e, wfm_field *f, size_t max) {
    size_t n = 0;
    const char *p = b;
    for (;;) {
        const char *q = memchr(p, ',', (size_t)(e - p));
        if (!q) q = e;
        if (n < max) {
            const char *fb = p, *fe = q;
            while (fb < fe && (*fb == ' ' || *fb == '\t')) fb++;
            while (fe > fb && (fe[-1] == ' ' || fe[-1] == '\t')) fe--;
            if (fe - fb >= 2 && *fb == '"' && fe[-1] == '"') { fb++; fe--; }
            f[n].b = fb;
            f[n].e = fe;
        }
        n++;
        if (q >= e) break;
        p = q + 1;
    }
    return n;
}

int wfm_csv_is_missing(wfm_field f) {
    size_t n = wfm_field_len(f);
    return n == 0 || (n == 3 && (!strncmp(f.b, "NaN", 3) || !strncmp(f.b, "nan", 3) || !strncmp(f.b, "NAN", 3))) ||
           (n == 2 && !strncmp(f.b, "NA", 2)) || (n == 4 && !strncmp(f.b, "null", 4));
}

int wfm_csv_parse_float(wfm_field f, float *out) {
    size_t n = wfm_field_len(f);
    /* Fast path for the common case, small non-negative integers (steps, codes, bpm). */
    if (n > 0 && n <= 6) {
        int v = 0;
        size_t i = 0;
        while (i < n && f.b[i] >= '0' && f.b[i] <= '9') v = v * 10 + (f.b[i++] - '0');
        if (i == n) { *out = (float)v; return 0; }
    }
    /* strtod needs a NUL-terminated copy; a long decimal (a spreadsheet's
     * 66 digits) is still a number, so it gets a heap one. */
    char small[64];
    if (n == 0) return -1;
    char *buf = n < sizeof small ? small : wfm_malloc(n + 1);
    if (!buf) return -1;
    memcpy(buf, f.b, n);
    buf[n] = 0;
    /* strtod takes the locale's decimal point, and a host program may have
     * set a comma one (as the JSON reader does; a CSV field holds no ','). */
    const char *dp = localeconv()->decimal_point;
    if (dp && dp[0] && dp[0] != '.' && !dp[1]) {
        char *dot = memchr(buf, '.', n);
        if (dot) *dot = dp[0];
    }
    char *end;
    double v = strtod(buf, &end);
    int bad = end != buf + n || !isfinite(v) || fabs(v) > 3.0e38;
    if (buf != small) free(buf);
    if (bad) return -1;
    *out = (float)v;
    return 0;
}

int wfm_csv_parse_double(wfm_field f, double *out) {
    size_t n = wfm_field_len(f);
    char buf[WFM_CSV_NUMBER_MAX + 1];
    if (n == 0 || n > WFM_CSV_NUMBER_MAX) return -1;
    memcpy(buf, f.b, n);
    buf[n] = 0;
    const char *dp = localeconv()->decimal_point; /* as in wfm_csv_parse_float */
    if (dp && dp[0] && dp[0] != '.' && !dp[1]) {
        char *dot = memchr(buf, '.', n);
        if (dot) *dot = dp[0];
    }
    char *end;
    double v = strtod(buf, &end);
    if (end != buf + n) return -1;
    *out = v;
    return 0;
}

int wfm_csv_parse_id(wfm_field f, int64_t *out) {
    size_t n = wfm_field_len(f);
    if (n == 0) return -1;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)f.b[i])) return -1;
        int d = f.b[i] - '0';
        if (v > (INT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int wfm_field_is(wfm_field f, const char *word) {
    size_t n = strlen(word);
    if (wfm_field_len(f) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)f.b[i]) != tolower((unsigned char)word[i])) return 0;
    return 1;
}
