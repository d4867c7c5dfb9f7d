# The x86-64 kernel sets (src/kernels/gemm_<isa>.c), for the main build and
# python/: each file alone is compiled for its ISA, and kernels.c picks the
# best one the CPU and OS support at run time (CPUID, XCR0).
# WFM_HAVE_AVX2 tells kernels.c that these sets are built in.
macro(wfm_x86_kernels ROOT)
  list(APPEND WFM_KERNEL_SOURCES ${ROOT}/src/kernels/gemm_avx2.c ${ROOT}/src/kernels/gemm_avx512.c)
  set_source_files_properties(${ROOT}/src/kernels/gemm_avx2.c PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma")
  set_source_files_properties(${ROOT}/src/kernels/gemm_avx512.c PROPERTIES COMPILE_OPTIONS "-mavx512f;-mfma")
  set(WFM_HAVE_AVX2 1)
endmacro()
