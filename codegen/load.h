/* The LLVM code generator is a module loaded on first use: xtrace itself is
 * not linked against LLVM, so starting, running a cached or precompiled
 * program, listing probes or printing the version never maps it. */
#ifndef XT_CODEGEN_LOAD_H
#define XT_CODEGEN_LOAD_H

#include <stdbool.h>
#include "lang/diag.h"

/* Makes LLVM's C API callable: loads libxtrace-llvm.so (found next to the
 * executable, or in ../LIBDIR/xtrace/ of it) once per process; nothing when
 * the executable was linked against LLVM itself (the unit tests). 0, or -1
 * after a diagnostic in dg (stderr when dg is NULL). */
int xt_codegen_load(struct xt_diags *dg);

/* Whether LLVM's code is in the process (loaded or linked). */
bool xt_codegen_loaded(void);

#endif
