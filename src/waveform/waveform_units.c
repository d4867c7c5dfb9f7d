/* Units of raw waveforms, in one table: how a value in a file's unit
 * becomes the stored value, and which stored values are plausible.
 * Accelerometers are stored in g; a value beyond +-16 g (the widest range
 * of wrist devices) is a fault and becomes missing, counted, never clipped,
 * as src/data/channel_rules.c does for minute channels. docs/data.md. */
#include "waveform/waveform_units.h"
#include <float.h>
#include <math.h>
#include <string.h>

#define ACC_MAX_G 16.0

static const wfm_wave_unit units[] = {
    {"g", 1.0, "g", ACC_MAX_G},
    {"m/s2", 9.80665, "g", ACC_MAX_G},     /* standard gravity */
    {"m/s^2", 9.80665, "g", ACC_MAX_G},
    {"1/64 g", 64.0, "g", ACC_MAX_G},      /* Empatica E4 ACC.csv (its range is +-2 g) */
    {"mg", 1000.0, "g", ACC_MAX_G},        /* milli-g: Polar's PMD accelerometer stream */
    {"", 1.0, "", INFINITY},               /* as recorded (PPG, EDA, ...): any finite value */
};
#define N_UNITS (sizeof units / sizeof *units)

const wfm_wave_unit *wfm_wave_unit_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < N_UNITS; i++)
        if (!strcmp(units[i].name, name)) return &units[i];
    return NULL;
}

const char *wfm_wave_unit_names(void) { return "g, m/s2, m/s^2, 1/64 g, mg"; }

wfm_drop_reason wfm_wave_convert(const wfm_wave_unit *u, double v, float *stored) {
    double s = v / u->divisor;
    if (!isfinite(s) || fabs(s) > FLT_MAX) return WFM_DROP_NOT_FINITE;
    if (s < -u->max_abs) return WFM_DROP_BELOW;
    if (s > u->max_abs) return WFM_DROP_ABOVE;
    *stored = (float)s;
    return WFM_KEPT;
}
