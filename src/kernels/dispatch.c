/* Kernel set dispatch: the best set this CPU runs, chosen at run time, or
 * the one named by WFM_KERNELS (for tests and comparisons). */
#include <stdlib.h>
#include <string.h>
#include "kernels/kernels.h"

#if defined(WFM_HAVE_AVX2) && (defined(__x86_64__) || defined(_M_X64)) && defined(__GNUC__)
#include <cpuid.h>

/* __builtin_cpu_supports reports AVX2/FMA only when the OS saves YMM state
 * (libgcc and compiler-rt check OSXSAVE and XCR0); we check XCR0 again so a
 * runtime without that check cannot enable a set the OS would corrupt. */
static int os_saves_ymm(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_OSXSAVE)) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 6) == 6; /* XMM and YMM state enabled */
}

static int have_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && os_saves_ymm();
}

/* AVX-512 also needs the OS to save the opmask and both halves of the upper
 * ZMM state (XCR0 bits 5-7). */
static int have_avx512f(void) {
    if (!have_avx2_fma() || !__builtin_cpu_supports("avx512f")) return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (lo & 0xE6) == 0xE6;
}
#define WFM_DETECT_AVX2 1
#endif

/* The kernel sets: one tile per ISA (the widest the register file holds),
 * one microkernel per operation. */
#define WFM_KERNEL_SET(isa, mr, nr, gemm_tile, u)                                          \
    const wfm_kernels wfm_kernels_##isa = {#isa, mr, nr, wfm_f32_gemm_ukernel_##gemm_tile##__##isa, \
                                           wfm_f32_raddstoreexpminusmax_ukernel_##u##__##isa,   \
                                           wfm_f32_rmax_ukernel_##u##__##isa,                    \
                                           wfm_f32_vgelu_ukernel_##u##__##isa}

WFM_KERNEL_SET(scalar, 4, 8, 4x8, u1);
#if defined(WFM_HAVE_AVX2)
WFM_KERNEL_SET(avx2_fma, 6, 16, 6x16, u8);
WFM_KERNEL_SET(avx512f, 12, 32, 12x32, u16);
#endif
#if defined(WFM_HAVE_WASM_SIMD)
WFM_KERNEL_SET(wasm_simd128, 4, 8, 4x8, u4);
#endif
#if defined(WFM_HAVE_WASM_RELAXED_SIMD)
const wfm_kernels wfm_kernels_wasm_relaxedsimd = {
    "wasm_relaxedsimd", 4, 8, wfm_f32_gemm_ukernel_4x8__wasm_relaxedsimd,
    wfm_f32_raddstoreexpminusmax_ukernel_u4__wasm_simd128, wfm_f32_rmax_ukernel_u4__wasm_simd128,
    wfm_f32_vgelu_ukernel_u4__wasm_simd128};
#endif

/* Best first. Immutable, so concurrent callers need no synchronization. */
#if defined(WFM_DETECT_AVX2)
static const wfm_kernels *const with_avx512[] = {&wfm_kernels_avx512f, &wfm_kernels_avx2_fma, &wfm_kernels_scalar,
                                                 NULL};
static const wfm_kernels *const with_avx2[] = {&wfm_kernels_avx2_fma, &wfm_kernels_scalar, NULL};
#endif
#if defined(WFM_HAVE_WASM_RELAXED_SIMD)
/* The relaxed-SIMD binary (a build of its own: an engine without relaxed SIMD
 * refuses the whole module, so the choice is made when loading it,
 * wasi/run.mjs, not here). */
static const wfm_kernels *const baseline[] = {&wfm_kernels_wasm_relaxedsimd, &wfm_kernels_wasm_simd128,
                                              &wfm_kernels_scalar, NULL};
#elif defined(WFM_HAVE_WASM_SIMD)
/* Every engine we target has SIMD128; a module using it will not even load
 * without it, so there is nothing to detect. */
static const wfm_kernels *const baseline[] = {&wfm_kernels_wasm_simd128, &wfm_kernels_scalar, NULL};
#else
static const wfm_kernels *const baseline[] = {&wfm_kernels_scalar, NULL};
#endif

const wfm_kernels *const *wfm_kernels_available(void) {
#if defined(WFM_DETECT_AVX2)
    if (have_avx512f()) return with_avx512;
    if (have_avx2_fma()) return with_avx2;
#endif
    return baseline;
}

const wfm_kernels *wfm_kernels_by_name(const char *name) {
    if (!name) return NULL;
    for (const wfm_kernels *const *k = wfm_kernels_available(); *k; k++)
        if (strcmp((*k)->name, name) == 0) return *k;
    return NULL;
}

const wfm_kernels *wfm_kernels_best(void) {
    const char *forced = getenv("WFM_KERNELS");
    const wfm_kernels *k = forced && *forced ? wfm_kernels_by_name(forced) : NULL;
    return k ? k : wfm_kernels_available()[0];
}
