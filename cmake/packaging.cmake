# Installs the CMake package and pkg-config files, and describes the Debian package.
include(CMakePackageConfigHelpers)

set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/destkit)
install(EXPORT destkitSdkTargets NAMESPACE destkit:: DESTINATION ${config_dir})
install(EXPORT destkitHostTargets NAMESPACE destkit:: DESTINATION ${config_dir})
configure_package_config_file(cmake/destkitConfig.cmake.in ${PROJECT_BINARY_DIR}/destkitConfig.cmake
  INSTALL_DESTINATION ${config_dir} PATH_VARS CMAKE_INSTALL_BINDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/destkitConfigVersion.cmake COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/destkitConfig.cmake ${PROJECT_BINARY_DIR}/destkitConfigVersion.cmake
  DESTINATION ${config_dir})

# pkg-config files find the prefix relative to themselves, so the tree can be relocated.
file(RELATIVE_PATH PC_PREFIX_FROM_PCDIR ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
foreach(pc destkit-sdk destkit-host)
  configure_file(cmake/${pc}.pc.in ${PROJECT_BINARY_DIR}/${pc}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/${pc}.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME destkit)
set(CPACK_PACKAGE_VENDOR "destkit")
set(CPACK_PACKAGE_CONTACT "destkit maintainers <maintainers@destkit.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Destination plugins over a stable C ABI: host, CLI, SDK and examples")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libc6, libstdc++6, libcurl4 (>= 7.85), libboost-json1.81.0, libfmt9, libssl3, libre2-9")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "cmake, g++, libboost-json1.81-dev")
include(CPack)
