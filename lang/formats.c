/* The printf format registry: every format a builtin sends (printf, system,
 * cat, ...) with its arguments' types and offsets in the record, recorded in
 * the typing pass's final round; the runtime finds a format by its id. */
#include <string.h>
#include "sema_int.h"

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
		if (t->kind == XT_T_BOOL) /* %s prints it true/false, %d 1/0 */
			t = &xt_bool64;
		else if (xt_type_is_int(t)) /* an enum stays one: %s prints its name; a pointer too: hex */
			t = xt_type_int_as(s->ar, t, 8);
		else if (xt_type_is_place(t))
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
