/* str(): a NUL-terminated string read from kernel or user memory. */
#include "codegen/cg.h"
#include "stdlib/registry.h"

static const struct xt_type *str_type(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *t = xt_sema_expr(s, n->list);
	if (!t)
		return NULL;
	int size = xt_sema_program(s)->opts.max_strlen;
	if (t->kind == XT_T_STR)
		return t;
	if (!(xt_type_is_int(t) || t->kind == XT_T_PTR || t->kind == XT_T_DATALOC)) {
		xt_diag_error(xt_sema_diags(s), n->list->loc, "str() needs a pointer, not %s",
			      xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	if (n->list->next) {
		const struct xt_type *lt = xt_sema_expr(s, n->list->next);
		if (!lt)
			return NULL;
		if (!xt_type_is_int(lt)) {
			xt_diag_error(xt_sema_diags(s), n->list->next->loc, "str() length must be an integer");
			return NULL;
		}
		if (n->list->next->kind == XT_N_INT && n->list->next->ival + 1 < (uint64_t)size)
			size = (int)n->list->next->ival + 1;
	}
	return xt_type_str(xt_sema_arena(s), size);
}

static LLVMValueRef str_emit(struct xt_cg *cg, struct xt_node *n)
{
	if (n->list->type->kind == XT_T_STR)
		return xt_cg_expr(cg, n->list);
	int size = n->type->size;
	LLVMValueRef addr = xt_cg_expr(cg, n->list);
	LLVMValueRef len = xt_cg_i64(cg, size);
	if (n->list->next && n->list->next->kind != XT_N_INT) {
		/* A run-time length: clamp to the buffer so the verifier sees a bounded size. */
		LLVMValueRef l = LLVMBuildAdd(cg->b, xt_cg_expr(cg, n->list->next), xt_cg_i64(cg, 1), "");
		LLVMValueRef small = LLVMBuildICmp(cg->b, LLVMIntULT, l, len, "");
		len = LLVMBuildSelect(cg->b, small, l, len, "");
		len = LLVMBuildSelect(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, len, xt_cg_i64(cg, 0), ""), xt_cg_i64(cg, 1), len, "");
	}
	LLVMValueRef buf = xt_cg_buf(cg, size, "str");
	LLVMValueRef p = LLVMBuildIntToPtr(cg->b, addr, cg->ptr, "");
	LLVMValueRef args[] = { buf, len, p };
	if (n->list->type->kind == XT_T_DATALOC) {
		xt_cg_helper(cg, XT_H_READ_KERNEL_STR, false, args, 3);
		return buf;
	}
	/* Kernel addresses have the top bit set on the architectures we run on. */
	LLVMBasicBlockRef kern = xt_cg_block(cg, "kstr"), user = xt_cg_block(cg, "ustr"), done = xt_cg_block(cg, "str");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntSLT, addr, xt_cg_i64(cg, 0), ""), kern, user);
	LLVMPositionBuilderAtEnd(cg->b, kern);
	xt_cg_helper(cg, XT_H_READ_KERNEL_STR, false, args, 3);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, user);
	xt_cg_helper(cg, XT_H_READ_USER_STR, false, args, 3);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	return buf;
}

const struct xt_builtin xt_bi_str = { .name = "str", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 2,
	.check = str_type, .emit = str_emit,
	.help = "str(ptr[, len]): the string at ptr (at most len bytes)" };
