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
		/* C's one-word names that BTF spells otherwise ("long int") */
		{ "long", &xt_s64 }, { "short", &xt_s16 }, { "unsigned", &xt_u32 },
	};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (strcmp(ints[i].name, name) == 0)
			return ints[i].t;
	size_t len = strlen(name);
	if (len > 3 && name[len - 1] == ']') {
		/* "T[N]": an array of N T; in a run of lengths, as in C, the first is
		 * the outer one: int32[2][3] is two int32[3] */
		const char *open = strrchr(name, '[');
		while (open > name && open[-1] == ']') {
			const char *prev = open - 1;
			while (prev > name && *prev != '[')
				prev--;
			open = prev;
		}
		const char *close = strchr(open, ']');
		char *end;
		long n = strtol(open + 1, &end, 10);
		const char *rest = xt_arena_printf(s->ar, "%.*s%s", (int)(open - name), name, close + 1);
		const struct xt_type *el = xt_sema_type_named(s, rest, loc);
		if (!el)
			return NULL;
		/* a big array is fine to point to and index; copies of it are limited where made (XT_KVAL_MAX) */
		enum { ARRAY_MAX = 1 << 30 };
		int esz = el->kind == XT_T_BOOL ? 1 : el->size;
		if (end != close || n <= 0 || el->kind == XT_T_VOID || esz <= 0 || n > ARRAY_MAX / esz) {
			xt_diag_error(s->dg, loc, "array type %s: its length must be at least 1 and its size at most %d bytes",
				      name, ARRAY_MAX);
			return NULL;
		}
		return xt_type_array(s->ar, el, (int)n);
	}
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
	const struct xt_type *to = n->c ? xt_sema_typeof(s, n->c, (int)n->ival)
		: xt_sema_type_named(s, n->name, xt_loc_prefix(n->loc, (int)strlen(n->name) + 2));
	const struct xt_type *from = xt_sema_expr(s, n->a);
	if (!to || !from)
		return NULL;
	if (n->c && to->kind != XT_T_INT && to->kind != XT_T_BOOL && to->kind != XT_T_PTR) {
		xt_diag_error(s->dg, n->c->loc, "cannot cast to typeof this expression, %s: a cast makes an integer, "
			      "a bool or a pointer", tname(s, to));
		return NULL;
	}
	/* int <-> int array of 1, 2, 4 or 8 bytes (bpftrace 0.19): the same bytes */
	const struct xt_type *arr = xt_type_array_of(to) ? to : xt_type_array_of(from);
	bool bytes = arr && arr->pointee->kind == XT_T_INT && (arr->size == 1 || arr->size == 2 || arr->size == 4 || arr->size == 8);
	if (to->kind == XT_T_ARRAY && bytes && xt_type_is_int(from))
		return xt_type_kval(s->ar, to); /* the int at the array's width, as C's casts cut */
	if (xt_type_array_of(from) && bytes && to->kind == XT_T_INT) {
		if (to->size != arr->size) {
			xt_diag_error(s->dg, n->loc, "cannot cast %s to %s: an array casts to an integer of its size (%d bytes)",
				      tname(s, from), tname(s, to), arr->size);
			return NULL;
		}
		return to;
	}
	if (xt_type_is_place(to)) {
		xt_diag_error(s->dg, n->loc, "cannot cast to %s: cast to a pointer to it%s", tname(s, to),
			      to->kind == XT_T_ARRAY ? ", or cast an integer to an int array of 1, 2, 4 or 8 bytes" : "");
		return NULL;
	}
	bool str_to_bool = from->kind == XT_T_STR && to->kind == XT_T_BOOL; /* non-empty: true (0.24) */
	/* an array in memory decays to its address, as in C: (long *)$it->grid */
	bool decays = (from->kind == XT_T_ARRAY || (from->kind == XT_T_STR && xt_sema_in_memory(n->a))) &&
		      to->kind == XT_T_PTR; /* a char array read as a string too: (int8 *)$it->name */
	if (!(xt_type_is_int(from) || from->kind == XT_T_PTR || str_to_bool || decays)) {
		xt_diag_error(s->dg, n->a->loc, "cannot cast %s to %s", tname(s, from), tname(s, to));
		return NULL;
	}
	/* (int32 *)uptr(arg0): the address stays where uptr() put it */
	return to->kind == XT_T_PTR || to->kind == XT_T_INT ? xt_type_in_space(s->ar, to, from->space) : to;
}

/* ++ and -- on a scratch variable or a map element (an int64 counter). */
static const struct xt_type *incdec(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *t = n->a;
	const char *op = xt_op_text(n->op);
	if (t->kind == XT_N_VAR) {
		int slot = xt_sema_var_find(s, t->name);
		if (slot >= 0 && s->vars[slot].type) /* `let $x: T; $x++`: from zero, as $x += 1 */
			s->vars[slot].assigned = true;
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
	/* sarg0.. (stack arguments) are gone from bpftrace 0.25: say how to read them */
	if (kind == XT_BI_VAR && strncmp(n->name, "sarg", 4) == 0 && n->name[4] &&
	    strspn(n->name + 4, "0123456789") == strlen(n->name + 4)) {
		xt_diag_error(s->dg, n->loc, "%s is deleted (bpftrace 0.25 removed the sarg builtins)", n->name);
		xt_diag_note(s->dg, (struct xt_loc){ 0 }, "read the stack instead: *(uint64 *)(reg(\"sp\") + %d)",
			     8 * (atoi(n->name + 4) + 1));
		return;
	}
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

/* The type t of what expression n reads from memory (a field, an element,
 * *p), in the address space it is read from: an array there lies there; a
 * pointer read from user memory points to user memory (one in kernel memory
 * may point anywhere: a __user pointer, for one). */
static const struct xt_type *in_space_of(struct xt_sema *s, struct xt_node *n, const struct xt_type *t)
{
	if (!t || (t->kind != XT_T_PTR && t->kind != XT_T_ARRAY) || t->space != XT_AS_AUTO)
		return t;
	enum xt_addr_space sp = xt_node_space(n->a);
	if (sp == XT_AS_AUTO || (t->kind == XT_T_PTR && sp != XT_AS_USER))
		return t;
	return xt_type_in_space(s->ar, t, sp);
}

/* a[i]: an element of an array (a place in memory, or a copy in a variable
 * or map value) or of what a typed pointer points to. A constant index is
 * checked here; any other, at run time (out of range reads 0). */
static const struct xt_type *index_(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *t = xt_sema_expr(s, n->a), *it = xt_sema_expr(s, n->b);
	if (!t || !it)
		return NULL;
	if (!xt_type_is_int(it)) {
		xt_diag_error(s->dg, n->b->loc, "an index must be an integer, not %s", tname(s, it));
		return NULL;
	}
	if (t->kind == XT_T_TUPLE) /* $t[1]: a constant index (pass_types.c) */
		return xt_sema_tuple_index(s, n, t);
	const struct xt_type *arr = xt_type_array_of(t);
	if (arr) {
		if (n->b->kind == XT_N_INT && arr->n > 0 && n->b->ival >= (uint64_t)arr->n) {
			xt_diag_error(s->dg, n->b->loc, "index %s is out of bounds for %s",
				      xt_arena_printf(s->ar, "%llu", (unsigned long long)n->b->ival), tname(s, arr));
			return NULL;
		}
		if (t->kind == XT_T_KVAL) /* an element of a copy: its bytes, copies inside it */
			return xt_type_is_place(arr->pointee) ? xt_type_kval(s->ar, arr->pointee) : arr->pointee;
		return arr->pointee;
	}
	if (t->kind == XT_T_STR) { /* a character (bpftrace 0.25): "abc"[1] is 98 */
		if (n->b->kind == XT_N_INT && n->b->ival >= (uint64_t)t->size) {
			xt_diag_error(s->dg, n->b->loc, "index %s is out of bounds for %s",
				      xt_arena_printf(s->ar, "%llu", (unsigned long long)n->b->ival), tname(s, t));
			return NULL;
		}
		return &xt_s8;
	}
	if (t->kind == XT_T_PTR && t->pointee && t->pointee->kind != XT_T_VOID)
		return t->pointee;
	xt_diag_error(s->dg, n->loc, "[] needs an array, a string or a typed pointer, not %s", tname(s, t));
	return NULL;
}

/* == and != on arrays compare them element by element (their bytes): 0 when
 * neither a nor b is an array, 1 when they compare so, -1 after a diagnostic. */
static int array_cmp(struct xt_sema *s, struct xt_node *n, const struct xt_type *a, const struct xt_type *b)
{
	const struct xt_type *aa = xt_type_array_of(a), *ab = xt_type_array_of(b);
	if (!aa && !ab)
		return 0;
	if (n->op != XT_OP_EQ && n->op != XT_OP_NE) {
		xt_diag_error(s->dg, n->loc, "operator %s cannot take %s and %s: arrays compare with == and != only",
			      xt_op_text(n->op), tname(s, a), tname(s, b));
		return -1;
	}
	if (!aa || !ab || !xt_type_eq(aa, ab)) {
		xt_diag_error(s->dg, n->loc, "cannot compare %s and %s: == and != need arrays of the same type",
			      tname(s, a), tname(s, b));
		return -1;
	}
	if (aa->size <= 0 || aa->size > XT_KVAL_MAX) {
		xt_diag_error(s->dg, n->loc, "cannot compare %s: arrays of 1 to %d bytes compare", tname(s, a), XT_KVAL_MAX);
		return -1;
	}
	return 1;
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
		return j && j->kind == XT_T_INT ? xt_type_int_as(s->ar, j, 8) : j;
	}
	/* An array in memory is a pointer to its first element, as in C, in
	 * arithmetic (arr + 1, arr - p) and against a pointer (arr == p); two
	 * arrays compare by their contents (bpftrace), strings as strings. */
	bool arith = n->op == XT_OP_ADD || n->op == XT_OP_SUB;
	bool cmp = n->op >= XT_OP_EQ && n->op <= XT_OP_GE;
	bool da = xt_sema_decays(n->a, a), db = xt_sema_decays(n->b, b);
	if ((da && (arith ? xt_type_is_int(b) || b->kind == XT_T_PTR || db : cmp && b->kind == XT_T_PTR) &&
	     !(a = xt_sema_decay(s, &n->a))) ||
	    (db && (arith ? xt_type_is_int(a) || a->kind == XT_T_PTR || da : cmp && a->kind == XT_T_PTR) &&
	     !(b = xt_sema_decay(s, &n->b))))
		return NULL;
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
	int arrays = array_cmp(s, n, a, b);
	if (arrays)
		return arrays > 0 ? &xt_bool : NULL;
	if (!xt_sema_need_int(s, n->a, a, op) || !xt_sema_need_int(s, n->b, b, op))
		return NULL;
	switch (n->op) {
	case XT_OP_EQ: case XT_OP_NE: case XT_OP_LT: case XT_OP_LE: case XT_OP_GT: case XT_OP_GE:
	case XT_OP_LAND: case XT_OP_LOR:
		return &xt_bool; /* bpftrace 0.24 */
	case XT_OP_ADD: case XT_OP_SUB: /* pointer arithmetic: p + i, i + p, p - i, p - q */
		if (a->kind == XT_T_PTR && b->kind == XT_T_PTR && n->op == XT_OP_SUB)
			return &xt_s64;
		if (a->kind == XT_T_PTR && b->kind == XT_T_PTR) { /* as in C */
			xt_diag_error(s->dg, n->loc, "cannot add two pointers (%s and %s): subtract them to count the "
				      "elements between", tname(s, a), tname(s, b));
			return NULL;
		}
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
	case XT_N_INT: /* an enum's constant (pass_types_rewrite.c) keeps the type its first round gave it */
		return xt_type_is_enum(n->type) ? n->type : xt_sema_c_literal(n);
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
		if (n->op == XT_OP_DEREF && xt_sema_decays(n->a, a)) { /* *arr is arr[0], as in C */
			n->kind = XT_N_INDEX;
			n->op = XT_OP_NONE;
			n->b = xt_node_new(s->ar, XT_N_INT, n->loc); /* 0 */
			return in_space_of(s, n, index_(s, n));
		}
		if (n->op == XT_OP_DEREF)
			return in_space_of(s, n, xt_sema_deref(s, n, a));
		if (n->op == XT_OP_ADDR && n->a->kind == XT_N_INDEX && n->a->a->type->kind == XT_T_KVAL) {
			xt_diag_error(s->dg, n->loc, "cannot take the address of an element of a copy (%s): "
				      "take it in memory, where the copy was read from", tname(s, n->a->a->type));
			return NULL;
		}
		if (n->op == XT_OP_ADDR)
			return xt_sema_addr(s, n, a);
		if ((n->op == XT_OP_BNOT || n->op == XT_OP_NEG) && xt_sema_c_fold(n))
			return xt_sema_c_literal(n);
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
		/* a struct or an array in memory against a copy of one: both copies */
		if (xt_type_is_place(a) && b->kind == XT_T_KVAL && !(a = xt_sema_kval(s, n->b, a)))
			return NULL;
		if (xt_type_is_place(b) && a->kind == XT_T_KVAL && !(b = xt_sema_kval(s, n->c, b)))
			return NULL;
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
			if (!s->vars[slot].assigned) /* `let $x: T;` not assigned yet: zero */
				xt_diag_warning(s->dg, n->loc, "variable $%s is used before it was assigned", n->name);
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
			return t->kind == XT_T_KVAL ? xt_sema_member(s, n, t) : in_space_of(s, n, xt_sema_member(s, n, t));
		if (t->kind == XT_T_RECORD) {
			for (int i = 0; i < t->n; i++)
				if (strcmp(t->fields[i].name, n->name) == 0) {
					n->sym = &t->fields[i];
					if (!t->fields[i].type) /* the provider knows the field but cannot read it */
						xt_diag_error(s->dg, n->loc, "%s", t->fields[i].why ? t->fields[i].why
							      : "xtrace cannot read this field");
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
		return in_space_of(s, n, index_(s, n));
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
			if (el[i]->kind == XT_T_AGG || (el[i]->kind == XT_T_RECORD && !el[i]->btf_id)) {
				xt_diag_error(s->dg, e->loc, "a %s cannot be part of a tuple", tname(s, el[i]));
				return NULL;
			}
			/* a struct or an array: its copy (bpftrace 0.17 prints (1, [0,0,0,0])) */
			if (xt_type_is_place(el[i]) && !(el[i] = xt_sema_kval(s, e, el[i])))
				return NULL;
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
