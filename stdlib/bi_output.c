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
		xt_diag_error(dg, fmt->loc, "%s() needs a string literal as its format", n->name);
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
		xt_diag_error(dg, n->loc, "%s() format has %d conversion%s but %d argument%s given",
			      n->name, nconv, nconv == 1 ? "" : "s", nargs, nargs == 1 ? " is" : "s are");
		return NULL;
	}
	if (nargs > 64) {
		xt_diag_error(dg, n->loc, "%s() takes at most 64 arguments", n->name);
		return NULL;
	}
	int i = 0;
	for (struct xt_node *a = fmt->next; a; a = a->next, i++) {
		const struct xt_type *t = xt_sema_expr(s, a);
		if (!t)
			return NULL;
		bool str_ok = t->kind == XT_T_STR || t->kind == XT_T_PROBE || t->kind == XT_T_BUF ||
			      (t->kind == XT_T_RENDERED && t->render->printf_s);
		bool int_ok = xt_type_is_int(t) || t->kind == XT_T_PTR;
		bool ok = convs[i] == 's' ? str_ok || int_ok :
			  convs[i] == 'r' ? (t->kind == XT_T_BUF && t->render == XT_R_NONE) || t->kind == XT_T_STR : int_ok;
		if (!ok) {
			xt_diag_error(dg, a->loc, "%s() %%%c cannot print a %s", n->name, convs[i],
				      xt_type_name(xt_sema_arena(s), t));
			return NULL;
		}
	}
	n->aux = xt_sema_add_fmt(s, fmt, fmt->next);
	return &xt_void;
}

static void fmt_event(struct xt_cg *cg, struct xt_node *n, enum xt_event_kind kind)
{
	const struct xt_fmt_info *f = cg->prog->fmts[n->aux];
	LLVMValueRef buf = xt_cg_buf(cg, 8 + f->size, "printf");
	int i = 0;
	for (struct xt_node *a = n->list->next; a; a = a->next, i++)
		xt_cg_store(cg, xt_cg_gep(cg, buf, xt_cg_i64(cg, 8 + f->arg_offsets[i])), f->arg_types[i],
			    xt_cg_expr(cg, a), a->type);
	xt_cg_event(cg, kind, f->id, buf, f->size);
}

static LLVMValueRef printf_emit(struct xt_cg *cg, struct xt_node *n)
{
	fmt_event(cg, n, XT_EV_PRINTF);
	return NULL;
}

static LLVMValueRef cat_emit(struct xt_cg *cg, struct xt_node *n)
{
	fmt_event(cg, n, XT_EV_CAT);
	return NULL;
}

static bool unsafe_ok(struct xt_sema *s, struct xt_node *n)
{
	if (xt_sema_program(s)->opts.unsafe)
		return true;
	xt_diag_error(xt_sema_diags(s), n->loc, "%s() is unsafe: run xtrace with --unsafe to allow it", n->name);
	return false;
}

static const struct xt_type *system_type(struct xt_sema *s, struct xt_node *n)
{
	return unsafe_ok(s, n) ? printf_type(s, n) : NULL;
}

static LLVMValueRef system_emit(struct xt_cg *cg, struct xt_node *n)
{
	fmt_event(cg, n, XT_EV_SYSTEM);
	return NULL;
}

/* time([fmt]): the wall-clock time, formatted by strftime in user space. */
static const struct xt_type *time_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *fmt = n->list;
	if (fmt && fmt->kind != XT_N_STR) {
		xt_diag_error(xt_sema_diags(s), fmt->loc, "time() needs a string literal as its format");
		return NULL;
	}
	if (!fmt) {
		fmt = xt_node_new(xt_sema_arena(s), XT_N_STR, n->loc);
		fmt->sval = "%H:%M:%S\n";
	}
	n->aux = xt_sema_add_fmt(s, fmt, NULL);
	return &xt_void;
}

static LLVMValueRef time_emit(struct xt_cg *cg, struct xt_node *n)
{
	xt_cg_event(cg, XT_EV_TIME, n->aux, xt_cg_buf(cg, 8, "time"), 0);
	return NULL;
}

static const struct {
	const char *name;
	int num;
} signals[] = {
	{ "SIGHUP", 1 }, { "SIGINT", 2 }, { "SIGQUIT", 3 }, { "SIGILL", 4 }, { "SIGTRAP", 5 },
	{ "SIGABRT", 6 }, { "SIGBUS", 7 }, { "SIGFPE", 8 }, { "SIGKILL", 9 }, { "SIGUSR1", 10 },
	{ "SIGSEGV", 11 }, { "SIGUSR2", 12 }, { "SIGPIPE", 13 }, { "SIGALRM", 14 }, { "SIGTERM", 15 },
	{ "SIGCHLD", 17 }, { "SIGCONT", 18 }, { "SIGSTOP", 19 }, { "SIGTSTP", 20 },
};

/* signal(sig): sends sig to the current task (bpf_send_signal). */
static const struct xt_type *signal_type(struct xt_sema *s, struct xt_node *n)
{
	if (!unsafe_ok(s, n))
		return NULL;
	struct xt_node *a = n->list;
	const struct xt_type *t = xt_sema_expr(s, a);
	if (!t)
		return NULL;
	if (a->kind == XT_N_STR) {
		for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
			if (strcmp(a->sval, signals[i].name) == 0 || strcmp(a->sval, signals[i].name + 3) == 0) {
				a->kind = XT_N_INT;
				a->ival = (uint64_t)signals[i].num;
				return &xt_void;
			}
		xt_diag_error(xt_sema_diags(s), a->loc, "unknown signal \"%s\"", a->sval);
		return NULL;
	}
	if (!xt_type_is_int(t)) {
		xt_diag_error(xt_sema_diags(s), a->loc, "signal() needs a signal number or name");
		return NULL;
	}
	if (a->kind == XT_N_INT && (a->ival < 1 || a->ival > 64)) {
		xt_diag_error(xt_sema_diags(s), a->loc, "signal %llu is out of range (1 to 64)", (unsigned long long)a->ival);
		return NULL;
	}
	return &xt_void;
}

static LLVMValueRef signal_emit(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef sig = LLVMBuildTrunc(cg->b, xt_cg_expr(cg, n->list), cg->i32, "");
	xt_cg_helper(cg, XT_H_SEND_SIGNAL, false, &sig, 1);
	return NULL;
}

static const struct xt_type *exit_type(struct xt_sema *s, struct xt_node *n) { return &xt_void; }

/* exit() ends the probe too: statements after it never run, as in bpftrace. */
static LLVMValueRef exit_emit(struct xt_cg *cg, struct xt_node *n)
{
	xt_cg_event(cg, XT_EV_EXIT, 0, xt_cg_buf(cg, 8, "exit"), 0);
	xt_cg_stop(cg);
	return NULL;
}

/* join(argv[, sep]): prints the strings of a NULL-terminated char *[] (at
 * most 16, as bpftrace) separated by sep (default " "), then a newline. */
enum { JOIN_MAX = 16 };

int xt_join_slot(const struct xt_program *prog)
{
	return prog->opts.max_strlen < 1024 ? prog->opts.max_strlen : 1024;
}

static const struct xt_type *join_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *a = n->list, *sep = a->next;
	const struct xt_type *t = xt_sema_expr(s, a);
	if (!t)
		return NULL;
	if (!xt_type_is_int(t) && t->kind != XT_T_PTR) {
		xt_diag_error(xt_sema_diags(s), a->loc, "join() needs a char *[] (a pointer), not %s",
			      xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	if (sep && sep->kind != XT_N_STR) {
		xt_diag_error(xt_sema_diags(s), sep->loc, "join() needs a string literal as its separator");
		return NULL;
	}
	if (!sep) {
		sep = xt_node_new(xt_sema_arena(s), XT_N_STR, n->loc);
		sep->sval = " ";
	}
	n->aux = xt_sema_add_fmt(s, sep, NULL);
	return &xt_void;
}

static LLVMValueRef join_emit(struct xt_cg *cg, struct xt_node *n)
{
	int slot = xt_join_slot(cg->prog), size = 8 + JOIN_MAX * slot;
	LLVMValueRef argv = xt_cg_expr(cg, n->list);
	LLVMValueRef rec = xt_cg_buf(cg, 8 + size, "join");
	LLVMValueRef ptr = xt_cg_buf(cg, 8, "argp");
	LLVMBasicBlockRef done = xt_cg_block(cg, "joined");
	for (int i = 0; i < JOIN_MAX; i++) {
		LLVMValueRef at = LLVMBuildAdd(cg->b, argv, xt_cg_i64(cg, 8 * i), "");
		LLVMBuildStore(cg->b, xt_cg_i64(cg, 0), ptr);
		xt_cg_probe_read(cg, ptr, xt_cg_i64(cg, 8), at, false);
		LLVMValueRef s = LLVMBuildLoad2(cg->b, cg->i64, ptr, "");
		LLVMBasicBlockRef more = xt_cg_block(cg, "joinarg");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, s, xt_cg_i64(cg, 0), ""), done, more);
		LLVMPositionBuilderAtEnd(cg->b, more);
		LLVMBuildStore(cg->b, xt_cg_i64(cg, i + 1), xt_cg_gep(cg, rec, xt_cg_i64(cg, 8)));
		xt_cg_probe_read(cg, xt_cg_gep(cg, rec, xt_cg_i64(cg, 16 + i * slot)), xt_cg_i64(cg, slot), s, true);
	}
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	xt_cg_event(cg, XT_EV_JOIN, n->aux, rec, size);
	return NULL;
}

const struct xt_builtin xt_bi_join = { .name = "join", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 2,
	.flags = XT_BIF_NOVALUE, .check = join_type, .emit = join_emit,
	.help = "join(argv[, sep]): print the strings of a char *argv[] (at most 16) separated by sep (\" \")" };

const struct xt_builtin xt_bi_printf = { .name = "printf", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 65,
	.flags = XT_BIF_NOVALUE, .check = printf_type, .emit = printf_emit,
	.help = "printf(fmt, ...): print formatted text" };
const struct xt_builtin xt_bi_cat = { .name = "cat", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 65,
	.flags = XT_BIF_NOVALUE, .check = printf_type, .emit = cat_emit,
	.help = "cat(fmt, ...): print the contents of the file named by fmt" };
const struct xt_builtin xt_bi_system = { .name = "system", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 65,
	.flags = XT_BIF_NOVALUE, .check = system_type, .emit = system_emit,
	.help = "system(fmt, ...): run a shell command (needs --unsafe)" };
const struct xt_builtin xt_bi_time = { .name = "time", .kind = XT_BI_FUNC, .min_args = 0, .max_args = 1,
	.flags = XT_BIF_NOVALUE, .check = time_type, .emit = time_emit,
	.help = "time([fmt]): print the time of day (strftime format, default \"%H:%M:%S\\n\")" };
const struct xt_builtin xt_bi_signal = { .name = "signal", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 1,
	.flags = XT_BIF_NOVALUE, .check = signal_type, .emit = signal_emit,
	.help = "signal(sig): send a signal to the current task (needs --unsafe)" };
const struct xt_builtin xt_bi_exit = { .name = "exit", .kind = XT_BI_FUNC, .min_args = 0, .max_args = 0,
	.flags = XT_BIF_NOVALUE, .check = exit_type, .emit = exit_emit,
	.help = "exit(): print the maps and quit" };
