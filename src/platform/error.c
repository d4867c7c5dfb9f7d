#include "platform/error.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

wfm_status wfm_fail(wfm_error *err, wfm_status status, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->status = status;
    }
    return status;
}

void wfm_error_prefix(wfm_error *err, const char *fmt, ...) {
    if (!err) return;
    char prefix[256], old[sizeof err->message], joined[sizeof prefix + sizeof old + 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->message, sizeof old);
    snprintf(joined, sizeof joined, "%s: %s", prefix, old);
    memcpy(err->message, joined, sizeof err->message - 1);
    err->message[sizeof err->message - 1] = 0;
}

const char *wfm_status_string(wfm_status status) {
    switch (status) {
    case WFM_OK: return "ok";
    case WFM_ERR_INVALID_ARG: return "invalid argument";
    case WFM_ERR_IO: return "i/o error";
    case WFM_ERR_FORMAT: return "malformed model file";
    case WFM_ERR_CONFIG: return "bad model config";
    case WFM_ERR_NO_MEMORY: return "out of memory";
    case WFM_ERR_NO_DATA: return "no observed data";
    case WFM_ERR_UNSUPPORTED: return "unsupported";
    }
    return "unknown status";
}
