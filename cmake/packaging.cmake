# Installs the CMake package and pkg-config files, and describes the Debian packages. The
# install components become the packages, split the way Debian splits a library:
#   runtime      destkit           the CLI, the bundled plugins, the docs and man pages
#   library      libdestkit-host0  the host library (its soname is libdestkit-host.so.0)
#   development  destkit-dev       headers, CMake package, pkg-config files, the .so link
include(CMakePackageConfigHelpers)

set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/destkit)
install(EXPORT destkitSdkTargets NAMESPACE destkit:: DESTINATION ${config_dir} COMPONENT development)
install(EXPORT destkitHostTargets NAMESPACE destkit:: DESTINATION ${config_dir} COMPONENT development)
install(EXPORT destkitTestingTargets NAMESPACE destkit:: DESTINATION ${config_dir} COMPONENT development)
configure_package_config_file(cmake/destkitConfig.cmake.in ${PROJECT_BINARY_DIR}/destkitConfig.cmake
  INSTALL_DESTINATION ${config_dir} PATH_VARS CMAKE_INSTALL_BINDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/destkitConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/destkitConfig.cmake ${PROJECT_BINARY_DIR}/destkitConfigVersion.cmake
  DESTINATION ${config_dir} COMPONENT development)

# pkg-config files find the prefix relative to themselves, so the tree can be relocated.
# file(RELATIVE_PATH) may end in "/", which would double the slash before the next part.
file(RELATIVE_PATH PC_PREFIX_FROM_PCDIR ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" PC_PREFIX_FROM_PCDIR "${PC_PREFIX_FROM_PCDIR}")
foreach(pc destkit-sdk destkit-host destkit-testing)
  configure_file(cmake/${pc}.pc.in ${PROJECT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT development)
endforeach()

# Every Debian package carries the copyright file and the changelog in /usr/share/doc/PACKAGE
# (and destkit-dev the lintian overrides, each with its reason). They are Debian's, so a plain
# `cmake --install` leaves them out (EXCLUDE_FROM_ALL).
set(debian_dir ${PROJECT_SOURCE_DIR}/cmake/debian)
file(STRINGS ${debian_dir}/changelog changelog_head LIMIT_COUNT 1)
if(NOT changelog_head MATCHES "^destkit \\(${PROJECT_VERSION}\\) ")
  message(FATAL_ERROR "cmake/debian/changelog: the newest entry is not for version ${PROJECT_VERSION}: add one")
endif()
set(changelog_gz ${PROJECT_BINARY_DIR}/debian/changelog.gz)
add_custom_command(OUTPUT ${changelog_gz}
  COMMAND ${CMAKE_COMMAND} -E copy ${debian_dir}/changelog ${PROJECT_BINARY_DIR}/debian/changelog
  COMMAND gzip -9nf ${PROJECT_BINARY_DIR}/debian/changelog
  DEPENDS ${debian_dir}/changelog
  VERBATIM)
add_custom_target(debian-changelog ALL DEPENDS ${changelog_gz})
foreach(component_and_package runtime:destkit library:libdestkit-host0 development:destkit-dev)
  string(REPLACE ":" ";" component_and_package ${component_and_package})
  list(GET component_and_package 0 component)
  list(GET component_and_package 1 package)
  string(TOUPPER ${component} COMPONENT)
  set(CPACK_DEBIAN_${COMPONENT}_PACKAGE_NAME ${package})
  install(FILES ${debian_dir}/copyright ${changelog_gz} DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${package}
    COMPONENT ${component} EXCLUDE_FROM_ALL)
endforeach()
install(FILES ${debian_dir}/destkit-dev.lintian-overrides RENAME destkit-dev
  DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/lintian/overrides COMPONENT development EXCLUDE_FROM_ALL)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME destkit)
set(CPACK_PACKAGE_VENDOR "destkit")
set(CPACK_PACKAGE_CONTACT "destkit maintainers <maintainers@destkit.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")  # each package's own is the first line of its description
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime library development)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SOURCE destkit)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Each package depends on the exact version of the packages its component lists here.
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_COMPONENT_DEVELOPMENT_DEPENDS library runtime)

# The packages of the libraries each package's binaries link, at the versions dpkg-shlibdeps
# gives on bookworm (tests/partner/check_package_depends.sh holds the lists to what the
# binaries link).
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS
  "libboost-json1.81.0 (>= 1.81.0), libc6 (>= 2.34), libcurl4 (>= 7.63.0), libfmt9 (>= 9.1.0+ds1), libgcc-s1 (>= 3.0), libpsl5 (>= 0.13.0), libre2-9 (>= 20220601+dfsg), libssl3 (>= 3.0.0), libstdc++6 (>= 11)")
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "load and test destination plugins: the destkit CLI
destkit loads destination plugins, shared libraries that connect an event
platform to a partner's HTTP API, through a stable C ABI. The destkit command
lists and checks plugins, validates settings and tests credentials, serves a
local mock API, manages OAuth sign-ins and signs plugins.

It also holds the bundled example plugins, their sources in
/usr/share/doc/destkit/examples, the guides and a man page per command.")

set(CPACK_DEBIAN_LIBRARY_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_LIBRARY_PACKAGE_DEPENDS
  "libboost-json1.81.0 (>= 1.81.0), libc6 (>= 2.34), libcurl4 (>= 7.63.0), libfmt9 (>= 9.1.0+ds1), libgcc-s1 (>= 3.0), libpsl5 (>= 0.13.0), libre2-9 (>= 20220601+dfsg), libseccomp2 (>= 0.0.0~20120605), libssl3 (>= 3.0.0), libstdc++6 (>= 11)")
# shlibs tells dpkg-shlibdeps which package provides the library; the trigger has ldconfig
# refresh its cache once per dpkg run instead of a maintainer script calling it.
configure_file(${debian_dir}/shlibs.in ${PROJECT_BINARY_DIR}/debian/shlibs @ONLY)
set(CPACK_DEBIAN_LIBRARY_PACKAGE_CONTROL_EXTRA ${PROJECT_BINARY_DIR}/debian/shlibs ${debian_dir}/triggers)
set(CPACK_DEBIAN_LIBRARY_DESCRIPTION "destkit host library: load destination plugins from a C++ service
The destkit host library discovers destination plugins, loads them through a
stable C ABI, validates their settings and runs their credential checks over
HTTP, with secrets redacted from every message.")

set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SECTION libdevel)
# libssl-dev: destkit::testing (the partner test harness) links OpenSSL.
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_RECOMMENDS "cmake (>= 3.25), g++ (>= 12) | c++-compiler, pkg-config, libssl-dev")
# Rust plugins (destkit_add_rust_plugin) build with Debian's cargo and rustc.
set(CPACK_DEBIAN_DEVELOPMENT_PACKAGE_SUGGESTS "cargo, rustc")
set(CPACK_DEBIAN_DEVELOPMENT_DESCRIPTION "destkit SDK: write destination plugins, embed the destkit host
The C ABI header (destkit/abi.h) and the header-only C++ SDK to write
destination plugins in C or C++, the host library's headers to embed it in a
C++ service, the test harness (destkit/testing.hpp, a static library) to test
a plugin from unit tests against a local recording API, a CMake package
(find_package(destkit) with destkit_add_plugin()) and pkg-config files
(destkit-sdk, destkit-host, destkit-testing).")
include(CPack)
