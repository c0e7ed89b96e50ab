/* The pipeline from program text to a compiled object, shared by one-liners,
 * script files and the REPL. */
#ifndef XT_DRIVER_H
#define XT_DRIVER_H

#include "codegen/codegen.h"
#include "lang/diag.h"
#include "lang/sema.h"

enum { XT_DUMP_AST = 1, XT_DUMP_IR = 2 };

struct xt_unit {
	struct xt_arena *ar;       /* owns the AST and the program description */
	struct xt_source src;
	struct xt_program *prog;
	struct xt_compiled compiled;
};

/* Parses, analyses and compiles `text`. 0, or -1 after diagnostics in dg
 * (whose source is u->src). The caller frees with xt_unit_free. */
int xt_unit_compile(struct xt_unit *u, const char *name, const char *text,
		    const struct xt_sema_opts *opts, unsigned dump, struct xt_diags *dg);
void xt_unit_free(struct xt_unit *u);

#endif
