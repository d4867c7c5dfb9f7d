/* wearfm: the common part: version, status codes and the error detail every call fills.
 * Part of the public API; include "wearfm.h". */
#ifndef WEARFM_BASE_H
#define WEARFM_BASE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WFM_VERSION_MAJOR 0
#define WFM_VERSION_MINOR 1
#define WFM_VERSION_PATCH 0

/* "0.1.0" */
const char *wfm_version(void);

typedef enum wfm_status {
    WFM_OK = 0,
    WFM_ERR_INVALID_ARG = 1, /* bad argument or bad input values */
    WFM_ERR_IO = 2,          /* file could not be read or written */
    WFM_ERR_FORMAT = 3,      /* malformed safetensors file */
    WFM_ERR_CONFIG = 4,      /* model config missing, malformed or inconsistent */
    WFM_ERR_NO_MEMORY = 5,
    WFM_ERR_NO_DATA = 6,     /* e.g. a window with no observed patch */
    WFM_ERR_UNSUPPORTED = 7  /* e.g. reconstruction from an encoder-only model */
} wfm_status;

/* Short name of a status code ("invalid argument", ...). */
const char *wfm_status_string(wfm_status status);

/* Optional error detail. Every function taking one fills it on failure. */
typedef struct wfm_error {
    wfm_status status;
    char message[512];
} wfm_error;

#ifdef __cplusplus
}
#endif
#endif
