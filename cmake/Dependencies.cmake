# Libraries, found once for every component. The guest init links
# statically, so each dependency is also located as a static archive.
find_package(PkgConfig REQUIRED)
find_package(Protobuf REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(Threads REQUIRED)
find_program(CLANG clang REQUIRED)
find_program(BPFTOOL bpftool PATHS /usr/sbin REQUIRED)

function(kadapter_static_lib var name)
  find_library(${var} NAMES lib${name}.a REQUIRED)
endfunction()
kadapter_static_lib(KADAPTER_LIBBPF_A bpf)
kadapter_static_lib(KADAPTER_LIBELF_A elf)
kadapter_static_lib(KADAPTER_LIBZ_A z)
kadapter_static_lib(KADAPTER_PROTOBUF_LITE_A protobuf-lite)
kadapter_static_lib(KADAPTER_YAML_CPP_A yaml-cpp)
# guest-init's network RPCs (rtnetlink); Debian's libnl-3-dev and
# libnl-route-3-dev ship the archives.
pkg_check_modules(LIBNL REQUIRED libnl-3.0 libnl-route-3.0)
kadapter_static_lib(KADAPTER_LIBNL_ROUTE_A nl-route-3)
kadapter_static_lib(KADAPTER_LIBNL_A nl-3)

# spdlog and fmt ship no static archives in Debian: use both header-only,
# which also keeps the static guest init self-contained.
add_library(kadapter_logging INTERFACE)
target_compile_definitions(kadapter_logging INTERFACE SPDLOG_HEADER_ONLY SPDLOG_FMT_EXTERNAL FMT_HEADER_ONLY)

# Our static libraries carry no link dependencies; each executable links
# one of these sets: shared libraries on the host, archives for the guest
# init (which must be fully static).
add_library(kadapter_host_deps INTERFACE)
target_link_libraries(kadapter_host_deps INTERFACE bpf elf z protobuf::libprotobuf-lite yaml-cpp nl-route-3 nl-3
  Threads::Threads)
add_library(kadapter_static_deps INTERFACE)
target_link_libraries(kadapter_static_deps INTERFACE
  ${KADAPTER_YAML_CPP_A} ${KADAPTER_PROTOBUF_LITE_A} ${KADAPTER_LIBBPF_A} ${KADAPTER_LIBELF_A} ${KADAPTER_LIBZ_A}
  ${KADAPTER_LIBNL_ROUTE_A} ${KADAPTER_LIBNL_A} Threads::Threads)
target_link_options(kadapter_static_deps INTERFACE -static)
