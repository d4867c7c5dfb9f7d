# The microkernels of src/kernels/<op>/<op>_<tile>_<isa>.c, for the main build
# and python/. A file is compiled only for targets that run its ISA, named by
# the file's suffix, with that ISA's flags; dispatch.c picks the best set the
# CPU and OS support at run time (CPUID, XCR0).
#   wfm_kernel_sources(ROOT TARGET)  TARGET: native | wasi | web
# sets WFM_KERNEL_SOURCES, and WFM_HAVE_AVX2 / WFM_HAVE_WASM_SIMD /
# WFM_HAVE_WASM_RELAXED_SIMD (what tells dispatch.c which sets are built in).
# Relaxed SIMD (*_wasm_relaxedsimd.c) is built when WFM_WASM_RELAXED_SIMD is
# ON (make wasi-relaxed: clang >= 19); only those files get -mrelaxed-simd, so
# the rest of that binary is the SIMD128 build's code.
macro(wfm_kernel_sources ROOT TARGET)
  file(GLOB WFM_KERNEL_SOURCES ${ROOT}/src/kernels/*/*_scalar.c)
  if("${TARGET}" STREQUAL "native" AND CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
    file(GLOB wfm_avx2_sources ${ROOT}/src/kernels/*/*_avx2_fma.c)
    file(GLOB wfm_avx512_sources ${ROOT}/src/kernels/*/*_avx512f.c)
    set_source_files_properties(${wfm_avx2_sources} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma")
    set_source_files_properties(${wfm_avx512_sources} PROPERTIES COMPILE_OPTIONS "-mavx512f;-mfma")
    list(APPEND WFM_KERNEL_SOURCES ${wfm_avx2_sources} ${wfm_avx512_sources})
    set(WFM_HAVE_AVX2 1)
  endif()
  if(NOT "${TARGET}" STREQUAL "native")
    # Both wasm builds require SIMD128 (every engine we target has it).
    file(GLOB wfm_wasm_sources ${ROOT}/src/kernels/*/*_wasm_simd128.c)
    list(APPEND WFM_KERNEL_SOURCES ${wfm_wasm_sources})
    set(WFM_HAVE_WASM_SIMD 1)
    if(WFM_WASM_RELAXED_SIMD)
      file(GLOB wfm_relaxed_sources ${ROOT}/src/kernels/*/*_wasm_relaxedsimd.c)
      set_source_files_properties(${wfm_relaxed_sources} PROPERTIES COMPILE_OPTIONS "-mrelaxed-simd")
      list(APPEND WFM_KERNEL_SOURCES ${wfm_relaxed_sources})
      set(WFM_HAVE_WASM_RELAXED_SIMD 1)
    endif()
  endif()
endmacro()
