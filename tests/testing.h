/* Minimal test harness: each test file defines tests with TEST(name) and
 * lists them in main via RUN(name). The last line printed is
 * "N passed, N failed", which CI reads. */
#ifndef WFM_TESTING_H
#define WFM_TESTING_H
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define WFM_T_UNUSED __attribute__((unused))
#else
#define WFM_T_UNUSED
#endif
static int wfm_t_failed_checks WFM_T_UNUSED;
static int wfm_t_passed WFM_T_UNUSED, wfm_t_failed WFM_T_UNUSED;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            wfm_t_failed_checks++;                                               \
        }                                                                        \
    } while (0)

#define CHECK_MSG(cond, ...)                                                     \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "  %s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                        \
            fprintf(stderr, "\n");                                               \
            wfm_t_failed_checks++;                                               \
        }                                                                        \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                    \
    do {                                                                         \
        double wfm_a_ = (a), wfm_b_ = (b);                                       \
        if (!(fabs(wfm_a_ - wfm_b_) <= (tol))) {                                 \
            fprintf(stderr, "  %s:%d: CHECK_NEAR failed: %s=%.9g %s=%.9g tol=%g\n", \
                    __FILE__, __LINE__, #a, wfm_a_, #b, wfm_b_, (double)(tol));  \
            wfm_t_failed_checks++;                                               \
        }                                                                        \
    } while (0)

#define TEST(name) static void test_##name(void)
#define RUN(name)                                                                \
    do {                                                                         \
        int before_ = wfm_t_failed_checks;                                       \
        test_##name();                                                           \
        if (wfm_t_failed_checks == before_) {                                    \
            wfm_t_passed++;                                                      \
            printf("ok   %s\n", #name);                                          \
        } else {                                                                 \
            wfm_t_failed++;                                                      \
            printf("FAIL %s\n", #name);                                          \
        }                                                                        \
        fflush(stdout);                                                          \
    } while (0)
#define TEST_SUMMARY()                                                           \
    (printf("%d passed, %d failed\n", wfm_t_passed, wfm_t_failed), wfm_t_failed ? 1 : 0)

/* max|a-b| / max|b|: the relative error used across the project. */
static inline double wfm_rel_err(const float *a, const float *b, size_t n) {
    double md = 0, mb = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]);
        if (d > md || d != d) md = d;
        if (fabs(b[i]) > mb) mb = fabs(b[i]);
    }
    return mb > 0 ? md / mb : md;
}

/* Sets LC_NUMERIC to a locale with a decimal comma, as a host program may
 * have, and returns its name; NULL (and "C") when none is installed. */
static inline const char *wfm_t_comma_locale(void) {
    static const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8", "nl_NL.UTF-8",
                                  "es_ES.UTF-8", "it_IT.UTF-8", "ru_RU.UTF-8", "de_DE", "fr_FR"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (setlocale(LC_NUMERIC, names[i]) && !strcmp(localeconv()->decimal_point, ",")) return names[i];
    setlocale(LC_NUMERIC, "C");
    return NULL;
}

/* Deterministic xorshift PRNG for test data. */
static inline unsigned wfm_t_rand(unsigned *s) {
    *s ^= *s << 13; *s ^= *s >> 17; *s ^= *s << 5; return *s;
}
static inline float wfm_t_uniform(unsigned *s) { /* [-1, 1) */
    return (float)((wfm_t_rand(s) >> 8) * (1.0 / 8388608.0) - 1.0);
}
#endif
