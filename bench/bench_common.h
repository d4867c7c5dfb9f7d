/* What every benchmark needs: a monotonic clock and the process's peak memory
 * (native: peak RSS; WASI: the linear memory size, which only grows). */
#ifndef WFM_BENCH_COMMON_H
#define WFM_BENCH_COMMON_H
#include <time.h>

static double bench_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

#if defined(__wasm__)
#define BENCH_BUILD "WASI (wasm32, single thread)"
#define BENCH_PEAK_LABEL "peak wasm linear memory"
static double bench_peak_mb(void) { return (double)__builtin_wasm_memory_size(0) * 65536.0 / 1048576.0; }
#else
#include <sys/resource.h>
#define BENCH_BUILD "native"
#define BENCH_PEAK_LABEL "peak RSS"
static double bench_peak_mb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024.0;
}
#endif
#endif
