/* Kernel types in generated code: fields of kernel structs, array elements
 * and *p are read with bpf_probe_read_kernel (or _user, for user addresses)
 * at the offset BTF gave; a struct- or array-typed expression is never
 * loaded: its value is its address, which the next ., [] or & builds on. */
#include "codegen/cg_int.h"

static bool is_place(const struct xt_type *t)
{
	return (t->kind == XT_T_RECORD && t->btf_id) || t->kind == XT_T_ARRAY;
}

/* Bytes one element of array type t takes. */
static int elem_size(const struct xt_type *arr)
{
	const struct xt_type *e = arr->pointee;
	return e->kind == XT_T_BOOL ? 1 : e->size;
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
		int esz = t->kind == XT_T_ARRAY ? elem_size(t) : t->kind == XT_T_STR ? 1 : xt_cg_ptr_step(t);
		/* a char array read as a string: its address in memory, not the copy */
		LLVMValueRef base = t->kind == XT_T_STR ? xt_cg_kaddr(cg, n->a) : xt_cg_expr(cg, n->a);
		LLVMValueRef idx = xt_cg_expr(cg, n->b);
		LLVMValueRef off = LLVMBuildMul(cg->b, idx, xt_cg_i64(cg, esz), "");
		LLVMValueRef addr = LLVMBuildAdd(cg->b, base, off, "elem");
		if (t->kind != XT_T_ARRAY || t->n <= 0 || n->b->kind == XT_N_INT)
			return addr; /* pointers and flexible arrays have no bound; constants were checked */
		/* out of range: address 0, which reads as zeros (the read fails and
		 * zero-fills), and a run-time warning (bpftrace 0.26) */
		LLVMValueRef in = LLVMBuildICmp(cg->b, LLVMIntULT, idx, xt_cg_i64(cg, t->n), "");
		xt_cg_runtime_error(cg, XT_RTE_BOUNDS, xt_cg_i64(cg, 0), n->loc, LLVMBuildNot(cg->b, in, ""));
		return LLVMBuildSelect(cg->b, in, addr, xt_cg_i64(cg, 0), "elem");
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
	if (is_place(t)) { /* its value is its address; a copy of it reads from where it lies */
		cg->place_addr = addr;
		cg->place_space = xt_node_space(n);
		return addr;
	}
	enum xt_addr_space space = xt_node_space(n->a);
	if (t->kind == XT_T_STR) { /* char[N] */
		LLVMValueRef buf = xt_cg_buf(cg, t->size, "kstr");
		xt_cg_probe_read_in(cg, buf, xt_cg_i64(cg, t->size), addr, false, space);
		return buf;
	}
	const struct xt_field *f = n->kind == XT_N_ARROW || n->kind == XT_N_FIELD ? n->sym : NULL;
	LLVMValueRef buf = xt_cg_buf(cg, 8, "kval");
	xt_cg_probe_read_in(cg, buf, xt_cg_i64(cg, value_bytes(t, f)), addr, false, space);
	return value_of(cg, buf, t, f);
}

void xt_cg_kcopy(struct xt_cg *cg, LLVMValueRef dst, int size, LLVMValueRef addr, enum xt_addr_space space)
{
	xt_cg_probe_read_in(cg, dst, xt_cg_i64(cg, size), addr, false, space);
}

LLVMValueRef xt_cg_copy_elem(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_type *arr = xt_type_array_of(n->a->type), *t = n->type;
	int esz = arr ? elem_size(arr) : 1, count = arr ? arr->n : n->a->type->size; /* or a string's chars */
	LLVMValueRef base = xt_cg_expr(cg, n->a), idx = xt_cg_expr(cg, n->b);
	bool scalar = xt_cg_is_scalar(t);
	if (n->b->kind == XT_N_INT) /* checked when typed */
		return xt_cg_load(cg, xt_cg_gep(cg, base, xt_cg_i64(cg, (int64_t)n->b->ival * esz)), t);
	/* A variable index is checked by a branch the verifier follows (it
	 * rejects a read at an unbounded offset of the stack or a map value):
	 * out of range reads as 0, as an element of zero bytes. */
	LLVMValueRef out = scalar ? NULL : xt_cg_buf(cg, esz, "elem");
	LLVMValueRef in_range = LLVMBuildICmp(cg->b, LLVMIntULT, idx, xt_cg_i64(cg, count), "");
	xt_cg_runtime_error(cg, XT_RTE_BOUNDS, xt_cg_i64(cg, 0), n->loc, LLVMBuildNot(cg->b, in_range, ""));
	LLVMBasicBlockRef here = LLVMGetInsertBlock(cg->b), in = xt_cg_block(cg, "inrange"), join = xt_cg_block(cg, "elem");
	LLVMBuildCondBr(cg->b, in_range, in, join);
	LLVMPositionBuilderAtEnd(cg->b, in);
	LLVMValueRef p = xt_cg_gep(cg, base, LLVMBuildMul(cg->b, idx, xt_cg_i64(cg, esz), ""));
	LLVMValueRef v = scalar ? xt_cg_load(cg, p, t) : NULL;
	if (!scalar)
		xt_cg_memcpy(cg, out, p, esz);
	LLVMBasicBlockRef from_in = LLVMGetInsertBlock(cg->b);
	LLVMBuildBr(cg->b, join);
	LLVMPositionBuilderAtEnd(cg->b, join);
	if (!scalar)
		return out; /* zero-filled when out of range */
	LLVMValueRef phi = LLVMBuildPhi(cg->b, cg->i64, "");
	LLVMValueRef vals[] = { xt_cg_i64(cg, 0), v };
	LLVMBasicBlockRef from[] = { here, from_in };
	LLVMAddIncoming(phi, vals, from, 2);
	return phi;
}

LLVMValueRef xt_cg_array_bytes(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_type *t = n->type;
	LLVMValueRef v = xt_cg_expr(cg, n);
	if (t->kind == XT_T_KVAL)
		return v;
	LLVMValueRef buf = xt_cg_buf(cg, t->size, "array");
	xt_cg_kcopy(cg, buf, t->size, v, xt_node_space(n));
	return buf;
}

/* Compares w bytes at a + off and b + off; on to a new block when equal, else to `no`. */
static void chunk_eq(struct xt_cg *cg, LLVMValueRef a, LLVMValueRef b, LLVMValueRef off, int w, LLVMBasicBlockRef no)
{
	LLVMTypeRef ty = xt_cg_int_type(cg, w);
	LLVMValueRef x = LLVMBuildLoad2(cg->b, ty, xt_cg_gep(cg, a, off), "");
	LLVMValueRef y = LLVMBuildLoad2(cg->b, ty, xt_cg_gep(cg, b, off), "");
	LLVMSetAlignment(x, 1);
	LLVMSetAlignment(y, 1);
	/* volatile: else LLVM merges the compares into one of wide integers
	 * loaded at once, which the BPF backend spills past the 512-byte stack */
	LLVMSetVolatile(x, 1);
	LLVMSetVolatile(y, 1);
	LLVMBasicBlockRef next = xt_cg_block(cg, "bytesnext");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, x, y, ""), next, no);
	LLVMPositionBuilderAtEnd(cg->b, next);
}

LLVMValueRef xt_cg_bytes_eq(struct xt_cg *cg, LLVMValueRef a, LLVMValueRef b, int size)
{
	LLVMBasicBlockRef yes = xt_cg_block(cg, "byteseq"), no = xt_cg_block(cg, "bytesne");
	int off = 0;
	if (size > 128) { /* a loop over 8-byte words: unrolled, a big array's branches would jump too far */
		int words = size / 8 * 8;
		LLVMBasicBlockRef here = LLVMGetInsertBlock(cg->b), loop = xt_cg_block(cg, "bytesloop");
		LLVMBuildBr(cg->b, loop);
		LLVMPositionBuilderAtEnd(cg->b, loop);
		LLVMValueRef i = LLVMBuildPhi(cg->b, cg->i64, "");
		chunk_eq(cg, a, b, i, 8, no);
		LLVMValueRef i8 = LLVMBuildAdd(cg->b, i, xt_cg_i64(cg, 8), "");
		LLVMBasicBlockRef cont = LLVMGetInsertBlock(cg->b), after = xt_cg_block(cg, "bytesrest");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntULT, i8, xt_cg_i64(cg, words), ""), loop, after);
		LLVMValueRef vals[] = { xt_cg_i64(cg, 0), i8 };
		LLVMBasicBlockRef from[] = { here, cont };
		LLVMAddIncoming(i, vals, from, 2);
		LLVMPositionBuilderAtEnd(cg->b, after);
		off = words;
	}
	while (off < size) { /* 8, 4, 2 or 1 bytes at a time */
		int w = size - off >= 8 ? 8 : size - off >= 4 ? 4 : size - off >= 2 ? 2 : 1;
		chunk_eq(cg, a, b, xt_cg_i64(cg, off), w, no);
		off += w;
	}
	LLVMBuildBr(cg->b, yes);
	return xt_cg_flag_join(cg, yes, no);
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
