/* cstructs_nopie: tests/targets/cstructs built as a position-dependent
 * executable without debug information (tests/CMakeLists.txt), so its data
 * sits at fixed low addresses. */
#include "cstructs.c"
