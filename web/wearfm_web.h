/* Shared by the flat entry points of the Emscripten build (web/wearfm_web*.c).
 * JavaScript passes pointers into the wasm heap and never lays out a C
 * struct: a struct the core fills leaves through one getter per field
 * (WFMW_FIELD), which JS calls by name (m._wfmw_info_enc_dim(h)). */
#ifndef WEARFM_WEB_H
#define WEARFM_WEB_H
#include "wearfm.h"
#include <emscripten/emscripten.h>
#include <stdio.h>
#include <string.h>

/* The one error slot of every wfmw_* call (defined in wearfm_web.c): each
 * call that can fail clears it, a failed one fills it. JS reads it with
 * wfmw_last_error() and wfmw_last_status(). */
extern wfm_error wfmw_error;

static inline void wfmw_clear_error(void) { memset(&wfmw_error, 0, sizeof wfmw_error); }
/* Fills the slot with a status and a printf message; its value is the status. */
#define WFMW_FAIL(st, ...) (snprintf(wfmw_error.message, sizeof wfmw_error.message, __VA_ARGS__), wfmw_error.status = (st))

/* Defines `type prefix<field>(const handle_t *h)`: the field of the struct
 * info_t that get(h, &info) fills, e.g. WFMW_FIELD(wfmw_info_, wfm_model,
 * wfm_model_info, wfm_model_get_info, int, enc_dim) is wfmw_info_enc_dim(m).
 * A size_t field leaves as a double (exact below 2^53). */
#define WFMW_FIELD(prefix, handle_t, info_t, get, type, field) \
    EMSCRIPTEN_KEEPALIVE type prefix##field(const handle_t *h) { \
        info_t i; \
        get(h, &i); \
        return (type)i.field; \
    }

#endif
