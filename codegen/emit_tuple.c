/* Tuples and records compared with == and != (bpftrace 0.25): element by
 * element, each as its type compares (strings up to their NUL). */
#include <limits.h>
#include "codegen/cg_int.h"

LLVMValueRef xt_cg_tuple_eq(struct xt_cg *cg, LLVMValueRef a, const struct xt_type *ta,
			    LLVMValueRef b, const struct xt_type *tb)
{
	LLVMBasicBlockRef yes = xt_cg_block(cg, "tupeq"), no = xt_cg_block(cg, "tupne");
	for (int i = 0; i < ta->n; i++) {
		const struct xt_type *ea = ta->elems[i], *eb = tb->elems[i];
		LLVMValueRef pa = xt_cg_gep(cg, a, xt_cg_i64(cg, ta->offsets[i]));
		LLVMValueRef pb = xt_cg_gep(cg, b, xt_cg_i64(cg, tb->offsets[i]));
		LLVMValueRef same;
		if (ea->kind == XT_T_TUPLE) {
			same = xt_cg_tuple_eq(cg, pa, ea, pb, eb);
		} else if (ea->kind == XT_T_STR) {
			same = xt_cg_str_eq(cg, pa, ea->size, pb, eb->size, INT_MAX);
		} else if (xt_cg_is_scalar(ea)) {
			same = LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, xt_cg_load(cg, pa, ea),
								  xt_cg_load(cg, pb, eb), ""), cg->i64, "");
		} else { /* same type (sema says): the same bytes */
			LLVMBasicBlockRef byte_no = xt_cg_block(cg, "bytene");
			for (int k = 0; k < ea->size; k++) {
				LLVMValueRef ca = LLVMBuildLoad2(cg->b, cg->i8, xt_cg_gep(cg, pa, xt_cg_i64(cg, k)), "");
				LLVMValueRef cb = LLVMBuildLoad2(cg->b, cg->i8, xt_cg_gep(cg, pb, xt_cg_i64(cg, k)), "");
				LLVMBasicBlockRef next = xt_cg_block(cg, "byte");
				LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, ca, cb, ""), next, byte_no);
				LLVMPositionBuilderAtEnd(cg->b, next);
			}
			LLVMBasicBlockRef byte_yes = LLVMGetInsertBlock(cg->b);
			same = xt_cg_flag_join(cg, byte_yes, byte_no);
		}
		LLVMBasicBlockRef next = xt_cg_block(cg, "tupnext");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, same, xt_cg_i64(cg, 0), ""), next, no);
		LLVMPositionBuilderAtEnd(cg->b, next);
	}
	LLVMBuildBr(cg->b, yes);
	return xt_cg_flag_join(cg, yes, no);
}
