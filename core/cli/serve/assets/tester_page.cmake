# The tester page's files, embedded in the destkit binary at build time by
# cmake/embed_assets.cmake: DESTKIT_TESTER_PAGE_SOURCE is the generated source to compile.
set(tester_page_dir ${CMAKE_CURRENT_LIST_DIR})
set(tester_page_files index.html tester.css tester.js api.js form.js oauth.js)
list(TRANSFORM tester_page_files PREPEND ${tester_page_dir}/ OUTPUT_VARIABLE tester_page_paths)
string(JOIN "," tester_page_list ${tester_page_files})
set(DESTKIT_TESTER_PAGE_SOURCE ${CMAKE_CURRENT_BINARY_DIR}/serve/tester_page_assets.cpp)
add_custom_command(OUTPUT ${DESTKIT_TESTER_PAGE_SOURCE}
  COMMAND ${CMAKE_COMMAND} -DASSET_DIR=${tester_page_dir} -DFILES=${tester_page_list}
    -DOUTPUT=${DESTKIT_TESTER_PAGE_SOURCE} -P ${PROJECT_SOURCE_DIR}/cmake/embed_assets.cmake
  DEPENDS ${tester_page_paths} ${PROJECT_SOURCE_DIR}/cmake/embed_assets.cmake
  COMMENT "Embedding the tester page")
