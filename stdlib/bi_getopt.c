/* getopt("name"[, default[, "help"]]) (bpftrace 0.24/0.25): a named option
 * of the program, given after `--` as --name=value (a bool also as a bare
 * --name). Folded at compile time into a literal of the default's type:
 * false, an integer, a string or a bool. lang/pass_options.c then refuses
 * options that no getopt() takes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "stdlib/registry.h"

/* The value given for option `name`: "" for a bare --name, NULL when absent. */
static const char *given(const struct xt_sema_opts *o, const char *name)
{
	size_t len = strlen(name);
	const char *v = NULL;
	for (int i = 0; i < o->nnamed; i++)
		if (strncmp(o->named[i], name, len) == 0 && (o->named[i][len] == '=' || !o->named[i][len]))
			v = o->named[i][len] ? o->named[i] + len + 1 : ""; /* the last one given wins */
	return v;
}

/* Remembers option `name` for pass_options (once, however often it is typed). */
static void remember(struct xt_sema *s, const char *name, const char *help)
{
	struct xt_program *prog = xt_sema_program(s);
	for (int i = 0; i < prog->ngetopts; i++)
		if (strcmp(prog->getopts[i].name, name) == 0)
			return;
	if (prog->ngetopts % 8 == 0) {
		struct xt_getopt *g = xt_arena_alloc(xt_sema_arena(s), sizeof(*g) * (size_t)(prog->ngetopts + 8));
		if (prog->ngetopts)
			memcpy(g, prog->getopts, sizeof(*g) * (size_t)prog->ngetopts);
		prog->getopts = g;
	}
	prog->getopts[prog->ngetopts].name = name;
	prog->getopts[prog->ngetopts++].help = help;
}

static const struct xt_type *type_getopt(struct xt_sema *s, struct xt_node *n)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_node *name = n->list, *def = name->next, *help = def ? def->next : NULL;
	if (name->kind != XT_N_STR || !name->sval[0] || name->sval[0] == '-') {
		xt_diag_error(dg, name->loc, "getopt() takes the option's name as a string literal, without dashes");
		return NULL;
	}
	if (help && help->kind != XT_N_STR) {
		xt_diag_error(dg, help->loc, "getopt()'s help text must be a string literal");
		return NULL;
	}
	bool neg = false;
	if (def && def->kind == XT_N_UNOP && def->op == XT_OP_NEG && def->a->kind == XT_N_INT) /* -5 */
		neg = true;
	else if (def && def->kind != XT_N_INT && def->kind != XT_N_STR && def->kind != XT_N_BOOL) {
		xt_diag_error(dg, def->loc, "getopt()'s default must be a literal: an integer, a string, true or false");
		return NULL;
	}
	remember(s, name->sval, help ? help->sval : NULL);
	const char *v = given(&xt_sema_program(s)->opts, name->sval);
	if (!def || def->kind == XT_N_BOOL) { /* getopt("dry"): a bool, false unless given */
		int b = !v ? (def ? (int)def->ival : 0) : !*v ? 1 : xt_sema_bool_word(v);
		if (b < 0) {
			xt_diag_plain(dg, "program command line option --%s invalid boolean (value: %s)", name->sval, v);
			return NULL;
		}
		n->kind = XT_N_BOOL;
		n->ival = (uint64_t)b;
		return &xt_bool;
	}
	if (def->kind == XT_N_STR) {
		n->kind = XT_N_STR;
		n->sval = v ? xt_arena_strdup(xt_sema_arena(s), v) : def->sval;
		n->slen = v ? strlen(v) : def->slen;
		return xt_type_str(xt_sema_arena(s), (int)n->slen + 1);
	}
	int64_t iv = neg ? -(int64_t)def->a->ival : (int64_t)def->ival;
	if (v) {
		char *end;
		errno = 0;
		iv = strtoll(v, &end, 0);
		if (!*v || *end || errno) {
			xt_diag_plain(dg, "program command line option --%s invalid integer (value: %s)", name->sval, v);
			return NULL;
		}
	}
	/* a negative value as -(literal): typing may run again over the node,
	 * and a literal alone is never negative */
	struct xt_node *lit = n;
	if (iv < 0) {
		n->kind = XT_N_UNOP;
		n->op = XT_OP_NEG;
		n->list = NULL;
		lit = n->a = xt_node_new(xt_sema_arena(s), XT_N_INT, n->loc);
	}
	lit->kind = XT_N_INT;
	lit->ival = iv < 0 ? -(uint64_t)iv : (uint64_t)iv;
	return iv < 0 ? xt_sema_expr(s, n) : &xt_s64; /* as bpftrace: an integer option is an int64 */
}

const struct xt_builtin xt_bi_getopt = { .name = "getopt", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 3,
	.check = type_getopt,
	.help = "getopt(\"name\"[, default[, \"help\"]]): the program option --name=value given after --" };
