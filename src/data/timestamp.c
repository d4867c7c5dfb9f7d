#include "data/timestamp.h"
#include "wearfm.h"
#include <ctype.h>
#include <stdio.h>

/* Howard Hinnant's algorithms. */
int64_t wfm_days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void wfm_civil_from_days(int64_t z, int *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int wfm_valid_date(int y, int m, int d) {
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1]) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

void wfm_format_minute(int64_t minute, char *buf) {
    int64_t day = wfm_floor_div(minute, 1440);
    int mod = (int)(minute - day * 1440), y, m, d;
    wfm_civil_from_days(day, &y, &m, &d);
    snprintf(buf, 20, "%04u-%02u-%02uT%02u:%02u", (unsigned)y % 10000u, (unsigned)m % 13u, (unsigned)d % 32u,
             (unsigned)(mod / 60) % 24u, (unsigned)mod % 60u);
}

static int digits(const char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int wfm_parse_minute(const char *s, size_t len, int64_t *minute) {
    /* YYYY-MM-DD[T ]HH:MM[:SS[.fff]] */
    int y, mo, d, h, mi, sec = 0;
    if (len < 16 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') || digits(s + 11, 2, &h) ||
        s[13] != ':' || digits(s + 14, 2, &mi))
        return -1;
    size_t i = 16;
    if (i < len && s[i] == ':') {
        if (len < 19 || digits(s + 17, 2, &sec)) return -1;
        i = 19;
        if (i < len && s[i] == '.') {
            i++;
            while (i < len && isdigit((unsigned char)s[i])) i++;
        }
    }
    if (i != len) return -1;
    if (!wfm_valid_date(y, mo, d) || h > 23 || mi > 59 || sec > 60) return -1;
    *minute = wfm_days_from_civil(y, mo, d) * 1440 + h * 60 + mi;
    return 0;
}

/* Reads 1..max digits at s[*i]. */
static int var_digits(const char *s, size_t len, size_t *i, int max, int *out) {
    int v = 0, n = 0;
    while (*i < len && n < max && isdigit((unsigned char)s[*i])) v = v * 10 + (s[(*i)++] - '0'), n++;
    if (n == 0 || (*i < len && isdigit((unsigned char)s[*i]))) return -1;
    *out = v;
    return 0;
}

int wfm_parse_us_datetime(const char *s, size_t len, int64_t *seconds) {
    int mo, d, y, h, mi, sec = 0;
    size_t i = 0;
    if (var_digits(s, len, &i, 2, &mo) || i >= len || s[i++] != '/' || var_digits(s, len, &i, 2, &d) ||
        i >= len || s[i++] != '/' || len - i < 4 || digits(s + i, 4, &y))
        return -1;
    i += 4;
    if (i >= len || s[i] != ' ') return -1;
    while (i < len && s[i] == ' ') i++;
    if (var_digits(s, len, &i, 2, &h) || i >= len || s[i++] != ':' || len - i < 2 || digits(s + i, 2, &mi)) return -1;
    i += 2;
    if (i < len && s[i] == ':') {
        if (len - i < 3 || digits(s + i + 1, 2, &sec)) return -1;
        i += 3;
    }
    int ampm = 0; /* 1 AM, 2 PM */
    if (i < len) {
        if (s[i] != ' ') return -1;
        while (i < len && s[i] == ' ') i++;
        if (len - i != 2 || toupper((unsigned char)s[i + 1]) != 'M') return -1;
        int c = toupper((unsigned char)s[i]);
        if (c != 'A' && c != 'P') return -1;
        ampm = c == 'A' ? 1 : 2;
        i = len;
    }
    if (ampm) {
        if (h < 1 || h > 12) return -1;
        h = h % 12 + (ampm == 2 ? 12 : 0); /* 12 AM -> 0, 12 PM -> 12 */
    } else if (h > 23) {
        return -1;
    }
    if (!wfm_valid_date(y, mo, d) || mi > 59 || sec > 59) return -1;
    *seconds = (wfm_days_from_civil(y, mo, d) * 1440 + h * 60 + mi) * 60 + sec;
    return 0;
}
