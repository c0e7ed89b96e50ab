/* Macro expansion: `macro name($a, @m, x) { ... }` definitions are expanded
 * at their call sites before any other pass sees the probes, as newest
 * bpftrace does. A `$a` parameter takes a scratch variable (the body uses
 * the caller's), `@m` a map, `x` any expression (substituted where `x` is
 * written). The body's own scratch variables are renamed per expansion
 * ($v becomes $v.NAME.N), so they never meet the caller's. A call used as
 * a statement becomes the body's statements; a call used as a value takes the
 * body's last expression, its other statements going before the statement
 * that holds the call. */
#include <string.h>
#include "sema_int.h"
#include "stdlib/registry.h"

#define MAX_DEPTH 64

struct mx {
	struct xt_sema *s;
	struct xt_node *macros;
	const struct xt_node *const *known; /* earlier REPL entries' (xt_sema_opts.known_macros) */
	int nknown;
	const struct xt_node *stack[MAX_DEPTH]; /* macros being expanded, for recursion */
	int depth;
	int serial;                  /* expansions so far: the suffix of renamed variables */
};

/* One expansion: the macro, its arguments by parameter, the variables' suffix. */
struct call {
	const struct xt_node *mac;
	struct xt_node *args[16];
	int serial;
	bool foreign;        /* an earlier entry's: its places are in another text */
	struct xt_loc site;  /* the call, where a foreign expansion's nodes are placed */
	int exp;             /* the expansion's number in the diagnostics (xt_diag_expansion) */
};

/* Whether argument a fits parameter p: `$v` takes a variable, `@m` a map
 * without keys, a bare name anything. */
static bool arg_fits(const struct xt_node *p, const struct xt_node *a)
{
	if (p->kind == XT_N_VAR)
		return a->kind == XT_N_VAR;
	if (p->kind == XT_N_MAP)
		return a->kind == XT_N_MAP && !a->list;
	return true;
}

/* The best definition for a call so far. */
struct pick {
	struct xt_node *first, *best;
	int best_score;
};

static void consider(struct pick *pk, struct xt_node *d, const struct xt_node *n)
{
	if (strcmp(d->name, n->name) != 0)
		return;
	if (!pk->first)
		pk->first = d;
	const struct xt_node *p = d->list, *a = n->kind == XT_N_CALL ? n->list : NULL;
	int score = 0;
	for (; p && a && arg_fits(p, a); p = p->next, a = a->next)
		score += p->kind != XT_N_IDENT;
	if (!p && !a && score > pk->best_score) {
		pk->best = d;
		pk->best_score = score;
	}
}

/* The macro that call n names (a bare name n: a macro without parameters).
 * Macros overload by parameter count and kind, as in bpftrace 0.25: of those
 * that fit, the one with the most `$v`/`@m` parameters (`twice($n)` picks
 * `twice($v)` over `twice(x)`). When none fits, the first of that name (for
 * its diagnostic; NULL for a bare name). */
static struct xt_node *find_macro(struct mx *m, const struct xt_node *n)
{
	struct pick pk = { .best_score = -1 };
	for (struct xt_node *d = m->macros; d; d = d->next)
		consider(&pk, d, n);
	for (int k = 0; k < m->nknown; k++) /* then the session's (a tie goes to the program's own) */
		consider(&pk, (struct xt_node *)m->known[k], n);
	return pk.best ? pk.best : n->kind == XT_N_CALL ? pk.first : NULL;
}

/* Whether two definitions have the same signature (count and kinds). */
static bool same_signature(const struct xt_node *d, const struct xt_node *e)
{
	const struct xt_node *p = d->list, *q = e->list;
	while (p && q && (p->kind == XT_N_IDENT) == (q->kind == XT_N_IDENT) && (p->kind == XT_N_IDENT || p->kind == q->kind)) {
		p = p->next;
		q = q->next;
	}
	return !p && !q;
}

static struct xt_node *param_arg(const struct call *c, enum xt_node_kind kind, const char *name)
{
	int i = 0;
	for (const struct xt_node *p = c->mac->list; p; p = p->next, i++)
		if (p->kind == kind && strcmp(p->name, name) == 0)
			return c->args[i];
	return NULL;
}

static struct xt_node *clone(struct mx *m, const struct call *c, const struct xt_node *n);

static struct xt_node *clone_list(struct mx *m, const struct call *c, const struct xt_node *n)
{
	struct xt_node *head = NULL, **tail = &head;
	for (; n; n = n->next) {
		*tail = clone(m, c, n);
		tail = &(*tail)->next;
	}
	return head;
}

/* A copy of body node n with the call's parameters substituted. */
static struct xt_node *clone(struct mx *m, const struct call *c, const struct xt_node *n)
{
	if (!n)
		return NULL;
	struct xt_arena *ar = m->s->ar;
	struct xt_node *arg;
	if (c && n->kind == XT_N_IDENT && (arg = param_arg(c, XT_N_IDENT, n->name)))
		return clone(m, NULL, arg);
	struct xt_node *r = xt_node_new(ar, n->kind, n->loc);
	*r = *n;
	r->next = NULL;
	if (c && c->foreign)
		r->loc = c->site;
	else if (c)
		r->loc.exp = c->exp;
	if (c && n->kind == XT_N_VAR) {
		arg = param_arg(c, XT_N_VAR, n->name);
		r->name = arg ? arg->name : xt_arena_printf(ar, "%s.%s.%d", n->name, c->mac->name, c->serial);
	} else if (c && n->kind == XT_N_MAP && (arg = param_arg(c, XT_N_MAP, n->name))) {
		r->name = arg->name;
	}
	r->a = clone(m, c, n->a);
	r->b = clone(m, c, n->b);
	r->c = clone(m, c, n->c);
	r->list = clone_list(m, c, n->list);
	return r;
}

static int expand_stmts(struct mx *m, struct xt_node **head);

/* The expansion of macro call n: its statements (a fresh list) and, when the
 * body ends in an expression, that expression in *value. NULL with *err set
 * after a diagnostic. */
static struct xt_node *expand_call(struct mx *m, struct xt_node *n, struct xt_node **value, int *err)
{
	struct xt_diags *dg = m->s->dg;
	const struct xt_node *mac = find_macro(m, n);
	*value = NULL;
	for (int i = 0; i < m->depth; i++)
		if (m->stack[i] == mac) {
			xt_diag_error(dg, n->loc, "macro '%s' expands to itself (recursion is not allowed)", mac->name);
			*err = -1;
			return NULL;
		}
	if (m->depth == MAX_DEPTH) {
		xt_diag_error(dg, n->loc, "macros nest more than %d deep", MAX_DEPTH);
		*err = -1;
		return NULL;
	}
	struct call c = { .mac = mac, .serial = ++m->serial, .site = n->loc };
	for (int i = 0; i < m->nknown; i++)
		c.foreign |= m->known[i] == mac;
	int nparams = 0, nargs = 0;
	for (const struct xt_node *p = mac->list; p; p = p->next)
		nparams++;
	for (struct xt_node *a = n->kind == XT_N_CALL ? n->list : NULL; a; a = a->next)
		nargs++;
	if (nargs != nparams || nparams > 16) {
		xt_diag_error(dg, n->loc, "macro '%s' takes %d argument%s, not %d",
			      mac->name, nparams, nparams == 1 ? "" : "s", nargs);
		*err = -1;
		return NULL;
	}
	int i = 0;
	struct xt_node *a = n->kind == XT_N_CALL ? n->list : NULL;
	for (const struct xt_node *p = mac->list; p; p = p->next, a = a->next, i++) {
		if (p->kind == XT_N_VAR && a->kind != XT_N_VAR) {
			xt_diag_error(dg, a->loc, "macro '%s' parameter $%s needs a scratch variable", mac->name, p->name);
			*err = -1;
			return NULL;
		}
		if (p->kind == XT_N_MAP && (a->kind != XT_N_MAP || a->list)) {
			xt_diag_error(dg, a->loc, "macro '%s' parameter @%s needs a map (without keys)", mac->name, p->name);
			*err = -1;
			return NULL;
		}
		c.args[i] = a;
	}
	if (!c.foreign)
		c.exp = xt_diag_expansion(dg, n->loc, mac->name);
	struct xt_node *body = clone_list(m, &c, mac->b->list);
	m->stack[m->depth++] = mac;
	int r = expand_stmts(m, &body);
	m->depth--;
	if (r < 0) {
		*err = -1;
		return NULL;
	}
	/* the last statement, when an expression, is the value */
	struct xt_node **last = &body;
	while (*last && (*last)->next)
		last = &(*last)->next;
	if (*last && (*last)->kind == XT_N_EXPR_STMT) {
		*value = (*last)->a;
		*last = NULL;
	}
	return body;
}

/* A call of a macro, or a bare name that is a macro without parameters
 * (`answer` for `answer()`; a record's field name has its value in a). */
static bool is_macro_call(struct mx *m, const struct xt_node *n)
{
	return n && (n->kind == XT_N_CALL || (n->kind == XT_N_IDENT && !n->a)) && find_macro(m, n);
}

/* Expands the macro calls in expression *np; statements they need first are
 * appended to *pre (NULL: not allowed here, `what` says where). */
static int expand_expr(struct mx *m, struct xt_node **np, struct xt_node ***pre, const char *what)
{
	struct xt_node *n = *np;
	if (!n)
		return 0;
	if (n->kind == XT_N_CALL && n->op == XT_CALL_MACRO && !find_macro(m, n)) {
		xt_diag_error(m->s->dg, n->loc, "%s!() calls a macro, and there is no macro '%s'", n->name, n->name);
		return -1;
	}
	if (is_macro_call(m, n)) {
		for (struct xt_node **a = &n->list; *a; a = &(*a)->next)
			if (expand_expr(m, a, pre, what) < 0)
				return -1;
		int err = 0;
		struct xt_node *value, *stmts = expand_call(m, n, &value, &err);
		if (err)
			return -1;
		if (!value) {
			xt_diag_error(m->s->dg, n->loc, "macro '%s' has no value: its body does not end in an expression", n->name);
			return -1;
		}
		if (stmts && !pre) {
			xt_diag_error(m->s->dg, n->loc, "macro '%s' has statements, so it cannot be used %s", n->name, what);
			return -1;
		}
		for (; stmts; stmts = stmts->next) {
			**pre = stmts;
			*pre = &stmts->next;
		}
		**pre = NULL;
		value->next = n->next;
		*np = value;
		return 0;
	}
	/* a block or an if as a value (`f({ m(); 1 })`): its statements stay in it */
	if (n->kind == XT_N_BLOCK)
		return expand_stmts(m, &n->list);
	if (n->kind == XT_N_IF) {
		if (expand_expr(m, &n->a, pre, what) < 0 || expand_stmts(m, &n->b->list) < 0)
			return -1;
		if (!n->c)
			return 0;
		return n->c->kind == XT_N_IF ? expand_expr(m, &n->c, NULL, "in an `else if` condition")
					     : expand_stmts(m, &n->c->list);
	}
	/* `a && m()`, `a ? m() : b`: the statements would run unconditionally */
	bool cond = (n->kind == XT_N_BINOP && (n->op == XT_OP_LAND || n->op == XT_OP_LOR || n->op == XT_OP_ELVIS)) ||
		    n->kind == XT_N_TERNARY;
	if (expand_expr(m, &n->a, pre, what) < 0)
		return -1;
	if (expand_expr(m, &n->b, cond ? NULL : pre, "where it is evaluated conditionally (&&, ||, ?:)") < 0 ||
	    expand_expr(m, &n->c, cond ? NULL : pre, "where it is evaluated conditionally (&&, ||, ?:)") < 0)
		return -1;
	for (struct xt_node **a = &n->list; *a; a = &(*a)->next)
		if (expand_expr(m, a, pre, what) < 0)
			return -1;
	return 0;
}

/* Expands a statement list in place. */
static int expand_stmts(struct mx *m, struct xt_node **head)
{
	for (struct xt_node **sp = head; *sp;) {
		struct xt_node *st = *sp, *next = st->next;
		if (st->kind == XT_N_EXPR_STMT && is_macro_call(m, st->a)) {
			struct xt_node *pre = NULL, **pt = &pre;
			for (struct xt_node **a = &st->a->list; *a; a = &(*a)->next)
				if (expand_expr(m, a, &pt, "here") < 0)
					return -1;
			int err = 0;
			struct xt_node *value, *stmts = expand_call(m, st->a, &value, &err);
			if (err)
				return -1;
			*pt = stmts;
			while (*pt)
				pt = &(*pt)->next;
			if (value) {
				struct xt_node *es = xt_node_new(m->s->ar, XT_N_EXPR_STMT, st->loc);
				es->op = st->op; /* still a block's value, or `_ = ` */
				es->a = value;
				value->next = NULL;
				*pt = es;
				pt = &es->next;
			}
			*pt = next;
			*sp = pre;
			if (pt != &pre) /* else it expanded to nothing: *sp is now next */
				sp = pt;
			continue;
		}
		struct xt_node *pre = NULL, **pt = &pre;
		int r = 0;
		switch (st->kind) {
		case XT_N_EXPR_STMT: case XT_N_RETURN:
			r = expand_expr(m, &st->a, &pt, "here");
			break;
		case XT_N_ASSIGN: case XT_N_LET:
			r = expand_expr(m, &st->a, &pt, "here");
			if (!r)
				r = expand_expr(m, &st->b, &pt, "here");
			break;
		case XT_N_IF: {
			r = expand_expr(m, &st->a, &pt, "here");
			for (struct xt_node *e = st; !r && e && e->kind == XT_N_IF; e = e->c) {
				if (e != st)
					r = expand_expr(m, &e->a, NULL, "in an `else if` condition");
				if (!r)
					r = expand_stmts(m, &e->b->list);
				if (!r && e->c && e->c->kind == XT_N_BLOCK)
					r = expand_stmts(m, &e->c->list);
			}
			break;
		}
		case XT_N_WHILE:
			r = expand_expr(m, &st->a, NULL, "in a loop condition");
			if (!r)
				r = expand_stmts(m, &st->b->list);
			break;
		case XT_N_UNROLL:
			r = expand_expr(m, &st->a, &pt, "here");
			if (!r)
				r = expand_stmts(m, &st->b->list);
			break;
		case XT_N_FOR:
			r = expand_expr(m, &st->b, &pt, "here");
			if (!r)
				r = expand_stmts(m, &st->c->list);
			break;
		case XT_N_BLOCK:
			r = expand_stmts(m, &st->list);
			break;
		default:
			break;
		}
		if (r < 0)
			return -1;
		if (pre) {
			*pt = st;
			*sp = pre;
		}
		sp = &st->next;
	}
	return 0;
}

/* The first break, continue or return in n (a macro body's statements). */
static const struct xt_node *find_jump(const struct xt_node *n)
{
	for (; n; n = n->next) {
		if (n->kind == XT_N_BREAK || n->kind == XT_N_CONTINUE || n->kind == XT_N_RETURN)
			return n;
		const struct xt_node *j = find_jump(n->a);
		if (!j)
			j = find_jump(n->b);
		if (!j)
			j = find_jump(n->c);
		if (!j)
			j = find_jump(n->list);
		if (j)
			return j;
	}
	return NULL;
}

int xt_sema_check_macros(const struct xt_node *defs, struct xt_diags *dg)
{
	for (const struct xt_node *d = defs; d; d = d->next) {
		for (const struct xt_node *e = defs; e != d; e = e->next)
			if (strcmp(e->name, d->name) == 0 && same_signature(e, d)) {
				xt_diag_error(dg, d->loc, "macro '%s' is defined twice with the same parameters", d->name);
				return -1;
			}
		const struct xt_node *j = find_jump(d->b);
		if (j) {
			xt_diag_error(dg, j->loc, "macro '%s': break, continue and return are not allowed in a macro", d->name);
			return -1;
		}
		for (const struct xt_node *p = d->list; p; p = p->next)
			if (p->kind == XT_N_IDENT && (xt_builtin_find(p->name, XT_BI_VAR) || xt_builtin_find(p->name, XT_BI_FUNC))) {
				xt_diag_error(dg, p->loc, "macro '%s': parameter %s is a builtin's name: rename it",
					      d->name, p->name);
				return -1;
			}
		for (const struct xt_node *p = d->list; p; p = p->next)
			for (const struct xt_node *q = d->list; q != p; q = q->next)
				if (q->kind == p->kind && strcmp(q->name, p->name) == 0) {
					xt_diag_error(dg, p->loc, "macro '%s' has two parameters named %s", d->name, p->name);
					return -1;
				}
	}
	return 0;
}

int xt_pass_macros(struct xt_sema *s)
{
	struct xt_node *prog = s->prog->ast;
	const struct xt_sema_opts *o = &s->prog->opts;
	if (!prog || prog->kind != XT_N_PROGRAM)
		return 0; /* without macros too: a NAME!() call must find one */
	struct mx m = { .s = s, .macros = prog->c, .known = o->known_macros, .nknown = o->nknown_macros };
	if (xt_sema_check_macros(prog->c, s->dg) < 0)
		return -1;
	for (struct xt_node *p = prog->list; p; p = p->next) {
		if (p->a && expand_expr(&m, &p->a, NULL, "in a predicate") < 0)
			return -1;
		if (p->b && expand_stmts(&m, &p->b->list) < 0)
			return -1;
	}
	return 0;
}
