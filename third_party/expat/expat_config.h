/* wearfm's build configuration of the vendored expat 2.5.0 (lib/, see
 * README.wearfm.md): the same in the native, WASI and Emscripten builds. */
#ifndef EXPAT_CONFIG_H
#define EXPAT_CONFIG_H 1

#define BYTEORDER 1234 /* every target here is little-endian (x86-64, wasm32) */
#define XML_CONTEXT_BYTES 1024

/* Off on purpose: no DTD processing beyond the internal subset (no parameter
 * entities, no external DTD), no namespaces. Apple Health's export.xml
 * declares only ELEMENT and ATTLIST in its internal subset, and
 * src/data/apple_health.c refuses any entity declaration. */
/* #undef XML_DTD */
/* #undef XML_NS */

/* The hash salt's entropy: glibc >= 2.36 and wasi-libc have arc4random_buf;
 * Emscripten's libc has getentropy (crypto.getRandomValues), wrapped by
 * src/data/apple_health.c. */
#define HAVE_ARC4RANDOM_BUF 1
#ifdef __EMSCRIPTEN__
#include <stddef.h>
void wfm_expat_entropy(void *buf, size_t n);
#define arc4random_buf wfm_expat_entropy
#endif

#endif
