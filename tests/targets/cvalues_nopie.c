/* cvalues_nopie: tests/targets/cvalues built as a position-dependent
 * executable without debug information (tests/CMakeLists.txt), so its data
 * sits at fixed low addresses (0x4...). */
#include "cvalues.c"
