/* Stacks and symbols: kstack, ustack (bpf_get_stackid into one stack-trace
 * map, shared by every REPL entry), ksym(addr), usym(addr). The values are small records
 * rendered at print time through runtime/symbols.c:
 *   stack: {s64 stack id, u64 pid}   ksym: u64 addr   usym: {u64 addr, u64 pid} */
#include <string.h>
#include "codegen/cg.h"
#include "runtime/print.h"
#include "runtime/symbols.h"
#include "stdlib/ctx.h"
#include "stdlib/dw_unwind.h"

/* Stacks print as bpftrace prints them, frames on their own lines. */
static void stack_decode(struct xt_arena *ar, const struct xt_type *t, const uint8_t *p, struct xt_val *out)
{
	out->kind = XT_VAL_SYM;
	out->s = xt_sym_stack(ar, XT_STACK_MAP, (int64_t)xt_render_u64(p), (pid_t)xt_render_u64(p + 8), t->sign,
			      (enum xt_stack_mode)t->lmin, t->n);
}

static void ksym_decode(struct xt_arena *ar, const struct xt_type *t, const uint8_t *p, struct xt_val *out)
{
	out->kind = XT_VAL_STR;
	out->s = xt_sym_ksym(ar, xt_render_u64(p), false);
}

static void usym_decode(struct xt_arena *ar, const struct xt_type *t, const uint8_t *p, struct xt_val *out)
{
	out->kind = XT_VAL_STR;
	out->s = xt_sym_usym(ar, (pid_t)xt_render_u64(p + 8), xt_render_u64(p), false);
}

/* A stack type's cname says which ("kstack", "ustack"). */
/* printf's %s takes them all (bpftrace 0.26; 0.17 refused them). */
static void dw_decode(struct xt_arena *ar, const struct xt_type *t, const uint8_t *p, struct xt_val *out)
{
	out->kind = XT_VAL_SYM;
	out->s = xt_dw_stack(ar, p, (enum xt_stack_mode)t->lmin, t->n);
}

static const struct xt_render stack_render = { .name = "kstack", .printf_s = true, .decode = stack_decode };
static void dw_canon(const struct xt_type *t, uint8_t *p)
{
	xt_dw_canon(p, t->n);
}

static const struct xt_render dw_render = { .name = "dw_ustack", .printf_s = true, .decode = dw_decode,
	.canon = dw_canon };
static const struct xt_render ksym_render = { .name = "ksym", .printf_s = true, .decode = ksym_decode };
static const struct xt_render usym_render = { .name = "usym", .printf_s = true, .decode = usym_decode };

enum { BPF_MAP_TYPE_STACK_TRACE = 7, BPF_F_USER_STACK = 1 << 8, STACK_ENTRIES = 8192 };

static const struct xt_type *stack_type(struct xt_sema *s, struct xt_node *n, bool user, bool dw)
{
	struct xt_diags *dg = xt_sema_diags(s);
	const char *fn = dw ? "dw_ustack" : user ? "ustack" : "kstack";
	/* config stack_mode; build_id is for user frames only */
	int mode = xt_sema_program(s)->opts.stack_mode, limit = XT_STACK_MAX, i = 0;
	bool named = n->kind == XT_N_CALL && n->list && n->list->kind == XT_N_IDENT;
	if (!user && mode == XT_STACK_BUILD_ID && !named) { /* as bpftrace 0.26 */
		if (xt_sema_final(s))
			xt_diag_warning(dg, n->loc, "'build_id' stack mode can only be used for ustack: kstack falls back to 'raw' mode");
		mode = XT_STACK_RAW;
	}
	for (struct xt_node *a = n->kind == XT_N_CALL ? n->list : NULL; a; a = a->next, i++) {
		if (a->kind == XT_N_IDENT && i == 0) {
			if (strcmp(a->name, "bpftrace") == 0)
				mode = XT_STACK_BPFTRACE;
			else if (strcmp(a->name, "perf") == 0)
				mode = XT_STACK_PERF;
			else if (strcmp(a->name, "raw") == 0)
				mode = XT_STACK_RAW;
			else if (strcmp(a->name, "build_id") == 0 && user && !dw)
				mode = XT_STACK_BUILD_ID;
			else if (strcmp(a->name, "build_id") == 0) {
				xt_diag_error(dg, a->loc, dw ? "build_id is a mode of ustack() only, not of dw_ustack()"
					      : "build_id is a mode of ustack() only: kernel frames have no build id here");
				return NULL;
			} else {
				xt_diag_error(dg, a->loc, "%s() mode is %s, not '%s'", fn,
					      user && !dw ? "bpftrace, perf, raw or build_id" : "bpftrace, perf or raw", a->name);
				return NULL;
			}
		} else if (a->kind == XT_N_INT && !a->next) {
			if (a->ival < 1 || a->ival > XT_STACK_MAX) {
				xt_diag_error(dg, a->loc, "%s() keeps 1 to %d frames", fn, XT_STACK_MAX);
				return NULL;
			}
			limit = (int)a->ival;
		} else {
			xt_diag_error(dg, a->loc, "%s() takes a mode (bpftrace, perf, raw) and a frame limit, as in %s(perf, 10)", fn, fn);
			return NULL;
		}
	}
	if (dw && mode == XT_STACK_BUILD_ID)
		mode = XT_STACK_BPFTRACE; /* config stack_mode=build_id: dw_ustack has no such layout */
	struct xt_type *t = (struct xt_type *)(dw ? xt_type_rendered(xt_sema_arena(s), &dw_render, XT_DW_SIZE)
						  : xt_type_rendered(xt_sema_arena(s), &stack_render, 16));
	if (!user)
		xt_sema_program(s)->kernel_symbols = true;
	t->sign = user;
	t->n = limit;
	t->lmin = mode;
	t->cname = fn;
	return t;
}

static const struct xt_type *kstack_check(struct xt_sema *s, struct xt_node *n) { return stack_type(s, n, false, false); }
static const struct xt_type *ustack_check(struct xt_sema *s, struct xt_node *n) { return stack_type(s, n, true, false); }

/* dw_ustack is unstable in bpftrace 0.26 (config unstable_dw_ustack: warn
 * once by default, error, or quiet) and, as there, wants to know its
 * process in advance: -p, -c or --dwarf-pid. */
static const struct xt_type *dw_ustack_check(struct xt_sema *s, struct xt_node *n)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_program *prog = xt_sema_program(s);
	if (xt_sema_unstable_refused(s, n, XT_UNSTABLE_DW_USTACK))
		return NULL;
	if (prog->opts.target_pid <= 0 && !prog->opts.cmd && prog->opts.cpid <= 0 && prog->opts.dwarf_pid <= 0) {
		xt_diag_error(dg, n->loc, "dw_ustack needs the process it unwinds named in advance: -p PID, -c CMD or --dwarf-pid PID");
		return NULL;
	}
	const struct xt_type *t = stack_type(s, n, true, true);
	if (t)
		xt_sema_unstable_warn(s, n, XT_UNSTABLE_DW_USTACK);
	return t;
}

static LLVMValueRef stack_map(struct xt_cg *cg, const char *name)
{
	LLVMValueRef m = LLVMGetNamedGlobal(cg->mod, name);
	if (m)
		return m;
	return xt_cg_declare_map(cg, name, BPF_MAP_TYPE_STACK_TRACE, STACK_ENTRIES, 4, XT_STACK_MAX * 8);
}

static LLVMValueRef pid_value(struct xt_cg *cg)
{
	return LLVMBuildLShr(cg->b, xt_cg_helper(cg, XT_H_PID_TGID, false, NULL, 0), xt_cg_i64(cg, 32), "pid");
}

/* The -c command's (or -p process's) mappings must outlive it for its
 * stacks to print by name after it ends: start remembering them now. */
void xt_sym_watch_targets(struct xt_cg *cg)
{
	if (cg->prog->opts.target_pid > 0)
		xt_sym_watch(cg->prog->opts.target_pid);
	if (cg->prog->opts.cpid > 0)
		xt_sym_watch(cg->prog->opts.cpid);
}

static LLVMValueRef stack_emit(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_type *t = n->type;
	LLVMValueRef buf = xt_cg_buf(cg, 16, t->sign ? "ustack" : "kstack");
	LLVMValueRef args[] = { cg->ctxarg, stack_map(cg, XT_STACK_MAP), xt_cg_i64(cg, t->sign ? BPF_F_USER_STACK : 0) };
	LLVMValueRef id = xt_cg_helper(cg, XT_H_STACKID, false, args, 3);
	/* the helper's int result: sign-extend the low 32 bits so failures stay negative */
	id = LLVMBuildSExt(cg->b, LLVMBuildTrunc(cg->b, id, cg->i32, ""), cg->i64, "stackid");
	LLVMSetAlignment(LLVMBuildStore(cg->b, id, buf), 1);
	if (t->sign) {
		xt_sym_watch_targets(cg);
		LLVMSetAlignment(LLVMBuildStore(cg->b, pid_value(cg), xt_cg_gep(cg, buf, xt_cg_i64(cg, 8))), 1);
	}
	return buf;
}

/* dw_ustack: the pid, then the task's user registers (bpf_task_pt_regs: the
 * registers saved at its entry into the kernel, whatever the probe type) and
 * the stack above its sp, XT_DW_STACK bytes or, when that faults, the
 * XT_DW_STACK_SMALL nearest (the rest stays zero, its length says so). */
static LLVMValueRef dw_ustack_emit(struct xt_cg *cg, struct xt_node *n)
{
	LLVMBuilderRef B = cg->b;
	LLVMValueRef buf = xt_cg_buf(cg, XT_DW_SIZE, "dw_ustack");
	xt_sym_watch_targets(cg);
	LLVMSetAlignment(LLVMBuildStore(B, pid_value(cg), buf), 1);
	LLVMValueRef task = xt_cg_helper(cg, XT_H_GET_CURRENT_TASK_BTF, false, NULL, 0);
	LLVMValueRef regs = xt_cg_helper(cg, XT_H_TASK_PT_REGS, false, &task, 1);
	LLVMValueRef rdst = xt_cg_gep(cg, buf, xt_cg_i64(cg, XT_DW_REGS_OFF));
	LLVMValueRef rargs[] = { rdst, xt_cg_i64(cg, XT_DW_REGS * 8), LLVMBuildIntToPtr(B, regs, cg->ptr, "") };
	xt_cg_helper(cg, XT_H_READ_KERNEL, false, rargs, 3);
	LLVMValueRef sp = LLVMBuildLoad2(B, cg->i64, xt_cg_gep(cg, rdst, xt_cg_i64(cg, 19 * 8)), "sp"); /* pt_regs.sp */
	LLVMSetAlignment(sp, 1);
	LLVMValueRef sdst = xt_cg_gep(cg, buf, xt_cg_i64(cg, XT_DW_STACK_OFF)), spp = LLVMBuildIntToPtr(B, sp, cg->ptr, "");
	LLVMValueRef sargs[] = { sdst, xt_cg_i64(cg, XT_DW_STACK), spp };
	LLVMValueRef r = xt_cg_helper(cg, XT_H_READ_USER, false, sargs, 3);
	LLVMValueRef ok = LLVMBuildICmp(B, LLVMIntEQ, LLVMBuildTrunc(B, r, cg->i32, ""), LLVMConstInt(cg->i32, 0, 0), "");
	LLVMBasicBlockRef pre = LLVMGetInsertBlock(B), small = xt_cg_block(cg, "dw_small"), done = xt_cg_block(cg, "dw_done");
	LLVMBuildCondBr(B, ok, done, small);
	LLVMPositionBuilderAtEnd(B, small);
	LLVMValueRef sargs2[] = { sdst, xt_cg_i64(cg, XT_DW_STACK_SMALL), spp };
	LLVMValueRef r2 = xt_cg_helper(cg, XT_H_READ_USER, false, sargs2, 3);
	LLVMValueRef ok2 = LLVMBuildICmp(B, LLVMIntEQ, LLVMBuildTrunc(B, r2, cg->i32, ""), LLVMConstInt(cg->i32, 0, 0), "");
	LLVMValueRef len2 = LLVMBuildSelect(B, ok2, xt_cg_i64(cg, XT_DW_STACK_SMALL), xt_cg_i64(cg, 0), "");
	LLVMBuildBr(B, done);
	LLVMPositionBuilderAtEnd(B, done);
	LLVMValueRef len = LLVMBuildPhi(B, cg->i64, "dw_len");
	LLVMValueRef vals[] = { xt_cg_i64(cg, XT_DW_STACK), len2 };
	LLVMBasicBlockRef from[] = { pre, small };
	LLVMAddIncoming(len, vals, from, 2);
	LLVMSetAlignment(LLVMBuildStore(B, len, xt_cg_gep(cg, buf, xt_cg_i64(cg, 8))), 1);
	return buf;
}

static const struct xt_type *sym_check(struct xt_sema *s, struct xt_node *n, bool user)
{
	const struct xt_type *a = xt_sema_expr(s, n->list);
	if (!a)
		return NULL;
	if (!xt_type_is_int(a) && a->kind != XT_T_PTR) {
		xt_diag_error(xt_sema_diags(s), n->list->loc, "%s() needs an address, not %s",
			      n->name, xt_type_name(xt_sema_arena(s), a));
		return NULL;
	}
	if (!user)
		xt_sema_program(s)->kernel_symbols = true;
	return xt_sym_type(xt_sema_arena(s), user);
}

const struct xt_type *xt_sym_type(struct xt_arena *ar, bool user)
{
	return user ? xt_type_rendered(ar, &usym_render, 16) : xt_type_rendered(ar, &ksym_render, 8);
}

static const struct xt_type *ksym_check(struct xt_sema *s, struct xt_node *n) { return sym_check(s, n, false); }
static const struct xt_type *usym_check(struct xt_sema *s, struct xt_node *n) { return sym_check(s, n, true); }

/* ksym: the address itself (an 8-byte rendered value is a number in generated code) */
static LLVMValueRef ksym_emit(struct xt_cg *cg, struct xt_node *n)
{
	return xt_cg_expr(cg, n->list);
}

static LLVMValueRef usym_emit(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef buf = xt_cg_buf(cg, n->type->size, "sym");
	LLVMValueRef addr = xt_cg_expr(cg, n->list);
	LLVMSetAlignment(LLVMBuildStore(cg->b, addr, buf), 1);
	xt_sym_watch_targets(cg);
	LLVMSetAlignment(LLVMBuildStore(cg->b, pid_value(cg), xt_cg_gep(cg, buf, xt_cg_i64(cg, 8))), 1);
	return buf;
}

bool xt_stack_len_of(const struct xt_node *n)
{
	const struct xt_node *a = n->list;
	return a && a->kind != XT_N_MAP;
}

const struct xt_type *xt_stack_len_check(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *a = n->list;
	const struct xt_type *t = xt_sema_expr(s, a);
	if (!t)
		return NULL;
	bool here = (a->kind == XT_N_IDENT || a->kind == XT_N_CALL) &&
		    (strcmp(a->name, "kstack") == 0 || strcmp(a->name, "ustack") == 0);
	if (!here && t->kind == XT_T_RENDERED && t->render == &stack_render) {
		xt_diag_error(xt_sema_diags(s), a->loc, "len() counts the frames of kstack or ustack written in it, "
			      "as in len(kstack): a stored stack is only an id of its frames, which the program cannot read");
		return NULL;
	}
	if (!here) {
		xt_diag_error(xt_sema_diags(s), a->loc, "len() takes a map (@name), kstack or ustack, not %s",
			      xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	return &xt_s64;
}

/* len(kstack): the frames bpf_get_stack writes here, limit at most (bpftrace
 * 0.23). The stack a kstack value names lies in a stack-trace map, which BPF
 * programs cannot read; bpf_get_stack walks the same stack again (the same
 * frames: both start from the probe's registers) into scratch space and
 * returns the bytes it wrote. */
struct LLVMOpaqueValue *xt_stack_len_emit(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_type *t = n->list->type;
	int bytes = t->n * 8;
	LLVMValueRef buf = xt_cg_buf(cg, bytes, "stacklen");
	LLVMValueRef args[] = { cg->ctxarg, buf, xt_cg_i64(cg, bytes), xt_cg_i64(cg, t->sign ? BPF_F_USER_STACK : 0) };
	LLVMValueRef r = xt_cg_helper(cg, XT_H_GET_STACK, false, args, 4);
	r = LLVMBuildSExt(cg->b, LLVMBuildTrunc(cg->b, r, cg->i32, ""), cg->i64, ""); /* an int: failures are negative */
	LLVMValueRef neg = LLVMBuildICmp(cg->b, LLVMIntSLT, r, xt_cg_i64(cg, 0), "");
	r = LLVMBuildSelect(cg->b, neg, xt_cg_i64(cg, 0), r, "");
	return LLVMBuildLShr(cg->b, r, xt_cg_i64(cg, 3), "frames"); /* BPF has no signed division */
}

const struct xt_builtin xt_bi_kstack = { .name = "kstack", .kind = XT_BI_VAR, .check = kstack_check,
	.emit = stack_emit, .help = "the kernel stack, printed one frame a line" };
const struct xt_builtin xt_bi_ustack = { .name = "ustack", .kind = XT_BI_VAR, .check = ustack_check,
	.emit = stack_emit, .help = "the user stack of the current task, printed one frame a line" };
const struct xt_builtin xt_bi_kstack_fn = { .name = "kstack", .kind = XT_BI_FUNC, .min_args = 0, .max_args = 2,
	.check = kstack_check, .emit = stack_emit, .help = "kstack([mode,] [limit]): mode bpftrace, perf or raw" };
const struct xt_builtin xt_bi_ustack_fn = { .name = "ustack", .kind = XT_BI_FUNC, .min_args = 0, .max_args = 2,
	.check = ustack_check, .emit = stack_emit, .help = "ustack([mode,] [limit]): mode bpftrace, perf, raw or build_id" };
const struct xt_builtin xt_bi_dw_ustack = { .name = "dw_ustack", .kind = XT_BI_VAR, .check = dw_ustack_check,
	.emit = dw_ustack_emit, .help = "the user stack unwound with DWARF CFI (unstable; x86_64; needs -p, -c or --dwarf-pid)" };
const struct xt_builtin xt_bi_dw_ustack_fn = { .name = "dw_ustack", .kind = XT_BI_FUNC, .min_args = 0, .max_args = 2,
	.check = dw_ustack_check, .emit = dw_ustack_emit, .help = "dw_ustack([mode,] [limit]): mode bpftrace, perf or raw" };
const struct xt_builtin xt_bi_ksym = { .name = "ksym", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 1,
	.check = ksym_check, .emit = ksym_emit, .help = "ksym(addr): the kernel function containing addr" };
const struct xt_builtin xt_bi_usym = { .name = "usym", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 1,
	.check = usym_check, .emit = usym_emit, .help = "usym(addr): the function of the current process containing addr" };
