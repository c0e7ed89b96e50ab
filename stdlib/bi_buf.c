/* buf(): raw bytes printed hex-escaped (printf %r); path(): a struct path's
 * file name through bpf_d_path, where the kernel allows it. */
#include "codegen/cg.h"
#include "stdlib/registry.h"

/* buf(addr, len) or buf(array): buffer[N] with N = len when it is a
 * literal (at most max_strlen), else max_strlen, the length clamped at run
 * time. */
static const struct xt_type *buf_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_node *a = n->list, *len = a->next;
	const struct xt_type *t = xt_sema_expr(s, a);
	if (!t)
		return NULL;
	int max = xt_sema_program(s)->opts.max_strlen, size = max;
	if (xt_type_array_of(t) || XT_TYPE_IS_BYTES(t)) {
		size = xt_type_array_of(t) ? xt_type_array_of(t)->size : t->size - 8; /* an array in memory or a copy */
	} else if (t->kind == XT_T_STR) {
		size = t->size;
	} else if (!xt_type_is_int(t) && t->kind != XT_T_PTR) {
		xt_diag_error(dg, a->loc, "buf() needs a pointer or an array, not %s", xt_type_name(xt_sema_arena(s), t));
		return NULL;
	} else if (!len) {
		xt_diag_error(dg, n->loc, "buf() of a pointer needs a length: buf(ptr, len)");
		return NULL;
	}
	if (len) {
		const struct xt_type *lt = xt_sema_expr(s, len);
		if (!lt)
			return NULL;
		if (!xt_type_is_int(lt)) {
			xt_diag_error(dg, len->loc, "buf() length must be an integer");
			return NULL;
		}
		if (len->kind == XT_N_INT && (int64_t)len->ival < 0) {
			xt_diag_error(dg, len->loc, "buf() length must not be negative");
			return NULL;
		}
		if (len->kind == XT_N_INT && len->ival < (uint64_t)size)
			size = (int)len->ival;
	}
	if (size > max)
		size = max;
	return xt_type_buf(xt_sema_arena(s), size, XT_R_NONE);
}

static LLVMValueRef buf_emit(struct xt_cg *cg, struct xt_node *n)
{
	struct xt_node *a = n->list, *len = a->next;
	const struct xt_type *t = a->type;
	int size = n->type->size - 8;
	LLVMValueRef v = xt_cg_expr(cg, a);
	LLVMValueRef l = xt_cg_i64(cg, size);
	if (len && len->kind != XT_N_INT) {
		/* a run-time length: clamped, so the verifier sees a bounded size */
		LLVMValueRef want = xt_cg_expr(cg, len);
		l = LLVMBuildSelect(cg->b, LLVMBuildICmp(cg->b, LLVMIntULT, want, l, ""), want, l, "");
	}
	LLVMValueRef buf = xt_cg_buf(cg, n->type->size, "buf");
	LLVMValueRef data = xt_cg_gep(cg, buf, xt_cg_i64(cg, 8));
	if (t->kind == XT_T_BUF || t->kind == XT_T_STR || t->kind == XT_T_KVAL) { /* a value already: its first bytes */
		int from = t->kind == XT_T_BUF ? 8 : 0, have = t->size - from;
		xt_cg_memcpy(cg, data, xt_cg_gep(cg, v, xt_cg_i64(cg, from)), have < size ? have : size);
		if (t->kind == XT_T_BUF) { /* keep the shorter of the two lengths */
			LLVMValueRef old = LLVMBuildLoad2(cg->b, cg->i64, v, "");
			l = LLVMBuildSelect(cg->b, LLVMBuildICmp(cg->b, LLVMIntULT, old, l, ""), old, l, "");
		}
	} else { /* an array in memory, a pointer: from its address space */
		xt_cg_probe_read_in(cg, data, l, v, false, xt_node_space(n->list));
	}
	LLVMBuildStore(cg->b, l, buf);
	return buf;
}

/* path(struct path *): bpf_d_path, which the kernel offers only to fentry,
 * fexit and LSM programs (and only for an allow-list of functions). */
static const struct xt_type *path_type(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *t = xt_sema_expr(s, n->list);
	if (!t)
		return NULL;
	const struct xt_provider *prov = xt_sema_probe(s)->prov;
	if (prov != &xt_prov_fentry && prov != &xt_prov_fexit && prov != &xt_prov_kfunc && prov != &xt_prov_kretfunc) {
		xt_diag_error(xt_sema_diags(s), n->loc,
			      "path() is not possible in a %s probe: the kernel lets only fentry/fexit (and LSM) programs "
			      "call bpf_d_path", prov->name);
		return NULL;
	}
	if (t->kind != XT_T_PTR && !xt_type_is_int(t)) {
		xt_diag_error(xt_sema_diags(s), n->list->loc, "path() needs a struct path *, not %s",
			      xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	return xt_type_str(xt_sema_arena(s), xt_sema_program(s)->opts.max_strlen);
}

static LLVMValueRef path_emit(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef p = LLVMBuildIntToPtr(cg->b, xt_cg_expr(cg, n->list), cg->ptr, "");
	LLVMValueRef buf = xt_cg_buf(cg, n->type->size, "path");
	LLVMValueRef args[] = { p, buf, xt_cg_i32(cg, n->type->size) };
	xt_cg_helper(cg, XT_H_D_PATH, false, args, 3);
	return buf;
}

const struct xt_builtin xt_bi_buf = { .name = "buf", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 2,
	.check = buf_type, .emit = buf_emit,
	.help = "buf(ptr, len): len bytes at ptr (at most max_strlen), printed hex-escaped (printf %r)" };
const struct xt_builtin xt_bi_path = { .name = "path", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 1,
	.check = path_type, .emit = path_emit,
	.help = "path(struct path *): the file's full path (fentry/fexit probes only: bpf_d_path)" };
