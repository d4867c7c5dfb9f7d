# The Emscripten build of the core: web/dist-style ES module + .wasm.
file(GLOB WFM_WEB_SOURCES ${CMAKE_SOURCE_DIR}/web/*.c)
add_executable(wearfm_web ${WFM_WEB_SOURCES})
set_target_properties(wearfm_web PROPERTIES OUTPUT_NAME wearfm_core SUFFIX ".mjs")
target_compile_options(wearfm_web PRIVATE ${WFM_WARN} ${WFM_OPT})
target_link_libraries(wearfm_web PRIVATE wearfm)
target_link_options(wearfm_web PRIVATE
  -O3 -msimd128
  -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createWearfmCore
  -sENVIRONMENT=web,worker,node
  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4294967296 -sINITIAL_MEMORY=67108864 -sTOTAL_STACK=1048576
  "-sEXPORTED_FUNCTIONS=['_malloc','_free']"
  "-sEXPORTED_RUNTIME_METHODS=['UTF8ToString','stringToUTF8','lengthBytesUTF8']")

# The threaded variant (Emscripten pthreads, the core's thread pool): the
# worker loads it only when the page is cross-origin isolated, since shared
# wasm memory needs SharedArrayBuffer. Same sources, built with -pthread.
add_library(wearfm_mt STATIC ${WFM_CORE_SOURCES} ${WFM_KERNEL_SOURCES})
target_include_directories(wearfm_mt PUBLIC ${CMAKE_SOURCE_DIR}/include PRIVATE ${CMAKE_SOURCE_DIR}/src)
target_compile_options(wearfm_mt PRIVATE ${WFM_WARN} ${WFM_OPT} -pthread)
target_compile_definitions(wearfm_mt PRIVATE WFM_HAVE_WASM_SIMD=1 WFM_THREADS=1)
add_executable(wearfm_web_mt ${WFM_WEB_SOURCES})
set_target_properties(wearfm_web_mt PROPERTIES OUTPUT_NAME wearfm_core_mt SUFFIX ".mjs")
target_compile_options(wearfm_web_mt PRIVATE ${WFM_WARN} ${WFM_OPT} -pthread)
target_link_libraries(wearfm_web_mt PRIVATE wearfm_mt)
# The pool follows the cores the browser reports: worker.js gives each model
# that many threads, so a model's state holds cores - 1 pthreads, and up to
# three states live at once (the minute model and, while one of them
# reloads, its successor, beside the accelerometer model). A pthread beyond
# the pool would wait for a worker that cannot start while the core's worker
# blocks, so the pool holds all three, plus one spare: 4 on 2 cores, as
# before. The expression is emitted into the module as it stands.
target_link_options(wearfm_web_mt PRIVATE
  -O3 -msimd128 -pthread
  "-sPTHREAD_POOL_SIZE=3*(((typeof navigator!=='undefined'&&navigator.hardwareConcurrency)||1)-1)+1"
  -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createWearfmCore
  -sENVIRONMENT=web,worker,node
  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4294967296 -sINITIAL_MEMORY=67108864 -sTOTAL_STACK=1048576
  "-sEXPORTED_FUNCTIONS=['_malloc','_free']"
  "-sEXPORTED_RUNTIME_METHODS=['UTF8ToString','stringToUTF8','lengthBytesUTF8']")
