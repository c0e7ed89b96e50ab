/* Statements typed at the prompt (an entry without a probe): run at once as
 * the program `BEGIN { <statements> }` on the session's maps, then closed. */
#include <stdlib.h>
#include <string.h>
#include "repl/repl_int.h"
#include "stdlib/registry.h"

/* Says that the map node n names is not one of the session's. */
static void unknown_map(const struct xt_node *n, struct xt_diags *dg)
{
	const char **names = calloc(R->nmaps + 1, sizeof(*names));
	for (int i = 0; i < R->nmaps; i++)
		names[i] = R->maps[i].info->name;
	const char *near = xt_diag_closest(n->name, names, R->nmaps);
	if (near)
		xt_diag_error(dg, n->loc, "unknown map @%s; did you mean @%s?", n->name, near);
	else if (R->nmaps == 0)
		xt_diag_error(dg, n->loc, "unknown map @%s: no entry has defined a map yet", n->name);
	else
		xt_diag_error(dg, n->loc, "unknown map @%s", n->name);
	if (!near)
		xt_diag_note(dg, (struct xt_loc){ 0 }, "statements at the prompt work on the session's maps; "
			     "an entry with a probe creates one, e.g. BEGIN { @%s = 1; }", n->name);
	free(names);
}

static bool not_session(const char *name, const void *arg)
{
	return !xt_repl_map_find(name);
}

/* Whether session map `name` has a key of type probe (alone or in a tuple). */
static bool probe_keyed(const char *name, const void *arg)
{
	const struct smap *sm = xt_repl_map_find(name);
	const struct xt_type *k = sm ? sm->info->key : NULL;
	for (int i = 0; k && k->kind == XT_T_TUPLE && i < k->n; i++)
		if (k->elems[i]->kind == XT_T_PROBE)
			return true;
	return k && k->kind == XT_T_PROBE;
}

/* A bare value at the prompt is printed: `@x`, `len(@x)`, `$a + 1` mean
 * print(...), `@x[k]` that entry as print(@x) shows it. Calls that are statements (printf, clear, ...) and
 * increments stay as they are. */
static bool is_value(const struct xt_node *x)
{
	if (x->kind == XT_N_INCDEC)
		return false;
	if (x->kind != XT_N_CALL)
		return true;
	for (int i = 0; i < R->nmacros; i++) /* a call of an earlier entry's macro: its value, when it has one */
		if (strcmp(R->macros[i]->name, x->name) == 0) {
			const struct xt_node *last = R->macros[i]->b->list;
			while (last && last->next)
				last = last->next;
			return last && last->kind == XT_N_EXPR_STMT;
		}
	const struct xt_builtin *b = xt_builtin_find(x->name, XT_BI_FUNC);
	return b && !(b->flags & (XT_BIF_NOVALUE | XT_BIF_DISCARD));
}

/* The maps typed alone at the prompt (`@x`), to say "@x is empty" of. */
struct bare_maps {
	const char **names;
	int n;
};

/* The statements typed at the prompt as the program `BEGIN { <statements> }`,
 * bare values wrapped in print(); the whole maps among them go to *bare. */
static struct xt_node *as_begin(struct xt_arena *ar, struct xt_node *block, struct bare_maps *bare)
{
	bare->names = xt_arena_alloc(ar, sizeof(*bare->names) * (size_t)(xt_node_count(block->list) + 1));
	bare->n = 0;
	for (struct xt_node *st = block->list; st; st = st->next) {
		struct xt_node *x = st->kind == XT_N_EXPR_STMT ? st->a : NULL;
		if (!x || !is_value(x))
			continue;
		if (x->kind == XT_N_MAP && !x->list)
			bare->names[bare->n++] = x->name;
		struct xt_node *call = xt_node_new(ar, XT_N_CALL, x->loc);
		/* `@m[k]` prints as that entry of @m (`@m[k]: 12`); any other value alone */
		bool entry = x->kind == XT_N_MAP && x->list;
		call->name = xt_builtin_with(entry ? XT_BIF_LOOKUP : XT_BIF_PRINTER)->name;
		call->list = x;
		st->a = call;
	}
	struct xt_node *at = xt_node_new(ar, XT_N_ATTACH, block->loc);
	at->name = xt_provider_with(XT_PROVF_BEGIN)->name;
	struct xt_node *probe = xt_node_new(ar, XT_N_PROBE, block->loc);
	probe->list = at;
	probe->b = block;
	struct xt_node *prog = xt_node_new(ar, XT_N_PROGRAM, block->loc);
	prog->list = probe;
	return prog;
}

/* Whether m holds nothing but line ends. */
static bool membuf_blank(struct membuf *m)
{
	fflush(m->f);
	for (long i = 0, n = ftell(m->f); i < n; i++)
		if (m->buf[i] != '\n')
			return false;
	return true;
}

static bool map_empty(const char *name)
{
	const struct smap *sm = xt_repl_map_find(name);
	return sm && xt_rt_map_count(sm->owner->rt, sm->info) == 0;
}

/* A map typed alone that is empty prints as a blank line in a program; at
 * the prompt it says "@x is empty" (when nothing else was printed). */
static void say_empty(const struct bare_maps *bare)
{
	bool any = false;
	for (int i = 0; i < bare->n && !any; i++)
		any = map_empty(bare->names[i]);
	if (!any || R->opts.format != XT_FMT_TEXT || !membuf_blank(&R->res))
		return;
	rewind(R->mem); /* the blank lines */
	for (int i = 0; i < bare->n; i++)
		if (map_empty(bare->names[i]))
			fprintf(R->talk, "@%s is empty\n", bare->names[i]);
}

/* Runs statements typed at the prompt (e->unit.stmts) at once, as a BEGIN
 * probe of a program of their own on the session's maps: compiled like an
 * entry, loaded with the maps shared, run with BPF_PROG_TEST_RUN, its records
 * printed, then closed. Every builtin and expression works as in a probe. */
void xt_repl_run_once(struct entry *e, struct xt_sema_opts *so, struct xt_diags *dg)
{
	struct xt_unit *u = &e->unit;
	/* A map it created would be gone with it, as soon as it ran. */
	struct xt_node *unknown = xt_repl_find_map(u->stmts, not_session, NULL);
	if (unknown) {
		unknown_map(unknown, dg);
		return;
	}
	struct bare_maps bare;
	struct xt_node *ast = as_begin(u->ar, u->stmts, &bare);
	so->count_hits = false; /* nothing reads them: it is closed before .probes could */
	u->prog = xt_sema(u->ar, &u->src, ast, so, dg);
	if (!u->prog && xt_repl_find_map(u->stmts, probe_keyed, NULL))
		xt_diag_note(dg, (struct xt_loc){ 0 }, "a key of type probe cannot be written at the prompt: "
			     "there is no literal for one (a probe's name is a string)");
	if (!u->prog || xt_codegen(u->prog, 0, &u->compiled, dg) < 0 || xt_repl_check_maps(e, dg) < 0 ||
	    !xt_repl_entry_open(e, dg))
		return;
	R->next_site += u->prog->nsites; /* its `probe` stays its own in a map it fills */
	xt_repl_flush(false);
	xt_repl_page_begin(); /* a big map */
	xt_rt_run_special(e->rt, false);
	say_empty(&bare);
	xt_repl_flush(false);
	xt_repl_page_end();
}

