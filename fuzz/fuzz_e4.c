/* libFuzzer target for the Empatica E4 reader: any bytes must parse or fail
 * with a message; a waveform read must be consistent (waveform_check.h). */
#include "waveform_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const wfm_waveform_options o = {WFM_WAVEFORM_E4, NULL, 0};
    wfm_waveform *w = NULL;
    wfm_error err;
    memset(&err, 0, sizeof err);
    check_waveform(wfm_waveform_read_buffer(data, size, &o, &w, &err), w, &err);
    return 0;
}
