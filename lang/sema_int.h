/* Shared state of the semantic-analysis passes (internal to lang/). */
#ifndef XT_SEMA_INT_H
#define XT_SEMA_INT_H

#include "sema.h"

/* A scratch variable's storage slot: one per declaration, for the whole probe. */
struct xt_var {
	const char *name;
	const struct xt_type *type;  /* NULL while declared but not yet assigned */
	struct xt_node *first;
	bool fixed;                  /* declared with a type (`let $x: uint8`): never widened */
};

/* A name visible in the current block: scopes nest, slots stay. */
struct xt_scope_ent {
	const char *name;
	int slot;
	int depth;
};

struct xt_sema {
	struct xt_arena *ar;
	struct xt_diags *dg;
	struct xt_program *prog;
	struct xt_probe_info *probe;   /* probe being checked */
	struct xt_var *vars;           /* variable slots of the current probe */
	int nvars, capvars;
	struct xt_scope_ent *scope;    /* visible names, innermost last */
	int nscope, capscope;
	int depth;                     /* block nesting */
	bool final;                    /* last typing round: record formats, report everything */
	int loop_depth;                /* while/for bodies around the statement (break, continue) */
	int map_loop_depth;            /* for ($kv : @m) bodies: a separate BPF function */
};

int xt_pass_config(struct xt_sema *s); /* pass_config.c: config = { ... } */
int xt_pass_macros(struct xt_sema *s); /* pass_macros.c: macro calls expanded in place */
int xt_pass_probes(struct xt_sema *s);  /* pass_probes.c: attach points to sites */
int xt_pass_types(struct xt_sema *s);   /* pass_types.c: names and types */

/* pass_types_kernel.c: kernel types (BTF) in the typing pass */
bool xt_types_is_place(const struct xt_type *t); /* a kernel struct or array: an address in generated code */
const struct xt_type *xt_types_kernel_named(struct xt_sema *s, const char *name, struct xt_loc loc);
const struct xt_type *xt_types_member(struct xt_sema *s, struct xt_node *n, const struct xt_type *t);
const struct xt_type *xt_types_index(struct xt_sema *s, struct xt_node *n);
const struct xt_type *xt_types_deref(struct xt_sema *s, struct xt_node *n, const struct xt_type *t);
const struct xt_type *xt_types_addr(struct xt_sema *s, struct xt_node *n, const struct xt_type *t);
const struct xt_type *xt_types_offsetof(struct xt_sema *s, struct xt_node *n);

/* The span of the first `len` characters of n's location (the name of a call). */
struct xt_loc xt_loc_prefix(struct xt_loc loc, int len);

#endif
