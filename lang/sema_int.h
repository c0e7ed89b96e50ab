/* Shared state of the semantic-analysis passes (internal to lang/). */
#ifndef XT_SEMA_INT_H
#define XT_SEMA_INT_H

#include "sema.h"

struct xt_var {
	const char *name;
	const struct xt_type *type;
	struct xt_node *first;
};

struct xt_sema {
	struct xt_arena *ar;
	struct xt_diags *dg;
	struct xt_program *prog;
	struct xt_probe_info *probe;   /* probe being checked */
	struct xt_var *vars;           /* scratch variables of the current probe */
	int nvars, capvars;
	bool final;                    /* last typing round: record formats, report everything */
	int loop_depth;
};

int xt_pass_probes(struct xt_sema *s);  /* pass_probes.c: attach points to sites */
int xt_pass_types(struct xt_sema *s);   /* pass_types.c: names and types */

/* The span of the first `len` characters of n's location (the name of a call). */
struct xt_loc xt_loc_prefix(struct xt_loc loc, int len);

#endif
