/* The typing pass: resolves every name (builtins, maps, scratch variables)
 * and infers and checks types, statement by statement (expressions in
 * pass_types_expr.c, maps in pass_types_maps.c, kernel types in
 * pass_types_kernel.c, constants rewritten in pass_types_rewrite.c). Map
 * types are program-wide: the pass runs twice, the first round quietly so
 * that a map read before (in source order) the assignment that types it
 * still resolves. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "sema_int.h"
#include "stdlib/registry.h"

static int stmts(struct xt_sema *s, struct xt_node *list);
static int stmt(struct xt_sema *s, struct xt_node *st);
static void hoist_assigned(struct xt_sema *s, struct xt_node *st);
static bool check_literal(struct xt_sema *s, struct xt_node *v, struct xt_node *e, const struct xt_type *t);

static const char *tname(struct xt_sema *s, const struct xt_type *t)
{
	return xt_type_name(s->ar, t);
}

/* --- scratch variables ------------------------------------------------------ */

/* The slot the name refers to in the current scope, or -1. */
int xt_sema_var_find(struct xt_sema *s, const char *name)
{
	for (int i = s->nscope - 1; i >= 0; i--)
		if (strcmp(s->scope[i].name, name) == 0)
			return s->scope[i].slot;
	return -1;
}

/* Whether any block of the probe declared the name (for a better message). */
bool xt_sema_var_any(struct xt_sema *s, const char *name)
{
	for (int i = 0; i < s->nvars; i++)
		if (strcmp(s->vars[i].name, name) == 0)
			return true;
	return false;
}

/* The type slot `slot` ended the first round with, or NULL. Variables'
 * types widen as assignments come (a longer string, a tuple holding one):
 * starting the final round from the widest one gives every use the layout
 * codegen gives the slot, or `$t = ("a", ("b", 1)); print($t); $t = ("a",
 * ("longer", 2))` would print the first tuple with the second's offsets. */
static const struct xt_type *first_round(struct xt_sema *s, int slot, const struct xt_type *t)
{
	const struct xt_probe_info *p = s->probe;
	if (!t || !s->final || !p->var_types || slot >= p->nvars || !p->var_types[slot])
		return t;
	const struct xt_type *j = xt_type_join(s->ar, t, p->var_types[slot]);
	return j ? j : t;
}

/* A new slot for `name`, visible from here to the end of the current block. */
int xt_sema_var_declare(struct xt_sema *s, struct xt_node *v, const struct xt_type *t, bool fixed)
{
	if (s->nvars == s->capvars) {
		s->capvars = s->capvars ? s->capvars * 2 : 8;
		struct xt_var *nv = xt_arena_alloc(s->ar, sizeof(*nv) * s->capvars);
		if (s->nvars)
			memcpy(nv, s->vars, sizeof(*nv) * s->nvars);
		s->vars = nv;
	}
	if (s->nscope == s->capscope) {
		s->capscope = s->capscope ? s->capscope * 2 : 8;
		struct xt_scope_ent *ns = xt_arena_alloc(s->ar, sizeof(*ns) * s->capscope);
		if (s->nscope)
			memcpy(ns, s->scope, sizeof(*ns) * s->nscope);
		s->scope = ns;
	}
	if (!fixed)
		t = first_round(s, s->nvars, t);
	s->vars[s->nvars] = (struct xt_var){ v->name, t, v, fixed, true, t != NULL };
	s->scope[s->nscope++] = (struct xt_scope_ent){ v->name, s->nvars, s->depth };
	v->aux = s->nvars;
	v->type = t;
	return s->nvars++;
}

/* --- statements ------------------------------------------------------------- */

/* A value kept as 64 bits: a bool, an int (a builtin's result, find()'s). */
static const struct xt_type *var_slot_type(struct xt_sema *s, const struct xt_type *t)
{
	if (t->kind == XT_T_BOOL)
		return &xt_bool64;
	if (t->kind == XT_T_INT)
		return xt_type_int_as(s->ar, t, 8);
	return t;
}

/* Where an integer stored in a variable comes from. A literal has no type
 * of its own worth keeping (bpftrace: a variable first assigned one is
 * int64); arithmetic is done in 64 bits, its result's type says no more
 * than that; anything else (a cast, a field, a builtin, a variable, a map
 * value) has the type the variable keeps. */
enum val_src { VAL_LITERAL, VAL_ARITH, VAL_TYPED };

/* What block expression { ...; e } gives: e, its last statement's
 * expression (or that statement, an if); NULL for an empty block. */
static struct xt_node *block_result(const struct xt_node *blk)
{
	struct xt_node *last = xt_node_last(blk->list);
	return last && last->kind == XT_N_EXPR_STMT ? last->a : last;
}

static enum val_src val_src(const struct xt_node *e)
{
	switch (e->kind) {
	case XT_N_INT: /* an enum's constant is one of the enum's values */
		return xt_type_is_enum(e->type) ? VAL_TYPED : VAL_LITERAL;
	case XT_N_UNOP:
		if (e->op == XT_OP_NEG && e->a->kind == XT_N_INT && !xt_type_is_enum(e->a->type))
			return VAL_LITERAL;
		return e->op == XT_OP_NEG || e->op == XT_OP_BNOT ? VAL_ARITH : VAL_TYPED;
	case XT_N_BINOP: /* not a comparison (a bool) nor pointer arithmetic */
		return e->type && e->type->kind == XT_T_INT ? VAL_ARITH : VAL_TYPED;
	case XT_N_TERNARY:
	case XT_N_IF: /* if (c) { a } else { b } as a value: as c ? a : b */
		return val_src(e->b) == VAL_TYPED && val_src(e->c) == VAL_TYPED ? VAL_TYPED : VAL_ARITH;
	case XT_N_BLOCK: { /* { ...; e }: e's */
		const struct xt_node *r = block_result(e);
		return r ? val_src(r) : VAL_TYPED;
	}
	default:
		return VAL_TYPED;
	}
}

/* The type a variable takes from its first value e, of type t: an integer
 * keeps its width and sign (bpftrace), unless it is a literal or the
 * result of arithmetic, which are 64 bits (*loose: later values join it). */
static const struct xt_type *var_first_type(struct xt_sema *s, const struct xt_node *e, const struct xt_type *t,
					    bool *loose)
{
	*loose = true;
	if (t->kind != XT_T_INT || val_src(e) != VAL_TYPED)
		return var_slot_type(s, t);
	*loose = false;
	if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8) /* no such register width */
		return xt_type_int_as(s->ar, t, 8);
	return t;
}

/* Storing a `from` into a variable of integer type `to` converts it, as a
 * cast does; where the two differ in sign the value may change (-1 becomes
 * 4294967295 in a uint32), which bpftrace 0.26 warns about, not rejects.
 * An unsigned value narrower than a signed variable always fits: no warning. */
static void sign_check(struct xt_sema *s, const struct xt_node *st, const struct xt_node *v,
		       const struct xt_type *from, const struct xt_type *to)
{
	if (from->kind != XT_T_INT || to->kind != XT_T_INT || from->sign == to->sign ||
	    (!from->sign && from->size < to->size) || val_src(st->b) != VAL_TYPED)
		return;
	xt_diag_warning(s->dg, st->loc, "sign mismatch: assigning %s to $%s, which holds %s; the value is converted "
			"as (%s) converts it", tname(s, from), v->name, tname(s, to), tname(s, to));
}

/* A variable declared with an integer type takes a wider integer only
 * through a cast (bpftrace: `Integer size mismatch`): a value of its own
 * type (a field, a builtin, a variable) would be cut without a word, as
 * 1000 becomes -24 in an int8. Literals are checked by check_literal, and
 * arithmetic, done in 64 bits, is converted as C converts it. */
static bool width_check(struct xt_sema *s, const struct xt_node *e, const struct xt_node *v,
			const struct xt_type *from, const struct xt_type *to)
{
	if (from->kind != XT_T_INT || to->kind != XT_T_INT || from->size <= to->size || val_src(e) != VAL_TYPED)
		return true;
	xt_diag_error(s->dg, e->loc, "integer size mismatch: assigning %s to $%s, which is declared %s; a cast, as "
		      "in (%s)..., converts it", tname(s, from), v->name, tname(s, to), tname(s, to));
	return false;
}

static bool storable(struct xt_sema *s, struct xt_node *e, const struct xt_type *t)
{
	/* a probe's args is a view of its context, not a value: nothing to copy */
	if (t->kind == XT_T_AGG || (t->kind == XT_T_RECORD && !t->btf_id)) {
		xt_diag_error(s->dg, e->loc, "a %s cannot be stored in a variable", tname(s, t));
		return false;
	}
	if (xt_type_is_place(t))
		return xt_sema_kval(s, e, t) != NULL;
	return true;
}

/* The value e, of type t, stored where a pointer is kept: an array in
 * memory decays to a pointer to its first element (C); a copy of one has no
 * address to point to. Returns the value's type, NULL after a diagnostic. */
static const struct xt_type *to_pointer(struct xt_sema *s, struct xt_node **e, const struct xt_type *t,
					 const struct xt_type *ptr, const char *where)
{
	if (!t || !ptr || ptr->kind != XT_T_PTR)
		return t;
	if (xt_sema_decays(*e, t))
		return xt_sema_decay(s, e);
	if (xt_type_array_of(t)) {
		xt_diag_error(s->dg, (*e)->loc, "cannot assign %s to %s, a pointer (%s): this array is %s, which "
			      "has no address; assign an array in memory (as $p = $it->arr), which decays to a "
			      "pointer to its first element", tname(s, t), where, tname(s, ptr),
			      t->kind == XT_T_KVAL ? "a copy" : "a field of the probe's context");
		return NULL;
	}
	return t;
}

static int assign_var(struct xt_sema *s, struct xt_node *st)
{
	const struct xt_type *t = xt_sema_expr(s, st->b);
	if (t && st->op == XT_OP_ASSIGN) { /* $p = arr, $p holding a pointer */
		int slot = xt_sema_var_find(s, st->a->name);
		if (slot >= 0 && !(t = to_pointer(s, &st->b, t, s->vars[slot].type,
						  xt_arena_printf(s->ar, "$%s", st->a->name))))
			return -1;
	}
	if (!t || !storable(s, st->b, t)) {
		/* the value's error is said: a new variable still exists (as an
		 * int64), so its uses do not each add "used before it is assigned" */
		if (st->op == XT_OP_ASSIGN && xt_sema_var_find(s, st->a->name) < 0 && !xt_sema_var_any(s, st->a->name))
			xt_sema_var_declare(s, st->a, &xt_s64, false);
		return -1;
	}
	if (xt_type_is_place(t)) /* $s = *p: a copy of the struct */
		t = xt_type_kval(s->ar, t);
	struct xt_node *v = st->a;
	int slot = xt_sema_var_find(s, v->name);
	if (slot < 0) {
		if (st->op != XT_OP_ASSIGN) {
			xt_diag_error(s->dg, v->loc, "variable $%s is used before it is assigned", v->name);
			return -1;
		}
		bool loose;
		slot = xt_sema_var_declare(s, v, var_first_type(s, st->b, t, &loose), false);
		s->vars[slot].loose = loose;
		return 0;
	}
	struct xt_var *var = &s->vars[slot];
	v->aux = slot;
	var->assigned = true;
	if (!var->type && st->op != XT_OP_ASSIGN) {
		/* `let $x; $x += e`: $x starts at zero, as a read of it does */
		if (!xt_type_is_int(t)) {
			xt_diag_error(s->dg, st->loc, "operator %s= needs an integer; $%s, not assigned yet, is zero and "
				      "it is given %s", xt_op_text(st->op), v->name, tname(s, t));
			return -1;
		}
		xt_diag_warning(s->dg, v->loc, "variable $%s is used before it was assigned", v->name);
		var->loose = true;
		var->type = first_round(s, slot, &xt_s64);
	} else if (!var->type) {
		const struct xt_type *ft = var_first_type(s, st->b, t, &var->loose);
		var->type = var->fixed ? ft : first_round(s, slot, ft);
	} else if (var->type->kind == XT_T_PTR && (st->op == XT_OP_ADD || st->op == XT_OP_SUB) && xt_type_is_int(t)) {
		/* $p += i moves by i elements, as $p = $p + i does */
	} else if (var->fixed) {
		if (!xt_type_fits(var->type, t) || (st->op != XT_OP_ASSIGN && !xt_type_is_int(var->type))) {
			xt_diag_error(s->dg, st->loc, "type mismatch for $%s: assigning %s, but it is declared %s",
				      v->name, tname(s, t), tname(s, var->type));
			return -1;
		}
		if (st->op == XT_OP_ASSIGN &&
		    (!check_literal(s, v, st->b, var->type) || !width_check(s, st->b, v, t, var->type)))
			return -1;
		if (st->op == XT_OP_ASSIGN)
			sign_check(s, st, v, t, var->type);
	} else if (!var->loose && var->type->kind == XT_T_INT && xt_type_is_int(t)) {
		/* The variable keeps its first value's type (bpftrace): a literal
		 * must fit it; a wider integer widens it (its sign stays), so no
		 * value is cut; arithmetic, done in 64 bits, and compound
		 * assignments are converted to it, as C converts them. */
		if (st->op == XT_OP_ASSIGN) {
			if (!check_literal(s, v, st->b, var->type))
				return -1;
			if (t->kind == XT_T_INT && val_src(st->b) == VAL_TYPED) {
				sign_check(s, st, v, t, var->type);
				if (t->size > var->type->size)
					var->type = xt_type_int_as(s->ar, var->type, t->size > 8 ? 8 : t->size);
			}
		}
	} else {
		const struct xt_type *j = xt_type_join(s->ar, var->type, var_slot_type(s, t));
		if (!j || (st->op != XT_OP_ASSIGN && !xt_type_is_int(j))) {
			xt_diag_error(s->dg, st->loc, "type mismatch for $%s: assigning %s, but it holds %s",
				      v->name, tname(s, t), tname(s, var->type));
			return -1;
		}
		var->type = j;
	}
	v->type = var->type;
	return 0;
}

/* typeof(e): e's type, as a variable holds it (an integer literal's type
 * without its literal-ness); e itself never runs. */
const struct xt_type *xt_sema_typeof(struct xt_sema *s, struct xt_node *e, int ptrs)
{
	const struct xt_type *t = xt_sema_expr(s, e);
	if (t && t->kind == XT_T_INT)
		t = xt_type_int_as(s->ar, t, t->size);
	if (t && t->kind == XT_T_KVAL) /* typeof(*curtask) *: a pointer to the struct */
		t = ptrs ? t->pointee : t;
	for (int i = 0; t && i < ptrs; i++)
		t = xt_type_ptr(s->ar, t, xt_arena_printf(s->ar, "%s *", xt_type_name(s->ar, t)));
	return t;
}

/* The type a `let` names: bpftrace's own names (string, string[N],
 * buffer[N]), C's fixed-width integer names, typeof(expr), else what casts
 * take (int8..uint64, bool, struct S *, kernel types). NULL after a diagnostic. */
static const struct xt_type *let_type(struct xt_sema *s, struct xt_node *st)
{
	static const struct { const char *name; const struct xt_type *t; } cints[] = {
		{ "int8_t", &xt_s8 }, { "int16_t", &xt_s16 }, { "int32_t", &xt_s32 }, { "int64_t", &xt_s64 },
		{ "uint8_t", &xt_u8 }, { "uint16_t", &xt_u16 }, { "uint32_t", &xt_u32 }, { "uint64_t", &xt_u64 },
		{ "s8", &xt_s8 }, { "s16", &xt_s16 }, { "s32", &xt_s32 }, { "s64", &xt_s64 },
		{ "u8", &xt_u8 }, { "u16", &xt_u16 }, { "u32", &xt_u32 }, { "u64", &xt_u64 },
		{ "__s8", &xt_s8 }, { "__s16", &xt_s16 }, { "__s32", &xt_s32 }, { "__s64", &xt_s64 },
		{ "__u8", &xt_u8 }, { "__u16", &xt_u16 }, { "__u32", &xt_u32 }, { "__u64", &xt_u64 },
		{ "pid_t", &xt_s32 }, { "size_t", &xt_u64 }, { "ssize_t", &xt_s64 },
	};
	const char *name = st->name;
	struct xt_loc loc = st->a->loc;
	if (st->c) /* typeof(expr) */
		return xt_sema_typeof(s, st->c, (int)st->ival);
	unsigned n;
	int end = 0;
	if (strcmp(name, "inet") == 0) /* ntop()'s result: an address family and 16 bytes */
		return xt_type_buf(s->ar, 16, &xt_render_inet);
	if (strcmp(name, "string") == 0) /* what str() reads fits, and prints as it does */
		return xt_str_read_type(s, xt_sema_str_size(&s->prog->opts));
	if (sscanf(name, "string[%u]%n", &n, &end) == 1 && name[end] == 0) {
		if (n < 1 || n > 65536) {
			xt_diag_error(s->dg, loc, "string[%u]: the size must be between 1 and 65536", n);
			return NULL;
		}
		return xt_type_str(s->ar, (int)n);
	}
	if (sscanf(name, "buffer[%u]%n", &n, &end) == 1 && name[end] == 0) {
		if (n < 1 || n > 65536) {
			xt_diag_error(s->dg, loc, "buffer[%u]: the size must be between 1 and 65536", n);
			return NULL;
		}
		return xt_type_buf(s->ar, (int)n, XT_R_NONE);
	}
	for (size_t i = 0; i < sizeof(cints) / sizeof(cints[0]); i++)
		if (strcmp(cints[i].name, name) == 0)
			return cints[i].t;
	return xt_sema_type_named(s, name, loc);
}

/* Whether integer literal e (or -literal) fits integer type t; *text is how
 * it was written. Anything that is not a literal fits: it is converted. */
static bool literal_fits(struct xt_arena *ar, const struct xt_node *e, const struct xt_type *t, const char **text)
{
	bool neg = e->kind == XT_N_UNOP && e->op == XT_OP_NEG;
	const struct xt_node *lit = neg ? e->a : e;
	if (lit->kind != XT_N_INT || t->kind != XT_T_INT)
		return true;
	uint64_t v = lit->ival;
	*text = xt_arena_printf(ar, "%s%llu", neg && v ? "-" : "", (unsigned long long)v);
	if (neg && v) {
		if (!t->sign)
			return false;
		return v - 1 <= (uint64_t)INT64_MAX >> (64 - t->size * 8);
	}
	if (t->sign)
		return v <= (uint64_t)INT64_MAX >> (64 - t->size * 8);
	return t->size == 8 || v <= (UINT64_MAX >> (64 - t->size * 8));
}

/* A literal stored into a variable of declared type t must fit it
 * (bpftrace 0.22: `let $b: uint16 = 70000` is an error, `(uint16)70000` is not). */
static bool check_literal(struct xt_sema *s, struct xt_node *v, struct xt_node *e, const struct xt_type *t)
{
	const char *text = NULL;
	if (e->kind == XT_N_TERNARY || e->kind == XT_N_IF) /* each value it may have (an if's: else if too) */
		return check_literal(s, v, e->b, t) && (!e->c || check_literal(s, v, e->c, t));
	if (e->kind == XT_N_BLOCK) { /* { ...; e }: e */
		struct xt_node *r = block_result(e);
		return !r || check_literal(s, v, r, t);
	}
	if (literal_fits(s->ar, e, t, &text))
		return true;
	xt_diag_error(s->dg, e->loc, "the value %s does not fit in $%s's type %s; a cast, as in (%s)%s, converts it",
		      text, v->name, tname(s, t), tname(s, t), text);
	return false;
}

/* Shadowing is an error (bpftrace 0.22): a name visible here is declared once. */
static bool shadows(struct xt_sema *s, struct xt_node *v, bool loop)
{
	if (xt_sema_var_find(s, v->name) < 0)
		return false;
	if (loop)
		xt_diag_error(s->dg, v->loc, "loop variable $%s shadows an existing variable; shadowing is not allowed", v->name);
	else
		xt_diag_error(s->dg, v->loc, "variable $%s was already declared; shadowing is not allowed", v->name);
	return true;
}

static int let(struct xt_sema *s, struct xt_node *st)
{
	struct xt_node *v = st->a;
	if (shadows(s, v, false))
		return -1;
	const struct xt_type *t = NULL;
	int rc = 0;
	if (st->name && !(t = let_type(s, st)))
		rc = -1;
	if (t && (t->kind == XT_T_VOID || t->kind == XT_T_AGG || (t->kind == XT_T_RECORD && !t->btf_id))) {
		xt_diag_error(s->dg, st->loc, "a %s cannot be stored in a variable", tname(s, t));
		t = NULL;
		rc = -1;
	}
	if (t && xt_type_is_place(t)) /* let $s: struct S: a copy of one */
		t = xt_type_kval(s->ar, t);
	const struct xt_type *vt = st->b && rc == 0 ? xt_sema_expr(s, st->b) : NULL;
	if (vt) /* let $p: T * = arr */
		vt = to_pointer(s, &st->b, vt, t, xt_arena_printf(s->ar, "$%s", v->name));
	if (st->b && (!vt || !storable(s, st->b, vt))) {
		rc = -1;
	} else if (vt && t && !xt_type_fits(t, vt)) {
		xt_diag_error(s->dg, st->b->loc, "type mismatch for $%s: assigning %s, but it is declared %s",
			      v->name, tname(s, vt), tname(s, t));
		rc = -1;
	} else if (vt && t && (!check_literal(s, v, st->b, t) || !width_check(s, st->b, v, vt, t))) {
		rc = -1;
	} else if (vt && t) {
		sign_check(s, st, v, vt, t);
	}
	bool loose = true;
	if (rc == 0 && vt && !st->name)
		t = var_first_type(s, st->b, xt_type_is_place(vt) ? xt_type_kval(s->ar, vt) : vt, &loose);
	/* declared even after an error: its uses say nothing more */
	int slot = xt_sema_var_declare(s, v, rc < 0 && !t ? &xt_s64 : t, st->name != NULL);
	s->vars[slot].loose = loose;
	s->vars[slot].assigned = st->b != NULL || rc < 0;
	return rc;
}

/* --- tuples and records ------------------------------------------------------ */

const struct xt_type *xt_sema_record_field(struct xt_sema *s, struct xt_node *n, const struct xt_type *t)
{
	const char *names[256];
	int nn = t->n < 256 ? t->n : 256;
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->fields[i].name, n->name) == 0) {
			n->aux = i;
			return t->elems[i];
		}
	for (int i = 0; i < nn; i++)
		names[i] = t->fields[i].name;
	const char *near = xt_diag_closest(n->name, names, nn);
	if (near)
		xt_diag_error(s->dg, n->loc, "record %s has no field '%s'; did you mean '%s'?", tname(s, t), n->name, near);
	else
		xt_diag_error(s->dg, n->loc, "record %s has no field '%s'", tname(s, t), n->name);
	return NULL;
}

/* The value of a constant integer expression (literals and arithmetic). */
static bool fold(const struct xt_node *e, int64_t *v)
{
	int64_t a, b;
	if (e->kind == XT_N_INT) {
		*v = (int64_t)e->ival;
		return true;
	}
	if (e->kind == XT_N_UNOP && e->op == XT_OP_NEG && fold(e->a, &a)) {
		*v = -a;
		return true;
	}
	if (e->kind != XT_N_BINOP || !fold(e->a, &a) || !fold(e->b, &b))
		return false;
	switch (e->op) {
	case XT_OP_ADD: *v = a + b; return true;
	case XT_OP_SUB: *v = a - b; return true;
	case XT_OP_MUL: *v = a * b; return true;
	case XT_OP_DIV: *v = b ? a / b : 0; return true;
	case XT_OP_MOD: *v = b ? a % b : 0; return true;
	case XT_OP_SHL: *v = (int64_t)((uint64_t)a << (b & 63)); return true;
	case XT_OP_SHR: *v = a >> (b & 63); return true;
	default: return false;
	}
}

/* $t[i] (bpftrace 0.25): i must be a constant, as $t.N is. */
const struct xt_type *xt_sema_tuple_index(struct xt_sema *s, struct xt_node *n, const struct xt_type *t)
{
	int64_t i;
	if (!fold(n->b, &i)) {
		xt_diag_error(s->dg, n->b->loc, "a tuple's index must be a constant expression, such as 1 or 2-1");
		return NULL;
	}
	if (i < 0 || i >= t->n) {
		xt_diag_error(s->dg, n->b->loc, "the index %lld is out of bounds for tuple %s of %d element%s",
			      (long long)i, tname(s, t), t->n, t->n == 1 ? "" : "s");
		return NULL;
	}
	n->kind = XT_N_FIELD; /* $t.i from here on */
	n->name = xt_arena_printf(s->ar, "%lld", (long long)i);
	n->aux = (int)i;
	n->b = NULL;
	return t->elems[i];
}

/* Whether values of types a and b can be compared with == (one element of a tuple). */
static bool comparable(const struct xt_type *a, const struct xt_type *b)
{
	if ((xt_type_is_int(a) || a->kind == XT_T_PTR) && (xt_type_is_int(b) || b->kind == XT_T_PTR))
		return true;
	if (a->kind == XT_T_STR && b->kind == XT_T_STR)
		return true;
	if (a->kind == XT_T_TUPLE && b->kind == XT_T_TUPLE) {
		if (a->n != b->n)
			return false;
		for (int i = 0; i < a->n; i++)
			if (!comparable(a->elems[i], b->elems[i]))
				return false;
		return true;
	}
	return xt_type_eq(a, b);
}

const struct xt_type *xt_sema_tuple_compare(struct xt_sema *s, struct xt_node *n, const struct xt_type *a,
					    const struct xt_type *b)
{
	if ((n->op == XT_OP_EQ || n->op == XT_OP_NE) && a->kind == XT_T_TUPLE && b->kind == XT_T_TUPLE &&
	    comparable(a, b))
		return &xt_bool;
	if (n->op == XT_OP_EQ || n->op == XT_OP_NE)
		xt_diag_error(s->dg, n->loc, "operator %s cannot compare %s and %s", xt_op_text(n->op), tname(s, a), tname(s, b));
	else
		xt_diag_error(s->dg, n->loc, "operator %s cannot take %s and %s; tuples only compare with == and !=",
			      xt_op_text(n->op), tname(s, a), tname(s, b));
	return NULL;
}

/* --- block expressions and if-expressions ------------------------------------ */

static const struct xt_type *if_value(struct xt_sema *s, struct xt_node *n);

/* { stmts; e }: the statements, then e's type; e is the last statement,
 * an expression without ';' or an if/else whose branches have values. */
static const struct xt_type *block_value(struct xt_sema *s, struct xt_node *blk)
{
	int saved = s->nscope, rc = 0;
	struct xt_node *last = xt_node_last(blk->list);
	bool valued = last && ((last->kind == XT_N_EXPR_STMT && last->op == 1) ||
			       (last->kind == XT_N_IF && last->c));
	s->depth++;
	for (struct xt_node *st = blk->list; st && st != last; st = st->next) {
		hoist_assigned(s, st);
		if (stmt(s, st) < 0)
			rc = -1;
	}
	const struct xt_type *t = NULL;
	if (!valued) {
		if (last)
			rc |= stmt(s, last);
		if (rc == 0)
			xt_diag_error(s->dg, blk->loc, "this block has no value: end it with an expression without ';'");
	} else if (last->kind == XT_N_EXPR_STMT) {
		t = xt_sema_expr(s, last->a);
	} else {
		t = if_value(s, last);
		last->type = t;
	}
	s->depth--;
	s->nscope = saved;
	if (t && (t->kind == XT_T_AGG || (t->kind == XT_T_RECORD && !t->btf_id))) {
		xt_diag_error(s->dg, last->loc, "a block's value cannot be a %s", tname(s, t));
		return NULL;
	}
	return rc == 0 ? t : NULL;
}

/* if (c) { a } else { b }: a's or b's type, joined as ?: joins them. */
static const struct xt_type *if_value(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *c = xt_sema_expr(s, n->a);
	if (c && !xt_sema_need_int(s, n->a, c, "a condition"))
		c = NULL;
	if (!n->c) {
		xt_diag_error(s->dg, n->loc, "an if that gives a value needs an else");
		return NULL;
	}
	const struct xt_type *a = block_value(s, n->b);
	if (a)
		n->b->type = a;
	const struct xt_type *b = n->c->kind == XT_N_IF ? if_value(s, n->c) : block_value(s, n->c);
	if (b)
		n->c->type = b;
	if (!c || !a || !b)
		return NULL;
	const struct xt_type *j = xt_type_join(s->ar, a, b);
	if (!j)
		xt_diag_error(s->dg, n->loc, "the branches of this if have values of different types: %s and %s",
			      tname(s, a), tname(s, b));
	if (j && j->kind == XT_T_INT)
		j = xt_type_int_as(s->ar, j, 8);
	return j;
}

const struct xt_type *xt_sema_block_value(struct xt_sema *s, struct xt_node *n)
{
	return n->kind == XT_N_IF ? if_value(s, n) : block_value(s, n);
}

/* --- definite assignment ----------------------------------------------------
 * bpftrace 0.17's variables lived as long as the probe; 0.22 made them block
 * scoped. A 0.17 script such as tcpdrop.bt assigns $saddr in both branches of
 * an if/else and reads it after: that stays valid where every path through
 * the if/else assigns the variable (its branches, recursively). The variable
 * is then declared before the if/else, as `let $saddr;` would. */

static bool block_assigns(const struct xt_node *list, const char *name);

static bool stmt_assigns(const struct xt_node *st, const char *name)
{
	switch (st->kind) {
	case XT_N_ASSIGN:
		return st->op == XT_OP_ASSIGN && st->a->kind == XT_N_VAR && strcmp(st->a->name, name) == 0;
	case XT_N_IF:
		return st->c && block_assigns(st->b->list, name) &&
		       (st->c->kind == XT_N_IF ? stmt_assigns(st->c, name) : block_assigns(st->c->list, name));
	case XT_N_BLOCK:
		return block_assigns(st->list, name);
	case XT_N_UNROLL:
		return block_assigns(st->b->list, name);
	default:
		return false;
	}
}

static bool block_assigns(const struct xt_node *list, const char *name)
{
	for (const struct xt_node *st = list; st; st = st->next)
		if (stmt_assigns(st, name))
			return true;
	return false;
}

/* Whether $name appears anywhere in n or its siblings after it. */
static bool mentions(const struct xt_node *n, const char *name)
{
	for (; n; n = n->next) {
		if (n->kind == XT_N_VAR && strcmp(n->name, name) == 0)
			return true;
		if ((n->a && mentions(n->a, name)) || (n->b && mentions(n->b, name)) ||
		    (n->c && mentions(n->c, name)) || (n->list && mentions(n->list, name)))
			return true;
	}
	return false;
}

/* Before an if/else: declares the variables that both of its branches
 * assign, that are not visible yet and that the statements after it read. */
static void hoist_assigned(struct xt_sema *s, struct xt_node *st)
{
	if (st->kind != XT_N_IF || !st->c || !st->next)
		return;
	for (const struct xt_node *a = st->b->list; a; a = a->next) {
		if (a->kind != XT_N_ASSIGN || a->op != XT_OP_ASSIGN || a->a->kind != XT_N_VAR)
			continue;
		const char *name = a->a->name;
		if (xt_sema_var_find(s, name) >= 0 || !stmt_assigns(st, name) || !mentions(st->next, name))
			continue;
		struct xt_node *v = xt_node_new(s->ar, XT_N_VAR, a->a->loc);
		v->name = name;
		xt_sema_var_declare(s, v, NULL, false);
	}
}

/* A block opens a scope: variables first assigned in it end with it. */
static int block(struct xt_sema *s, struct xt_node *list)
{
	int saved = s->nscope;
	s->depth++;
	int rc = stmts(s, list);
	s->depth--;
	s->nscope = saved;
	return rc;
}

static int loop_body(struct xt_sema *s, struct xt_node *blk)
{
	s->loop_depth++;
	int rc = block(s, blk->list);
	s->loop_depth--;
	return rc;
}

/* The body of a loop the verifier walks `trips` times (1: a callback's
 * body, which it checks on its own). */
static int walked_body(struct xt_sema *s, struct xt_node *blk, uint64_t trips, bool callback)
{
	uint64_t saved = s->inline_trips;
	s->inline_trips = callback ? 1 : saved * trips; /* both at most XT_INLINE_TRIPS */
	int rc = loop_body(s, blk);
	s->inline_trips = saved;
	return rc;
}

/* A bound that is a constant: the verifier can follow such a loop itself. */
static bool constant(const struct xt_node *e)
{
	return e->kind == XT_N_INT || (e->kind == XT_N_UNOP && e->op == XT_OP_NEG && e->a->kind == XT_N_INT);
}

static int64_t constant_value(const struct xt_node *e)
{
	return e->kind == XT_N_INT ? (int64_t)e->ival : -(int64_t)e->a->ival;
}

/* Iterations the verifier may walk through in one probe (every inlined
 * loop's body, times the loops and unroll() around it) before a range
 * loop with constant bounds runs from bpf_loop instead: beyond a few
 * hundred, a body with a helper call or a branch makes the verifier give
 * up ("the sequence of 8193 jumps is too complex", 1M instructions). */
#define XT_INLINE_TRIPS 64
#define XT_RANGE_MAX (1 << 23) /* bpf_loop's limit: codegen/cg.h's XT_MAX_LOOPS */

/* Loop st's body becomes a callback (codegen/emit_stmt.c): the probe's
 * variables move to a frame the callback shares; st->aux names it. */
static void callback(struct xt_sema *s, struct xt_node *st, int rc)
{
	if (s->final && rc == 0) {
		st->aux = s->prog->nmap_loops++;
		s->probe->has_map_loop = true;
	}
}

static int for_stmt(struct xt_sema *s, struct xt_node *st)
{
	int saved = s->nscope, rc = 0;
	s->depth++;
	if (st->b->kind == XT_N_RANGE) {
		const struct xt_type *a = xt_sema_expr(s, st->b->a), *b = xt_sema_expr(s, st->b->b);
		if (!a || !b || !xt_sema_need_int(s, st->b->a, a, "a range") || !xt_sema_need_int(s, st->b->b, b, "a range"))
			rc = -1;
		if (shadows(s, st->a, true))
			rc = -1;
		xt_sema_var_declare(s, st->a, &xt_s64, false);
		/* bpf_loop runs the body when a bound is only known at run time
		 * or when the verifier would walk it too many times */
		uint64_t trips = 0;
		st->op = !constant(st->b->a) || !constant(st->b->b);
		if (!st->op) {
			int64_t from = constant_value(st->b->a), to = constant_value(st->b->b);
			trips = to > from ? (uint64_t)to - (uint64_t)from : 0;
			if (trips > XT_RANGE_MAX) { /* bpf_loop would run it short */
				xt_diag_error(s->dg, st->b->loc, "a range of %" PRIu64 " iterations: one loop runs at most %d "
					      "(the kernel's BPF_MAX_LOOPS)", trips, XT_RANGE_MAX);
				rc = -1;
			}
			st->op = trips > XT_INLINE_TRIPS || s->inline_trips * trips > XT_INLINE_TRIPS;
		}
		if (walked_body(s, st->c, trips, st->op) < 0)
			rc = -1;
		if (st->op)
			callback(s, st, rc);
	} else {
		struct xt_map_info *m = xt_sema_map_arg(s, st->b, false);
		const struct xt_type *el[2] = { &xt_s64, &xt_s64 };
		if (!m) {
			rc = -1;
		} else if (m->val) {
			el[0] = m->key ? m->key : &xt_s64;
			el[1] = m->val;
			if (m->val->kind == XT_T_AGG && m->val->agg->readable) {
				el[1] = &xt_s64;
			} else if (m->val->kind == XT_T_AGG) {
				xt_diag_error(s->dg, st->b->loc, "for cannot iterate over @%s: its %s values cannot be read",
					      m->name, m->val->agg->name);
				rc = -1;
			}
		}
		if (shadows(s, st->a, true))
			rc = -1;
		xt_sema_var_declare(s, st->a, xt_type_tuple(s->ar, el, 2), false);
		if (walked_body(s, st->c, 1, true) < 0)
			rc = -1;
		callback(s, st, rc);
	}
	s->depth--;
	s->nscope = saved;
	return rc;
}

static int assign_map(struct xt_sema *s, struct xt_node *st)
{
	struct xt_node *mn = st->a;
	struct xt_map_info *m = xt_sema_map_use(s, mn, true);
	if (!m)
		return -1;
	const struct xt_type *t = xt_sema_typed(s, st->b, st->op == XT_OP_ASSIGN, false);
	if (t && st->op == XT_OP_ASSIGN) /* @p = arr, @p holding a pointer */
		t = to_pointer(s, &st->b, t, m->val, xt_arena_printf(s->ar, "@%s", m->name));
	if (!t)
		return -1;
	if (t->kind == XT_T_RECORD && !t->btf_id) {
		xt_diag_error(s->dg, st->b->loc, "a %s cannot be stored in a map", tname(s, t));
		return -1;
	}
	if (xt_type_is_place(t) && !(t = xt_sema_kval(s, st->b, t))) /* @m = *p: a copy */
		return -1;
	if (st->op != XT_OP_ASSIGN && !xt_sema_need_int(s, st->b, t, xt_op_text(st->op)))
		return -1;
	if (xt_sema_map_set_val(s, m, st, t) < 0)
		return -1;
	if (st->op != XT_OP_ASSIGN && m->val->kind != XT_T_INT) {
		xt_diag_error(s->dg, st->loc, "operator %s= needs an integer map; @%s holds %s",
			      xt_op_text(st->op), m->name, tname(s, m->val));
		return -1;
	}
	mn->type = m->val;
	return 0;
}

/* Whether expression statement e of type t drops a value (bpftrace 0.26
 * warns `Return value discarded.`): not ++/--, calls without a value, nor
 * calls whose value is a by-product (delete). */
static bool discards(const struct xt_node *e, const struct xt_type *t)
{
	if (t->kind == XT_T_VOID || e->kind == XT_N_INCDEC)
		return false;
	const struct xt_builtin *b = (e->kind == XT_N_CALL || e->kind == XT_N_IDENT) ? e->sym : NULL;
	return !(b && (b->flags & XT_BIF_DISCARD));
}

static int stmt(struct xt_sema *s, struct xt_node *st)
{
	switch (st->kind) {
	case XT_N_EXPR_STMT: {
		const struct xt_type *t = xt_sema_typed(s, st->a, false, true);
		if (t && st->op != XT_STMT_DISCARD && discards(st->a, t))
			xt_diag_warning(s->dg, st->a->loc, "return value discarded; assign it to _ (_ = ...) to drop it quietly");
		return t ? 0 : -1;
	}
	case XT_N_ASSIGN:
		return st->a->kind == XT_N_VAR ? assign_var(s, st) : assign_map(s, st);
	case XT_N_IF: {
		const struct xt_type *c = xt_sema_expr(s, st->a);
		if (!c || !xt_sema_need_int(s, st->a, c, "a condition"))
			return -1;
		int rc = block(s, st->b->list);
		if (st->c)
			rc |= st->c->kind == XT_N_IF ? stmt(s, st->c) : block(s, st->c->list);
		return rc;
	}
	case XT_N_BLOCK:
		return block(s, st->list);
	case XT_N_LET:
		return let(s, st);
	case XT_N_WHILE: {
		xt_diag_warning(s->dg, xt_loc_prefix(st->loc, 5), "while loops are deprecated and may be removed in the future");
		xt_diag_note(s->dg, (struct xt_loc){ 0 }, "for loops take ranges (for $i : $start..$end { ... }) and can "
			     "take the place of while; the verifier bounds them more easily");
		/* run by bpf_loop: a condition the verifier cannot bound (i < len(@a)) works */
		const struct xt_type *c = xt_sema_expr(s, st->a);
		if (!c || !xt_sema_need_int(s, st->a, c, "a condition"))
			return -1;
		int rc = walked_body(s, st->b, 1, true);
		st->op = 1;
		callback(s, st, rc);
		return rc;
	}
	case XT_N_UNROLL: {
		const struct xt_type *c = xt_sema_expr(s, st->a);
		if (!c)
			return -1;
		if (st->a->kind != XT_N_INT || st->a->ival < 1 || st->a->ival > 100) {
			xt_diag_error(s->dg, st->a->loc, "unroll needs an integer literal from 1 to 100");
			return -1;
		}
		uint64_t saved = s->inline_trips;
		s->inline_trips *= st->a->ival; /* at most 100 * (XT_INLINE_TRIPS + 1) */
		if (s->inline_trips > XT_INLINE_TRIPS)
			s->inline_trips = XT_INLINE_TRIPS + 1;
		int rc = block(s, st->b->list);
		s->inline_trips = saved;
		return rc;
	}
	case XT_N_FOR:
		return for_stmt(s, st);
	case XT_N_BREAK:
	case XT_N_CONTINUE:
		if (s->loop_depth == 0) {
			xt_diag_error(s->dg, st->loc, "%s outside a loop", st->kind == XT_N_BREAK ? "break" : "continue");
			return -1;
		}
		return 0;
	case XT_N_RETURN:
		if (st->a) {
			const struct xt_type *t = xt_sema_expr(s, st->a);
			if (!t || !xt_sema_need_int(s, st->a, t, "return"))
				return -1;
		}
		return 0;
	default:
		xt_diag_error(s->dg, st->loc, "%s statements are not supported by this version of xtrace",
			      xt_node_kind_name(st->kind));
		return -1;
	}
}

/* Whether statement st leaves its block for good: return, break,
 * continue, exit() (bpftrace 0.25 warns of what follows). */
static bool jumps(const struct xt_node *st)
{
	if (st->kind == XT_N_RETURN || st->kind == XT_N_BREAK || st->kind == XT_N_CONTINUE)
		return true;
	const struct xt_node *e = st->kind == XT_N_EXPR_STMT ? st->a : NULL;
	const struct xt_builtin *b = e && e->kind == XT_N_CALL ? e->sym : NULL;
	return b && (b->flags & XT_BIF_ENDS);
}

static int stmts(struct xt_sema *s, struct xt_node *list)
{
	int rc = 0;
	bool ended = false, warned = false; /* one warning a block */
	for (struct xt_node *st = list; st; st = st->next) {
		if (ended && !warned) {
			xt_diag_warning(s->dg, st->loc, "unreachable statement");
			warned = true;
		}
		hoist_assigned(s, st);
		if (stmt(s, st) < 0)
			rc = -1;
		ended = ended || jumps(st);
	}
	return rc;
}

static int probe(struct xt_sema *s, struct xt_probe_info *p)
{
	s->probe = p;
	s->nvars = s->capvars = 0;
	s->vars = NULL;
	s->nscope = s->capscope = 0;
	s->scope = NULL;
	s->depth = s->loop_depth = s->map_loop_depth = 0;
	s->inline_trips = 1;
	int rc = 0;
	struct xt_node *pred = p->node->a;
	if (pred) {
		const struct xt_type *t = xt_sema_expr(s, pred);
		if (!t || !xt_sema_need_int(s, pred, t, "a predicate"))
			rc = -1;
	}
	if (stmts(s, p->node->b->list) < 0)
		rc = -1;
	p->nvars = s->nvars;
	p->var_types = xt_arena_alloc(s->ar, sizeof(*p->var_types) * (s->nvars + 1));
	for (int i = 0; i < s->nvars; i++) { /* declared, never assigned: a zero int64 */
		if (!s->vars[i].assigned && rc == 0)
			xt_diag_warning(s->dg, s->vars[i].first->loc, "variable $%s was never assigned to", s->vars[i].name);
		p->var_types[i] = s->vars[i].type ? s->vars[i].type : &xt_s64;
	}
	return rc;
}

int xt_pass_types(struct xt_sema *s)
{
	struct xt_program *prog = s->prog;
	if (xt_sema_map_decls(s) < 0)
		return -1;
	xt_sema_maps_seed(s);
	for (int i = 0; i < prog->nprobes; i++) { /* once, before the rounds turn $N into literals */
		xt_sema_posparams_warn(s, prog->probes[i].node->a);
		xt_sema_posparams_warn(s, prog->probes[i].node->b);
	}
	struct xt_diags quiet;
	xt_diags_init(&quiet, s->dg->src);
	struct xt_diags *real = s->dg;
	int rc = 0;
	for (int round = 0; round < 2; round++) {
		s->final = round == 1;
		s->dg = s->final ? real : &quiet;
		rc = 0;
		for (int i = 0; i < prog->nprobes; i++)
			if (probe(s, &prog->probes[i]) < 0)
				rc = -1;
	}
	xt_diags_fini(&quiet);
	s->dg = real;
	for (int i = 0; i < prog->nmaps && rc == 0; i++)
		if (!prog->maps[i]->val) {
			xt_diag_error(s->dg, prog->maps[i]->first->loc, "map @%s is never assigned",
				      prog->maps[i]->name);
			rc = -1;
		}
	if (rc == 0)
		rc = xt_sema_map_decls_check(s);
	return rc;
}

/* A builtin's assignment to a variable (find(@m, k, $v)): as `$v = <a value
 * of type t>` would type it. */
int xt_sema_assign_var(struct xt_sema *s, struct xt_node *v, const struct xt_type *t)
{
	if (xt_type_is_place(t))
		t = xt_type_kval(s->ar, t);
	int slot = xt_sema_var_find(s, v->name);
	if (slot < 0) {
		xt_sema_var_declare(s, v, var_slot_type(s, t), false);
		return 0;
	}
	struct xt_var *var = &s->vars[slot];
	v->aux = slot;
	var->assigned = true;
	if (!var->type) {
		var->type = var_slot_type(s, t);
	} else if (var->fixed) {
		if (!xt_type_fits(var->type, t)) {
			xt_diag_error(s->dg, v->loc, "type mismatch for $%s: assigning %s, but it is declared %s",
				      v->name, tname(s, t), tname(s, var->type));
			return -1;
		}
	} else {
		const struct xt_type *j = xt_type_join(s->ar, var->type, var_slot_type(s, t));
		if (!j) {
			xt_diag_error(s->dg, v->loc, "type mismatch for $%s: assigning %s, but it holds %s",
				      v->name, tname(s, t), tname(s, var->type));
			return -1;
		}
		var->type = j;
	}
	v->type = var->type;
	return 0;
}
