# `cmake --install`: libkadapter (both variants), its public headers, an
# exported CMake package and a pkg-config file. Both packages are
# relocatable: they find the headers and libraries relative to themselves,
# so an install into any prefix works as it is.
#
#   find_package(kadapter 0.1 CONFIG REQUIRED)
#   target_link_libraries(agent PRIVATE kadapter::kadapter)         # the shared library
#   target_link_libraries(agent PRIVATE kadapter::kadapter_static)  # the archive, with its dependencies
#
#   cc agent.c $(pkg-config --cflags --libs kadapter)
#   cc -static agent.c $(pkg-config --static --cflags --libs kadapter)
include(CMakePackageConfigHelpers)

set(KADAPTER_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/kadapter)
set(KADAPTER_INSTALLED_TARGETS kadapter)
if(KADAPTER_SHARED)
  list(APPEND KADAPTER_INSTALLED_TARGETS kadapter_shared)
endif()
install(TARGETS ${KADAPTER_INSTALLED_TARGETS} EXPORT kadapterTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})

file(GLOB KADAPTER_PUBLIC_HEADERS CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/include/kadapter/*.h ${CMAKE_SOURCE_DIR}/include/kadapter/*.hpp)
install(FILES ${KADAPTER_PUBLIC_HEADERS} ${KADAPTER_GENERATED_INCLUDE_DIR}/kadapter/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/kadapter)

install(EXPORT kadapterTargets NAMESPACE kadapter:: DESTINATION ${KADAPTER_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/kadapterConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/kadapterConfig.cmake INSTALL_DESTINATION ${KADAPTER_CMAKE_DIR})
# The C ABI is kept within a major version (README.md, "Using libkadapter").
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/kadapterConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/kadapterConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/kadapterConfigVersion.cmake
  DESTINATION ${KADAPTER_CMAKE_DIR})

# pkg-config: the prefix is found from the .pc file's own place (pcfiledir).
set(KADAPTER_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
file(RELATIVE_PATH KADAPTER_PC_TO_PREFIX /prefix/${KADAPTER_PC_DIR} /prefix)
string(REGEX REPLACE "/$" "" KADAPTER_PC_TO_PREFIX "${KADAPTER_PC_TO_PREFIX}")
# libkadapter.so carries its dependencies; libkadapter.a needs them on the
# program's link line, which is what --static asks for. They are listed in
# link order, the C++ runtime last (for C programs): a static link scans
# each archive once, and Requires.private would put the C++ runtime before
# yaml-cpp and protobuf, which need it. A static-only build has no .so:
# they are always the program's then.
set(KADAPTER_PC_DEPENDENCIES "-lyaml-cpp -lprotobuf-lite -lbpf -lelf -lz -lstdc++ -lm -pthread")
if(KADAPTER_SHARED)
  set(KADAPTER_PC_LIBS "")
  set(KADAPTER_PC_LIBS_PRIVATE "${KADAPTER_PC_DEPENDENCIES}")
else()
  set(KADAPTER_PC_LIBS " ${KADAPTER_PC_DEPENDENCIES}")
  set(KADAPTER_PC_LIBS_PRIVATE "")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/kadapter.pc.in ${CMAKE_CURRENT_BINARY_DIR}/kadapter.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/kadapter.pc DESTINATION ${KADAPTER_PC_DIR})
