# Minimal platform description for WASI (CMake 3.25 has none built in).
set(CMAKE_EXECUTABLE_SUFFIX ".wasm")
set(CMAKE_STATIC_LIBRARY_PREFIX "lib")
set(CMAKE_STATIC_LIBRARY_SUFFIX ".a")
set(CMAKE_C_OUTPUT_EXTENSION ".obj")
