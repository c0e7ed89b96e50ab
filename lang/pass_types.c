/* The typing pass: resolves every name (builtins, maps, scratch variables)
 * and infers and checks types, statement by statement (expressions in
 * pass_types_expr.c, maps in pass_types_maps.c, kernel types in
 * pass_types_kernel.c, constants rewritten in pass_types_rewrite.c). Map
 * types are program-wide: the pass runs twice, the first round quietly so
 * that a map read before (in source order) the assignment that types it
 * still resolves. */
#include <string.h>
#include "sema_int.h"

static int stmts(struct xt_sema *s, struct xt_node *list);

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
	s->vars[s->nvars] = (struct xt_var){ v->name, t, v, fixed };
	s->scope[s->nscope++] = (struct xt_scope_ent){ v->name, s->nvars, s->depth };
	v->aux = s->nvars;
	v->type = t;
	return s->nvars++;
}

/* --- statements ------------------------------------------------------------- */

/* Scratch variables keep ints as 64 bits unless declared with a type. */
static const struct xt_type *var_slot_type(const struct xt_type *t)
{
	if (t->kind == XT_T_BOOL)
		return &xt_bool64;
	if (t->kind == XT_T_INT)
		return xt_type_int(8, t->sign);
	return t;
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

static int assign_var(struct xt_sema *s, struct xt_node *st)
{
	const struct xt_type *t = xt_sema_expr(s, st->b);
	if (!t || !storable(s, st->b, t))
		return -1;
	if (xt_type_is_place(t)) /* $s = *p: a copy of the struct */
		t = xt_type_kval(s->ar, t);
	struct xt_node *v = st->a;
	int slot = xt_sema_var_find(s, v->name);
	if (slot < 0) {
		if (st->op != XT_OP_ASSIGN) {
			xt_diag_error(s->dg, v->loc, "variable $%s is used before it is assigned", v->name);
			return -1;
		}
		xt_sema_var_declare(s, v, var_slot_type(t), false);
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
	if (st->name && !(t = xt_sema_type_named(s, st->name, v->loc)))
		return -1;
	if (st->b) {
		const struct xt_type *vt = xt_sema_expr(s, st->b);
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
	xt_sema_var_declare(s, v, t, st->name != NULL);
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
		const struct xt_type *a = xt_sema_expr(s, st->b->a), *b = xt_sema_expr(s, st->b->b);
		if (!a || !b || !xt_sema_need_int(s, st->b->a, a, "a range") || !xt_sema_need_int(s, st->b->b, b, "a range"))
			rc = -1;
		xt_sema_var_declare(s, st->a, &xt_s64, false);
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
		xt_sema_var_declare(s, st->a, xt_type_tuple(s->ar, el, 2), false);
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
	struct xt_map_info *m = xt_sema_map_use(s, mn, true);
	if (!m)
		return -1;
	const struct xt_type *t = xt_sema_typed(s, st->b, st->op == XT_OP_ASSIGN, false);
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

static int stmt(struct xt_sema *s, struct xt_node *st)
{
	switch (st->kind) {
	case XT_N_EXPR_STMT:
		return xt_sema_typed(s, st->a, false, true) ? 0 : -1;
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
		const struct xt_type *c = xt_sema_expr(s, st->a);
		if (!c || !xt_sema_need_int(s, st->a, c, "a condition"))
			return -1;
		return loop_body(s, st->b);
	}
	case XT_N_UNROLL: {
		const struct xt_type *c = xt_sema_expr(s, st->a);
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
		const struct xt_type *t = xt_sema_expr(s, pred);
		if (!t || !xt_sema_need_int(s, pred, t, "a predicate"))
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

int xt_pass_types(struct xt_sema *s)
{
	struct xt_program *prog = s->prog;
	xt_sema_maps_seed(s);
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
		xt_sema_var_declare(s, v, var_slot_type(t), false);
		return 0;
	}
	struct xt_var *var = &s->vars[slot];
	v->aux = slot;
	if (!var->type) {
		var->type = var_slot_type(t);
	} else if (var->fixed) {
		if (!xt_type_fits(var->type, t)) {
			xt_diag_error(s->dg, v->loc, "type mismatch for $%s: assigning %s, but it is declared %s",
				      v->name, tname(s, t), tname(s, var->type));
			return -1;
		}
	} else {
		const struct xt_type *j = xt_type_join(s->ar, var->type, var_slot_type(t));
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
