/* Every heap allocation of the library goes through wfm_malloc, wfm_calloc,
 * wfm_realloc and wfm_strdup (sqlite's malloc indirection); memory is
 * released with plain free().
 *
 * In a normal build they are the C library's functions under another name:
 * no call, no counter, no hook. The test-only build of the library
 * (CMake target wearfm_faults, compiled with WFM_FAULT_INJECTION) routes
 * them through alloc_faults.c, which counts them and can make the n-th
 * fail, so tests can drive every out-of-memory path (tests/test_alloc_faults.c). */
#ifndef WFM_ALLOC_H
#define WFM_ALLOC_H
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#ifdef WFM_FAULT_INJECTION
void *wfm_malloc(size_t n);
void *wfm_calloc(size_t n, size_t size);
void *wfm_realloc(void *p, size_t n);
char *wfm_strdup(const char *s);

/* Test control. After wfm_alloc_fail_at(n, persist), the n-th allocation
 * from now fails (1 = the next one), and with persist every one after it
 * too; n = 0 turns faults off. */
void wfm_alloc_fail_at(long n, int persist);
long wfm_alloc_count(void);    /* allocations attempted since the last wfm_alloc_fail_at */
long wfm_alloc_failed(void);   /* of those, how many were made to fail */
size_t wfm_alloc_largest(void); /* the largest request among them, in bytes */
#else
#define wfm_malloc(n) malloc(n)
#define wfm_calloc(n, size) calloc(n, size)
#define wfm_realloc(p, n) realloc(p, n)
static inline char *wfm_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}
#endif

#endif
