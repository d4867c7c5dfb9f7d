/* Time zones for the importers (src/data/time_zone.c): the list of offset
 * changes and its checks, the lookup, sampling a host's zone to the minute,
 * and allocation failure; the importers' use of it is in test_takeout.c. */
#include "wearfm.h"
#include "testing.h"
#include <string.h>

/* A made-up zone: +60 until minute 1000, +120 from it until 50000,
 * +60 again from 50000, and -30 from 2,000,000 (a zone that moved). */
static int made_up(void *ctx, int64_t m) {
    int *calls = ctx;
    (*calls)++;
    return m < 1000 ? 60 : m < 50000 ? 120 : m < 2000000 ? 60 : -30;
}

TEST(a_list_of_changes_is_checked_and_looked_up) {
    wfm_tz *tz = NULL;
    wfm_error err = {0};
    const int64_t from[] = {0, 1000, 50000};
    const int off[] = {60, 120, 60};
    CHECK(wfm_tz_create(from, off, 3, &tz, &err) == WFM_OK && wfm_tz_changes(tz) == 3);
    CHECK(wfm_tz_offset_at(tz, -100000) == 60);  /* before the first: the first */
    CHECK(wfm_tz_offset_at(tz, 999) == 60 && wfm_tz_offset_at(tz, 1000) == 120);
    CHECK(wfm_tz_offset_at(tz, 49999) == 120 && wfm_tz_offset_at(tz, 50000) == 60);
    CHECK(wfm_tz_offset_at(tz, INT64_MAX) == 60 && wfm_tz_offset_at(NULL, 5) == 0);
    wfm_tz_free(tz);
    const int64_t back[] = {0, 1000, 1000};
    CHECK(wfm_tz_create(back, off, 3, &tz, &err) == WFM_ERR_INVALID_ARG && !tz && strstr(err.message, "does not come after"));
    const int wild[] = {60, 1200, 60};
    CHECK(wfm_tz_create(from, wild, 3, &tz, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "outside -18:00..+18:00"));
    CHECK(wfm_tz_create(from, off, 0, &tz, &err) == WFM_ERR_INVALID_ARG && strstr(err.message, "no offset"));
    CHECK(wfm_tz_create(from, off, 3, NULL, &err) == WFM_ERR_INVALID_ARG);
    wfm_tz_free(NULL);
}

TEST(sampling_finds_every_change_to_the_minute) {
    wfm_tz *tz = NULL;
    wfm_error err = {0};
    int calls = 0;
    CHECK_MSG(wfm_tz_sample(made_up, &calls, -5 * 1440, 3000000, &tz, &err) == WFM_OK, "%s", err.message);
    CHECK(wfm_tz_changes(tz) == 4);
    for (int64_t m = -10000; m < 3100000; m += 997)
        CHECK_MSG(wfm_tz_offset_at(tz, m) == made_up(&(int){0}, m), "minute %lld", (long long)m);
    CHECK(wfm_tz_offset_at(tz, 999) == 60 && wfm_tz_offset_at(tz, 1000) == 120 && wfm_tz_offset_at(tz, 1999999) == 60 &&
          wfm_tz_offset_at(tz, 2000000) == -30);
    /* one call a day and about 11 per change: not one a minute */
    CHECK_MSG(calls < 3000000 / 1440 + 10 + 4 * 12, "%d calls", calls);
    wfm_tz_free(tz);
    /* a host offset beyond +-18:00 is refused, as is an absurd range */
    CHECK(wfm_tz_sample(made_up, &calls, 0, 10, &tz, &err) == WFM_OK && wfm_tz_changes(tz) == 1);
    wfm_tz_free(tz);
    CHECK(wfm_tz_sample(made_up, &calls, 10, 0, &tz, &err) == WFM_ERR_INVALID_ARG && !tz);
    CHECK(wfm_tz_sample(made_up, &calls, 0, (int64_t)500 * 366 * 1440, &tz, &err) == WFM_ERR_INVALID_ARG);
    CHECK(wfm_tz_sample(NULL, NULL, 0, 10, &tz, &err) == WFM_ERR_INVALID_ARG);
}

static int absurd(void *ctx, int64_t m) { (void)ctx; return m < 5000 ? 0 : 5000; }

TEST(an_absurd_host_offset_is_refused) {
    wfm_tz *tz = NULL;
    wfm_error err = {0};
    CHECK(wfm_tz_sample(absurd, NULL, 0, 10000, &tz, &err) == WFM_ERR_INVALID_ARG && !tz &&
          strstr(err.message, "offset of 5000 minutes"));
}

int main(void) {
    RUN(a_list_of_changes_is_checked_and_looked_up);
    RUN(sampling_finds_every_change_to_the_minute);
    RUN(an_absurd_host_offset_is_refused);
    return TEST_SUMMARY();
}
