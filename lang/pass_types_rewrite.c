/* The typing pass, rewriting in place: what it meets as a name or an
 * operator but is a constant becomes a literal ($N and $#, sizeof, a
 * kernel enum's constant). Done while typing, not in a pass of its own:
 * sizeof(expr) needs the expression's type, an identifier is an enum
 * constant only where it is an expression and no builtin, and builtins
 * check whether their arguments are literals before typing them (printf($1)
 * is refused). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sema_int.h"
#include "stdlib/registry.h"

/* $N and $#: the command line's positional parameters, as literals. A number
 * becomes an integer, anything else a string; a missing one is 0 (or "" in
 * str()), as in bpftrace. */

void xt_sema_posparam(struct xt_sema *s, struct xt_node *n)
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
	n->sval = xt_arena_strdup(s->ar, text);
	n->slen = strlen(text);
	if (*text == 0 || (*end == 0 && errno == 0 && *text != '-' && *text != '+')) {
		n->kind = XT_N_INT;
		n->ival = v;
	} else {
		n->kind = XT_N_STR;
	}
}

void xt_sema_posparams_warn(struct xt_sema *s, const struct xt_node *n)
{
	const struct xt_sema_opts *o = &s->prog->opts;
	for (; n; n = n->next) {
		if (n->kind == XT_N_POSPARAM && !(n->name && strcmp(n->name, "#") == 0) &&
		    (n->ival < 1 || n->ival > (uint64_t)o->nparams || !*o->params[n->ival - 1]))
			xt_diag_warning(s->dg, n->loc, "positional parameter $%llu is empty or not provided",
					(unsigned long long)n->ival);
		xt_sema_posparams_warn(s, n->a);
		xt_sema_posparams_warn(s, n->b);
		xt_sema_posparams_warn(s, n->c);
		xt_sema_posparams_warn(s, n->list);
	}
}

const struct xt_type *xt_sema_sizeof(struct xt_sema *s, struct xt_node *n)
{
	if (n->a && n->a->kind == XT_N_IDENT && !xt_builtin_find(n->a->name, XT_BI_VAR)) {
		/* sizeof(T) of a C typedef name: the grammar reads a name as an expression */
		const char *near, *why;
		const struct xt_type *t = xt_ktypes()->find(n->a->name, &near, &why);
		if (t) {
			n->ival = (uint64_t)t->size;
			n->kind = XT_N_INT;
			return &xt_u64;
		}
	}
	if (n->a) {
		const struct xt_type *t = xt_sema_expr(s, n->a);
		if (!t)
			return NULL;
		n->ival = (uint64_t)(xt_type_is_int(t) ? (t->kind == XT_T_BOOL ? 1 : t->size) : t->size);
	} else {
		const struct xt_type *t = xt_sema_type_named(s, n->name, n->loc);
		if (!t)
			return NULL;
		n->ival = (uint64_t)t->size;
	}
	n->kind = XT_N_INT; /* a constant from here on */
	return &xt_u64;
}

const struct xt_type *xt_sema_enum_const(struct xt_node *n)
{
	int64_t ev;
	if (!xt_ktypes()->enumerator || !xt_ktypes()->enumerator(n->name, &ev))
		return NULL;
	/* its enum, so that it prints by name wherever it goes (bpftrace 0.22) */
	const struct xt_type *et = xt_ktypes()->enum_type ? xt_ktypes()->enum_type(n->name) : NULL;
	n->kind = XT_N_INT; /* a kernel enum's constant, as a literal from here on */
	n->ival = (uint64_t)ev;
	return et ? et : ev < 0 ? &xt_s64 : xt_sema_literal_type(n->ival);
}

/* The C suffix types (lex.re names them in XT_N_INT's name). */
static const struct xt_type *c_suffix_type(const struct xt_node *n)
{
	if (n->kind != XT_N_INT || !n->name)
		return NULL;
	if (strcmp(n->name, "uint32") == 0)
		return &xt_u32;
	if (strcmp(n->name, "uint64") == 0)
		return &xt_u64;
	return strcmp(n->name, "int64") == 0 ? &xt_s64 : NULL;
}

const struct xt_type *xt_sema_c_literal(const struct xt_node *n)
{
	const struct xt_type *t = c_suffix_type(n);
	return t ? t : xt_sema_literal_type(n->ival);
}

bool xt_sema_c_fold(struct xt_node *n)
{
	const struct xt_type *t = c_suffix_type(n->a);
	if (!t)
		return false;
	uint64_t v = n->op == XT_OP_BNOT ? ~n->a->ival : -n->a->ival;
	n->ival = t->size == 4 ? v & UINT32_MAX : v;
	n->name = n->a->name;
	n->kind = XT_N_INT; /* a constant of the literal's type from here on */
	n->a = NULL;
	return true;
}
