# Installing: `cmake --install build` (or `make install`, with DESTDIR and
# PREFIX) puts xtrace, its man page, bash completion and the examples where a
# Debian system looks for them; `make deb` builds a Debian package with
# CPack's DEB generator, its dependencies found by dpkg-shlibdeps.
include(GNUInstallDirs)
install(TARGETS xtrace RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# the code generator, loaded on the first compilation (codegen/load.c)
install(TARGETS xtrace-llvm LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/xtrace)
install(FILES ${CMAKE_SOURCE_DIR}/man/xtrace.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${CMAKE_SOURCE_DIR}/completion/xtrace.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME xtrace)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
  FILES_MATCHING PATTERN "*.xt")
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME xtrace)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "xtrace developers <xtrace@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "interactive scripting tracer for Linux, compatible with bpftrace")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# loaded with dlopen for --metrics, so dpkg-shlibdeps does not see it
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libmicrohttpd12")
set(CPACK_STRIP_FILES ON)
# the kernel's tracefs and BTF are what it reads; bpftool helps people inspect what it loaded
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bpftool")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
