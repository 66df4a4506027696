# destkit_add_plugin(NAME SOURCES file... [NO_INSTALL])
#
# Builds a destination plugin with everything the ABI rules need, so a partner cannot get
# them wrong: hidden visibility and a version script (only dk_plugin_entry is exported),
# -z defs (no unresolved symbol is left for load time), libraries linked into the plugin kept
# private, no install RUNPATH, the output name destkit-NAME.so that the host's discovery
# looks for, and an install rule into <libdir>/destkit/plugins, where the host searches by
# default.
include(GNUInstallDirs)

function(destkit_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "NO_INSTALL" "" "SOURCES")
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "destkit_add_plugin(${name}): SOURCES is required")
  endif()
  set(map "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/destkit-plugin.map")
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE destkit::sdk)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "destkit-${name}"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    # No RUNPATH, whatever CMAKE_INSTALL_RPATH says: the host loads a plugin from a copy in
    # memory, where $ORIGIN names no folder, and refuses a RUNPATH outside the system library
    # directories when it requires signatures or pins; an empty entry would be the current
    # directory.
    SKIP_BUILD_RPATH ON
    INSTALL_RPATH ""
    LINK_DEPENDS "${map}")
  # The C++ SDK reads like the docs' JavaScript thanks to C++20 designated initializers.
  if(NOT CMAKE_CXX_STANDARD OR CMAKE_CXX_STANDARD LESS 20)
    set_target_properties(${name} PROPERTIES CXX_STANDARD 20 CXX_STANDARD_REQUIRED ON)
  endif()
  if(DESTKIT_PLUGIN_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${DESTKIT_PLUGIN_OUTPUT_DIRECTORY}")
  endif()
  # GCC marks some template statics STB_GNU_UNIQUE, which would bind them across plugins.
  target_compile_options(${name} PRIVATE $<$<COMPILE_LANG_AND_ID:CXX,GNU>:-fno-gnu-unique>)
  target_link_options(${name} PRIVATE
    "LINKER:--version-script=${map}"
    "LINKER:-z,defs"
    "LINKER:--exclude-libs,ALL")
  if(NOT ARG_NO_INSTALL)
    set(plugin_dir "${DESTKIT_PLUGIN_INSTALL_DIR}")
    if(NOT plugin_dir)
      set(plugin_dir ${CMAKE_INSTALL_LIBDIR}/destkit/plugins)
    endif()
    install(TARGETS ${name} LIBRARY DESTINATION ${plugin_dir})
  endif()
endfunction()
