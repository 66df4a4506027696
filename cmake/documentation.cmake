# Installs what a reader of the installed destkit needs: the README and the guides, the
# example destinations' sources (with the CMakeLists.txt that builds them against the
# installed SDK), and a man page per CLI command made from the help texts.
# Links to headers in this tree (sdk/include, testing/harness/include) point, installed, at the
# installed headers, relative to where each guide lands.
file(RELATIVE_PATH headers_from_docdir ${CMAKE_INSTALL_FULL_DOCDIR} ${CMAKE_INSTALL_FULL_INCLUDEDIR})
file(GLOB guides RELATIVE ${PROJECT_SOURCE_DIR} CONFIGURE_DEPENDS README.md docs/*.md)
foreach(guide ${guides})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${guide})
  file(READ ${PROJECT_SOURCE_DIR}/${guide} text)
  get_filename_component(guide_dir ${guide} DIRECTORY)
  set(up "")
  if(guide_dir)
    set(up "../")
  endif()
  foreach(tree sdk/include testing/harness/include)
    string(REPLACE "](${up}${tree}/destkit/" "](${up}${headers_from_docdir}/destkit/" text "${text}")
  endforeach()
  if(guide STREQUAL "README.md")
    string(PREPEND text "> This is the README of destkit's source tree. Installed, under destkit's prefix \
(`pkg-config --variable=prefix destkit-sdk`): the headers it names under `sdk/include` and \
`testing/harness/include` are in `${CMAKE_INSTALL_INCLUDEDIR}/destkit`, the guides (`docs/`) are beside \
this file, the example destinations (`plugins/`) in `examples/` here, and the Rust SDK (`sdk/rust`) \
in `${CMAKE_INSTALL_DATADIR}/destkit/rust`; the scripts, `core/`, `tests/` and `bench/` are in the \
source tree only.\n\n")
  endif()
  file(WRITE ${PROJECT_BINARY_DIR}/doc/${guide} "${text}")
  install(FILES ${PROJECT_BINARY_DIR}/doc/${guide} DESTINATION ${CMAKE_INSTALL_DOCDIR}/${guide_dir})
endforeach()
install(DIRECTORY plugins/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

find_program(HELP2MAN_EXECUTABLE help2man)
if(NOT HELP2MAN_EXECUTABLE)
  message(FATAL_ERROR "help2man makes the man pages and was not found: run scripts/install-dependencies")
endif()
set(man_pages_dir ${PROJECT_BINARY_DIR}/man/man1)
set(man_pages_stamp ${PROJECT_BINARY_DIR}/man/pages.stamp)
add_custom_command(OUTPUT ${man_pages_stamp}
  COMMAND ${PROJECT_SOURCE_DIR}/cmake/make_man_pages.sh $<TARGET_FILE:destkit> ${PROJECT_VERSION} ${man_pages_dir}
  COMMAND ${CMAKE_COMMAND} -E touch ${man_pages_stamp}
  DEPENDS destkit ${PROJECT_SOURCE_DIR}/cmake/make_man_pages.sh
  COMMENT "Making the man pages from destkit's help texts"
  VERBATIM)
add_custom_target(man-pages ALL DEPENDS ${man_pages_stamp})
install(DIRECTORY ${man_pages_dir}/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# The Rust example's crate names the SDK by its place in this tree; installed, it names the
# installed crate, relative to where the example lands.
file(RELATIVE_PATH rust_sdk_from_example ${CMAKE_INSTALL_FULL_DOCDIR}/examples/example-rust
  ${CMAKE_INSTALL_FULL_DATADIR}/destkit/rust)
file(READ plugins/example-rust/Cargo.toml example_rust_manifest)
string(REPLACE "../../sdk/rust" "${rust_sdk_from_example}" example_rust_manifest "${example_rust_manifest}")
file(WRITE ${PROJECT_BINARY_DIR}/examples/example-rust/Cargo.toml "${example_rust_manifest}")
install(FILES ${PROJECT_BINARY_DIR}/examples/example-rust/Cargo.toml
  DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples/example-rust)
