/* Pass 2: resolves every name (builtins, maps, scratch variables) and infers
 * and checks types. Map types are program-wide: the pass runs twice, the first
 * round quietly so that a map read before (in source order) the assignment
 * that types it still resolves. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sema_int.h"
#include "stdlib/registry.h"

static const struct xt_type *expr(struct xt_sema *s, struct xt_node *n);
static const struct xt_type *typed(struct xt_sema *s, struct xt_node *n, bool agg_ok, bool stmt);
static int stmts(struct xt_sema *s, struct xt_node *list);

static void err(struct xt_sema *s, struct xt_loc loc, const char *fmt, const char *a, const char *b)
{
	xt_diag_error(s->dg, loc, fmt, a, b);
}

static const char *tname(struct xt_sema *s, const struct xt_type *t)
{
	return xt_type_name(s->ar, t);
}

/* --- maps ------------------------------------------------------------------ */

static struct xt_map_info *map_get(struct xt_sema *s, struct xt_node *n)
{
	struct xt_program *prog = s->prog;
	for (int i = 0; i < prog->nmaps; i++)
		if (strcmp(prog->maps[i]->name, n->name) == 0)
			return prog->maps[i];
	if (prog->nmaps % 16 == 0) {
		struct xt_map_info **nm = xt_arena_alloc(s->ar, sizeof(*nm) * (prog->nmaps + 16));
		if (prog->nmaps)
			memcpy(nm, prog->maps, sizeof(*nm) * prog->nmaps);
		prog->maps = nm;
	}
	struct xt_map_info *m = xt_arena_alloc(s->ar, sizeof(*m));
	m->id = prog->nmaps;
	m->name = n->name;
	/* Named after the map alone, so REPL entries find each other's maps. */
	m->bpf_name = xt_arena_printf(s->ar, "m_%s", n->name);
	m->first = n;
	prog->maps[prog->nmaps++] = m;
	return m;
}

static const struct xt_type *key_slot_type(const struct xt_type *t)
{
	if (t->kind == XT_T_BOOL)
		return &xt_u64;
	if (t->kind == XT_T_INT)
		return xt_type_int(8, t->sign);
	return t;
}

/* Types the keys of a map access; returns the key type (NULL: no key) or
 * sets *bad. */
static const struct xt_type *map_key(struct xt_sema *s, struct xt_node *n, bool *bad)
{
	int nk = xt_node_count(n->list);
	if (nk == 0)
		return NULL;
	const struct xt_type **el = xt_arena_alloc(s->ar, sizeof(*el) * nk);
	int i = 0;
	for (struct xt_node *k = n->list; k; k = k->next, i++) {
		const struct xt_type *t = expr(s, k);
		if (!t) {
			*bad = true;
			return NULL;
		}
		if (t->kind == XT_T_AGG || t->kind == XT_T_RECORD || t->kind == XT_T_ARRAY) {
			err(s, k->loc, "a %s cannot be a map key", tname(s, t), NULL);
			*bad = true;
			return NULL;
		}
		el[i] = key_slot_type(t);
	}
	return nk == 1 ? el[0] : xt_type_tuple(s->ar, el, nk);
}

static int map_set_key(struct xt_sema *s, struct xt_map_info *m, struct xt_node *n, const struct xt_type *key)
{
	if (!m->key && !m->val) {
		m->key = key;
		return 0;
	}
	if (!m->key != !key || (key && !xt_type_fits(m->key, key) && !xt_type_fits(key, m->key))) {
		xt_diag_error(s->dg, n->loc, "map @%s is used with key %s here, but with key %s before",
			      m->name, key ? tname(s, key) : "none", m->key ? tname(s, m->key) : "none");
		return -1;
	}
	if (key)
		m->key = xt_type_join(s->ar, m->key, key);
	return 0;
}

static int map_set_val(struct xt_sema *s, struct xt_map_info *m, struct xt_node *at, const struct xt_type *val)
{
	if (val->kind == XT_T_BOOL)
		val = &xt_s64;
	else if (val->kind == XT_T_INT)
		val = xt_type_int(8, val->sign);
	if (!m->val) {
		m->val = val;
		return 0;
	}
	const struct xt_type *j = NULL;
	if (m->val->kind == XT_T_AGG || val->kind == XT_T_AGG)
		j = xt_type_eq(m->val, val) ? val : NULL;
	else
		j = xt_type_join(s->ar, m->val, val);
	if (!j) {
		xt_diag_error(s->dg, at->loc, "type mismatch for @%s: assigning %s, but it holds %s",
			      m->name, tname(s, val), tname(s, m->val));
		return -1;
	}
	m->val = j;
	return 0;
}

/* The value type of a map read (@x in an expression). */
/* A use of map node n: types its keys, finds (or creates) the map, and checks
 * the keys against the map's key type when `keyed` (a whole-map argument such
 * as clear(@m) has none to check). NULL after a diagnostic. */
static struct xt_map_info *map_use(struct xt_sema *s, struct xt_node *n, bool keyed)
{
	bool bad = false;
	const struct xt_type *key = map_key(s, n, &bad);
	if (bad)
		return NULL;
	struct xt_map_info *m = map_get(s, n);
	n->sym = m;
	if (keyed && map_set_key(s, m, n, key) < 0)
		return NULL;
	return m;
}

static const struct xt_type *map_read(struct xt_sema *s, struct xt_node *n)
{
	struct xt_map_info *m = map_use(s, n, true);
	if (!m)
		return NULL;
	if (!m->val) {
		if (s->final) {
			xt_diag_error(s->dg, n->loc, "map @%s is read but never assigned", m->name);
			return NULL;
		}
		return &xt_s64;
	}
	if (m->val->kind == XT_T_AGG) {
		if (m->val->agg->readable)
			return &xt_s64;
		xt_diag_error(s->dg, n->loc, "the value of @%s, a %s, cannot be used in an expression",
			      m->name, m->val->agg->name);
		return NULL;
	}
	return m->val;
}

/* --- scratch variables ------------------------------------------------------ */

/* The slot the name refers to in the current scope, or -1. */
static int var_find(struct xt_sema *s, const char *name)
{
	for (int i = s->nscope - 1; i >= 0; i--)
		if (strcmp(s->scope[i].name, name) == 0)
			return s->scope[i].slot;
	return -1;
}

/* Whether any block of the probe declared the name (for a better message). */
static bool var_any(struct xt_sema *s, const char *name)
{
	for (int i = 0; i < s->nvars; i++)
		if (strcmp(s->vars[i].name, name) == 0)
			return true;
	return false;
}

/* A new slot for `name`, visible from here to the end of the current block. */
static int var_declare(struct xt_sema *s, struct xt_node *v, const struct xt_type *t, bool fixed)
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
	s->vars[s->nvars] = (struct xt_var){ v->name, t, v, fixed };
	s->scope[s->nscope++] = (struct xt_scope_ent){ v->name, s->nvars, s->depth };
	v->aux = s->nvars;
	v->type = t;
	return s->nvars++;
}

/* The narrowest signed type that holds a literal (uint64 beyond int64). */
static const struct xt_type *literal_type(uint64_t v)
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
static const struct xt_type *type_named(struct xt_sema *s, const char *name, struct xt_loc loc)
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
		const struct xt_type *to = type_named(s, xt_arena_strndup(s->ar, name, bl), loc);
		return to ? xt_type_ptr(s->ar, to, name) : NULL;
	}
	return xt_types_kernel_named(s, name, loc); /* struct/union/enum NAME, from BTF */
}

/* $N and $#: the command line's positional parameters, as literals. A number
 * becomes an integer, anything else a string; a missing one is 0 (or "" in
 * str()), as in bpftrace. */
static const char posparam_mark;

static void posparam(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_sema_opts *o = &s->prog->opts;
	if (n->name && strcmp(n->name, "#") == 0) {
		n->kind = XT_N_INT;
		n->ival = (uint64_t)o->nparams;
		return;
	}
	const char *text = n->ival >= 1 && n->ival <= (uint64_t)o->nparams ? o->params[n->ival - 1] : "";
	char *end;
	errno = 0;
	unsigned long long v = *text ? strtoull(text, &end, 0) : 0;
	n->sym = &posparam_mark;
	n->sval = xt_arena_strdup(s->ar, text);
	n->slen = strlen(text);
	if (*text == 0 || (*end == 0 && errno == 0 && *text != '-' && *text != '+')) {
		n->kind = XT_N_INT;
		n->ival = v;
	} else {
		n->kind = XT_N_STR;
	}
}

bool xt_sema_is_posparam(const struct xt_node *n)
{
	return n->sym == &posparam_mark;
}

static const struct xt_type *cast(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *to = type_named(s, n->name, xt_loc_prefix(n->loc, (int)strlen(n->name) + 2));
	const struct xt_type *from = expr(s, n->a);
	if (!to || !from)
		return NULL;
	if (xt_types_is_place(to)) {
		xt_diag_error(s->dg, n->loc, "cannot cast to %s: cast to a pointer to it", tname(s, to));
		return NULL;
	}
	if (!(xt_type_is_int(from) || from->kind == XT_T_PTR)) {
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
		const struct xt_type *vt = expr(s, t);
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
	struct xt_map_info *m = map_use(s, t, true);
	if (!m || map_set_val(s, m, n, &xt_s64) < 0)
		return NULL;
	if (m->val->kind != XT_T_INT) {
		xt_diag_error(s->dg, n->loc, "operator %s needs an integer map; @%s holds %s", op, m->name, tname(s, m->val));
		return NULL;
	}
	t->type = m->val;
	return m->val;
}

struct xt_map_info *xt_sema_map_arg(struct xt_sema *s, struct xt_node *n, bool key_ok)
{
	if (n->kind != XT_N_MAP) {
		xt_diag_error(s->dg, n->loc, "expected a map (@name), not this expression");
		return NULL;
	}
	if (n->list && !key_ok) {
		xt_diag_error(s->dg, n->loc, "expected a whole map here: write @%s without a key", n->name);
		return NULL;
	}
	struct xt_map_info *m = map_use(s, n, n->list != NULL);
	if (!m)
		return NULL;
	if (!m->val && s->final) {
		xt_diag_error(s->dg, n->loc, "map @%s is used but never assigned", m->name);
		return NULL;
	}
	n->type = m->val;
	return m;
}

/* --- expressions ------------------------------------------------------------ */

static const char *const *builtin_names(enum xt_bi_kind kind, size_t *n)
{
	static const char *names[2][256];
	static size_t counts[2];
	if (!counts[kind])
		for (const struct xt_builtin *const *b = xt_builtins(); *b; b++)
			if ((*b)->kind == kind && counts[kind] < 255)
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
	int64_t ev;
	if (!b && kind == XT_BI_VAR && xt_ktypes()->enumerator && xt_ktypes()->enumerator(n->name, &ev)) {
		n->kind = XT_N_INT; /* a kernel enum's constant, as a literal from here on */
		n->ival = (uint64_t)ev;
		return ev < 0 ? &xt_s64 : literal_type(n->ival);
	}
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

static bool need_int(struct xt_sema *s, struct xt_node *n, const struct xt_type *t, const char *what)
{
	if (xt_type_is_int(t) || t->kind == XT_T_PTR)
		return true;
	xt_diag_error(s->dg, n->loc, "%s needs an integer, not %s", what, tname(s, t));
	return false;
}

static const struct xt_type *binop(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *a = expr(s, n->a), *b = expr(s, n->b);
	if (!a || !b)
		return NULL;
	const char *op = xt_op_text(n->op);
	if (a->kind == XT_T_STR || b->kind == XT_T_STR) {
		if ((n->op == XT_OP_EQ || n->op == XT_OP_NE) && a->kind == XT_T_STR && b->kind == XT_T_STR)
			return &xt_s64;
		xt_diag_error(s->dg, n->loc, "operator %s cannot take %s and %s", op, tname(s, a), tname(s, b));
		return NULL;
	}
	if (a->kind == XT_T_PROBE && b->kind == XT_T_PROBE && (n->op == XT_OP_EQ || n->op == XT_OP_NE))
		return &xt_s64;
	if (!need_int(s, n->a, a, op) || !need_int(s, n->b, b, op))
		return NULL;
	switch (n->op) {
	case XT_OP_EQ: case XT_OP_NE: case XT_OP_LT: case XT_OP_LE: case XT_OP_GT: case XT_OP_GE:
	case XT_OP_LAND: case XT_OP_LOR:
		return &xt_s64;
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
		return literal_type(n->ival);
	case XT_N_STR:
		return xt_type_str(s->ar, (int)n->slen + 1);
	case XT_N_BINOP:
		return binop(s, n);
	case XT_N_UNOP: {
		const struct xt_type *a = expr(s, n->a);
		if (!a)
			return NULL;
		if (n->op == XT_OP_DEREF)
			return xt_types_deref(s, n, a);
		if (n->op == XT_OP_ADDR)
			return xt_types_addr(s, n, a);
		if (!need_int(s, n->a, a, xt_op_text(n->op)))
			return NULL;
		return n->op == XT_OP_LNOT ? &xt_s64 : xt_type_int(8, n->op == XT_OP_NEG || a->sign);
	}
	case XT_N_TERNARY: {
		/* Branches without a value make the ?: a statement that runs one of
		 * them; whether that is allowed here is the caller's to check. */
		const struct xt_type *c = expr(s, n->a), *a = typed(s, n->b, false, true),
				     *b = typed(s, n->c, false, true);
		if (!c || !a || !b)
			return NULL;
		if (!need_int(s, n->a, c, "a condition"))
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
		return map_read(s, n);
	case XT_N_VAR: {
		int slot = var_find(s, n->name);
		if (slot >= 0 && s->vars[slot].type) {
			n->aux = slot;
			return s->vars[slot].type;
		}
		if (slot < 0 && var_any(s, n->name))
			xt_diag_error(s->dg, n->loc, "variable $%s is not in scope here (it was declared in another block)", n->name);
		else
			xt_diag_error(s->dg, n->loc, "variable $%s is used before it is assigned", n->name);
		return NULL;
	}
	case XT_N_POSPARAM:
		posparam(s, n);
		return expr_(s, n, agg_ok);
	case XT_N_CAST:
		return cast(s, n);
	case XT_N_INCDEC:
		return incdec(s, n);
	case XT_N_SIZEOF: {
		if (n->a) {
			const struct xt_type *t = expr(s, n->a);
			if (!t)
				return NULL;
			n->ival = (uint64_t)(xt_type_is_int(t) ? (t->kind == XT_T_BOOL ? 1 : t->size) : t->size);
		} else {
			const struct xt_type *t = type_named(s, n->name, n->loc);
			if (!t)
				return NULL;
			n->ival = (uint64_t)t->size;
		}
		n->kind = XT_N_INT; /* a constant from here on */
		return &xt_u64;
	}
	case XT_N_IDENT:
	case XT_N_CALL:
		return call(s, n, agg_ok);
	case XT_N_ARROW: /* args->f, as bpftrace 0.17 writes it, is args.f */
	case XT_N_FIELD: {
		const struct xt_type *t = expr(s, n->a);
		if (!t)
			return NULL;
		if (t->kind == XT_T_PTR || xt_types_is_place(t) || t->kind == XT_T_KVAL)
			return xt_types_member(s, n, t);
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
		return xt_types_index(s, n);
	case XT_N_OFFSETOF:
		return xt_types_offsetof(s, n);
	case XT_N_TUPLE: {
		int nel = xt_node_count(n->list), i = 0;
		const struct xt_type **el = xt_arena_alloc(s->ar, sizeof(*el) * nel);
		for (struct xt_node *e = n->list; e; e = e->next, i++) {
			if (!(el[i] = expr(s, e)))
				return NULL;
			if (el[i]->kind == XT_T_AGG || el[i]->kind == XT_T_RECORD ||
			    el[i]->kind == XT_T_ARRAY) {
				xt_diag_error(s->dg, e->loc, "a %s cannot be part of a tuple", tname(s, el[i]));
				return NULL;
			}
		}
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
static const struct xt_type *typed(struct xt_sema *s, struct xt_node *n, bool agg_ok, bool stmt)
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

static const struct xt_type *expr(struct xt_sema *s, struct xt_node *n)
{
	return typed(s, n, false, false);
}

const struct xt_type *xt_sema_expr(struct xt_sema *s, struct xt_node *n)
{
	return expr(s, n);
}

/* --- statements ------------------------------------------------------------- */

/* Scratch variables keep ints as 64 bits unless declared with a type. */
static const struct xt_type *var_slot_type(const struct xt_type *t)
{
	if (t->kind == XT_T_BOOL || t->kind == XT_T_INT)
		return xt_type_int(8, t->kind == XT_T_INT ? t->sign : false);
	return t;
}

static bool storable(struct xt_sema *s, struct xt_node *e, const struct xt_type *t)
{
	/* a probe's args is a view of its context, not a value: nothing to copy */
	if (t->kind == XT_T_AGG || (t->kind == XT_T_RECORD && !t->btf_id)) {
		xt_diag_error(s->dg, e->loc, "a %s cannot be stored in a variable", tname(s, t));
		return false;
	}
	if (xt_types_is_place(t))
		return xt_sema_kval(s, e, t) != NULL;
	return true;
}

static int assign_var(struct xt_sema *s, struct xt_node *st)
{
	const struct xt_type *t = expr(s, st->b);
	if (!t || !storable(s, st->b, t))
		return -1;
	if (xt_types_is_place(t)) /* $s = *p: a copy of the struct */
		t = xt_type_kval(s->ar, t);
	struct xt_node *v = st->a;
	int slot = var_find(s, v->name);
	if (slot < 0) {
		if (st->op != XT_OP_ASSIGN) {
			xt_diag_error(s->dg, v->loc, "variable $%s is used before it is assigned", v->name);
			return -1;
		}
		var_declare(s, v, var_slot_type(t), false);
		return 0;
	}
	struct xt_var *var = &s->vars[slot];
	v->aux = slot;
	if (!var->type) {
		if (st->op != XT_OP_ASSIGN) {
			xt_diag_error(s->dg, v->loc, "variable $%s is used before it is assigned", v->name);
			return -1;
		}
		var->type = var_slot_type(t);
	} else if (var->type->kind == XT_T_PTR && (st->op == XT_OP_ADD || st->op == XT_OP_SUB) && xt_type_is_int(t)) {
		/* $p += i moves by i elements, as $p = $p + i does */
	} else if (var->fixed) {
		if (!xt_type_fits(var->type, t) || (st->op != XT_OP_ASSIGN && !xt_type_is_int(var->type))) {
			xt_diag_error(s->dg, st->loc, "type mismatch for $%s: assigning %s, but it is declared %s",
				      v->name, tname(s, t), tname(s, var->type));
			return -1;
		}
	} else {
		const struct xt_type *j = xt_type_join(s->ar, var->type, var_slot_type(t));
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

static int let(struct xt_sema *s, struct xt_node *st)
{
	struct xt_node *v = st->a;
	for (int i = s->nscope - 1; i >= 0 && s->scope[i].depth == s->depth; i--)
		if (strcmp(s->scope[i].name, v->name) == 0) {
			xt_diag_error(s->dg, v->loc, "variable $%s is already declared in this block", v->name);
			return -1;
		}
	const struct xt_type *t = NULL;
	if (st->name && !(t = type_named(s, st->name, v->loc)))
		return -1;
	if (st->b) {
		const struct xt_type *vt = expr(s, st->b);
		if (!vt || !storable(s, st->b, vt))
			return -1;
		if (t && !xt_type_fits(t, vt)) {
			xt_diag_error(s->dg, st->b->loc, "type mismatch for $%s: assigning %s, but it is declared %s",
				      v->name, tname(s, vt), tname(s, t));
			return -1;
		}
		if (!t)
			t = var_slot_type(vt);
	}
	var_declare(s, v, t, st->name != NULL);
	return 0;
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

static int for_stmt(struct xt_sema *s, struct xt_node *st)
{
	int saved = s->nscope, rc = 0;
	s->depth++;
	if (st->b->kind == XT_N_RANGE) {
		const struct xt_type *a = expr(s, st->b->a), *b = expr(s, st->b->b);
		if (!a || !b || !need_int(s, st->b->a, a, "a range") || !need_int(s, st->b->b, b, "a range"))
			rc = -1;
		var_declare(s, st->a, &xt_s64, false);
		if (loop_body(s, st->c) < 0)
			rc = -1;
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
		var_declare(s, st->a, xt_type_tuple(s->ar, el, 2), false);
		int loops = s->loop_depth;
		s->loop_depth = 0;
		s->map_loop_depth++;
		if (loop_body(s, st->c) < 0)
			rc = -1;
		s->map_loop_depth--;
		s->loop_depth = loops;
		if (s->final && rc == 0) {
			st->aux = s->prog->nmap_loops++;
			s->probe->has_map_loop = true;
		}
	}
	s->depth--;
	s->nscope = saved;
	return rc;
}

static int assign_map(struct xt_sema *s, struct xt_node *st)
{
	struct xt_node *mn = st->a;
	struct xt_map_info *m = map_use(s, mn, true);
	if (!m)
		return -1;
	const struct xt_type *t = typed(s, st->b, st->op == XT_OP_ASSIGN, false);
	if (!t)
		return -1;
	if (t->kind == XT_T_RECORD && !t->btf_id) {
		xt_diag_error(s->dg, st->b->loc, "a %s cannot be stored in a map", tname(s, t));
		return -1;
	}
	if (xt_types_is_place(t) && !(t = xt_sema_kval(s, st->b, t))) /* @m = *p: a copy */
		return -1;
	if (st->op != XT_OP_ASSIGN && !need_int(s, st->b, t, xt_op_text(st->op)))
		return -1;
	if (map_set_val(s, m, st, t) < 0)
		return -1;
	if (st->op != XT_OP_ASSIGN && m->val->kind != XT_T_INT) {
		xt_diag_error(s->dg, st->loc, "operator %s= needs an integer map; @%s holds %s",
			      xt_op_text(st->op), m->name, tname(s, m->val));
		return -1;
	}
	mn->type = m->val;
	return 0;
}

static int stmt(struct xt_sema *s, struct xt_node *st)
{
	switch (st->kind) {
	case XT_N_EXPR_STMT:
		return typed(s, st->a, false, true) ? 0 : -1;
	case XT_N_ASSIGN:
		return st->a->kind == XT_N_VAR ? assign_var(s, st) : assign_map(s, st);
	case XT_N_IF: {
		const struct xt_type *c = expr(s, st->a);
		if (!c || !need_int(s, st->a, c, "a condition"))
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
		const struct xt_type *c = expr(s, st->a);
		if (!c || !need_int(s, st->a, c, "a condition"))
			return -1;
		return loop_body(s, st->b);
	}
	case XT_N_UNROLL: {
		const struct xt_type *c = expr(s, st->a);
		if (!c)
			return -1;
		if (st->a->kind != XT_N_INT || st->a->ival < 1 || st->a->ival > 100) {
			xt_diag_error(s->dg, st->a->loc, "unroll needs an integer literal from 1 to 100");
			return -1;
		}
		return block(s, st->b->list);
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
		if (s->map_loop_depth) {
			xt_diag_error(s->dg, st->loc, "return cannot leave a for loop over a map; use break");
			return -1;
		}
		if (st->a) {
			const struct xt_type *t = expr(s, st->a);
			if (!t || !need_int(s, st->a, t, "return"))
				return -1;
		}
		return 0;
	default:
		xt_diag_error(s->dg, st->loc, "%s statements are not supported by this version of xtrace",
			      xt_node_kind_name(st->kind));
		return -1;
	}
}

static int stmts(struct xt_sema *s, struct xt_node *list)
{
	int rc = 0;
	for (struct xt_node *st = list; st; st = st->next)
		if (stmt(s, st) < 0)
			rc = -1;
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
	int rc = 0;
	struct xt_node *pred = p->node->a;
	if (pred) {
		const struct xt_type *t = expr(s, pred);
		if (!t || !need_int(s, pred, t, "a predicate"))
			rc = -1;
	}
	if (stmts(s, p->node->b->list) < 0)
		rc = -1;
	p->nvars = s->nvars;
	p->var_types = xt_arena_alloc(s->ar, sizeof(*p->var_types) * (s->nvars + 1));
	for (int i = 0; i < s->nvars; i++) /* declared, never assigned: a zero int64 */
		p->var_types[i] = s->vars[i].type ? s->vars[i].type : &xt_s64;
	return rc;
}

static void layout_maps(struct xt_program *prog)
{
	for (int i = 0; i < prog->nmaps; i++) {
		struct xt_map_info *m = prog->maps[i];
		m->key_size = m->key ? m->key->size : 8;
		m->value_size = 8;
		m->percpu = false;
		if (m->val->kind == XT_T_AGG) {
			m->percpu = true;
			if (m->val->agg->buckets)
				m->key_size = (m->key ? (m->key->size + 7) / 8 * 8 : 0) + 8;
			m->value_size = m->val->agg->value_size;
		} else {
			m->value_size = m->val->size;
		}
	}
}

int xt_pass_types(struct xt_sema *s)
{
	struct xt_program *prog = s->prog;
	for (int i = 0; i < prog->opts.nknown_maps; i++) {
		const struct xt_map_info *k = prog->opts.known_maps[i];
		struct xt_node *n = xt_node_new(s->ar, XT_N_MAP, k->first ? k->first->loc : (struct xt_loc){ 0 });
		n->name = xt_arena_strdup(s->ar, k->name);
		struct xt_map_info *m = map_get(s, n);
		m->key = k->key;
		m->val = k->val;
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
		layout_maps(prog);
	return rc;
}

int xt_sema_add_fmt(struct xt_sema *s, struct xt_node *fmt_node, struct xt_node *args)
{
	struct xt_program *prog = s->prog;
	if (!s->final)
		return 0;
	struct xt_fmt_info *f = xt_arena_alloc(s->ar, sizeof(*f));
	f->id = prog->nfmts;
	f->fmt = fmt_node->sval;
	f->nargs = xt_node_count(args);
	f->arg_types = xt_arena_alloc(s->ar, sizeof(*f->arg_types) * (f->nargs + 1));
	f->arg_offsets = xt_arena_alloc(s->ar, sizeof(int) * (f->nargs + 1));
	int i = 0, off = 0;
	for (struct xt_node *a = args; a; a = a->next, i++) {
		const struct xt_type *t = a->type;
		if (xt_type_is_int(t) || t->kind == XT_T_PTR)
			t = xt_type_int(8, t->kind == XT_T_INT && t->sign);
		else if (xt_types_is_place(t))
			t = xt_type_kval(s->ar, t);
		f->arg_types[i] = t;
		f->arg_offsets[i] = off;
		off += (t->size + 7) / 8 * 8;
	}
	f->size = off;
	if (prog->nfmts % 16 == 0) {
		struct xt_fmt_info **nf = xt_arena_alloc(s->ar, sizeof(*nf) * (prog->nfmts + 16));
		if (prog->nfmts)
			memcpy(nf, prog->fmts, sizeof(*nf) * prog->nfmts);
		prog->fmts = nf;
	}
	prog->fmts[prog->nfmts++] = f;
	return f->id;
}
