# destkit_add_rust_plugin(NAME CRATE dir [NO_INSTALL])
#
# Builds a destination written in Rust (see docs/write-a-destination-in-rust.md). cargo
# compiles the crate in `dir`, which must have crate-type = ["staticlib"] and depend on the
# destkit crate; destkit_add_plugin() then links the archive into destkit-NAME.so with the
# rules of a C or C++ plugin: the version script that exports dk_plugin_entry and nothing
# else, -z defs, the output name and the install rule. (A cargo cdylib cannot take that
# version script: rustc passes its own, and GNU ld accepts only one.)
#
# cargo runs offline, with CARGO_HOME and its target directory inside the build tree. Debian's
# cargo and rustc in /usr/bin are preferred over any other on PATH, so the build uses the
# toolchain the distribution supports.
include_guard(GLOBAL)
include("${CMAKE_CURRENT_LIST_DIR}/destkit_add_plugin.cmake")

find_program(DESTKIT_CARGO cargo PATHS /usr/bin NO_DEFAULT_PATH)
find_program(DESTKIT_CARGO cargo)
if(DESTKIT_CARGO)
  get_filename_component(_destkit_cargo_dir "${DESTKIT_CARGO}" DIRECTORY)
  find_program(DESTKIT_RUSTC rustc PATHS "${_destkit_cargo_dir}" NO_DEFAULT_PATH)
  find_program(DESTKIT_RUSTC rustc)
  find_program(DESTKIT_RUSTDOC rustdoc PATHS "${_destkit_cargo_dir}" NO_DEFAULT_PATH)
  find_program(DESTKIT_RUSTDOC rustdoc)
endif()

# The environment every cargo run of this build gets, as NAME=VALUE items for cmake -E env:
# the chosen rustc and rustdoc, and CARGO_HOME and the target directory inside the build tree.
# One target directory serves every crate: the destkit crate is compiled once, and cargo locks
# the directory while it builds.
function(destkit_cargo_environment out)
  set(${out} "CARGO_HOME=${CMAKE_BINARY_DIR}/cargo/home" "CARGO_TARGET_DIR=${CMAKE_BINARY_DIR}/cargo/target"
      "RUSTC=${DESTKIT_RUSTC}" "RUSTDOC=${DESTKIT_RUSTDOC}" PARENT_SCOPE)
endfunction()

# The system libraries Rust's standard library needs, as rustc itself reports them.
function(_destkit_rust_native_libs out)
  set(dir "${CMAKE_BINARY_DIR}/cargo/native-libs")
  file(MAKE_DIRECTORY "${dir}")
  file(WRITE "${dir}/empty.rs" "")
  execute_process(
    COMMAND "${DESTKIT_RUSTC}" --crate-type staticlib --crate-name empty --print native-static-libs
            --out-dir "${dir}" "${dir}/empty.rs"
    RESULT_VARIABLE result ERROR_VARIABLE report OUTPUT_QUIET)
  file(REMOVE "${dir}/libempty.a")
  if(NOT result EQUAL 0 OR NOT report MATCHES "native-static-libs: ([^\n]*)")
    message(FATAL_ERROR "${DESTKIT_RUSTC} could not report the native libraries of a static library:\n${report}")
  endif()
  separate_arguments(libs UNIX_COMMAND "${CMAKE_MATCH_1}")
  set(${out} ${libs} PARENT_SCOPE)
endfunction()

# The file name of the crate's static library, from cargo's own description of the crate.
function(_destkit_rust_archive_name crate out)
  destkit_cargo_environment(environment)
  execute_process(
    COMMAND ${CMAKE_COMMAND} -E env ${environment} "${DESTKIT_CARGO}" metadata --no-deps --offline --format-version 1 --manifest-path "${crate}/Cargo.toml"
    RESULT_VARIABLE result OUTPUT_VARIABLE metadata ERROR_VARIABLE errors)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "cargo cannot read ${crate}/Cargo.toml:\n${errors}")
  endif()
  string(JSON count LENGTH "${metadata}" packages 0 targets)
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    string(JSON types GET "${metadata}" packages 0 targets ${i} crate_types)
    if(types MATCHES "\"staticlib\"")
      string(JSON name GET "${metadata}" packages 0 targets ${i} name)
      string(REPLACE "-" "_" name "${name}")
      set(${out} "lib${name}.a" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  message(FATAL_ERROR "${crate}/Cargo.toml: the library must have crate-type = [\"staticlib\"]")
endfunction()

function(destkit_add_rust_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "NO_INSTALL" "CRATE" "")
  if(NOT ARG_CRATE)
    message(FATAL_ERROR "destkit_add_rust_plugin(${name}): CRATE is required")
  endif()
  if(NOT DESTKIT_CARGO OR NOT DESTKIT_RUSTC)
    message(FATAL_ERROR "destkit_add_rust_plugin(${name}) needs cargo and rustc (Debian: apt-get install cargo rustc)")
  endif()
  get_filename_component(crate "${ARG_CRATE}" ABSOLUTE)
  if(NOT DEFINED CACHE{DESTKIT_RUST_NATIVE_LIBS})
    _destkit_rust_native_libs(libs)
    set(DESTKIT_RUST_NATIVE_LIBS "${libs}" CACHE INTERNAL "what Rust's standard library links")
  endif()
  _destkit_rust_archive_name("${crate}" archive_name)

  destkit_cargo_environment(environment)
  set(archive "${CMAKE_BINARY_DIR}/cargo/target/release/${archive_name}")
  # cargo knows what changed: it runs at every build and rebuilds only what it must.
  add_custom_target(${name}-cargo
    COMMAND ${CMAKE_COMMAND} -E env ${environment} "${DESTKIT_CARGO}" build --offline --release --lib --manifest-path "${crate}/Cargo.toml"
    BYPRODUCTS "${archive}"
    COMMENT "cargo build ${crate}"
    VERBATIM)

  set_source_files_properties("${archive}" PROPERTIES EXTERNAL_OBJECT TRUE GENERATED TRUE)
  set(install_flag)
  if(ARG_NO_INSTALL)
    set(install_flag NO_INSTALL)
  endif()
  destkit_add_plugin(${name} SOURCES "${archive}" ${install_flag})
  add_dependencies(${name} ${name}-cargo)
  # The archive is the whole plugin, so --exclude-libs would hide its entry point too; the
  # version script alone keeps everything else local. Link with the C driver, pull in the
  # member with the entry, and drop the parts of Rust's standard library nothing uses, as
  # rustc does for the libraries it links itself.
  get_target_property(options ${name} LINK_OPTIONS)
  list(REMOVE_ITEM options "LINKER:--exclude-libs,ALL")
  set_target_properties(${name} PROPERTIES LINK_OPTIONS "${options}" LINKER_LANGUAGE C)
  target_link_options(${name} PRIVATE "LINKER:--undefined=dk_plugin_entry" "LINKER:--gc-sections")
  target_link_libraries(${name} PRIVATE ${DESTKIT_RUST_NATIVE_LIBS})
endfunction()
