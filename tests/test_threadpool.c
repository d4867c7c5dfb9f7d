/* The thread pool (src/platform/threadpool.c): every task of every batch
 * runs exactly once, batch after batch, with batches back to back and with
 * the workers asleep between them, with more threads than tasks or than
 * cores; and a pool is destroyed cleanly right after a batch or idle. Runs
 * everywhere; without threads the pool runs tasks inline. */
#include "platform/threadpool.h"
#include "testing.h"
#include <string.h>
#include <time.h>

typedef struct { int *hits; int batch; } count_ctx;

static void count(void *ctx, size_t task, int thread) {
    count_ctx *c = ctx;
    (void)thread;
    __atomic_fetch_add(&c->hits[task], 1, __ATOMIC_RELAXED);
}

static void sleep_ms(int ms) {
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

static void batches(wfm_pool *p, int n_batches, size_t n_tasks, int pause_ms) {
    static int hits[257];
    for (int b = 0; b < n_batches; b++) {
        memset(hits, 0, sizeof hits);
        count_ctx c = {hits, b};
        wfm_pool_run(p, n_tasks, count, &c);
        int bad = 0;
        for (size_t t = 0; t < n_tasks; t++) bad += hits[t] != 1;
        CHECK_MSG(bad == 0, "batch %d of %zu tasks: %d task(s) did not run exactly once", b, n_tasks, bad);
        if (bad) return;
        if (pause_ms) sleep_ms(pause_ms);
    }
}

TEST(every_task_runs_once_back_to_back) {
    for (int threads = 1; threads <= 4; threads++) {
        wfm_pool *p = wfm_pool_create(threads);
        CHECK(p != NULL);
        batches(p, 4000, 3, 0);    /* fewer tasks than threads, too */
        batches(p, 500, 257, 0);
        wfm_pool_destroy(p);
    }
}

TEST(every_task_runs_once_after_the_workers_sleep) {
    /* a pause after each batch: the workers are asleep when the next comes */
    wfm_pool *p = wfm_pool_create(3);
    CHECK(p != NULL);
    batches(p, 30, 64, 3);
    wfm_pool_destroy(p);
}

TEST(destroy_while_spinning_and_while_asleep) {
    wfm_pool *p = wfm_pool_create(2);
    batches(p, 5, 8, 0);
    wfm_pool_destroy(p);        /* right after a batch */
    p = wfm_pool_create(2);
    batches(p, 5, 8, 0);
    sleep_ms(20);
    wfm_pool_destroy(p);        /* idle */
    wfm_pool_destroy(NULL);
    wfm_pool_run(NULL, 3, count, &(count_ctx){(int[3]){0}, 0});
}

int main(void) {
    RUN(every_task_runs_once_back_to_back);
    RUN(every_task_runs_once_after_the_workers_sleep);
    RUN(destroy_while_spinning_and_while_asleep);
    return TEST_SUMMARY();
}
