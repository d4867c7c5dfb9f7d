/* Filling a wfm_error: every failure path returns through wfm_fail(). */
#ifndef WFM_ERROR_H
#define WFM_ERROR_H
#include "wearfm.h"

#if defined(__GNUC__)
#define WFM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define WFM_PRINTF(a, b)
#endif

/* Records status and a formatted message in err (if not NULL); returns status. */
wfm_status wfm_fail(wfm_error *err, wfm_status status, const char *fmt, ...) WFM_PRINTF(3, 4);
/* Prefixes an existing message: "context: old message". */
void wfm_error_prefix(wfm_error *err, const char *fmt, ...) WFM_PRINTF(2, 3);

#endif
