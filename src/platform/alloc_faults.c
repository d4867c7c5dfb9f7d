/* Allocation-failure injection for tests (see alloc.h). Only the test
 * build of the library (WFM_FAULT_INJECTION) has any of this; the counters
 * are plain globals, so fault tests run on one thread at a time. */
#include "platform/alloc.h"
#include <stdint.h>

#ifdef WFM_FAULT_INJECTION
static long fail_at;   /* the countdown: the allocation that takes it to 0 fails */
static int persist;    /* after the first failure, fail every allocation */
static long attempted, failed;
static size_t largest;

void wfm_alloc_fail_at(long n, int persist_after) {
    fail_at = n > 0 ? n : 0;
    persist = persist_after;
    attempted = failed = 0;
    largest = 0;
}
long wfm_alloc_count(void) { return attempted; }
long wfm_alloc_failed(void) { return failed; }
size_t wfm_alloc_largest(void) { return largest; }

/* 1 when this allocation (of `bytes`) is to fail. */
static int inject(size_t bytes) {
    attempted++;
    if (bytes > largest) largest = bytes;
    int fail = (failed && persist) || (fail_at > 0 && --fail_at == 0);
    failed += fail;
    return fail;
}

void *wfm_malloc(size_t n) { return inject(n) ? NULL : malloc(n); }
void *wfm_calloc(size_t n, size_t size) {
    return inject(size && n > SIZE_MAX / size ? SIZE_MAX : n * size) ? NULL : calloc(n, size);
}
void *wfm_realloc(void *p, size_t n) { return inject(n) ? NULL : realloc(p, n); }
char *wfm_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = wfm_malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}
#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int wfm_alloc_faults_absent;
#endif
