/* Garmin FIT files (activity and monitoring), decoded here from the
 * published FIT protocol: file header, definition and data messages,
 * compressed-timestamp headers, developer fields, chained files, both CRCs.
 *
 * Why a decoder of our own rather than Garmin's C SDK: the SDK's licence
 * (the FIT Protocol License Agreement of its npm and PyPI packages) grants
 * use "for Licensee's internal business purposes" and forbids distributing
 * it to third parties except as it allows, which does not fit an
 * MIT-licensed library that ships its sources to browsers and gateways; its
 * C sources are also not in any package registry this project can build
 * from. What the importer needs is small (a few global messages, a handful of
 * fields) and the binary layout is simple, so this is ~400 lines that check
 * every length against the buffer, with a fuzz target
 * (fuzz/fuzz_fit.c); the tests decode files written by Garmin's own
 * JavaScript SDK (@garmin/fitsdk, a test-only dependency) and compare with
 * its decoder (web/test/exports.test.mjs).
 *
 * The whole file is decoded (samples in UTC seconds) before any sample goes
 * to the aggregator: the local time of an activity file is in its activity
 * message, which comes last. docs/data.md, "Garmin FIT". */
#include "data/import.h"
#include "platform/alloc.h"
#include "platform/error.h"
#include "model/reserve.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FIT_EPOCH_UNIX 631065600.0 /* 1989-12-31T00:00:00Z */
#define MESG_FILE_ID 0
#define MESG_RECORD 20
#define MESG_ACTIVITY 34
#define MESG_MONITORING 55
#define MESG_MONITORING_INFO 103
#define MESG_HR 132 /* heart rate a strap stored (HRM-Swim, HRM-Pro) while the watch could not receive it */
#define FIELD_TIMESTAMP 253

typedef struct fit_field {
    uint8_t num, size, base;
} fit_field;

typedef struct fit_def {
    int defined;
    int big_endian;
    uint16_t global;
    uint8_t n_fields, n_dev;
    fit_field fields[255];
    uint32_t dev_bytes;  /* developer fields are skipped */
    int ts_field, ts_offset; /* the timestamp (253) field's index and byte offset, -1 none */
    uint32_t length;     /* bytes of one data message */
} fit_def;

/* A decoded sample: UTC seconds since the FIT epoch. */
typedef struct fit_sample {
    uint32_t t;
    uint8_t ch;
    float v;
} fit_sample;

typedef struct fit_state {
    const uint8_t *b;
    size_t n;
    fit_def defs[16];
    uint32_t last_ts;
    int have_ts;
    /* monitoring: the last cumulative steps and its time, per activity type (walking 6, running 1) */
    uint32_t cum[2], cum_t[2];
    int have_cum[2];
    int have_local;
    int64_t local_offset_s;  /* local_timestamp - timestamp */
    fit_sample *s;
    size_t n_s, cap_s;
    /* hr messages: heart-rate events at anchor_t + (event - anchor_event) / 1024 s; the
     * 12-bit event times of the delta messages accumulate onto the last full one */
    int hr_anchored;
    double hr_anchor_t;
    uint32_t hr_anchor_event, hr_event, hr_last12;
    fit_sample *stored;     /* their samples: used for the minutes that no record's heart rate covers */
    size_t n_stored, cap_stored;
    wfm_import_counts *c;
} fit_state;

static const uint16_t crc_table[16] = {0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
                                       0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400};

static uint16_t fit_crc(uint16_t crc, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint16_t t = crc_table[crc & 0xF];
        crc = (uint16_t)(((crc >> 4) & 0x0FFF) ^ t ^ crc_table[p[i] & 0xF]);
        t = crc_table[crc & 0xF];
        crc = (uint16_t)(((crc >> 4) & 0x0FFF) ^ t ^ crc_table[(p[i] >> 4) & 0xF]);
    }
    return crc;
}

static uint32_t rd(const uint8_t *p, int size, int big) {
    uint32_t v = 0;
    for (int i = 0; i < size; i++) v |= (uint32_t)p[big ? size - 1 - i : i] << (8 * i);
    return v;
}

/* An unsigned integer field (uint8/16/32 and their z forms, enum), or -1 when invalid or another type. */
static int64_t field_uint(const uint8_t *p, const fit_field *f, int big) {
    int size;
    uint32_t invalid;
    switch (f->base) {
    case 0x00: case 0x02: case 0x0A: case 0x0D: size = 1; invalid = 0xFF; break;
    case 0x84: case 0x8B: size = 2; invalid = 0xFFFF; break;
    case 0x86: case 0x8C: size = 4; invalid = 0xFFFFFFFFu; break;
    default: return -1;
    }
    if (f->size < size) return -1;
    uint32_t v = rd(p, size, big);
    int zero_invalid = f->base == 0x0A || f->base == 0x8B || f->base == 0x8C;
    if (v == invalid || (zero_invalid && v == 0)) return -1;
    return v;
}

static int push_to(fit_sample **s, size_t *n, size_t *cap, uint32_t t, int ch, double v) {
    if (wfm_reserve((void **)s, cap, *n + 1, sizeof **s)) return -1;
    (*s)[(*n)++] = (fit_sample){.t = t, .ch = (uint8_t)ch, .v = (float)v};
    return 0;
}

static int push(fit_state *st, uint32_t t, int ch, double v) {
    return push_to(&st->s, &st->n_s, &st->cap_s, t, ch, v);
}

/* An hr message (global 132): an anchor (timestamp, fractional_timestamp (0,
 * 1/32768 s) or time256 (1, 1/256 s), and one event_timestamp (9, 1/1024 s))
 * or a delta message (up to ten 12-bit event times packed LSB first in
 * event_timestamp_12 (10), each accumulated onto the last event time), and
 * filtered_bpm (6), one per event. */
static int hr_message(fit_state *st, const fit_def *d, const uint8_t *p) {
    int64_t ts = -1, frac = -1, t256 = -1;
    uint32_t events[16];
    const uint8_t *bpm = NULL, *packed = NULL;
    int n_events = 0, n_bpm = 0, packed_bytes = 0;
    const uint8_t *q = p;
    for (int i = 0; i < d->n_fields; i++, q += d->fields[i - 1].size) {
        const fit_field *f = &d->fields[i];
        if (f->num == FIELD_TIMESTAMP) ts = field_uint(q, f, d->big_endian);
        else if (f->num == 0) frac = field_uint(q, f, d->big_endian);
        else if (f->num == 1) t256 = field_uint(q, f, d->big_endian);
        else if (f->num == 6 && (f->base == 0x02 || f->base == 0x0D)) bpm = q, n_bpm = f->size;
        else if (f->num == 10 && f->base == 0x0D) packed = q, packed_bytes = f->size;
        else if (f->num == 9 && f->base == 0x86)
            for (int k = 0; k < f->size / 4 && n_events < 16; k++) {
                uint32_t v = rd(q + 4 * k, 4, d->big_endian);
                if (v != 0xFFFFFFFFu) events[n_events++] = v;
            }
    }
    if (ts >= 0) { /* one_file has made it the timestamp base */
        if (n_events != 1) { st->c->bad_records++; return 0; } /* an anchor has exactly one event time */
        st->hr_anchored = 1;
        st->hr_anchor_t = (double)ts + (frac >= 0 ? (double)frac / 32768.0 : t256 >= 0 ? (double)t256 / 256.0 : 0.0);
        st->hr_anchor_event = st->hr_event = st->hr_last12 = events[0];
    } else if (packed && n_events == 0) {
        int all_invalid = 1;
        for (int k = 0; k < packed_bytes; k++) all_invalid &= packed[k] == 0xFF;
        for (int k = 0; !all_invalid && (k + 1) * 12 <= packed_bytes * 8 && n_events < 16; k++) {
            uint32_t v = 0;
            for (int bit = 0; bit < 12; bit++) {
                const int at = k * 12 + bit;
                v |= (uint32_t)((packed[at / 8] >> (at % 8)) & 1) << bit;
            }
            st->hr_event += (v - st->hr_last12) & 0xFFFu;
            st->hr_last12 = v;
            events[n_events++] = st->hr_event;
        }
    }
    if (!n_events || !bpm) { st->c->ignored++; return 0; }
    if (!st->hr_anchored) { st->c->bad_records++; return 0; } /* a delta before any anchor has no time */
    int kept = 0;
    for (int k = 0; k < n_events && k < n_bpm; k++) {
        if (bpm[k] == 0xFF) continue;
        /* unsigned difference: event times roll over at 2^32 / 1024 s */
        const double t = st->hr_anchor_t + (double)(uint32_t)(events[k] - st->hr_anchor_event) / 1024.0;
        if (t < 0 || t >= 4294967296.0) continue;
        if (push_to(&st->stored, &st->n_stored, &st->cap_stored, (uint32_t)t, IMP_HEART_RATE, bpm[k])) return -1;
        kept = 1;
    }
    if (kept) st->c->records++;
    return 0;
}

/* Steps since the last monitoring message of the same activity type,
 * spread over the seconds between the two, in whole steps (cumulative
 * rounding), one sample per minute touched. A smaller total is a new day's
 * count (the device resets at midnight). */
static int monitoring_steps(fit_state *st, int kind, uint32_t t, uint32_t cycles) {
    int had = st->have_cum[kind];
    uint32_t prev = st->cum[kind], t0 = st->cum_t[kind];
    st->have_cum[kind] = 1;
    st->cum[kind] = cycles;
    st->cum_t[kind] = t;
    uint32_t delta = !had || cycles < prev ? cycles : cycles - prev;
    if (!had || cycles < prev || t <= t0 || t - t0 > 86400) {
        /* no interval to spread over: the steps belong to the minute that ends at t */
        if (!delta) return 0;
        if (delta > 100000) { st->c->bad_records++; return 0; }
        return push(st, t ? t - 1 : t, IMP_STEPS, delta);
    }
    if (delta > 100000) { st->c->bad_records++; return 0; }
    uint32_t given = 0;
    for (uint64_t m = t0 / 60; m <= (t - 1) / 60; m++) {
        uint64_t end = (m + 1) * 60 < t ? (m + 1) * 60 : t;
        uint32_t upto = (uint32_t)llround((double)delta * (double)(end - t0) / (double)(t - t0));
        if (end == t) upto = delta;
        if (upto > given && push(st, (uint32_t)(m * 60 > t0 ? m * 60 : t0), IMP_STEPS, upto - given)) return -1;
        given = upto;
    }
    return 0;
}

/* One data message of a global type the importer reads. */
static int data_message(fit_state *st, const fit_def *d, const uint8_t *p, int compressed, uint32_t compressed_ts) {
    int64_t ts = -1, ts16 = -1, hr = -1, cycles = -1, activity = -1, type_intensity = -1, local = -1;
    const uint8_t *q = p;
    for (int i = 0; i < d->n_fields; i++) {
        const fit_field *f = &d->fields[i];
        int64_t v = field_uint(q, f, d->big_endian);
        if (f->num == FIELD_TIMESTAMP) ts = v;
        else if (d->global == MESG_RECORD && f->num == 3) hr = v;
        else if (d->global == MESG_MONITORING) {
            if (f->num == 27) hr = v;
            else if (f->num == 3) cycles = v;
            else if (f->num == 5) activity = v;
            else if (f->num == 24) type_intensity = v;
            else if (f->num == 26) ts16 = v;
            else if (f->num == 11) local = v;
        } else if (d->global == MESG_ACTIVITY && f->num == 5) local = v;
        else if (d->global == MESG_MONITORING_INFO && f->num == 0) local = v;
        q += f->size;
    }
    if (ts < 0 && compressed) ts = compressed_ts; /* a full timestamp already set the base (one_file) */
    else if (ts < 0 && ts16 >= 0 && st->have_ts) {
        st->last_ts += (uint32_t)((ts16 - (st->last_ts & 0xFFFF)) & 0xFFFF);
        ts = st->last_ts;
    }
    if (local >= 0 && ts >= 0 && !st->have_local && d->global != MESG_MONITORING) {
        st->local_offset_s = local - ts;
        st->have_local = 1;
    }
    if (d->global == MESG_ACTIVITY || d->global == MESG_MONITORING_INFO) return 0;
    if (hr < 0 && cycles < 0) { st->c->ignored++; return 0; }
    if (ts < 0) { st->c->bad_records++; return 0; } /* a sample without a time */
    st->c->records++;
    if (hr >= 0 && push(st, (uint32_t)ts, IMP_HEART_RATE, (double)hr)) return -1;
    if (cycles >= 0) {
        if (activity < 0 && type_intensity >= 0) activity = type_intensity & 0x1F;
        int kind = activity == 6 ? 0 : activity == 1 ? 1 : -1; /* walking, running: cycles are steps */
        if (kind < 0) { st->c->ignored++; return 0; }
        return monitoring_steps(st, kind, (uint32_t)ts, (uint32_t)cycles);
    }
    return 0;
}

static int cmp_u32(const void *a, const void *b) {
    const uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The hr messages' samples join the others in the UTC minutes where no
 * record or monitoring message has a heart rate: a device that stores a
 * strap's heart rate writes it where its records have none, and a minute
 * with both would count the same beats twice. */
static int stored_heart_rate(fit_state *st) {
    if (!st->n_stored) return 0;
    size_t n = 0;
    uint32_t *covered = wfm_malloc(sizeof(uint32_t) * (st->n_s ? st->n_s : 1));
    if (!covered) return -1;
    for (size_t i = 0; i < st->n_s; i++)
        if (st->s[i].ch == IMP_HEART_RATE) covered[n++] = st->s[i].t / 60;
    qsort(covered, n, sizeof *covered, cmp_u32);
    int rc = 0;
    for (size_t i = 0; !rc && i < st->n_stored; i++) {
        const uint32_t m = st->stored[i].t / 60;
        if (n && bsearch(&m, covered, n, sizeof *covered, cmp_u32)) continue;
        rc = push(st, st->stored[i].t, IMP_HEART_RATE, st->stored[i].v);
    }
    free(covered);
    return rc;
}

/* Any message's full timestamp is the base of the 16-bit and compressed timestamps that follow. */
static void timestamp_base(fit_state *st, const fit_def *d, const uint8_t *p) {
    const int64_t ts = d->ts_field < 0 ? -1 : field_uint(p + d->ts_offset, &d->fields[d->ts_field], d->big_endian);
    if (ts >= 0) st->last_ts = (uint32_t)ts, st->have_ts = 1;
}

static wfm_status bad(wfm_error *err, size_t at, const char *what) {
    return wfm_fail(err, WFM_ERR_INVALID_ARG, "byte %zu: %s", at, what);
}

/* One FIT file (of a chain) at b[0..]; *used gets its length with the CRC. */
static wfm_status one_file(fit_state *st, size_t start, size_t *used, wfm_error *err) {
    const uint8_t *b = st->b + start;
    size_t avail = st->n - start;
    if (avail < 12) return bad(err, start, "too short for a FIT file header (12 bytes)");
    uint8_t hs = b[0];
    if ((hs != 12 && hs != 14) || memcmp(b + 8, ".FIT", 4))
        return bad(err, start, start ? "bytes after the FIT file that are not another FIT file"
                                     : "not a FIT file (no \".FIT\" in its header)");
    if (avail < hs) return bad(err, start, "the FIT file header is cut off");
    if (hs == 14 && rd(b + 12, 2, 0) && rd(b + 12, 2, 0) != fit_crc(0, b, 12))
        return bad(err, start + 12, "the header's CRC does not match: the file is damaged");
    uint32_t size = rd(b + 4, 4, 0);
    if ((uint64_t)hs + size + 2 > avail)
        return wfm_fail(err, WFM_ERR_INVALID_ARG, "byte %zu: the header says %u bytes of data, the file has %zu: it is cut off",
                        start + 4, size, avail > hs ? avail - hs : 0);
    if (fit_crc(0, b, hs + (size_t)size + 2) != 0)
        return bad(err, start + hs + size, "the file's CRC does not match: the file is damaged");
    for (int i = 0; i < 16; i++) st->defs[i].defined = 0;
    size_t at = hs, end = hs + (size_t)size;
    while (at < end) {
        uint8_t h = b[at++];
        size_t here = start + at - 1;
        if (h & 0x80) { /* compressed timestamp: local type in bits 5-6, seconds in 0-4 */
            const fit_def *d = &st->defs[(h >> 5) & 3];
            if (!d->defined) return bad(err, here, "a data message for a local type that was never defined");
            if (!st->have_ts) return bad(err, here, "a compressed timestamp before any full timestamp");
            uint32_t off = h & 0x1F, t = (st->last_ts & ~0x1Fu) + off;
            if (off < (st->last_ts & 0x1F)) t += 0x20;
            st->last_ts = t;
            if (end - at < d->length) return bad(err, here, "a data message runs past the end of the data");
            timestamp_base(st, d, b + at);
            if ((d->global == MESG_HR ? hr_message(st, d, b + at) : data_message(st, d, b + at, 1, t)))
                return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
            at += d->length;
        } else if (h & 0x40) { /* definition */
            fit_def *d = &st->defs[h & 0xF];
            if (end - at < 5) return bad(err, here, "a definition message runs past the end of the data");
            memset(d, 0, sizeof *d);
            if (b[at + 1] > 1) return bad(err, here, "a definition with an unknown architecture");
            d->big_endian = b[at + 1];
            d->global = (uint16_t)rd(b + at + 2, 2, d->big_endian);
            d->n_fields = b[at + 4];
            at += 5;
            if (end - at < (size_t)d->n_fields * 3) return bad(err, here, "a definition message runs past the end of the data");
            d->ts_field = d->ts_offset = -1;
            for (int i = 0; i < d->n_fields; i++, at += 3) {
                d->fields[i] = (fit_field){.num = b[at], .size = b[at + 1], .base = b[at + 2]};
                if (!d->fields[i].size) return bad(err, at, "a field of size 0");
                if (d->fields[i].num == FIELD_TIMESTAMP) d->ts_field = i, d->ts_offset = (int)d->length;
                d->length += d->fields[i].size;
            }
            if (h & 0x20) { /* developer fields */
                if (end - at < 1) return bad(err, here, "a definition message runs past the end of the data");
                d->n_dev = b[at++];
                if (end - at < (size_t)d->n_dev * 3) return bad(err, here, "a definition message runs past the end of the data");
                for (int i = 0; i < d->n_dev; i++, at += 3) d->dev_bytes += b[at + 1];
                d->length += d->dev_bytes;
            }
            d->defined = 1;
        } else { /* data */
            const fit_def *d = &st->defs[h & 0xF];
            if (h & 0x10) return bad(err, here, "a record header with a reserved bit set");
            if (!d->defined) return bad(err, here, "a data message for a local type that was never defined");
            if (end - at < d->length) return bad(err, here, "a data message runs past the end of the data");
            int wanted = d->global == MESG_RECORD || d->global == MESG_MONITORING || d->global == MESG_ACTIVITY ||
                         d->global == MESG_MONITORING_INFO;
            timestamp_base(st, d, b + at);
            int fail = 0;
            if (d->global == MESG_HR) fail = hr_message(st, d, b + at);
            else if (wanted) fail = data_message(st, d, b + at, 0, 0);
            else st->c->ignored++;
            if (fail) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
            at += d->length;
        }
    }
    *used = end + 2;
    return WFM_OK;
}

wfm_status wfm_fit_add(wfm_aggregator *a, const void *data, size_t len, const wfm_import_options *options,
                       wfm_import_counts *counts, wfm_error *err) {
    if (!a || (!data && len)) return wfm_fail(err, WFM_ERR_INVALID_ARG, "wfm_fit_add: NULL argument");
    wfm_import_options o;
    wfm_status stt = imp_options(options, &o, err);
    if (stt) return stt;
    wfm_import_counts c;
    memset(&c, 0, sizeof c);
    fit_state *st = wfm_calloc(1, sizeof *st);
    if (!st) return wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    st->b = data;
    st->n = len;
    st->c = &c;
    for (size_t at = 0; !stt && (at < len || !at);) {
        size_t used = 0;
        stt = one_file(st, at, &used, err);
        at += used;
    }
    if (!stt && stored_heart_rate(st)) stt = wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    imp_samples l = {0};
    for (size_t i = 0; !stt && i < st->n_s; i++) {
        /* The file's own local time when it has one (and no fixed zone was asked for), else UTC + the offset. */
        imp_time t;
        double unix_ms = ((double)st->s[i].t + FIT_EPOCH_UNIX) * 1000.0;
        if (st->have_local && !o.fixed_offset) {
            t.wall_ms = (int64_t)(unix_ms + (double)st->local_offset_s * 1000.0);
            t.zone = IMP_ZONE_NONE;
        } else {
            t.wall_ms = (int64_t)unix_ms;
            t.zone = IMP_ZONE_UTC;
        }
        t.offset_min = 0;
        if (imp_push(&l, st->s[i].ch, imp_local_ms(&o, t, &c), st->s[i].v)) stt = wfm_fail(err, WFM_ERR_NO_MEMORY, "out of memory");
    }
    if (!stt) {
        c.files = 1;
        stt = imp_flush(a, &l, &o, &c, err);
    }
    if (!stt) imp_counts_add(counts, &c);
    imp_samples_free(&l);
    free(st->s);
    free(st->stored);
    free(st);
    return stt;
}
