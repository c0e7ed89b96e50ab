/* Kernel types in generated code: fields of kernel structs, array elements
 * and *p are read with bpf_probe_read_kernel (or _user, for user addresses)
 * at the offset BTF gave; a struct- or array-typed expression is never
 * loaded: its value is its address, which the next ., [] or & builds on. */
#include "codegen/cg_int.h"

static bool is_place(const struct xt_type *t)
{
	return (t->kind == XT_T_RECORD && t->btf_id) || t->kind == XT_T_ARRAY;
}

/* Bytes one step of a pointer moves (void *: 1, as in GNU C). */
int xt_cg_ptr_step(const struct xt_type *ptr)
{
	const struct xt_type *p = ptr->pointee;
	if (!p)
		return 1;
	if (p->kind == XT_T_BOOL)
		return 1;
	return p->size > 0 ? p->size : 1;
}

LLVMValueRef xt_cg_kaddr(struct xt_cg *cg, struct xt_node *n)
{
	switch (n->kind) {
	case XT_N_ARROW:
	case XT_N_FIELD: {
		const struct xt_field *f = n->sym;
		return LLVMBuildAdd(cg->b, xt_cg_expr(cg, n->a), xt_cg_i64(cg, f->offset), "field");
	}
	case XT_N_INDEX: {
		const struct xt_type *t = n->a->type;
		int esz = t->kind == XT_T_ARRAY ? t->pointee->size : xt_cg_ptr_step(t);
		LLVMValueRef base = xt_cg_expr(cg, n->a);
		LLVMValueRef off = LLVMBuildMul(cg->b, xt_cg_expr(cg, n->b), xt_cg_i64(cg, esz), "");
		return LLVMBuildAdd(cg->b, base, off, "elem");
	}
	default: /* *p */
		return xt_cg_expr(cg, n->a);
	}
}

static int value_bytes(const struct xt_type *t, const struct xt_field *f);
static LLVMValueRef value_of(struct xt_cg *cg, LLVMValueRef buf, const struct xt_type *t, const struct xt_field *f);

LLVMValueRef xt_cg_kread(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_type *t = n->type;
	LLVMValueRef addr = xt_cg_kaddr(cg, n);
	if (is_place(t))
		return addr;
	if (t->kind == XT_T_STR) { /* char[N] */
		LLVMValueRef buf = xt_cg_buf(cg, t->size, "kstr");
		xt_cg_probe_read(cg, buf, xt_cg_i64(cg, t->size), addr, false);
		return buf;
	}
	const struct xt_field *f = n->kind == XT_N_ARROW || n->kind == XT_N_FIELD ? n->sym : NULL;
	LLVMValueRef buf = xt_cg_buf(cg, 8, "kval");
	xt_cg_probe_read(cg, buf, xt_cg_i64(cg, value_bytes(t, f)), addr, false);
	return value_of(cg, buf, t, f);
}

void xt_cg_kcopy(struct xt_cg *cg, LLVMValueRef dst, int size, LLVMValueRef addr)
{
	xt_cg_probe_read(cg, dst, xt_cg_i64(cg, size), addr, false);
}

LLVMValueRef xt_cg_kval_field(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_field *f = n->sym;
	LLVMValueRef p = xt_cg_gep(cg, xt_cg_expr(cg, n->a), xt_cg_i64(cg, f->offset));
	if (n->type->kind == XT_T_KVAL || n->type->kind == XT_T_STR)
		return p; /* a struct, array or string inside the copy: its bytes */
	LLVMValueRef buf = xt_cg_buf(cg, 8, "kval");
	xt_cg_memcpy(cg, buf, p, value_bytes(n->type, f));
	return value_of(cg, buf, n->type, f);
}

/* The bytes of a scalar field (or *p) that a read copies. */
static int value_bytes(const struct xt_type *t, const struct xt_field *f)
{
	if (f && f->bits) {
		int nbytes = (f->bitoff + f->bits + 7) / 8;
		return nbytes > 8 ? 8 : nbytes;
	}
	return t->kind == XT_T_BOOL ? 1 : t->size;
}

/* The value of a scalar field whose bytes are at the start of the zeroed buf. */
static LLVMValueRef value_of(struct xt_cg *cg, LLVMValueRef buf, const struct xt_type *t, const struct xt_field *f)
{
	if (!f || !f->bits)
		return xt_cg_load(cg, buf, t);
	/* a bitfield: the bytes that hold it, shifted down and masked (sign-extended) */
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i64, buf, "");
	int bits = f->bits > 64 - f->bitoff ? 64 - f->bitoff : f->bits;
	v = LLVMBuildShl(cg->b, v, xt_cg_i64(cg, 64 - f->bitoff - bits), "");
	bool sign = t->kind == XT_T_INT && t->sign;
	return sign ? LLVMBuildAShr(cg->b, v, xt_cg_i64(cg, 64 - bits), "")
		    : LLVMBuildLShr(cg->b, v, xt_cg_i64(cg, 64 - bits), "");
}

LLVMValueRef xt_cg_ptr_arith(struct xt_cg *cg, struct xt_node *n, LLVMValueRef a, LLVMValueRef b)
{
	const struct xt_type *ta = n->a->type, *tb = n->b->type;
	LLVMBuilderRef B = cg->b;
	if (ta->kind == XT_T_PTR && tb->kind == XT_T_PTR) { /* p - q: elements between */
		int sz = xt_cg_ptr_step(ta);
		LLVMValueRef d = LLVMBuildSub(B, a, b, "");
		if (sz == 1)
			return d;
		/* BPF before cpu v4 has no signed division: divide the magnitude */
		LLVMValueRef neg = LLVMBuildICmp(B, LLVMIntSLT, d, xt_cg_i64(cg, 0), "");
		LLVMValueRef q = LLVMBuildUDiv(B, LLVMBuildSelect(B, neg, LLVMBuildNeg(B, d, ""), d, ""), xt_cg_i64(cg, sz), "");
		return LLVMBuildSelect(B, neg, LLVMBuildNeg(B, q, ""), q, "");
	}
	bool pa = ta->kind == XT_T_PTR;
	LLVMValueRef p = pa ? a : b, i = pa ? b : a;
	i = LLVMBuildMul(B, i, xt_cg_i64(cg, xt_cg_ptr_step(pa ? ta : tb)), "");
	return n->op == XT_OP_SUB ? LLVMBuildSub(B, p, i, "") : LLVMBuildAdd(B, p, i, "");
}
