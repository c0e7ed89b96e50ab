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
	bool loose;                  /* typed by a literal or arithmetic (64 bits): later values join its type */
	bool assigned;               /* given a value (not only declared: `let $x: T;`) */
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
	uint64_t inline_trips;         /* times the verifier walks the statement: inlined loops and unroll around it */
};

int xt_pass_config(struct xt_sema *s);
int xt_pass_options(struct xt_sema *s); /* pass_config.c: config = { ... } */
int xt_pass_macros(struct xt_sema *s); /* pass_macros.c: macro calls expanded in place */
int xt_pass_probes(struct xt_sema *s);  /* pass_probes.c: attach points to sites */
int xt_pass_types(struct xt_sema *s);   /* pass_types.c: names and types */
int xt_pass_probes_check(struct xt_sema *s); /* pass_probes.c: kernel features the attach points need */
int xt_pass_layout(struct xt_sema *s);  /* pass_layout.c: map key and value sizes */

/* pass_types.c: scratch variables. The slot `name` refers to in the current
 * scope, or -1; whether any block of the probe declared it; a new slot for
 * variable node v, visible to the end of the current block. */
int xt_sema_var_find(struct xt_sema *s, const char *name);
bool xt_sema_var_any(struct xt_sema *s, const char *name);
int xt_sema_var_declare(struct xt_sema *s, struct xt_node *v, const struct xt_type *t, bool fixed);

/* pass_types.c: tuples and records. Field n->name of record t; tuple t's
 * element at the constant index of XT_N_INDEX node n (which becomes the
 * XT_N_FIELD of that element); the type of a == or != (n) of tuples a and b.
 * NULL after a diagnostic. */
const struct xt_type *xt_sema_record_field(struct xt_sema *s, struct xt_node *n, const struct xt_type *t);
const struct xt_type *xt_sema_tuple_index(struct xt_sema *s, struct xt_node *n, const struct xt_type *t);
const struct xt_type *xt_sema_tuple_compare(struct xt_sema *s, struct xt_node *n, const struct xt_type *a,
					    const struct xt_type *b);

/* pass_types.c: the value of a block expression or an if-expression n
 * (bpftrace 0.24/0.25), its statements checked in a scope of their own. */
const struct xt_type *xt_sema_block_value(struct xt_sema *s, struct xt_node *n);

/* pass_types_expr.c: types n (xt_sema_expr in sema.h, with two choices more:
 * an aggregation is allowed when `agg_ok`, no value when `stmt`); whether t
 * is an integer, else a diagnostic that `what` needs one; the narrowest
 * type of a literal; a type written in the program (casts, let, sizeof). */
const struct xt_type *xt_sema_typed(struct xt_sema *s, struct xt_node *n, bool agg_ok, bool stmt);
bool xt_sema_need_int(struct xt_sema *s, struct xt_node *n, const struct xt_type *t, const char *what);
const struct xt_type *xt_sema_literal_type(uint64_t v);
const struct xt_type *xt_sema_type_named(struct xt_sema *s, const char *name, struct xt_loc loc);
const struct xt_type *xt_sema_typeof(struct xt_sema *s, struct xt_node *e, int ptrs);

/* pass_types_maps.c: a use of map node n (its keys typed and checked against
 * the map's when `keyed`), NULL after a diagnostic; joining a value type into
 * map m's, -1 after a diagnostic; the type of a map read; the REPL session's
 * known maps, entered before typing. */
struct xt_map_info *xt_sema_map_use(struct xt_sema *s, struct xt_node *n, bool keyed);
int xt_sema_map_set_val(struct xt_sema *s, struct xt_map_info *m, struct xt_node *at, const struct xt_type *val);
const struct xt_type *xt_sema_map_read(struct xt_sema *s, struct xt_node *n);
void xt_sema_maps_seed(struct xt_sema *s);
/* pass_types_maps.c: map declarations: checked before typing (-1 after a
 * diagnostic); their kinds checked against the maps' values after it, and
 * unused ones warned about. */
int xt_sema_map_decls(struct xt_sema *s);
int xt_sema_map_decls_check(struct xt_sema *s);

/* pass_types_rewrite.c: $N or $# (n) becomes the literal it stands for;
 * sizeof becomes an integer literal (its type, NULL after a diagnostic);
 * identifier n becomes a kernel enum's constant (its type; NULL, n left
 * alone, when it names none). */
void xt_sema_posparam(struct xt_sema *s, struct xt_node *n);
/* Warns of each $N in n and what follows it that no argument gives (or an
 * empty one): it reads as 0 or "" (bpftrace 0.24's warning). */
void xt_sema_posparams_warn(struct xt_sema *s, const struct xt_node *n);
const struct xt_type *xt_sema_sizeof(struct xt_sema *s, struct xt_node *n);
const struct xt_type *xt_sema_enum_const(struct xt_node *n);
/* An integer literal's type: its C suffix's (1u: uint32, 1ul: uint64, 1l:
 * int64), else by its value. */
const struct xt_type *xt_sema_c_literal(const struct xt_node *n);
/* ~ or - of a suffixed literal (~0u) folded in the literal's C type; false
 * when n is not one. */
bool xt_sema_c_fold(struct xt_node *n);

/* pass_types_kernel.c: kernel types (BTF) in the typing pass */
const struct xt_type *xt_sema_kernel_named(struct xt_sema *s, const char *name, struct xt_loc loc);
const struct xt_type *xt_sema_member(struct xt_sema *s, struct xt_node *n, const struct xt_type *t);
const struct xt_type *xt_sema_index(struct xt_sema *s, struct xt_node *n);
const struct xt_type *xt_sema_deref(struct xt_sema *s, struct xt_node *n, const struct xt_type *t);
const struct xt_type *xt_sema_addr(struct xt_sema *s, struct xt_node *n, const struct xt_type *t);
/* Whether n is a place in memory & can take (a field through a pointer or of
 * a struct in memory, an element, *p). */
bool xt_sema_in_memory(const struct xt_node *n);
/* Whether n, of type t, is an array in memory (or a char array there that
 * reads as a string): as a value it decays to a pointer to its first element
 * where C makes it so (arr + 1, *arr, $p = arr). A copy of one does not. */
bool xt_sema_decays(const struct xt_node *n, const struct xt_type *t);
/* Rewrites the array at *slot into &(*slot)[0], C's decay, and types it
 * (NULL after a diagnostic). */
const struct xt_type *xt_sema_decay(struct xt_sema *s, struct xt_node **slot);
const struct xt_type *xt_sema_offsetof(struct xt_sema *s, struct xt_node *n);

/* The span of the first `len` characters of n's location (the name of a call). */
struct xt_loc xt_loc_prefix(struct xt_loc loc, int len);

#endif
