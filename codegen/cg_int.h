/* Internal to codegen/: module set-up and map declaration. */
#ifndef XT_CG_INT_H
#define XT_CG_INT_H

#include "codegen/cg.h"

int xt_cg_module_begin(struct xt_cg *cg, const char *source_name);
int xt_cg_module_finish(struct xt_cg *cg, unsigned flags, struct xt_compiled *out);
void xt_cg_module_dispose(struct xt_cg *cg);
void xt_cg_declare_maps(struct xt_cg *cg);

#endif
