/* The Fitabase accumulator's storage, shared by the parser (fitabase.c) and
 * the table builder (fitabase_build.c).
 *
 * Per user, a sorted array of day blocks, allocated only for days with data,
 * so memory follows the data, not the time span. Minute channels keep the
 * raw code per minute (2 or 1 byte); heart-rate samples are kept individually
 * (4 bytes each, in arrival order) so that a repeated second can be resolved
 * (the later sample wins) and a minute's mean is computed when the table is
 * built. The full Fitabase set (33 users x ~32 days, 1M HR samples) takes
 * about 10 MB. */
#ifndef WFM_FITABASE_H
#define WFM_FITABASE_H
#include "wearfm.h"

#define FB_DAY_MINUTES 1440
#define FB_DAY_SECONDS 86400

/* Minute codes: the value, or one of these. */
#define FB_STEPS_ABSENT 0xFFFF  /* no row for this minute */
#define FB_STEPS_DROPPED 0xFFFE /* a row whose cell was empty or implausible */
#define FB_CODE_ABSENT 0xFF
#define FB_CODE_DROPPED 0xFE

/* A heart-rate sample: second of the day (17 bits) | centi-bpm (15 bits;
 * 0 = an implausible or empty sample, which still wins its second). */
#define FB_HR_PACK(sec, cbpm) (((uint32_t)(sec) << 15) | (uint32_t)(cbpm))
#define FB_HR_SEC(p) ((uint32_t)(p) >> 15)
#define FB_HR_CBPM(p) ((uint32_t)(p) & 0x7FFFu)

typedef struct fb_day {
    int64_t day;                        /* days since 1970-01-01, local time */
    uint16_t steps[FB_DAY_MINUTES];     /* 0..300 or FB_STEPS_* */
    uint8_t intensity[FB_DAY_MINUTES];  /* 0..3 or FB_CODE_* */
    uint8_t sleep[FB_DAY_MINUTES];      /* Fitbit code 1..3 or FB_CODE_* */
    uint32_t *hr;                       /* FB_HR_PACK samples, arrival order */
    size_t hr_n, hr_cap;
} fb_day;

typedef struct fb_user {
    int64_t id;
    size_t dropped[WFM_FITABASE_CHANNELS][WFM_DROP_REASONS]; /* cells the data rules dropped */
    fb_day **days;  /* sorted by day */
    size_t n_days, cap_days;
} fb_user;

struct wfm_fitabase {
    fb_user **users;  /* sorted by id */
    size_t n_users, cap_users;
    wfm_fitabase_counts counts;
};

fb_user *wfm_fb_find_user(const wfm_fitabase *fb, int64_t id);
fb_day *wfm_fb_find_day(const fb_user *u, int64_t day);

#endif
