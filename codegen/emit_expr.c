/* Lowering of expressions: literals, operators, casts, ++/--, map reads and
 * keys; builtins and a provider's context fields emit their own. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "codegen/cg_int.h"
#include "stdlib/registry.h"

static LLVMValueRef str_literal(struct xt_cg *cg, struct xt_node *n)
{
	/* Rounded up: the literal is stored in whole 8-byte chunks. */
	int size = ((int)n->slen + 1 + 7) / 8 * 8;
	LLVMValueRef buf = xt_cg_buf(cg, size, "lit");
	for (int off = 0; off < (int)n->slen; off += 8) {
		uint64_t chunk = 0;
		int len = (int)n->slen - off < 8 ? (int)n->slen - off : 8;
		memcpy(&chunk, n->sval + off, len); /* little-endian, as BPF here */
		LLVMValueRef st = LLVMBuildStore(cg->b, LLVMConstInt(cg->i64, chunk, 0),
						 xt_cg_gep(cg, buf, xt_cg_i64(cg, off)));
		LLVMSetAlignment(st, 1);
	}
	return buf;
}

static LLVMValueRef logical(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef a = xt_cg_expr(cg, n->a);
	LLVMValueRef abool = LLVMBuildICmp(cg->b, LLVMIntNE, a, xt_cg_i64(cg, 0), "");
	LLVMBasicBlockRef from_a = LLVMGetInsertBlock(cg->b);
	LLVMBasicBlockRef rhs = xt_cg_block(cg, "rhs"), join = xt_cg_block(cg, "logic");
	if (n->op == XT_OP_LAND)
		LLVMBuildCondBr(cg->b, abool, rhs, join);
	else
		LLVMBuildCondBr(cg->b, abool, join, rhs);
	LLVMPositionBuilderAtEnd(cg->b, rhs);
	LLVMValueRef b = xt_cg_expr(cg, n->b);
	LLVMValueRef bval = LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, b, xt_cg_i64(cg, 0), ""), cg->i64, "");
	LLVMBasicBlockRef from_b = LLVMGetInsertBlock(cg->b);
	LLVMBuildBr(cg->b, join);
	LLVMPositionBuilderAtEnd(cg->b, join);
	LLVMValueRef phi = LLVMBuildPhi(cg->b, cg->i64, "");
	LLVMValueRef vals[] = { xt_cg_i64(cg, n->op == XT_OP_LAND ? 0 : 1), bval };
	LLVMBasicBlockRef from[] = { from_a, from_b };
	LLVMAddIncoming(phi, vals, from, 2);
	return phi;
}

/* a ?: b: a when it is non-zero, else b, which only then runs. */
static LLVMValueRef elvis(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef a = xt_cg_expr(cg, n->a);
	LLVMBasicBlockRef from_a = LLVMGetInsertBlock(cg->b);
	LLVMBasicBlockRef rhs = xt_cg_block(cg, "else"), join = xt_cg_block(cg, "elvis");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, a, xt_cg_i64(cg, 0), ""), join, rhs);
	LLVMPositionBuilderAtEnd(cg->b, rhs);
	LLVMValueRef b = xt_cg_expr(cg, n->b);
	LLVMBasicBlockRef from_b = LLVMGetInsertBlock(cg->b);
	LLVMBuildBr(cg->b, join);
	LLVMPositionBuilderAtEnd(cg->b, join);
	LLVMValueRef phi = LLVMBuildPhi(cg->b, cg->i64, "");
	LLVMValueRef vals[] = { a, b };
	LLVMBasicBlockRef from[] = { from_a, from_b };
	LLVMAddIncoming(phi, vals, from, 2);
	return phi;
}

static bool is_signed(const struct xt_type *t)
{
	return t->kind == XT_T_INT && t->sign;
}

static bool is_u64(const struct xt_type *t)
{
	return (t->kind == XT_T_INT && !t->sign && t->size == 8) || t->kind == XT_T_PTR;
}

/* An integer literal, or literals combined by arithmetic: what bpftrace
 * 0.26 folds at compile time. */
static bool literal(const struct xt_node *e)
{
	if (e->kind == XT_N_INT)
		return true;
	if (e->kind == XT_N_UNOP)
		return (e->op == XT_OP_NEG || e->op == XT_OP_BNOT) && literal(e->a);
	return e->kind == XT_N_BINOP && e->op >= XT_OP_ADD && e->op <= XT_OP_MOD && literal(e->a) && literal(e->b);
}

LLVMValueRef xt_cg_divrem(struct xt_cg *cg, int op, LLVMValueRef a, LLVMValueRef b, bool sign, struct xt_loc loc)
{
	LLVMBuilderRef B = cg->b;
	LLVMValueRef one = xt_cg_i64(cg, 1);
	LLVMValueRef isz = LLVMBuildICmp(B, LLVMIntEQ, b, xt_cg_i64(cg, 0), "");
	xt_cg_runtime_error(cg, XT_RTE_DIVZERO, xt_cg_i64(cg, 0), loc, isz); /* only the zero branch sends */
	LLVMValueRef safe = LLVMBuildSelect(B, isz, one, b, "");
	LLVMValueRef r = sign ? xt_cg_sdivrem(cg, a, safe, op == XT_OP_MOD)
			      : op == XT_OP_DIV ? LLVMBuildUDiv(B, a, safe, "") : LLVMBuildURem(B, a, safe, "");
	return LLVMBuildSelect(B, isz, one, r, "");
}

static LLVMValueRef binop(struct xt_cg *cg, struct xt_node *n)
{
	if (n->op == XT_OP_LAND || n->op == XT_OP_LOR)
		return logical(cg, n);
	if (n->op == XT_OP_ELVIS)
		return elvis(cg, n);
	const struct xt_type *ta = n->a->type, *tb = n->b->type;
	if (xt_type_array_of(ta)) { /* == and != on arrays of one type: their bytes */
		LLVMValueRef eq = xt_cg_bytes_eq(cg, xt_cg_array_bytes(cg, n->a), xt_cg_array_bytes(cg, n->b),
						 xt_type_array_of(ta)->size);
		return n->op == XT_OP_EQ ? eq : LLVMBuildXor(cg->b, eq, xt_cg_i64(cg, 1), "");
	}
	LLVMValueRef a = xt_cg_expr(cg, n->a), b = xt_cg_expr(cg, n->b);
	if (ta->kind == XT_T_TUPLE) { /* == and != field by field */
		LLVMValueRef eq = xt_cg_tuple_eq(cg, a, ta, b, tb);
		return n->op == XT_OP_EQ ? eq : LLVMBuildXor(cg->b, eq, xt_cg_i64(cg, 1), "");
	}
	if (ta->kind == XT_T_STR) {
		LLVMValueRef eq = xt_cg_str_eq(cg, a, ta->size, b, tb->size, INT_MAX);
		return n->op == XT_OP_EQ ? eq : LLVMBuildXor(cg->b, eq, xt_cg_i64(cg, 1), "");
	}
	if ((n->op == XT_OP_ADD || n->op == XT_OP_SUB) && (ta->kind == XT_T_PTR || tb->kind == XT_T_PTR) &&
	    (n->type->kind == XT_T_PTR || (ta->kind == XT_T_PTR && tb->kind == XT_T_PTR)))
		return xt_cg_ptr_arith(cg, n, a, b);
	bool sign = is_signed(n->type) || (is_signed(ta) && is_signed(tb));
	LLVMBuilderRef B = cg->b;
	switch (n->op) {
	case XT_OP_ADD: return LLVMBuildAdd(B, a, b, "");
	case XT_OP_SUB: return LLVMBuildSub(B, a, b, "");
	case XT_OP_MUL: return LLVMBuildMul(B, a, b, "");
	case XT_OP_DIV:
	case XT_OP_MOD:
		/* bpftrace 0.26 folds literals, and refuses to fold a division by 0 */
		if (cg->dg && literal(n->a) && literal(n->b) && LLVMIsAConstantInt(b) && LLVMConstIntGetZExtValue(b) == 0) {
			xt_diag_error(cg->dg, n->loc, "%s by 0 in a constant expression",
				      n->op == XT_OP_DIV ? "division" : "modulo");
			return xt_cg_i64(cg, 1);
		}
		return xt_cg_divrem(cg, n->op, a, b, sign, n->loc);
	case XT_OP_BAND: return LLVMBuildAnd(B, a, b, "");
	case XT_OP_BOR: return LLVMBuildOr(B, a, b, "");
	case XT_OP_BXOR: return LLVMBuildXor(B, a, b, "");
	case XT_OP_SHL: return LLVMBuildShl(B, a, LLVMBuildAnd(B, b, xt_cg_i64(cg, 63), ""), "");
	case XT_OP_SHR: {
		LLVMValueRef sh = LLVMBuildAnd(B, b, xt_cg_i64(cg, 63), "");
		return is_signed(ta) ? LLVMBuildAShr(B, a, sh, "") : LLVMBuildLShr(B, a, sh, "");
	}
	default: break;
	}
	/* Comparisons follow C's usual conversions on 64 bits: unsigned when
	 * either side is a uint64 or a pointer (kernel addresses are "negative"). */
	sign = !(is_u64(ta) || is_u64(tb));
	LLVMIntPredicate pred;
	switch (n->op) {
	case XT_OP_EQ: pred = LLVMIntEQ; break;
	case XT_OP_NE: pred = LLVMIntNE; break;
	case XT_OP_LT: pred = sign ? LLVMIntSLT : LLVMIntULT; break;
	case XT_OP_LE: pred = sign ? LLVMIntSLE : LLVMIntULE; break;
	case XT_OP_GT: pred = sign ? LLVMIntSGT : LLVMIntUGT; break;
	default: pred = sign ? LLVMIntSGE : LLVMIntUGE; break;
	}
	return LLVMBuildZExt(B, LLVMBuildICmp(B, pred, a, b, ""), cg->i64, "");
}

/* Fills a key buffer for map m from the key expressions of map node mn. */
LLVMValueRef xt_cg_map_key(struct xt_cg *cg, const struct xt_map_info *m, struct xt_node *mn)
{
	LLVMValueRef key = xt_cg_buf(cg, m->key_size, "key");
	if (!m->key)
		return key; /* a map without key uses the single key 0 */
	if (!mn->list->next && m->key->kind != XT_T_TUPLE) {
		xt_cg_store(cg, key, m->key, xt_cg_expr(cg, mn->list), mn->list->type);
		return key;
	}
	if (!mn->list->next) { /* @m[$tuple] */
		xt_cg_store(cg, key, m->key, xt_cg_expr(cg, mn->list), mn->list->type);
		return key;
	}
	int i = 0;
	for (struct xt_node *k = mn->list; k; k = k->next, i++)
		xt_cg_store(cg, xt_cg_gep(cg, key, xt_cg_i64(cg, m->key->offsets[i])), m->key->elems[i],
			    xt_cg_expr(cg, k), k->type);
	return key;
}

LLVMValueRef xt_cg_map_read(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_map_info *m = n->sym;
	LLVMValueRef key = xt_cg_map_key(cg, m, n);
	LLVMValueRef args[] = { xt_cg_map(cg, m), key };
	LLVMValueRef p = xt_cg_helper(cg, XT_H_MAP_LOOKUP, true, args, 2);
	const struct xt_type *t = m->val;
	xt_cg_helper_failed(cg, xt_cg_i64(cg, XT_H_MAP_LOOKUP), xt_cg_i64(cg, 0), LLVMBuildIsNull(cg->b, p, "")); /* -k */
	LLVMBasicBlockRef here = LLVMGetInsertBlock(cg->b);
	LLVMBasicBlockRef found = xt_cg_block(cg, "found"), join = xt_cg_block(cg, "read");
	LLVMValueRef result;
	if (xt_cg_is_scalar(t)) {
		LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, p, ""), join, found);
		LLVMPositionBuilderAtEnd(cg->b, found);
		LLVMValueRef v = t->kind == XT_T_AGG ? m->val->agg->emit_read(cg, m, key) : xt_cg_load(cg, p, t);
		LLVMBasicBlockRef from_found = LLVMGetInsertBlock(cg->b);
		LLVMBuildBr(cg->b, join);
		LLVMPositionBuilderAtEnd(cg->b, join);
		result = LLVMBuildPhi(cg->b, cg->i64, "");
		LLVMValueRef vals[] = { xt_cg_i64(cg, 0), v };
		LLVMBasicBlockRef from[] = { here, from_found };
		LLVMAddIncoming(result, vals, from, 2);
		return result;
	}
	LLVMValueRef buf = xt_cg_buf(cg, t->size, "mapval");
	LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, p, ""), join, found);
	LLVMPositionBuilderAtEnd(cg->b, found);
	xt_cg_memcpy(cg, buf, p, t->size);
	LLVMBuildBr(cg->b, join);
	LLVMPositionBuilderAtEnd(cg->b, join);
	return buf;
}

/* &@m[k]: where the map keeps k's value, 0 when it has no k. The lookup's
 * result may be NULL to the verifier, which refuses arithmetic on it
 * (`(&@m)->f` adds f's offset: "pointer arithmetic on map_value_or_null
 * prohibited, null-check it first"), and LLVM would fold a select on it
 * away: the value goes through a volatile stack slot, written only where
 * the pointer was checked. */
static LLVMValueRef map_value_addr(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_map_info *m = n->sym;
	LLVMValueRef args[] = { xt_cg_map(cg, m), xt_cg_map_key(cg, m, n) };
	LLVMValueRef p = xt_cg_helper(cg, XT_H_MAP_LOOKUP, true, args, 2);
	LLVMValueRef slot = xt_cg_entry_alloca(cg, cg->i64, "mapaddr");
	LLVMSetVolatile(LLVMBuildStore(cg->b, xt_cg_i64(cg, 0), slot), true);
	LLVMBasicBlockRef found = xt_cg_block(cg, "addrfound"), join = xt_cg_block(cg, "addr");
	LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, p, ""), join, found);
	LLVMPositionBuilderAtEnd(cg->b, found);
	LLVMSetVolatile(LLVMBuildStore(cg->b, LLVMBuildPtrToInt(cg->b, p, cg->i64, ""), slot), true);
	LLVMBuildBr(cg->b, join);
	LLVMPositionBuilderAtEnd(cg->b, join);
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i64, slot, "addr");
	LLVMSetVolatile(v, true);
	return v;
}

static LLVMValueRef cast(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_type *t = n->type;
	if (t->kind == XT_T_KVAL) { /* (uint8[4])x: x's low bytes */
		LLVMValueRef buf = xt_cg_buf(cg, t->size, "intarray");
		LLVMValueRef v = xt_cg_expr(cg, n->a);
		LLVMValueRef st = LLVMBuildStore(cg->b, t->size == 8 ? v : LLVMBuildTrunc(cg->b, v, xt_cg_int_type(cg, t->size), ""), buf);
		LLVMSetAlignment(st, 1);
		return buf;
	}
	if (t->kind == XT_T_PTR && (n->a->type->kind == XT_T_ARRAY || n->a->type->kind == XT_T_STR)) /* (long *)$it->grid: its address */
		return xt_cg_kaddr(cg, n->a);
	if (xt_type_array_of(n->a->type)) /* (uint32)$bytes: the array's bytes as one int */
		return xt_cg_load(cg, xt_cg_array_bytes(cg, n->a), t);
	LLVMValueRef v = xt_cg_expr(cg, n->a);
	if (t->kind == XT_T_BOOL && n->a->type->kind == XT_T_STR) /* a non-empty string is true */
		v = LLVMBuildZExt(cg->b, LLVMBuildLoad2(cg->b, cg->i8, v, ""), cg->i64, "");
	if (t->kind == XT_T_BOOL)
		return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, v, xt_cg_i64(cg, 0), ""), cg->i64, "");
	if (t->kind != XT_T_INT || t->size == 8)
		return v;
	LLVMValueRef tr = LLVMBuildTrunc(cg->b, v, xt_cg_int_type(cg, t->size), "");
	return t->sign ? LLVMBuildSExt(cg->b, tr, cg->i64, "") : LLVMBuildZExt(cg->b, tr, cg->i64, "");
}

/* ++/--: variables in place; map elements by an atomic add through the
 * looked-up value (created as 0 on a miss). */
static LLVMValueRef incdec(struct xt_cg *cg, struct xt_node *n)
{
	bool inc = n->op == XT_OP_PREINC || n->op == XT_OP_POSTINC;
	bool pre = n->op == XT_OP_PREINC || n->op == XT_OP_PREDEC;
	LLVMValueRef delta = xt_cg_i64(cg, inc ? 1 : -1);
	struct xt_node *t = n->a;
	if (t->kind == XT_N_VAR) {
		const struct xt_type *vt = cg->probe->var_types[t->aux];
		LLVMValueRef old = xt_cg_load(cg, cg->vars[t->aux], vt);
		if (vt->kind == XT_T_PTR) /* p++ moves by one element */
			delta = xt_cg_i64(cg, inc ? xt_cg_ptr_step(vt) : -xt_cg_ptr_step(vt));
		LLVMValueRef nv = LLVMBuildAdd(cg->b, old, delta, "");
		xt_cg_store(cg, cg->vars[t->aux], vt, nv, vt);
		return pre ? xt_cg_load(cg, cg->vars[t->aux], vt) : old;
	}
	const struct xt_map_info *m = t->sym;
	LLVMValueRef key = xt_cg_map_key(cg, m, t);
	LLVMValueRef p = xt_cg_lookup_or_init(cg, m, key, xt_cg_buf(cg, m->value_size, "zero"));
	LLVMValueRef old = LLVMBuildAtomicRMW(cg->b, LLVMAtomicRMWBinOpAdd, p, delta,
					      LLVMAtomicOrderingMonotonic, 0);
	return pre ? LLVMBuildAdd(cg->b, old, delta, "") : old;
}

static LLVMValueRef expr(struct xt_cg *cg, struct xt_node *n);

/* Each expression is cg->at while it is emitted (where -k's warnings point). */
/* n->a ? n->b : n->c as a value of type n->type, each arm's value from `arm`
 * (an expression for ?:, a block's value for an if-expression): a phi of
 * scalars, a buffer both arms fill otherwise; NULL without a value (arms such
 * as printf(): only the one chosen runs). */
LLVMValueRef xt_cg_choose(struct xt_cg *cg, struct xt_node *n, LLVMValueRef (*arm)(struct xt_cg *, struct xt_node *))
{
	const struct xt_type *t = n->type;
	LLVMValueRef c = xt_cg_expr(cg, n->a);
	LLVMBasicBlockRef yes = xt_cg_block(cg, "then"), no = xt_cg_block(cg, "else"), join = xt_cg_block(cg, "cond");
	bool none = t->kind == XT_T_VOID, scalar = xt_cg_is_scalar(t);
	LLVMValueRef buf = scalar || none ? NULL : xt_cg_buf(cg, t->size, "cond");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, c, xt_cg_i64(cg, 0), ""), yes, no);
	LLVMValueRef vals[2];
	LLVMBasicBlockRef from[2];
	struct xt_node *arms[2] = { n->b, n->c };
	LLVMBasicBlockRef blocks[2] = { yes, no };
	for (int i = 0; i < 2; i++) {
		LLVMPositionBuilderAtEnd(cg->b, blocks[i]);
		vals[i] = arm(cg, arms[i]);
		if (buf)
			xt_cg_store(cg, buf, t, vals[i], arms[i]->type);
		from[i] = LLVMGetInsertBlock(cg->b);
		LLVMBuildBr(cg->b, join);
	}
	LLVMPositionBuilderAtEnd(cg->b, join);
	if (!scalar)
		return buf;
	LLVMValueRef phi = LLVMBuildPhi(cg->b, cg->i64, "");
	LLVMAddIncoming(phi, vals, from, 2);
	return phi;
}

LLVMValueRef xt_cg_expr(struct xt_cg *cg, struct xt_node *n)
{
	struct xt_node *outer = cg->at;
	cg->at = n;
	LLVMValueRef v = expr(cg, n);
	cg->at = outer;
	return v;
}

static LLVMValueRef expr(struct xt_cg *cg, struct xt_node *n)
{
	switch (n->kind) {
	case XT_N_INT:
	case XT_N_BOOL:
		return xt_cg_i64(cg, (int64_t)n->ival);
	case XT_N_STR:
		return str_literal(cg, n);
	case XT_N_BINOP:
		return binop(cg, n);
	case XT_N_UNOP: {
		if (n->op == XT_OP_DEREF)
			return xt_cg_kread(cg, n);
		if (n->op == XT_OP_ADDR && n->a->kind == XT_N_VAR) /* its slot, on the BPF stack or in scratch space */
			return LLVMBuildPtrToInt(cg->b, cg->vars[n->a->aux], cg->i64, "addr");
		if (n->op == XT_OP_ADDR && n->a->kind == XT_N_MAP)
			return map_value_addr(cg, n->a);
		if (n->op == XT_OP_ADDR)
			return xt_cg_kaddr(cg, n->a);
		LLVMValueRef a = xt_cg_expr(cg, n->a);
		switch (n->op) {
		case XT_OP_NEG: return LLVMBuildNeg(cg->b, a, "");
		case XT_OP_BNOT: return LLVMBuildNot(cg->b, a, "");
		default:
			return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, a, xt_cg_i64(cg, 0), ""), cg->i64, "");
		}
	}
	case XT_N_TERNARY:
		return xt_cg_choose(cg, n, xt_cg_expr);
	case XT_N_MAP:
		return xt_cg_map_read(cg, n);
	case XT_N_VAR:
		return xt_cg_load(cg, cg->vars[n->aux], cg->probe->var_types[n->aux]);
	case XT_N_IDENT:
	case XT_N_CALL: {
		const struct xt_builtin *b = n->sym;
		return b->emit(cg, n);
	}
	case XT_N_ARROW:
	case XT_N_FIELD: {
		const struct xt_type *t = n->a->type;
		if (t->kind == XT_T_PTR || (t->kind == XT_T_RECORD && t->btf_id))
			return xt_cg_kread(cg, n); /* a kernel struct's field */
		if (t->kind == XT_T_KVAL)
			return xt_cg_kval_field(cg, n);
		if (t->kind == XT_T_RECORD)
			return cg->probe->prov->emit_ctx(cg, n);
		LLVMValueRef base = xt_cg_expr(cg, n->a);
		return xt_cg_load(cg, xt_cg_gep(cg, base, xt_cg_i64(cg, t->offsets[n->aux])), t->elems[n->aux]);
	}
	case XT_N_TUPLE: {
		LLVMValueRef buf = xt_cg_buf(cg, n->type->size, "tuple");
		int i = 0;
		for (struct xt_node *e = n->list; e; e = e->next, i++)
			xt_cg_store(cg, xt_cg_gep(cg, buf, xt_cg_i64(cg, n->type->offsets[i])), n->type->elems[i],
				    xt_cg_expr(cg, e), e->type);
		return buf;
	}
	case XT_N_CAST:
		return cast(cg, n);
	case XT_N_INCDEC:
		return incdec(cg, n);
	case XT_N_INDEX:
		if (n->a->type->kind == XT_T_KVAL || n->a->type->kind == XT_T_STR)
			return xt_cg_copy_elem(cg, n);
		return xt_cg_kread(cg, n);
	case XT_N_BLOCK: /* $x = { ...; e } */
	case XT_N_IF:    /* $x = if (c) { a } else { b } */
		return xt_cg_block_value(cg, n);
	default:
		abort(); /* sema rejects every other kind */
	}
}
