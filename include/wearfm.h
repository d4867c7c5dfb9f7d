/* wearfm: portable runtime for wearable foundation models.
 *
 * One public API, by subsystem under include/wearfm/. Opaque handles, *_default_params() structs, and every
 * error returned as a status with a message; the library never aborts.
 * See docs/model-format.md for the exact model semantics. */
#ifndef WEARFM_H
#define WEARFM_H

#include "wearfm/base.h"
#include "wearfm/model.h"
#include "wearfm/minutes.h"
#include "wearfm/waveform.h"
#include "wearfm/probe.h"
#include "wearfm/fill_bands.h"

#endif
