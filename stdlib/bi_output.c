/* printf() and exit(): records in the ring buffer; the formats stay in user space. */
#include <string.h>
#include "codegen/cg.h"
#include "runtime/print.h"
#include "stdlib/registry.h"

static const struct xt_type *printf_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_node *fmt = n->list;
	if (fmt->kind != XT_N_STR) {
		xt_diag_error(dg, fmt->loc, "printf() needs a string literal as its format");
		return NULL;
	}
	char convs[64];
	size_t bad = 0;
	int nconv = xt_printf_parse(fmt->sval, convs, 64, &bad);
	if (nconv < 0) {
		struct xt_loc loc = fmt->loc;
		loc.last_line = loc.first_line;
		loc.last_column = loc.first_column + 1 + (int)bad; /* inside the quotes */
		loc.first_column = loc.last_column;
		xt_diag_error(dg, loc, "invalid conversion in printf format");
		return NULL;
	}
	int nargs = xt_node_count(fmt->next);
	if (nargs != nconv) {
		xt_diag_error(dg, n->loc, "printf() format has %d conversion%s but %d argument%s given",
			      nconv, nconv == 1 ? "" : "s", nargs, nargs == 1 ? " is" : "s are");
		return NULL;
	}
	if (nargs > 64) {
		xt_diag_error(dg, n->loc, "printf() takes at most 64 arguments");
		return NULL;
	}
	int i = 0;
	for (struct xt_node *a = fmt->next; a; a = a->next, i++) {
		const struct xt_type *t = xt_sema_expr(s, a);
		if (!t)
			return NULL;
		bool str_ok = t->kind == XT_T_STR || t->kind == XT_T_PROBE || t->kind == XT_T_RENDERED;
		bool int_ok = xt_type_is_int(t) || t->kind == XT_T_PTR;
		bool ok = convs[i] == 's' ? str_ok || int_ok : int_ok;
		if (!ok) {
			xt_diag_error(dg, a->loc, "printf() %%%c cannot print a %s", convs[i],
				      xt_type_name(xt_sema_arena(s), t));
			return NULL;
		}
	}
	n->aux = xt_sema_add_fmt(s, fmt, fmt->next);
	return &xt_void;
}

static LLVMValueRef printf_emit(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_fmt_info *f = cg->prog->fmts[n->aux];
	LLVMValueRef buf = xt_cg_buf(cg, 8 + f->size, "printf");
	int i = 0;
	for (struct xt_node *a = n->list->next; a; a = a->next, i++)
		xt_cg_store(cg, xt_cg_gep(cg, buf, xt_cg_i64(cg, 8 + f->arg_offsets[i])), f->arg_types[i],
			    xt_cg_expr(cg, a), a->type);
	xt_cg_event(cg, XT_EV_PRINTF, f->id, buf, f->size);
	return NULL;
}

static const struct xt_type *exit_type(struct xt_sema *s, struct xt_node *n) { return &xt_void; }

static LLVMValueRef exit_emit(struct xt_cg *cg, struct xt_node *n)
{
	xt_cg_event(cg, XT_EV_EXIT, 0, xt_cg_buf(cg, 8, "exit"), 0);
	return NULL;
}

const struct xt_builtin xt_bi_printf = { .name = "printf", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 65,
	.flags = XT_BIF_NOVALUE, .check = printf_type, .emit = printf_emit,
	.help = "printf(fmt, ...): print formatted text" };
const struct xt_builtin xt_bi_exit = { .name = "exit", .kind = XT_BI_FUNC, .min_args = 0, .max_args = 0,
	.flags = XT_BIF_NOVALUE, .check = exit_type, .emit = exit_emit,
	.help = "exit(): print the maps and quit" };
