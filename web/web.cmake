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
