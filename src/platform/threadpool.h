/* A fixed pool of worker threads that runs batches of independent tasks.
 * Builds without threads (WASI, single-threaded web) get a pool of size 1
 * that runs tasks inline, so callers never special-case it. */
#ifndef WFM_THREADPOOL_H
#define WFM_THREADPOOL_H
#include <stddef.h>

typedef struct wfm_pool wfm_pool;

/* task(ctx, task_index, thread_index); thread_index < wfm_pool_size(pool). */
typedef void (*wfm_task_fn)(void *ctx, size_t task, int thread);

/* n_threads <= 0 means all cores. Returns NULL only on allocation failure. */
wfm_pool *wfm_pool_create(int n_threads);
void wfm_pool_destroy(wfm_pool *pool);
/* The size wfm_pool_create(n_threads) asks for (it may get fewer threads). */
int wfm_pool_threads_for(int n_threads);
/* Number of threads that run tasks (1 for a NULL pool). */
int wfm_pool_size(const wfm_pool *pool);
/* Runs every task once and returns when all are done. pool may be NULL. */
void wfm_pool_run(wfm_pool *pool, size_t n_tasks, wfm_task_fn fn, void *ctx);
/* Number of online CPUs (1 when unknown or threads are not built in). */
int wfm_cpu_count(void);

#endif
