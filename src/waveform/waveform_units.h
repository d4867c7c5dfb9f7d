/* The units raw waveforms are read in, and the plausibility rule of the
 * stored values (src/waveform/waveform_units.c: the one place these live). */
#ifndef WFM_WAVEFORM_UNITS_H
#define WFM_WAVEFORM_UNITS_H
#include "wearfm.h"

typedef struct wfm_wave_unit {
    const char *name;     /* as a caller names it: "g", "mg", "m/s2", "1/64 g", "" */
    double divisor;       /* stored value = value in this unit / divisor */
    const char *stored;   /* the stored unit: "g", or "" (as recorded) */
    double max_abs;       /* plausible stored values: |v| <= max_abs */
} wfm_wave_unit;

/* The unit by name, or NULL. */
const wfm_wave_unit *wfm_wave_unit_find(const char *name);
/* The names a caller may pass, for messages: "g, m/s2, m/s^2, 1/64 g, mg". */
const char *wfm_wave_unit_names(void);
/* Converts v (in unit u) into *stored; WFM_KEPT, or why it becomes missing. */
wfm_drop_reason wfm_wave_convert(const wfm_wave_unit *u, double v, float *stored);

#endif
