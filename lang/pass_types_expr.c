/* The typing pass, expressions: operators, casts, ++/--, fields, tuples, and
 * calls of builtins, whose records check their own arguments. */
#include <stdlib.h>
#include <string.h>
#include "sema_int.h"
#include "stdlib/registry.h"

static const char *tname(struct xt_sema *s, const struct xt_type *t)
{
	return xt_type_name(s->ar, t);
}

/* The narrowest signed type that holds a literal (uint64 beyond int64). */
const struct xt_type *xt_sema_literal_type(uint64_t v)
{
	if (v <= INT8_MAX)
		return &xt_s8;
	if (v <= INT16_MAX)
		return &xt_s16;
	if (v <= INT32_MAX)
		return &xt_s32;
	return v <= INT64_MAX ? &xt_s64 : &xt_u64;
}

/* Types written in programs: casts, `let $x: T`, sizeof(T). */
const struct xt_type *xt_sema_type_named(struct xt_sema *s, const char *name, struct xt_loc loc)
{
	static const struct { const char *name; const struct xt_type *t; } ints[] = {
		{ "int8", &xt_s8 }, { "int16", &xt_s16 }, { "int32", &xt_s32 }, { "int64", &xt_s64 },
		{ "uint8", &xt_u8 }, { "uint16", &xt_u16 }, { "uint32", &xt_u32 }, { "uint64", &xt_u64 },
		{ "bool", &xt_bool },
	};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (strcmp(ints[i].name, name) == 0)
			return ints[i].t;
	size_t len = strlen(name);
	if (len > 2 && name[len - 1] == '*') { /* "T *", "T **": a pointer to T */
		size_t bl = len - 1;
		while (bl > 0 && name[bl - 1] == ' ')
			bl--;
		const struct xt_type *to = xt_sema_type_named(s, xt_arena_strndup(s->ar, name, bl), loc);
		return to ? xt_type_ptr(s->ar, to, name) : NULL;
	}
	return xt_sema_kernel_named(s, name, loc); /* struct/union/enum NAME, from BTF */
}

static const struct xt_type *cast(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *to = xt_sema_type_named(s, n->name, xt_loc_prefix(n->loc, (int)strlen(n->name) + 2));
	const struct xt_type *from = xt_sema_expr(s, n->a);
	if (!to || !from)
		return NULL;
	if (xt_type_is_place(to)) {
		xt_diag_error(s->dg, n->loc, "cannot cast to %s: cast to a pointer to it", tname(s, to));
		return NULL;
	}
	bool str_to_bool = from->kind == XT_T_STR && to->kind == XT_T_BOOL; /* non-empty: true (0.24) */
	if (!(xt_type_is_int(from) || from->kind == XT_T_PTR || str_to_bool)) {
		xt_diag_error(s->dg, n->a->loc, "cannot cast %s to %s", tname(s, from), tname(s, to));
		return NULL;
	}
	return to;
}

/* ++ and -- on a scratch variable or a map element (an int64 counter). */
static const struct xt_type *incdec(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *t = n->a;
	const char *op = xt_op_text(n->op);
	if (t->kind == XT_N_VAR) {
		const struct xt_type *vt = xt_sema_expr(s, t);
		if (!vt)
			return NULL;
		if ((!xt_type_is_int(vt) || vt->kind == XT_T_BOOL) && vt->kind != XT_T_PTR) {
			xt_diag_error(s->dg, n->loc, "operator %s needs an integer or pointer variable; $%s holds %s", op, t->name, tname(s, vt));
			return NULL;
		}
		return vt;
	}
	if (t->kind != XT_N_MAP) {
		xt_diag_error(s->dg, n->loc, "operator %s needs a variable or a map element", op);
		return NULL;
	}
	struct xt_map_info *m = xt_sema_map_use(s, t, true);
	if (!m || xt_sema_map_set_val(s, m, n, &xt_s64) < 0)
		return NULL;
	if (m->val->kind != XT_T_INT) {
		xt_diag_error(s->dg, n->loc, "operator %s needs an integer map; @%s holds %s", op, m->name, tname(s, m->val));
		return NULL;
	}
	t->type = m->val;
	return m->val;
}

static const char *const *builtin_names(enum xt_bi_kind kind, size_t *n)
{
	static const char *names[2][256];
	static size_t counts[2];
	if (!counts[kind])
		for (const struct xt_builtin *const *b = xt_builtins(); *b; b++)
			/* either form of a name with no required arguments */
			if (((*b)->kind == kind || (*b)->kind == XT_BI_VAR || (*b)->min_args == 0) && counts[kind] < 255)
				names[kind][counts[kind]++] = (*b)->name;
	*n = counts[kind];
	return names[kind];
}

static void unknown_name(struct xt_sema *s, struct xt_node *n, enum xt_bi_kind kind)
{
	size_t nn;
	const char *const *names = builtin_names(kind, &nn);
	const char *near = xt_diag_closest(n->name, names, nn);
	const char *what = kind == XT_BI_FUNC ? "function" : "identifier";
	struct xt_loc loc = kind == XT_BI_FUNC ? xt_loc_prefix(n->loc, (int)strlen(n->name)) : n->loc;
	if (near)
		xt_diag_error(s->dg, loc, "unknown %s '%s'; did you mean '%s'?", what, n->name, near);
	else
		xt_diag_error(s->dg, loc, "unknown %s '%s'", what, n->name);
}

static const struct xt_type *call(struct xt_sema *s, struct xt_node *n, bool agg_ok)
{
	enum xt_bi_kind kind = n->kind == XT_N_CALL ? XT_BI_FUNC : XT_BI_VAR;
	const struct xt_builtin *b = xt_builtin_find(n->name, kind);
	const struct xt_type *ct;
	/* Names with no required arguments work with or without () (bpftrace
	 * 0.24): `pid()` is the variable pid, `exit` the call exit(). The node
	 * takes the builtin's kind, so its facets see the form they expect. */
	const struct xt_builtin *other = b ? NULL : xt_builtin_find(n->name, kind == XT_BI_FUNC ? XT_BI_VAR : XT_BI_FUNC);
	if (other && kind == XT_BI_FUNC && !n->list) {
		b = other;
		kind = XT_BI_VAR;
		n->kind = XT_N_IDENT;
	} else if (other && kind == XT_BI_FUNC) {
		xt_diag_error(s->dg, n->loc, "%s takes no arguments", n->name);
		return NULL;
	} else if (other && kind == XT_BI_VAR && other->min_args == 0) {
		b = other;
		kind = XT_BI_FUNC;
		n->kind = XT_N_CALL;
	}
	if (!b && kind == XT_BI_VAR && (ct = xt_sema_enum_const(n)))
		return ct;
	if (!b) {
		unknown_name(s, n, kind);
		return NULL;
	}
	n->sym = b;
	if (kind == XT_BI_FUNC) {
		int argc = xt_node_count(n->list);
		if (argc < b->min_args || argc > b->max_args) {
			char want[64];
			if (b->min_args == b->max_args)
				snprintf(want, sizeof(want), "%d argument%s", b->min_args, b->min_args == 1 ? "" : "s");
			else if (b->max_args > 16)
				snprintf(want, sizeof(want), "at least %d argument%s", b->min_args, b->min_args == 1 ? "" : "s");
			else
				snprintf(want, sizeof(want), "%d to %d arguments", b->min_args, b->max_args);
			xt_diag_error(s->dg, n->loc, "%s() takes %s, %d given", b->name, want, argc);
			return NULL;
		}
	}
	if ((b->flags & XT_BIF_CTX) && s->map_loop_depth) {
		xt_diag_error(s->dg, n->loc, "%s cannot be used inside a for loop over a map; copy it to a variable before the loop",
			      b->name);
		return NULL;
	}
	if ((b->flags & XT_BIF_AGG) && !agg_ok) {
		xt_diag_error(s->dg, n->loc, "%s() is an aggregation: assign it to a map, as in @x = %s(...)",
			      b->name, b->name);
		return NULL;
	}
	return b->check(s, n);
}

bool xt_sema_need_int(struct xt_sema *s, struct xt_node *n, const struct xt_type *t, const char *what)
{
	if (xt_type_is_int(t) || t->kind == XT_T_PTR)
		return true;
	xt_diag_error(s->dg, n->loc, "%s needs an integer, not %s", what, tname(s, t));
	return false;
}

static const struct xt_type *binop(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *a = xt_sema_expr(s, n->a), *b = xt_sema_expr(s, n->b);
	if (!a || !b)
		return NULL;
	const char *op = xt_op_text(n->op);
	if (n->op == XT_OP_ELVIS) { /* a ?: b: the value of a or of b */
		if (!xt_sema_need_int(s, n->a, a, "the left of ?:") || !xt_sema_need_int(s, n->b, b, "the right of ?:"))
			return NULL;
		const struct xt_type *j = xt_type_join(s->ar, a, b);
		if (!j)
			xt_diag_error(s->dg, n->loc, "the operands of ?: have different types: %s and %s",
				      tname(s, a), tname(s, b));
		return j && j->kind == XT_T_INT ? xt_type_int(8, j->sign) : j;
	}
	if (a->kind == XT_T_STR || b->kind == XT_T_STR) {
		if ((n->op == XT_OP_EQ || n->op == XT_OP_NE) && a->kind == XT_T_STR && b->kind == XT_T_STR)
			return &xt_bool;
		xt_diag_error(s->dg, n->loc, "operator %s cannot take %s and %s", op, tname(s, a), tname(s, b));
		return NULL;
	}
	if (a->kind == XT_T_PROBE && b->kind == XT_T_PROBE && (n->op == XT_OP_EQ || n->op == XT_OP_NE))
		return &xt_bool;
	if (a->kind == XT_T_TUPLE || b->kind == XT_T_TUPLE) /* field by field (bpftrace 0.25) */
		return xt_sema_tuple_compare(s, n, a, b);
	if (!xt_sema_need_int(s, n->a, a, op) || !xt_sema_need_int(s, n->b, b, op))
		return NULL;
	switch (n->op) {
	case XT_OP_EQ: case XT_OP_NE: case XT_OP_LT: case XT_OP_LE: case XT_OP_GT: case XT_OP_GE:
	case XT_OP_LAND: case XT_OP_LOR:
		return &xt_bool; /* bpftrace 0.24 */
	case XT_OP_ADD: case XT_OP_SUB: /* pointer arithmetic: p + i, i + p, p - i, p - q */
		if (a->kind == XT_T_PTR && b->kind == XT_T_PTR && n->op == XT_OP_SUB)
			return &xt_s64;
		if (a->kind == XT_T_PTR && b->kind != XT_T_PTR)
			return a;
		if (b->kind == XT_T_PTR && a->kind != XT_T_PTR && n->op == XT_OP_ADD)
			return b;
		/* fall through */
	default: {
		bool sign = (a->kind != XT_T_INT || a->sign || a->size < 8) &&
			    (b->kind != XT_T_INT || b->sign || b->size < 8);
		return xt_type_int(8, sign);
	}
	}
}

static const struct xt_type *expr_(struct xt_sema *s, struct xt_node *n, bool agg_ok)
{
	switch (n->kind) {
	case XT_N_INT:
		return xt_sema_literal_type(n->ival);
	case XT_N_BOOL:
		return &xt_bool;
	case XT_N_STR:
		return xt_type_str(s->ar, (int)n->slen + 1);
	case XT_N_BINOP:
		return binop(s, n);
	case XT_N_UNOP: {
		const struct xt_type *a = xt_sema_expr(s, n->a);
		if (!a)
			return NULL;
		if (n->op == XT_OP_DEREF)
			return xt_sema_deref(s, n, a);
		if (n->op == XT_OP_ADDR)
			return xt_sema_addr(s, n, a);
		if (!xt_sema_need_int(s, n->a, a, xt_op_text(n->op)))
			return NULL;
		return n->op == XT_OP_LNOT ? &xt_bool : xt_type_int(8, n->op == XT_OP_NEG || (a->kind == XT_T_INT && a->sign));
	}
	case XT_N_TERNARY: {
		/* Branches without a value make the ?: a statement that runs one of
		 * them; whether that is allowed here is the caller's to check. */
		const struct xt_type *c = xt_sema_expr(s, n->a), *a = xt_sema_typed(s, n->b, false, true),
				     *b = xt_sema_typed(s, n->c, false, true);
		if (!c || !a || !b)
			return NULL;
		if (!xt_sema_need_int(s, n->a, c, "a condition"))
			return NULL;
		if ((a->kind == XT_T_VOID) != (b->kind == XT_T_VOID)) {
			struct xt_node *none = a->kind == XT_T_VOID ? n->b : n->c;
			xt_diag_error(s->dg, none->loc, "this branch of ?: returns no value, but the other returns %s",
				      tname(s, a->kind == XT_T_VOID ? b : a));
			return NULL;
		}
		if (a->kind == XT_T_VOID)
			return &xt_void;
		const struct xt_type *j = xt_type_join(s->ar, a, b);
		if (!j)
			xt_diag_error(s->dg, n->loc, "the branches of ?: have different types: %s and %s",
				      tname(s, a), tname(s, b));
		return j;
	}
	case XT_N_MAP:
		return xt_sema_map_read(s, n);
	case XT_N_VAR: {
		int slot = xt_sema_var_find(s, n->name);
		if (slot >= 0 && s->vars[slot].type) {
			n->aux = slot;
			return s->vars[slot].type;
		}
		if (slot >= 0) { /* `let $x;` not assigned yet: zero (bpftrace 0.22 warns too) */
			xt_diag_warning(s->dg, n->loc, "variable $%s is used before it was assigned", n->name);
			n->aux = slot;
			return s->vars[slot].type = &xt_s64;
		}
		if (xt_sema_var_any(s, n->name)) {
			xt_diag_error(s->dg, n->loc, "undefined or undeclared variable: $%s", n->name);
			xt_diag_note(s->dg, (struct xt_loc){ 0 }, "$%s is assigned only inside a block that has ended; "
				     "declare it before that block (let $%s;) or assign it on every path", n->name, n->name);
		} else
			xt_diag_error(s->dg, n->loc, "variable $%s is used before it is assigned", n->name);
		return NULL;
	}
	case XT_N_POSPARAM:
		xt_sema_posparam(s, n);
		return expr_(s, n, agg_ok);
	case XT_N_CAST:
		return cast(s, n);
	case XT_N_INCDEC:
		return incdec(s, n);
	case XT_N_SIZEOF:
		return xt_sema_sizeof(s, n);
	case XT_N_IDENT:
	case XT_N_CALL:
		return call(s, n, agg_ok);
	case XT_N_ARROW: /* args->f, as bpftrace 0.17 writes it, is args.f */
	case XT_N_FIELD: {
		const struct xt_type *t = xt_sema_expr(s, n->a);
		if (!t)
			return NULL;
		if (t->kind == XT_T_PTR || xt_type_is_place(t) || t->kind == XT_T_KVAL)
			return xt_sema_member(s, n, t);
		if (t->kind == XT_T_RECORD) {
			for (int i = 0; i < t->n; i++)
				if (strcmp(t->fields[i].name, n->name) == 0) {
					n->sym = &t->fields[i];
					return t->fields[i].type;
				}
			const char *names[256];
			int nn = t->n < 256 ? t->n : 256;
			for (int i = 0; i < nn; i++)
				names[i] = t->fields[i].name;
			const char *near = xt_diag_closest(n->name, names, nn);
			if (near)
				xt_diag_error(s->dg, n->loc, "%s has no field '%s'; did you mean '%s'?",
					      tname(s, t), n->name, near);
			else
				xt_diag_error(s->dg, n->loc, "%s has no field '%s'", tname(s, t), n->name);
			return NULL;
		}
		if (t->kind == XT_T_TUPLE && t->fields) /* a record's field, by name */
			return xt_sema_record_field(s, n, t);
		if (t->kind == XT_T_TUPLE) {
			char *end;
			long idx = strtol(n->name, &end, 10);
			if (*end || idx < 0 || idx >= t->n) {
				xt_diag_error(s->dg, n->loc, "tuple %s has no element %s", tname(s, t), n->name);
				return NULL;
			}
			n->aux = (int)idx;
			return t->elems[idx];
		}
		xt_diag_error(s->dg, n->loc, "%s has no fields", tname(s, t));
		return NULL;
	}
	case XT_N_INDEX:
		return xt_sema_index(s, n);
	case XT_N_BLOCK: /* $x = { ...; e } */
	case XT_N_IF:    /* $x = if (c) { a } else { b } */
		return xt_sema_block_value(s, n);
	case XT_N_OFFSETOF:
		return xt_sema_offsetof(s, n);
	case XT_N_TUPLE: {
		int nel = xt_node_count(n->list), i = 0;
		const struct xt_type **el = xt_arena_alloc(s->ar, sizeof(*el) * nel);
		for (struct xt_node *e = n->list; e; e = e->next, i++) {
			if (!(el[i] = xt_sema_expr(s, e)))
				return NULL;
			if (el[i]->kind == XT_T_AGG || el[i]->kind == XT_T_RECORD ||
			    el[i]->kind == XT_T_ARRAY) {
				xt_diag_error(s->dg, e->loc, "a %s cannot be part of a tuple", tname(s, el[i]));
				return NULL;
			}
		}
		if (n->sym) /* a record: (name = e, ...) */
			return xt_type_record(s->ar, el, n->sym, nel);
		return xt_type_tuple(s->ar, el, nel);
	}
	default:
		xt_diag_error(s->dg, n->loc, "%s expressions are not supported by this version of xtrace",
			      xt_node_kind_name(n->kind));
		return NULL;
	}
}

/* Types n. Without `stmt`, n must have a value: printf(), exit() and a ?:
 * whose branches are such calls return none, and are only statements. */
const struct xt_type *xt_sema_typed(struct xt_sema *s, struct xt_node *n, bool agg_ok, bool stmt)
{
	const struct xt_type *t = expr_(s, n, agg_ok);
	n->type = t;
	if (t && t->kind == XT_T_VOID && !stmt) {
		if (n->kind == XT_N_TERNARY)
			xt_diag_error(s->dg, n->loc, "this ?: returns no value (neither branch does); it can only be a statement");
		else
			xt_diag_error(s->dg, n->loc, "%s() returns no value; it can only be a statement", n->name);
		return NULL;
	}
	return t;
}

const struct xt_type *xt_sema_expr(struct xt_sema *s, struct xt_node *n)
{
	return xt_sema_typed(s, n, false, false);
}
