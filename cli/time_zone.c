/* --tz ZONE: the C library's zone database as the host of wfm_tz_sample.
 * Only the lookup "offset at this instant" is here; the list of changes and
 * every conversion are the core's (src/data/time_zone.c). */
#include "wearfm.h"
#include "cli.h"
#include "data/timestamp.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#if !defined(__wasi__)
/* The local clock minus UTC at a UTC minute, from localtime_r (portable:
 * no tm_gmtoff). */
static int libc_offset(void *ctx, int64_t utc_minute) {
    (void)ctx;
    time_t t = (time_t)(utc_minute * 60);
    struct tm tm;
    if (!localtime_r(&t, &tm)) return 0;
    int64_t local = wfm_days_from_civil((int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 1440 + tm.tm_hour * 60 +
                    tm.tm_min;
    return (int)(local - utc_minute);
}

#endif

/* 1970-01-01 .. 2100-01-01: the days an export can hold; before and after, the ends' offsets. */
#define FIRST_MINUTE 0
#define LAST_MINUTE (47482LL * 1440)

int cli_time_zone(const char *name, wfm_tz **out) {
    *out = NULL;
#if defined(__wasi__)
    (void)name;
    fprintf(stderr, "wearfm import: --tz needs a time zone database, which the WASI build does not have; "
                    "give --utc-offset +HH:MM (one offset for the whole export), or run the native CLI\n");
    return EXIT_USAGE;
#else
    const char *old = getenv("TZ");
    char *saved = old ? strdup(old) : NULL;
    if (old && !saved) return EXIT_RUNTIME;
    if (strcmp(name, "local")) {
        /* The C library takes an unknown name as UTC without a word: check that the zone exists. */
        const char *dir = getenv("TZDIR");
        char path[4096];
        struct stat sb;
        int ok = name[0] && name[0] != '/' && !strstr(name, "..") &&
                 snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name) < (int)sizeof path &&
                 stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
        if (!ok) {
            fprintf(stderr, "wearfm import: --tz '%s' is not a time zone of this system (a name such as Europe/Berlin "
                            "or America/New_York from %s, or 'local')\n", name, dir && *dir ? dir : "/usr/share/zoneinfo");
            free(saved);
            return EXIT_USAGE;
        }
        setenv("TZ", name, 1);
    }
    tzset();
    wfm_error err = {0};
    wfm_status st = wfm_tz_sample(libc_offset, NULL, FIRST_MINUTE, LAST_MINUTE, out, &err);
    if (saved) setenv("TZ", saved, 1);
    else unsetenv("TZ");
    tzset();
    free(saved);
    if (st) {
        fprintf(stderr, "wearfm import: --tz '%s': %s\n", name, err.message);
        return st == WFM_ERR_NO_MEMORY ? EXIT_RUNTIME : EXIT_USAGE;
    }
    return 0;
#endif
}
