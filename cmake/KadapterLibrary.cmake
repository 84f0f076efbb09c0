# The object libraries libkadapter is made of (libkadapter/CMakeLists.txt)
# are compiled once for both its variants: position-independent, for
# libkadapter.so, and with hidden visibility, so the shared library exports
# only what the public headers declare (include/kadapter/export.h).
function(kadapter_library_objects target)
  set_target_properties(${target} PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
endfunction()
