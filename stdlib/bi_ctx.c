/* Context builtins: arg0..arg9, retval and func, answered by the probe's
 * provider (ctx_type/emit_ctx) when it says it serves them (stdlib/ctx.h). */
#include <stdlib.h>
#include <string.h>
#include "codegen/cg.h"
#include "stdlib/ctx.h"

int xt_ctx_argn(const struct xt_node *n)
{
	if (n->kind != XT_N_IDENT || !n->name || strncmp(n->name, "arg", 3) != 0 || !n->name[3])
		return -1;
	char *end;
	long i = strtol(n->name + 3, &end, 10);
	return *end || i < 0 || i > 63 ? -1 : (int)i;
}

int xt_ctx_arg_reg(int i)
{
#if XT_HAVE_REGS
	static const int regs[] = { XT_REGS_DI, XT_REGS_SI, XT_REGS_DX, XT_REGS_CX, XT_REGS_R8, XT_REGS_R9 };
	return i >= 0 && i < 6 ? regs[i] : -1;
#else
	return -1;
#endif
}

int xt_ctx_reg_by_name(const char *name, int *size)
{
#if XT_HAVE_REGS
	/* the four spellings of each register: 64, 32, 16, 8 bits */
	static const struct { int off; const char *n[4]; } regs[] = {
		{ XT_REGS_AX, { "rax", "eax", "ax", "al" } }, { XT_REGS_BX, { "rbx", "ebx", "bx", "bl" } },
		{ XT_REGS_CX, { "rcx", "ecx", "cx", "cl" } }, { XT_REGS_DX, { "rdx", "edx", "dx", "dl" } },
		{ XT_REGS_SI, { "rsi", "esi", "si", "sil" } }, { XT_REGS_DI, { "rdi", "edi", "di", "dil" } },
		{ XT_REGS_BP, { "rbp", "ebp", "bp", "bpl" } }, { XT_REGS_SP, { "rsp", "esp", "sp", "spl" } },
		{ XT_REGS_R8, { "r8", "r8d", "r8w", "r8b" } }, { XT_REGS_R9, { "r9", "r9d", "r9w", "r9b" } },
		{ XT_REGS_R10, { "r10", "r10d", "r10w", "r10b" } }, { XT_REGS_R11, { "r11", "r11d", "r11w", "r11b" } },
		{ XT_REGS_R12, { "r12", "r12d", "r12w", "r12b" } }, { XT_REGS_R13, { "r13", "r13d", "r13w", "r13b" } },
		{ XT_REGS_R14, { "r14", "r14d", "r14w", "r14b" } }, { XT_REGS_R15, { "r15", "r15d", "r15w", "r15b" } },
		{ XT_REGS_IP, { "rip", "eip", "ip", NULL } },
	};
	static const int sizes[4] = { 8, 4, 2, 1 };
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		for (int j = 0; j < 4; j++)
			if (regs[i].n[j] && strcmp(regs[i].n[j], name) == 0) {
				*size = sizes[j];
				return regs[i].off;
			}
#endif
	return -1;
}

LLVMValueRef xt_ctx_reg(struct xt_cg *cg, int off)
{
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i64, xt_cg_gep(cg, cg->ctxarg, xt_cg_i64(cg, off)), "reg");
	LLVMSetAlignment(v, 8);
	return v;
}

static const struct xt_type *ctx_check(struct xt_sema *s, struct xt_node *n, unsigned flag, const char *what)
{
	struct xt_probe_info *p = xt_sema_probe(s);
	if (!p || !p->prov || !(p->prov->flags & flag) || !p->prov->ctx_type) {
		xt_diag_error(xt_sema_diags(s), n->loc, "%s is not available in %s probes",
			      what, p && p->prov ? p->prov->name : "these");
		return NULL;
	}
	return p->prov->ctx_type(s, p, n);
}

static const struct xt_type *arg_check(struct xt_sema *s, struct xt_node *n)
{
	return ctx_check(s, n, XT_PROVF_CTX_ARGN, n->name);
}

static const struct xt_type *retval_check(struct xt_sema *s, struct xt_node *n)
{
	return ctx_check(s, n, XT_PROVF_CTX_RETVAL, "retval");
}

static const struct xt_type *func_check(struct xt_sema *s, struct xt_node *n)
{
	return ctx_check(s, n, XT_PROVF_CTX_FUNC, "func");
}

static const struct xt_type *ctxvar_check(struct xt_sema *s, struct xt_node *n)
{
	return ctx_check(s, n, XT_PROVF_CTX_CTX, "ctx");
}

static LLVMValueRef ctx_emit(struct xt_cg *cg, struct xt_node *n)
{
	return cg->probe->prov->emit_ctx(cg, n);
}

/* The providers hand func over in a buffer; ksym's 8 bytes are a number. */
static LLVMValueRef func_emit(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef v = ctx_emit(cg, n);
	return n->type->kind == XT_T_RENDERED && n->type->size == 8 ? xt_cg_load(cg, v, &xt_u64) : v;
}

#define ARG(i) \
	const struct xt_builtin xt_bi_arg##i = { .name = "arg" #i, .kind = XT_BI_VAR, .flags = XT_BIF_CTX, \
		.check = arg_check, .emit = ctx_emit, .help = "argument " #i " of the probed function (or the probe's)" }
ARG(0); ARG(1); ARG(2); ARG(3); ARG(4); ARG(5); ARG(6); ARG(7); ARG(8); ARG(9);

const struct xt_builtin xt_bi_retval = { .name = "retval", .kind = XT_BI_VAR, .flags = XT_BIF_CTX,
	.check = retval_check, .emit = ctx_emit, .help = "the value the probed function returned (uretprobe, kretprobe, fexit)" };
const struct xt_builtin xt_bi_func = { .name = "func", .kind = XT_BI_VAR, .flags = XT_BIF_CTX,
	.check = func_check, .emit = func_emit, .help = "the probed function, printed by name" };
const struct xt_builtin xt_bi_ctx = { .name = "ctx", .kind = XT_BI_VAR, .flags = XT_BIF_CTX,
	.check = ctxvar_check, .emit = ctx_emit, .help = "the probe's context as a kernel struct pointer (iter: ctx->task, ...)" };
