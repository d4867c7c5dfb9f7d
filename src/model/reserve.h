/* Growing arrays: the capacity rule shared by the importers and the aggregator. */
#ifndef WFM_RESERVE_H
#define WFM_RESERVE_H
#include <stddef.h>

/* Grows *arr's capacity to at least `need` elements of `elem` bytes (doubling,
 * from 8); the contents and, on failure, the old array stay as they were.
 * Returns 0, or -1 when out of memory or the size would overflow. */
int wfm_reserve(void **arr, size_t *cap, size_t need, size_t elem);

#endif
