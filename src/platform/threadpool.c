#include "platform/threadpool.h"
#include "platform/alloc.h"
#include <stdlib.h>

#if defined(WFM_THREADS)
#include <pthread.h>
#include <unistd.h>

/* Workers sleep on a condition variable; a batch is published with a
 * generation counter and tasks are claimed with an atomic counter, so the
 * caller thread works too and no task runs twice. */
struct wfm_pool {
    int n;                 /* threads including the caller */
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t wake, done;
    unsigned long generation;
    int stopping;
    int active;            /* workers still inside the current batch */
    wfm_task_fn fn;
    void *ctx;
    size_t n_tasks;
    size_t next;           /* next unclaimed task, atomic */
};

typedef struct { wfm_pool *pool; int index; } worker_arg;

static void run_tasks(wfm_pool *p, int thread) {
    for (;;) {
        size_t t = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
        if (t >= p->n_tasks) break;
        p->fn(p->ctx, t, thread);
    }
}

static void *worker_main(void *argp) {
    worker_arg a = *(worker_arg *)argp;
    free(argp);
    wfm_pool *p = a.pool;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stopping && p->generation == seen) pthread_cond_wait(&p->wake, &p->mu);
        if (p->stopping) break;
        seen = p->generation;
        pthread_mutex_unlock(&p->mu);
        run_tasks(p, a.index);
        pthread_mutex_lock(&p->mu);
        if (--p->active == 0) pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int wfm_cpu_count(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

int wfm_pool_threads_for(int n_threads) {
    if (n_threads <= 0) n_threads = wfm_cpu_count();
    return n_threads > 256 ? 256 : n_threads;
}

wfm_pool *wfm_pool_create(int n_threads) {
    n_threads = wfm_pool_threads_for(n_threads);
    wfm_pool *p = wfm_calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n = n_threads;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    if (n_threads > 1) {
        p->threads = wfm_calloc((size_t)n_threads - 1, sizeof *p->threads);
        if (!p->threads) { wfm_pool_destroy(p); return NULL; }
        for (int i = 1; i < n_threads; i++) {
            worker_arg *a = wfm_malloc(sizeof *a);
            if (a) { a->pool = p; a->index = i; }
            if (!a || pthread_create(&p->threads[i - 1], NULL, worker_main, a) != 0) {
                free(a);
                p->n = i; /* keep the threads that started */
                break;
            }
        }
    }
    return p;
}

void wfm_pool_destroy(wfm_pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 1; i < p->n && p->threads; i++) pthread_join(p->threads[i - 1], NULL);
    free(p->threads);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    free(p);
}

int wfm_pool_size(const wfm_pool *p) { return p ? p->n : 1; }

void wfm_pool_run(wfm_pool *p, size_t n_tasks, wfm_task_fn fn, void *ctx) {
    if (!p || p->n == 1 || n_tasks <= 1) {
        for (size_t t = 0; t < n_tasks; t++) fn(ctx, t, 0);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->n_tasks = n_tasks;
    __atomic_store_n(&p->next, 0, __ATOMIC_RELAXED);
    p->active = p->n - 1;
    p->generation++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    run_tasks(p, 0);
    pthread_mutex_lock(&p->mu);
    while (p->active > 0) pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

#else /* single-threaded builds: the pool is a thin inline runner */

struct wfm_pool { int n; };

int wfm_cpu_count(void) { return 1; }
int wfm_pool_threads_for(int n_threads) { (void)n_threads; return 1; }
wfm_pool *wfm_pool_create(int n_threads) {
    (void)n_threads;
    wfm_pool *p = wfm_malloc(sizeof *p);
    if (p) p->n = 1;
    return p;
}
void wfm_pool_destroy(wfm_pool *p) { free(p); }
int wfm_pool_size(const wfm_pool *p) { (void)p; return 1; }
void wfm_pool_run(wfm_pool *p, size_t n_tasks, wfm_task_fn fn, void *ctx) {
    (void)p;
    for (size_t t = 0; t < n_tasks; t++) fn(ctx, t, 0);
}
#endif
