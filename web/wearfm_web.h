/* Shared by the flat entry points of the Emscripten build (web/wearfm_web*.c). */
#ifndef WEARFM_WEB_H
#define WEARFM_WEB_H
#include "wearfm.h"

/* The error of the last failed call, read by JS with wfmw_last_error() and
 * wfmw_last_status(). */
extern wfm_error wfmw_error;

#endif
