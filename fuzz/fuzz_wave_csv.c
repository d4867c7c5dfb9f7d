/* libFuzzer target for the generic waveform CSV reader. The first byte
 * picks the unit and the declared rate (0: estimated from the timestamps);
 * grids are capped at 2^20 values, so that an input is quick to run;
 * the rest is the file (waveform_check.h says what a result must be). */
#include "waveform_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const double rates[] = {0, 25, 31.25, 50, 100, 0.5, 1e4, 0};
    if (size < 1) return 0;
    /* a small limit of values: timestamps far apart are cheap to write */
    wfm_waveform_options o = {WFM_WAVEFORM_CSV, data[0] & 8 ? "m/s2" : "g", rates[data[0] & 7], 1 << 20};
    wfm_waveform *w = NULL;
    wfm_error err;
    memset(&err, 0, sizeof err);
    check_waveform(wfm_waveform_read_buffer(data + 1, size - 1, &o, &w, &err), w, &err);
    return 0;
}
