/* Lowering of the typed AST to LLVM IR: one BPF function per probe, scratch
 * variables and temporaries in stack buffers, maps through helper calls. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "codegen/cg_int.h"
#include "stdlib/registry.h"

LLVMValueRef xt_cg_i64(struct xt_cg *cg, int64_t v) { return LLVMConstInt(cg->i64, (uint64_t)v, 1); }
LLVMValueRef xt_cg_i32(struct xt_cg *cg, int32_t v) { return LLVMConstInt(cg->i32, (uint64_t)(int64_t)v, 1); }

LLVMValueRef xt_cg_helper(struct xt_cg *cg, int id, bool ret_ptr, LLVMValueRef *args, unsigned n)
{
	LLVMTypeRef ptypes[8];
	for (unsigned i = 0; i < n; i++)
		ptypes[i] = LLVMTypeOf(args[i]);
	LLVMTypeRef ft = LLVMFunctionType(ret_ptr ? cg->ptr : cg->i64, ptypes, n, 0);
	/* Helpers are called through inttoptr(helper id). */
	LLVMValueRef fp = LLVMConstIntToPtr(LLVMConstInt(cg->i64, id, 0), cg->ptr);
	return LLVMBuildCall2(cg->b, ft, fp, args, n, "");
}

/* Temporaries of this size and more live in the per-CPU scratch map, not on
 * the 512-byte BPF stack: strings (max_strlen is 1024 by default), tuples
 * holding them, printf records. Small ones (ints, comm, short literals) stay
 * on the stack, so `@[comm] = count()` never looks the scratch map up. */
enum { SCRATCH_MIN = 33, SCRATCH_LIMIT = 32768 /* PCPU_MIN_UNIT_SIZE: a per-CPU value's limit */ };

static void zero_fill(struct xt_cg *cg, LLVMValueRef dst, int size, unsigned align);
static void di_function(struct xt_cg *cg, LLVMValueRef fn, const char *name, const char *const *pnames, int np, bool local);

/* An alloca in the function's entry block. */
static LLVMValueRef entry_alloca(struct xt_cg *cg, LLVMTypeRef ty, const char *name)
{
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(cg->b);
	LLVMValueRef first = LLVMGetFirstInstruction(cg->entry);
	if (first)
		LLVMPositionBuilderBefore(cg->b, first);
	else
		LLVMPositionBuilderAtEnd(cg->b, cg->entry);
	LLVMValueRef a = LLVMBuildAlloca(cg->b, ty, name);
	LLVMSetAlignment(a, 8);
	LLVMPositionBuilderAtEnd(cg->b, cur);
	return a;
}

/* The function's pointer to its probe's element of the scratch map. The
 * lookup runs once per invocation in blocks between the entry block and the
 * body (linked in by xt_cg_entry_done); the verifier wants the NULL check
 * even though a per-CPU array lookup of a valid index never fails. */
static LLVMValueRef scratch_base(struct xt_cg *cg)
{
	if (cg->scratch)
		return cg->scratch;
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(cg->b);
	LLVMValueRef key = entry_alloca(cg, cg->i32, "skey");
	LLVMBasicBlockRef look = xt_cg_block(cg, "scratch"), none = xt_cg_block(cg, "noscratch");
	cg->scratch_go = xt_cg_block(cg, "scratched");
	LLVMPositionBuilderAtEnd(cg->b, look);
	LLVMBuildStore(cg->b, xt_cg_i32(cg, cg->probe->index), key);
	LLVMValueRef args[] = { cg->scratch_map, key };
	cg->scratch = xt_cg_helper(cg, XT_H_MAP_LOOKUP, true, args, 2);
	LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, cg->scratch, ""), none, cg->scratch_go);
	LLVMPositionBuilderAtEnd(cg->b, none);
	LLVMBuildRet(cg->b, xt_cg_i64(cg, 0));
	LLVMPositionBuilderAtEnd(cg->b, cur);
	return cg->scratch;
}

/* A pointer to scratch offset off, computed once after the lookup. */
static LLVMValueRef scratch_at(struct xt_cg *cg, int off, const char *name)
{
	LLVMValueRef base = scratch_base(cg);
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(cg->b);
	LLVMPositionBuilderAtEnd(cg->b, cg->scratch_go);
	LLVMValueRef off_v = xt_cg_i64(cg, off);
	LLVMValueRef p = LLVMBuildGEP2(cg->b, cg->i8, base, &off_v, 1, name);
	LLVMPositionBuilderAtEnd(cg->b, cur);
	return p;
}

/* Bump allocation of `size` bytes of scratch: the offset. */
static int scratch_alloc(struct xt_cg *cg, int size)
{
	int off = cg->scratch_top;
	cg->scratch_top += (size + 7) / 8 * 8;
	if (cg->scratch_top > cg->scratch_max)
		cg->scratch_max = cg->scratch_top;
	return off;
}

/* Ends the entry block: straight into the body, or through the scratch
 * lookup when the function used scratch space. */
static void entry_done(struct xt_cg *cg, LLVMBasicBlockRef body)
{
	LLVMPositionBuilderAtEnd(cg->b, cg->entry);
	if (!cg->scratch) {
		LLVMBuildBr(cg->b, body);
		return;
	}
	LLVMBuildBr(cg->b, LLVMGetInstructionParent(cg->scratch));
	LLVMPositionBuilderAtEnd(cg->b, cg->scratch_go);
	LLVMBuildBr(cg->b, body);
}

/* Takes a free temporary of `size` bytes, or allocates one in the entry block
 * (or in scratch space when it is big).
 * Temporaries are released when the statement that took them ends, so the
 * stack grows with the largest statement, not with the program: a thousand
 * `@m["k"] = 1;` would otherwise pass the 512 bytes BPF allows. */
static LLVMValueRef tmp_take(struct xt_cg *cg, int size, const char *name)
{
	int idx = -1;
	for (int i = 0; i < cg->ntmps; i++)
		if (!cg->tmps[i].busy && cg->tmps[i].size == size) {
			idx = i;
			break;
		}
	if (idx < 0) {
		if (cg->ntmps == cg->captmps) {
			cg->captmps = cg->captmps ? cg->captmps * 2 : 32;
			cg->tmps = realloc(cg->tmps, sizeof(*cg->tmps) * cg->captmps);
			if (!cg->tmps)
				abort();
		}
		LLVMValueRef a = size >= SCRATCH_MIN ? scratch_at(cg, scratch_alloc(cg, size), name)
						     : entry_alloca(cg, LLVMArrayType(cg->i8, size), name);
		idx = cg->ntmps++;
		cg->tmps[idx] = (struct xt_cg_tmp){ a, size, false };
	}
	if (cg->nbusy == cg->capbusy) {
		cg->capbusy = cg->capbusy ? cg->capbusy * 2 : 32;
		cg->busy = realloc(cg->busy, sizeof(*cg->busy) * cg->capbusy);
		if (!cg->busy)
			abort();
	}
	cg->tmps[idx].busy = true;
	cg->busy[cg->nbusy++] = idx;
	return cg->tmps[idx].alloca;
}

static void tmp_release(struct xt_cg *cg, int mark)
{
	while (cg->nbusy > mark)
		cg->tmps[cg->busy[--cg->nbusy]].busy = false;
}

LLVMValueRef xt_cg_buf(struct xt_cg *cg, int size, const char *name)
{
	LLVMValueRef a = tmp_take(cg, size, name);
	/* Zeroed where it is used: the verifier wants every byte handed to a helper initialised. */
	zero_fill(cg, a, size, 8);
	return a;
}

void xt_cg_dead_end(struct xt_cg *cg)
{
	LLVMPositionBuilderAtEnd(cg->b, xt_cg_block(cg, "dead"));
}

LLVMValueRef xt_cg_gep(struct xt_cg *cg, LLVMValueRef p, LLVMValueRef off)
{
	return LLVMBuildGEP2(cg->b, cg->i8, p, &off, 1, "");
}

/* Copies and zero fills of more than 128 bytes go through
 * bpf_probe_read_kernel: the BPF backend expands memcpy and memset into at
 * most 128 stores, and beyond that emits a call to memcpy/memset that no BPF
 * program can make. Reading from NULL fails and zero-fills the destination
 * (the kernel documents it; bpftrace relies on it too). */
enum { INLINE_COPY_MAX = 128 };

void xt_cg_memcpy(struct xt_cg *cg, LLVMValueRef dst, LLVMValueRef src, int size)
{
	if (size > INLINE_COPY_MAX) {
		LLVMValueRef args[] = { dst, xt_cg_i64(cg, size), src };
		xt_cg_helper(cg, XT_H_READ_KERNEL, false, args, 3);
		return;
	}
	LLVMBuildMemCpy(cg->b, dst, 1, src, 1, xt_cg_i64(cg, size));
}

void xt_cg_probe_read(struct xt_cg *cg, LLVMValueRef dst, LLVMValueRef len, LLVMValueRef addr, bool str)
{
	LLVMValueRef args[] = { dst, len, LLVMBuildIntToPtr(cg->b, addr, cg->ptr, "") };
	LLVMBasicBlockRef kern = xt_cg_block(cg, "kread"), user = xt_cg_block(cg, "uread"), done = xt_cg_block(cg, "read");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntSLT, addr, xt_cg_i64(cg, 0), ""), kern, user);
	LLVMPositionBuilderAtEnd(cg->b, kern);
	xt_cg_helper(cg, str ? XT_H_READ_KERNEL_STR : XT_H_READ_KERNEL, false, args, 3);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, user);
	xt_cg_helper(cg, str ? XT_H_READ_USER_STR : XT_H_READ_USER, false, args, 3);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}

static void zero_fill(struct xt_cg *cg, LLVMValueRef dst, int size, unsigned align)
{
	if (size > INLINE_COPY_MAX) {
		LLVMValueRef args[] = { dst, xt_cg_i64(cg, size), LLVMConstNull(cg->ptr) };
		xt_cg_helper(cg, XT_H_READ_KERNEL, false, args, 3);
		return;
	}
	LLVMBuildMemSet(cg->b, dst, LLVMConstInt(cg->i8, 0, 0), xt_cg_i64(cg, size), align);
}

void xt_cg_memset(struct xt_cg *cg, LLVMValueRef dst, int size)
{
	zero_fill(cg, dst, size, 1);
}

LLVMValueRef xt_cg_map(struct xt_cg *cg, const struct xt_map_info *m)
{
	return cg->map_vars[m->id];
}

LLVMBasicBlockRef xt_cg_block(struct xt_cg *cg, const char *name)
{
	return LLVMAppendBasicBlockInContext(cg->ctx, cg->fn, name);
}

void xt_cg_return(struct xt_cg *cg)
{
	LLVMBuildRet(cg->b, xt_cg_i64(cg, 0));
}

static LLVMTypeRef int_type(struct xt_cg *cg, int size)
{
	switch (size) {
	case 1: return cg->i8;
	case 2: return cg->i16;
	case 4: return cg->i32;
	default: return cg->i64;
	}
}

static bool is_scalar(const struct xt_type *t)
{
	return t->kind == XT_T_INT || t->kind == XT_T_BOOL || t->kind == XT_T_PROBE ||
	       t->kind == XT_T_PTR || t->kind == XT_T_DATALOC || t->kind == XT_T_AGG ||
	       (t->kind == XT_T_RENDERED && t->size == 8) || t->kind == XT_T_ARRAY ||
	       (t->kind == XT_T_RECORD && t->btf_id); /* kernel structs and arrays: their address */
}

LLVMValueRef xt_cg_load(struct xt_cg *cg, LLVMValueRef p, const struct xt_type *t)
{
	if (!is_scalar(t))
		return p;
	int size = t->kind == XT_T_INT || t->kind == XT_T_BOOL ? t->size : 8;
	LLVMValueRef v = LLVMBuildLoad2(cg->b, int_type(cg, size), p, "");
	LLVMSetAlignment(v, 1);
	if (size == 8)
		return v;
	return t->kind == XT_T_INT && t->sign ? LLVMBuildSExt(cg->b, v, cg->i64, "")
					      : LLVMBuildZExt(cg->b, v, cg->i64, "");
}

void xt_cg_store(struct xt_cg *cg, LLVMValueRef dst, const struct xt_type *to,
		 LLVMValueRef v, const struct xt_type *from)
{
	if (is_scalar(to)) {
		int size = to->kind == XT_T_INT || to->kind == XT_T_BOOL ? to->size : 8;
		LLVMValueRef st = LLVMBuildStore(cg->b, size == 8 ? v : LLVMBuildTrunc(cg->b, v, int_type(cg, size), ""), dst);
		LLVMSetAlignment(st, 1);
		return;
	}
	if (to->kind == XT_T_KVAL && from->kind != XT_T_KVAL) { /* *p, s.f: v is the kernel address */
		xt_cg_kcopy(cg, dst, to->size, v);
		return;
	}
	if (to->kind == XT_T_TUPLE && from->kind == XT_T_TUPLE) {
		for (int i = 0; i < to->n; i++) {
			LLVMValueRef src = xt_cg_gep(cg, v, xt_cg_i64(cg, from->offsets[i]));
			xt_cg_store(cg, xt_cg_gep(cg, dst, xt_cg_i64(cg, to->offsets[i])), to->elems[i],
				    xt_cg_load(cg, src, from->elems[i]), from->elems[i]);
		}
		return;
	}
	int n = from->size < to->size ? from->size : to->size;
	if (from->size < to->size)
		xt_cg_memset(cg, dst, to->size);
	xt_cg_memcpy(cg, dst, v, n);
	if (to->kind == XT_T_STR && n == to->size) /* keep the terminator when truncating */
		LLVMBuildStore(cg->b, LLVMConstInt(cg->i8, 0, 0), xt_cg_gep(cg, dst, xt_cg_i64(cg, n - 1)));
}

void xt_cg_event(struct xt_cg *cg, const struct xt_builtin *b, uint32_t id, LLVMValueRef buf, int size)
{
	LLVMValueRef st = LLVMBuildStore(cg->b, xt_cg_i32(cg, (int)xt_builtin_index(b)), buf);
	LLVMSetAlignment(st, 4);
	st = LLVMBuildStore(cg->b, xt_cg_i32(cg, (int)id), xt_cg_gep(cg, buf, xt_cg_i64(cg, 4)));
	LLVMSetAlignment(st, 4);
	LLVMValueRef args[] = { cg->ringbuf, buf, xt_cg_i64(cg, size + 8), xt_cg_i64(cg, 0) };
	LLVMValueRef r = xt_cg_helper(cg, XT_H_RINGBUF_OUTPUT, false, args, 4);
	xt_cg_count_lost(cg, 0, LLVMBuildICmp(cg->b, LLVMIntNE, r, xt_cg_i64(cg, 0), ""));
}

/* The subprogram `i64 xt_lost(i64 probe, i64 what)`: lost[probe][what] += 1
 * on this CPU. A call, not inline code: every map update and ring-buffer
 * record checks its result, and an inlined map lookup at each of a
 * thousand sites would grow the program and the kernel's time to patch it
 * (each inlined lookup moves the whole program). */
static LLVMValueRef lost_fn(struct xt_cg *cg)
{
	LLVMValueRef fn = LLVMGetNamedFunction(cg->mod, "xt_lost");
	if (fn)
		return fn;
	LLVMTypeRef params[2] = { cg->i64, cg->i64 };
	fn = LLVMAddFunction(cg->mod, "xt_lost", LLVMFunctionType(cg->i64, params, 2, 0));
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
		LLVMCreateEnumAttribute(cg->ctx, LLVMGetEnumAttributeKindForName("noinline", 8), 0));
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
		LLVMCreateEnumAttribute(cg->ctx, LLVMGetEnumAttributeKindForName("nounwind", 8), 0));
	static const char *const pn[] = { "probe", "what" };
	di_function(cg, fn, "xt_lost", pn, 2, true);
	LLVMBuilderRef saved = cg->b;
	cg->b = LLVMCreateBuilderInContext(cg->ctx);
	LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(cg->ctx, fn, "entry"),
			  inc = LLVMAppendBasicBlockInContext(cg->ctx, fn, "inc"),
			  done = LLVMAppendBasicBlockInContext(cg->ctx, fn, "done");
	LLVMPositionBuilderAtEnd(cg->b, entry);
	LLVMValueRef key = LLVMBuildAlloca(cg->b, cg->i32, "key");
	LLVMBuildStore(cg->b, LLVMBuildTrunc(cg->b, LLVMGetParam(fn, 0), cg->i32, ""), key);
	LLVMValueRef args[] = { cg->lost_map, key };
	LLVMValueRef p = xt_cg_helper(cg, XT_H_MAP_LOOKUP, true, args, 2);
	LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, p, ""), done, inc);
	LLVMPositionBuilderAtEnd(cg->b, inc);
	LLVMValueRef off = LLVMBuildShl(cg->b, LLVMBuildAnd(cg->b, LLVMGetParam(fn, 1), xt_cg_i64(cg, 1), ""),
					xt_cg_i64(cg, 3), "");
	LLVMValueRef slot = xt_cg_gep(cg, p, off);
	LLVMBuildStore(cg->b, LLVMBuildAdd(cg->b, LLVMBuildLoad2(cg->b, cg->i64, slot, ""), xt_cg_i64(cg, 1), ""), slot);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	LLVMBuildRet(cg->b, xt_cg_i64(cg, 0));
	LLVMDisposeBuilder(cg->b);
	cg->b = saved;
	return fn;
}

/* Nothing is dropped silently: counts a loss when `cond` holds (NULL: now). */
void xt_cg_count_lost(struct xt_cg *cg, int what, LLVMValueRef cond)
{
	LLVMValueRef fn = lost_fn(cg);
	LLVMValueRef args[] = { xt_cg_i64(cg, cg->probe->index), xt_cg_i64(cg, what) };
	LLVMBasicBlockRef lost = NULL, go = NULL;
	if (cond) {
		lost = xt_cg_block(cg, "lost");
		go = xt_cg_block(cg, "notlost");
		LLVMBuildCondBr(cg->b, cond, lost, go);
		LLVMPositionBuilderAtEnd(cg->b, lost);
	}
	LLVMValueRef call = LLVMBuildCall2(cg->b, LLVMGlobalGetValueType(fn), fn, args, 2, "");
	/* a call to a function with debug info needs a location (the verifier of the IR says) */
	LLVMInstructionSetDebugLoc(call, LLVMDIBuilderCreateDebugLocation(cg->ctx, 1, 1, LLVMGetSubprogram(cg->fn), NULL));
	if (cond) {
		LLVMBuildBr(cg->b, go);
		LLVMPositionBuilderAtEnd(cg->b, go);
	}
}

LLVMValueRef xt_cg_site(struct xt_cg *cg)
{
	const struct xt_probe_info *p = cg->probe;
	if (p->nsites == 1)
		return xt_cg_i64(cg, p->sites[0].id);
	if (cg->site)
		return cg->site;
	return xt_cg_helper(cg, XT_H_ATTACH_COOKIE, false, &cg->ctxarg, 1);
}

LLVMValueRef xt_cg_lookup_or_init(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key, LLVMValueRef init)
{
	LLVMValueRef map = xt_cg_map(cg, m);
	LLVMValueRef largs[] = { map, key };
	LLVMValueRef p = xt_cg_helper(cg, XT_H_MAP_LOOKUP, true, largs, 2);
	LLVMBasicBlockRef here = LLVMGetInsertBlock(cg->b);
	LLVMBasicBlockRef miss = xt_cg_block(cg, "miss"), again = xt_cg_block(cg, "again"),
			  fail = xt_cg_block(cg, "full"), done = xt_cg_block(cg, "found");
	LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, p, ""), miss, done);
	LLVMPositionBuilderAtEnd(cg->b, miss);
	LLVMValueRef uargs[] = { map, key, init, xt_cg_i64(cg, 0) };
	xt_cg_helper(cg, XT_H_MAP_UPDATE, false, uargs, 4);
	LLVMBuildBr(cg->b, again);
	LLVMPositionBuilderAtEnd(cg->b, again);
	LLVMValueRef p2 = xt_cg_helper(cg, XT_H_MAP_LOOKUP, true, largs, 2);
	LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, p2, ""), fail, done);
	/* The map is full: count it, and let this one update land in a
	 * throw-away slot, so the rest of the probe (an exit() ...) still runs. */
	LLVMPositionBuilderAtEnd(cg->b, fail);
	xt_cg_count_lost(cg, 1, NULL);
	LLVMValueRef discard = tmp_take(cg, m->value_size, "discard");
	zero_fill(cg, discard, m->value_size, 8);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	LLVMValueRef phi = LLVMBuildPhi(cg->b, cg->ptr, "");
	LLVMValueRef vals[] = { p, p2, discard };
	LLVMBasicBlockRef from[] = { here, again, fail };
	LLVMAddIncoming(phi, vals, from, 3);
	return phi;
}

/* BPF before cpu v4 has no signed division: divide magnitudes, then fix the sign. */
LLVMValueRef xt_cg_sdivrem(struct xt_cg *cg, LLVMValueRef a, LLVMValueRef b, bool rem)
{
	LLVMBuilderRef B = cg->b;
	LLVMValueRef zero = xt_cg_i64(cg, 0);
	LLVMValueRef an = LLVMBuildICmp(B, LLVMIntSLT, a, zero, ""), bn = LLVMBuildICmp(B, LLVMIntSLT, b, zero, "");
	LLVMValueRef ua = LLVMBuildSelect(B, an, LLVMBuildNeg(B, a, ""), a, "");
	LLVMValueRef ub = LLVMBuildSelect(B, bn, LLVMBuildNeg(B, b, ""), b, "");
	if (rem) { /* C: the remainder takes the dividend's sign */
		LLVMValueRef r = LLVMBuildURem(B, ua, ub, "");
		return LLVMBuildSelect(B, an, LLVMBuildNeg(B, r, ""), r, "");
	}
	LLVMValueRef q = LLVMBuildUDiv(B, ua, ub, "");
	return LLVMBuildSelect(B, LLVMBuildXor(B, an, bn, ""), LLVMBuildNeg(B, q, ""), q, "");
}

/* --- expressions ------------------------------------------------------------ */

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

LLVMValueRef xt_cg_flag_join(struct xt_cg *cg, LLVMBasicBlockRef yes, LLVMBasicBlockRef no)
{
	LLVMBasicBlockRef join = xt_cg_block(cg, "flag");
	LLVMPositionBuilderAtEnd(cg->b, yes);
	LLVMBuildBr(cg->b, join);
	LLVMPositionBuilderAtEnd(cg->b, no);
	LLVMBuildBr(cg->b, join);
	LLVMPositionBuilderAtEnd(cg->b, join);
	LLVMValueRef phi = LLVMBuildPhi(cg->b, cg->i64, "");
	LLVMValueRef vals[] = { xt_cg_i64(cg, 1), xt_cg_i64(cg, 0) };
	LLVMBasicBlockRef from[] = { yes, no };
	LLVMAddIncoming(phi, vals, from, 2);
	return phi;
}

LLVMValueRef xt_cg_str_eq(struct xt_cg *cg, LLVMValueRef a, int sa, LLVMValueRef b, int sb, int lim)
{
	LLVMBuilderRef B = cg->b;
	int n = lim < sa ? lim : sa;
	n = n < sb ? n : sb;
	LLVMBasicBlockRef yes = xt_cg_block(cg, "streq"), no = xt_cg_block(cg, "strne");
	for (int i = 0; i < n; i++) {
		LLVMValueRef ca = LLVMBuildLoad2(B, cg->i8, xt_cg_gep(cg, a, xt_cg_i64(cg, i)), "");
		LLVMValueRef cb = LLVMBuildLoad2(B, cg->i8, xt_cg_gep(cg, b, xt_cg_i64(cg, i)), "");
		LLVMBasicBlockRef same = xt_cg_block(cg, "same"), next = xt_cg_block(cg, "next");
		LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntEQ, ca, cb, ""), same, no);
		LLVMPositionBuilderAtEnd(B, same);
		LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntEQ, ca, LLVMConstInt(cg->i8, 0, 0), ""), yes, next);
		LLVMPositionBuilderAtEnd(B, next);
	}
	if (lim > n && sa != sb) /* n bytes agree and no NUL yet: equal only if the longer ends here */
		LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntEQ,
			LLVMBuildLoad2(B, cg->i8, xt_cg_gep(cg, sa > sb ? a : b, xt_cg_i64(cg, n)), ""),
			LLVMConstInt(cg->i8, 0, 0), ""), yes, no);
	else
		LLVMBuildBr(B, yes);
	return xt_cg_flag_join(cg, yes, no);
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

static bool is_signed(const struct xt_type *t)
{
	return t->kind == XT_T_INT && t->sign;
}

static bool is_u64(const struct xt_type *t)
{
	return (t->kind == XT_T_INT && !t->sign && t->size == 8) || t->kind == XT_T_PTR;
}

static LLVMValueRef binop(struct xt_cg *cg, struct xt_node *n)
{
	if (n->op == XT_OP_LAND || n->op == XT_OP_LOR)
		return logical(cg, n);
	const struct xt_type *ta = n->a->type, *tb = n->b->type;
	LLVMValueRef a = xt_cg_expr(cg, n->a), b = xt_cg_expr(cg, n->b);
	if (ta->kind == XT_T_STR) {
		LLVMValueRef eq = xt_cg_str_eq(cg, a, ta->size, b, tb->size, INT_MAX);
		return n->op == XT_OP_EQ ? eq : LLVMBuildXor(cg->b, eq, xt_cg_i64(cg, 1), "");
	}
	if ((n->op == XT_OP_ADD || n->op == XT_OP_SUB) && (ta->kind == XT_T_PTR || tb->kind == XT_T_PTR) &&
	    (n->type->kind == XT_T_PTR || (ta->kind == XT_T_PTR && tb->kind == XT_T_PTR)))
		return xt_cg_ptr_arith(cg, n, a, b);
	bool sign = is_signed(n->type) || (is_signed(ta) && is_signed(tb));
	LLVMBuilderRef B = cg->b;
	LLVMValueRef zero = xt_cg_i64(cg, 0);
	switch (n->op) {
	case XT_OP_ADD: return LLVMBuildAdd(B, a, b, "");
	case XT_OP_SUB: return LLVMBuildSub(B, a, b, "");
	case XT_OP_MUL: return LLVMBuildMul(B, a, b, "");
	case XT_OP_DIV:
	case XT_OP_MOD: {
		/* Division by zero is defined: the result is 0. */
		LLVMValueRef isz = LLVMBuildICmp(B, LLVMIntEQ, b, zero, "");
		LLVMValueRef safe = LLVMBuildSelect(B, isz, xt_cg_i64(cg, 1), b, "");
		LLVMValueRef r = sign ? xt_cg_sdivrem(cg, a, safe, n->op == XT_OP_MOD)
				      : n->op == XT_OP_DIV ? LLVMBuildUDiv(B, a, safe, "") : LLVMBuildURem(B, a, safe, "");
		return LLVMBuildSelect(B, isz, zero, r, "");
	}
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
	LLVMBasicBlockRef here = LLVMGetInsertBlock(cg->b);
	LLVMBasicBlockRef found = xt_cg_block(cg, "found"), join = xt_cg_block(cg, "read");
	LLVMValueRef result;
	if (is_scalar(t)) {
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

static LLVMValueRef cast(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef v = xt_cg_expr(cg, n->a);
	const struct xt_type *t = n->type;
	if (t->kind == XT_T_BOOL)
		return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, v, xt_cg_i64(cg, 0), ""), cg->i64, "");
	if (t->kind != XT_T_INT || t->size == 8)
		return v;
	LLVMValueRef tr = LLVMBuildTrunc(cg->b, v, int_type(cg, t->size), "");
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

LLVMValueRef xt_cg_expr(struct xt_cg *cg, struct xt_node *n)
{
	switch (n->kind) {
	case XT_N_INT:
		return xt_cg_i64(cg, (int64_t)n->ival);
	case XT_N_STR:
		return str_literal(cg, n);
	case XT_N_BINOP:
		return binop(cg, n);
	case XT_N_UNOP: {
		if (n->op == XT_OP_DEREF)
			return xt_cg_kread(cg, n);
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
	case XT_N_TERNARY: {
		LLVMValueRef c = xt_cg_expr(cg, n->a);
		LLVMBasicBlockRef yes = xt_cg_block(cg, "then"), no = xt_cg_block(cg, "else"),
				  join = xt_cg_block(cg, "cond");
		/* without a value (branches such as printf()): a statement that runs one */
		bool none = n->type->kind == XT_T_VOID, scalar = is_scalar(n->type);
		LLVMValueRef buf = scalar || none ? NULL : xt_cg_buf(cg, n->type->size, "cond");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, c, xt_cg_i64(cg, 0), ""), yes, no);
		LLVMValueRef vals[2];
		LLVMBasicBlockRef from[2];
		struct xt_node *arms[2] = { n->b, n->c };
		LLVMBasicBlockRef blocks[2] = { yes, no };
		for (int i = 0; i < 2; i++) {
			LLVMPositionBuilderAtEnd(cg->b, blocks[i]);
			vals[i] = xt_cg_expr(cg, arms[i]);
			if (buf)
				xt_cg_store(cg, buf, n->type, vals[i], arms[i]->type);
			from[i] = LLVMGetInsertBlock(cg->b);
			LLVMBuildBr(cg->b, join);
		}
		LLVMPositionBuilderAtEnd(cg->b, join);
		if (!scalar)
			return buf; /* NULL without a value */
		LLVMValueRef phi = LLVMBuildPhi(cg->b, cg->i64, "");
		LLVMAddIncoming(phi, vals, from, 2);
		return phi;
	}
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
		return xt_cg_kread(cg, n);
	default:
		abort(); /* sema rejects every other kind */
	}
}

/* --- statements ------------------------------------------------------------- */

static void stmts(struct xt_cg *cg, struct xt_node *list);

static LLVMValueRef compound(struct xt_cg *cg, int op, LLVMValueRef old, LLVMValueRef v, const struct xt_type *t)
{
	LLVMBuilderRef B = cg->b;
	bool sign = is_signed(t);
	LLVMValueRef zero = xt_cg_i64(cg, 0), isz, safe;
	switch (op) {
	case XT_OP_ADD: return LLVMBuildAdd(B, old, v, "");
	case XT_OP_SUB: return LLVMBuildSub(B, old, v, "");
	case XT_OP_MUL: return LLVMBuildMul(B, old, v, "");
	case XT_OP_DIV: case XT_OP_MOD:
		isz = LLVMBuildICmp(B, LLVMIntEQ, v, zero, "");
		safe = LLVMBuildSelect(B, isz, xt_cg_i64(cg, 1), v, "");
		return LLVMBuildSelect(B, isz, zero, sign ? xt_cg_sdivrem(cg, old, safe, op == XT_OP_MOD)
			: op == XT_OP_DIV ? LLVMBuildUDiv(B, old, safe, "") : LLVMBuildURem(B, old, safe, ""), "");
	case XT_OP_BAND: return LLVMBuildAnd(B, old, v, "");
	case XT_OP_BOR: return LLVMBuildOr(B, old, v, "");
	case XT_OP_BXOR: return LLVMBuildXor(B, old, v, "");
	case XT_OP_SHL: return LLVMBuildShl(B, old, LLVMBuildAnd(B, v, xt_cg_i64(cg, 63), ""), "");
	default: return sign ? LLVMBuildAShr(B, old, LLVMBuildAnd(B, v, xt_cg_i64(cg, 63), ""), "")
			     : LLVMBuildLShr(B, old, LLVMBuildAnd(B, v, xt_cg_i64(cg, 63), ""), "");
	}
}

static void assign_map(struct xt_cg *cg, struct xt_node *st)
{
	struct xt_node *mn = st->a;
	const struct xt_map_info *m = mn->sym;
	if (m->val->kind == XT_T_AGG) {
		const struct xt_builtin *b = st->b->sym;
		LLVMValueRef key = xt_cg_map_key(cg, m, mn);
		b->emit_agg(cg, m, key, st->b);
		return;
	}
	LLVMValueRef v = xt_cg_expr(cg, st->b);
	if (st->op != XT_OP_ASSIGN)
		v = compound(cg, st->op, xt_cg_map_read(cg, mn), v, m->val);
	LLVMValueRef key = xt_cg_map_key(cg, m, mn);
	LLVMValueRef val = xt_cg_buf(cg, m->value_size, "val");
	xt_cg_store(cg, val, m->val, v, st->b->type);
	LLVMValueRef args[] = { xt_cg_map(cg, m), key, val, xt_cg_i64(cg, 0) };
	LLVMValueRef r = xt_cg_helper(cg, XT_H_MAP_UPDATE, false, args, 4);
	xt_cg_count_lost(cg, 1, LLVMBuildICmp(cg->b, LLVMIntNE, r, xt_cg_i64(cg, 0), "")); /* full */
}

static void map_loop(struct xt_cg *cg, struct xt_node *st);

/* A loop: the body runs with break/continue aimed at `brk`/`cont`. */
static void loop_body(struct xt_cg *cg, struct xt_node *blk, LLVMBasicBlockRef brk, LLVMBasicBlockRef cont)
{
	LLVMBasicBlockRef ob = cg->brk, oc = cg->cont;
	cg->brk = brk;
	cg->cont = cont;
	stmts(cg, blk->list);
	cg->brk = ob;
	cg->cont = oc;
}

static void jump_out(struct xt_cg *cg, LLVMBasicBlockRef to, int cb_ret)
{
	if (to)
		LLVMBuildBr(cg->b, to);
	else /* the top of a map-loop callback: 1 stops the iteration, 0 goes on */
		LLVMBuildRet(cg->b, xt_cg_i64(cg, cb_ret));
	xt_cg_dead_end(cg);
}

static void stmt_(struct xt_cg *cg, struct xt_node *st);

static void stmt(struct xt_cg *cg, struct xt_node *st)
{
	int mark = cg->nbusy;
	stmt_(cg, st);
	tmp_release(cg, mark);
}

static void stmt_(struct xt_cg *cg, struct xt_node *st)
{
	switch (st->kind) {
	case XT_N_LET: {
		const struct xt_type *t = cg->probe->var_types[st->a->aux];
		if (st->b)
			xt_cg_store(cg, cg->vars[st->a->aux], t, xt_cg_expr(cg, st->b), st->b->type);
		else
			xt_cg_memset(cg, cg->vars[st->a->aux], t->size);
		break;
	}
	case XT_N_WHILE: {
		LLVMBasicBlockRef cond = xt_cg_block(cg, "while"), body = xt_cg_block(cg, "do"), end = xt_cg_block(cg, "wend");
		LLVMBuildBr(cg->b, cond);
		LLVMPositionBuilderAtEnd(cg->b, cond);
		int mark = cg->nbusy;
		LLVMValueRef c = xt_cg_expr(cg, st->a);
		tmp_release(cg, mark);
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, c, xt_cg_i64(cg, 0), ""), body, end);
		LLVMPositionBuilderAtEnd(cg->b, body);
		loop_body(cg, st->b, end, cond);
		LLVMBuildBr(cg->b, cond);
		LLVMPositionBuilderAtEnd(cg->b, end);
		break;
	}
	case XT_N_UNROLL:
		for (uint64_t i = 0; i < st->a->ival; i++)
			stmts(cg, st->b->list);
		break;
	case XT_N_FOR: {
		if (st->b->kind != XT_N_RANGE) {
			map_loop(cg, st);
			break;
		}
		LLVMValueRef var = cg->vars[st->a->aux];
		LLVMValueRef to = tmp_take(cg, 8, "to");
		LLVMBuildStore(cg->b, xt_cg_expr(cg, st->b->a), var);
		LLVMBuildStore(cg->b, xt_cg_expr(cg, st->b->b), to);
		LLVMBasicBlockRef cond = xt_cg_block(cg, "for"), body = xt_cg_block(cg, "fbody"),
				  step = xt_cg_block(cg, "fstep"), end = xt_cg_block(cg, "fend");
		LLVMBuildBr(cg->b, cond);
		LLVMPositionBuilderAtEnd(cg->b, cond);
		LLVMValueRef i = LLVMBuildLoad2(cg->b, cg->i64, var, "");
		LLVMValueRef lim = LLVMBuildLoad2(cg->b, cg->i64, to, "");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntSLT, i, lim, ""), body, end);
		LLVMPositionBuilderAtEnd(cg->b, body);
		loop_body(cg, st->c, end, step);
		LLVMBuildBr(cg->b, step);
		LLVMPositionBuilderAtEnd(cg->b, step);
		LLVMBuildStore(cg->b, LLVMBuildAdd(cg->b, LLVMBuildLoad2(cg->b, cg->i64, var, ""), xt_cg_i64(cg, 1), ""), var);
		LLVMBuildBr(cg->b, cond);
		LLVMPositionBuilderAtEnd(cg->b, end);
		break;
	}
	case XT_N_BREAK:
		jump_out(cg, cg->brk, 1);
		break;
	case XT_N_CONTINUE:
		jump_out(cg, cg->cont, 0);
		break;
	case XT_N_RETURN:
		if (st->a)
			xt_cg_expr(cg, st->a);
		xt_cg_return(cg);
		xt_cg_dead_end(cg);
		break;
	case XT_N_EXPR_STMT:
		xt_cg_expr(cg, st->a);
		break;
	case XT_N_ASSIGN:
		if (st->a->kind == XT_N_MAP) {
			assign_map(cg, st);
		} else {
			const struct xt_type *t = cg->probe->var_types[st->a->aux];
			LLVMValueRef v = xt_cg_expr(cg, st->b);
			if (t->kind == XT_T_PTR && st->op != XT_OP_ASSIGN) /* $p += i: by i elements */
				v = LLVMBuildMul(cg->b, v, xt_cg_i64(cg, xt_cg_ptr_step(t)), "");
			if (st->op != XT_OP_ASSIGN)
				v = compound(cg, st->op, xt_cg_load(cg, cg->vars[st->a->aux], t), v, t);
			xt_cg_store(cg, cg->vars[st->a->aux], t, v, st->b->type);
		}
		break;
	case XT_N_IF: {
		LLVMValueRef c = xt_cg_expr(cg, st->a);
		LLVMBasicBlockRef yes = xt_cg_block(cg, "if"), no = xt_cg_block(cg, "else"),
				  join = xt_cg_block(cg, "endif");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, c, xt_cg_i64(cg, 0), ""), yes, no);
		LLVMPositionBuilderAtEnd(cg->b, yes);
		stmts(cg, st->b->list);
		LLVMBuildBr(cg->b, join);
		LLVMPositionBuilderAtEnd(cg->b, no);
		if (st->c)
			st->c->kind == XT_N_IF ? stmt(cg, st->c) : stmts(cg, st->c->list);
		LLVMBuildBr(cg->b, join);
		LLVMPositionBuilderAtEnd(cg->b, join);
		break;
	}
	case XT_N_BLOCK:
		stmts(cg, st->list);
		break;
	default:
		abort(); /* sema rejects every other kind */
	}
}

static void stmts(struct xt_cg *cg, struct xt_node *list)
{
	for (struct xt_node *st = list; st; st = st->next)
		stmt(cg, st);
}

/* Debug info for a function: the kernel takes BTF func info from it, which
 * it needs for callbacks (for_each_map_elem: "missing btf func_info"). Its
 * parameters must be named, or the kernel rejects the BTF. */
static void di_function(struct xt_cg *cg, LLVMValueRef fn, const char *name, const char *const *pnames, int np, bool local)
{
	LLVMMetadataRef i64t = LLVMDIBuilderCreateBasicType(cg->di, "long", 4, 64, 0x05, LLVMDIFlagZero);
	LLVMMetadataRef voidp = LLVMDIBuilderCreatePointerType(cg->di, NULL, 64, 64, 0, "", 0);
	LLVMMetadataRef types[8] = { i64t };
	for (int i = 0; i < np; i++)
		types[i + 1] = voidp;
	LLVMMetadataRef sty = LLVMDIBuilderCreateSubroutineType(cg->di, cg->di_file, types, (unsigned)np + 1, LLVMDIFlagZero);
	LLVMMetadataRef sp = LLVMDIBuilderCreateFunction(cg->di, cg->di_file, name, strlen(name), name, strlen(name),
		cg->di_file, 1, sty, local, 1, 1, LLVMDIFlagPrototyped, 1);
	for (int i = 0; i < np; i++)
		LLVMDIBuilderCreateParameterVariable(cg->di, sp, pnames[i], strlen(pnames[i]), (unsigned)i + 1,
						     cg->di_file, 1, voidp, 1, LLVMDIFlagZero);
	LLVMSetSubprogram(fn, sp);
}

LLVMValueRef xt_cg_callback(struct xt_cg *cg, const char *name)
{
	LLVMTypeRef params[4] = { cg->ptr, cg->ptr, cg->ptr, cg->ptr };
	LLVMValueRef fn = LLVMAddFunction(cg->mod, name, LLVMFunctionType(cg->i64, params, 4, 0));
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	static const char *const pn[] = { "map", "key", "value", "ctx" };
	di_function(cg, fn, name, pn, 4, true);
	return fn;
}

/* Scratch variables: one buffer each, or, in a probe with a map loop,
 * slices of one frame in scratch space that the loop's callback reaches
 * through its own lookup of the probe's scratch element. */
static LLVMValueRef *var_slots(struct xt_cg *cg, const struct xt_probe_info *p, LLVMValueRef frame)
{
	LLVMValueRef *vars = calloc(p->nvars + 1, sizeof(*vars));
	int off = 0;
	for (int i = 0; i < p->nvars; i++) {
		if (frame) {
			vars[i] = xt_cg_gep(cg, frame, xt_cg_i64(cg, off));
			off += (p->var_types[i]->size + 7) / 8 * 8;
		} else {
			vars[i] = xt_cg_buf(cg, p->var_types[i]->size, "var");
		}
	}
	return vars;
}

/* The frame: the variables, then a u64 that a callback sets when exit()
 * stopped the probe inside it (its callers then return too). */
static int frame_stop_off(const struct xt_probe_info *p)
{
	int off = 0;
	for (int i = 0; i < p->nvars; i++)
		off += (p->var_types[i]->size + 7) / 8 * 8;
	return off;
}

static int frame_size(const struct xt_probe_info *p)
{
	return frame_stop_off(p) + 8;
}

void xt_cg_stop(struct xt_cg *cg)
{
	if (cg->in_callback) { /* 1 also ends bpf_for_each_map_elem's iteration */
		LLVMValueRef st = LLVMBuildStore(cg->b, xt_cg_i64(cg, 1),
			scratch_at(cg, cg->frame_off + frame_stop_off(cg->probe), "stopped"));
		LLVMSetAlignment(st, 8);
		LLVMBuildRet(cg->b, xt_cg_i64(cg, 1));
		cg->stops = true;
	} else {
		xt_cg_return(cg);
	}
	xt_cg_dead_end(cg);
}

/* for ($kv : @m) { body }: the body becomes a static callback of
 * bpf_for_each_map_elem, sharing the probe's variables through the frame.
 * The frame is in scratch space, which bpf_for_each_map_elem cannot pass
 * (its context must be on the stack), so the callback finds it at the same
 * offset of the probe's scratch element; its own temporaries go above the
 * caller's. */
static void map_loop(struct xt_cg *cg, struct xt_node *st)
{
	const struct xt_map_info *m = st->b->sym;
	const struct xt_probe_info *p = cg->probe;
	struct xt_cg saved = *cg;
	LLVMBasicBlockRef resume = LLVMGetInsertBlock(cg->b);

	LLVMValueRef fn = xt_cg_callback(cg, xt_arena_printf(cg->prog->ar, "%s_each%d", p->fn_name, st->aux));
	cg->fn = fn;
	cg->ctxarg = NULL;
	cg->in_callback = true;
	cg->stops = false;
	cg->brk = cg->cont = NULL;
	cg->tmps = NULL;
	cg->busy = NULL;
	cg->ntmps = cg->captmps = cg->nbusy = cg->capbusy = 0;
	cg->entry = xt_cg_block(cg, "entry");
	cg->scratch = NULL;
	LLVMBasicBlockRef body = xt_cg_block(cg, "body");
	LLVMPositionBuilderAtEnd(cg->b, body);
	cg->vars = var_slots(cg, p, scratch_at(cg, cg->frame_off, "frame"));

	const struct xt_type *kv = p->var_types[st->a->aux];
	LLVMValueRef slot = cg->vars[st->a->aux];
	LLVMValueRef kslot = xt_cg_gep(cg, slot, xt_cg_i64(cg, kv->offsets[0]));
	LLVMValueRef vslot = xt_cg_gep(cg, slot, xt_cg_i64(cg, kv->offsets[1]));
	LLVMValueRef key = xt_cg_buf(cg, m->key_size, "key");
	xt_cg_memcpy(cg, key, LLVMGetParam(fn, 1), m->key_size);
	if (m->key)
		xt_cg_store(cg, kslot, kv->elems[0], xt_cg_load(cg, key, m->key), m->key);
	else
		xt_cg_store(cg, kslot, kv->elems[0], xt_cg_i64(cg, 0), &xt_s64);
	if (m->val->kind == XT_T_AGG)
		xt_cg_store(cg, vslot, kv->elems[1], m->val->agg->emit_read(cg, m, key), &xt_s64);
	else
		xt_cg_store(cg, vslot, kv->elems[1], xt_cg_load(cg, LLVMGetParam(fn, 2), m->val), m->val);
	stmts(cg, st->c->list);
	LLVMBuildRet(cg->b, xt_cg_i64(cg, 0));
	entry_done(cg, body);
	free(cg->vars);
	free(cg->tmps);
	free(cg->busy);

	int need = cg->scratch_max;
	bool stops = cg->stops;
	*cg = saved;
	if (need > cg->scratch_max)
		cg->scratch_max = need;
	LLVMPositionBuilderAtEnd(cg->b, resume);
	LLVMValueRef args[] = { xt_cg_map(cg, m), fn, LLVMConstNull(cg->ptr), xt_cg_i64(cg, 0) };
	xt_cg_helper(cg, XT_H_FOR_EACH_MAP, false, args, 4);
	if (!stops)
		return;
	/* exit() in the body: the rest of this function does not run either */
	LLVMValueRef flag = LLVMBuildLoad2(cg->b, cg->i64,
		scratch_at(cg, cg->frame_off + frame_stop_off(p), "stopped"), "");
	LLVMBasicBlockRef stop = xt_cg_block(cg, "stop"), go = xt_cg_block(cg, "go");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, flag, xt_cg_i64(cg, 0), ""), stop, go);
	LLVMPositionBuilderAtEnd(cg->b, stop);
	xt_cg_stop(cg);
	LLVMBuildBr(cg->b, go);
	LLVMPositionBuilderAtEnd(cg->b, go);
}

/* The REPL's per-site hit counter (opts.count_hits): hits[site - site_base]
 * += 1 on this CPU, in place through the looked-up pointer. Counted after the
 * provider's prologue, which filters (a syscall probe served by the raw
 * sys_enter tracepoint runs on every syscall), and before the predicate. */
static void count_hit(struct xt_cg *cg)
{
	LLVMValueRef map = cg->prog->opts.count_hits ? LLVMGetNamedGlobal(cg->mod, "hits") : NULL;
	if (!map)
		return;
	int mark = cg->nbusy;
	LLVMValueRef key = xt_cg_buf(cg, 4, "hit");
	LLVMValueRef idx = LLVMBuildSub(cg->b, xt_cg_site(cg), xt_cg_i64(cg, cg->prog->opts.site_base), "");
	LLVMBuildStore(cg->b, LLVMBuildTrunc(cg->b, idx, cg->i32, ""), key);
	LLVMValueRef args[] = { map, key };
	LLVMValueRef v = xt_cg_helper(cg, XT_H_MAP_LOOKUP, true, args, 2);
	LLVMBasicBlockRef inc = xt_cg_block(cg, "hit"), go = xt_cg_block(cg, "counted");
	LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, v, ""), go, inc);
	LLVMPositionBuilderAtEnd(cg->b, inc);
	LLVMValueRef n = LLVMBuildLoad2(cg->b, cg->i64, v, "");
	LLVMBuildStore(cg->b, LLVMBuildAdd(cg->b, n, xt_cg_i64(cg, 1), ""), v);
	LLVMBuildBr(cg->b, go);
	LLVMPositionBuilderAtEnd(cg->b, go);
	tmp_release(cg, mark);
}

static void probe_fn(struct xt_cg *cg, const struct xt_probe_info *p)
{
	LLVMTypeRef ft = LLVMFunctionType(cg->i64, &cg->ptr, 1, 0);
	cg->probe = p;
	cg->fn = LLVMAddFunction(cg->mod, p->fn_name, ft);
	/* nounwind: no .eh_frame for libbpf to skip */
	LLVMAddAttributeAtIndex(cg->fn, LLVMAttributeFunctionIndex,
		LLVMCreateEnumAttribute(cg->ctx, LLVMGetEnumAttributeKindForName("nounwind", 8), 0));
	LLVMSetSection(cg->fn, p->prov->section_of ? p->prov->section_of(p) : p->prov->section);
	static const char *const pn[] = { "ctx" };
	di_function(cg, cg->fn, p->fn_name, pn, 1, false);
	cg->site = NULL;
	cg->ctxarg = LLVMGetParam(cg->fn, 0);
	cg->ntmps = cg->nbusy = 0;
	cg->brk = cg->cont = NULL;
	cg->in_callback = false;
	cg->entry = xt_cg_block(cg, "entry");
	cg->scratch = NULL;
	cg->scratch_top = 0; /* each probe has its own element of the scratch map */
	cg->frame_off = -1;
	LLVMBasicBlockRef body = xt_cg_block(cg, "body");
	LLVMPositionBuilderAtEnd(cg->b, body);
	LLVMValueRef frame = NULL;
	if (p->has_map_loop) {
		cg->frame_off = scratch_alloc(cg, frame_size(p));
		frame = scratch_at(cg, cg->frame_off, "frame");
		zero_fill(cg, frame, frame_size(p), 8);
	}
	cg->vars = var_slots(cg, p, frame);

	if (cg->prog->opts.target_pid && !(p->prov->flags & (XT_PROVF_BEGIN | XT_PROVF_END | XT_PROVF_ANYTASK))) {
		LLVMValueRef tgid = LLVMBuildLShr(cg->b, xt_cg_helper(cg, XT_H_PID_TGID, false, NULL, 0),
						  xt_cg_i64(cg, 32), "");
		LLVMBasicBlockRef go = xt_cg_block(cg, "ours"), skip = xt_cg_block(cg, "other");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, tgid,
				xt_cg_i64(cg, cg->prog->opts.target_pid), ""), go, skip);
		LLVMPositionBuilderAtEnd(cg->b, skip);
		xt_cg_return(cg);
		LLVMPositionBuilderAtEnd(cg->b, go);
	}
	if (p->prov->emit_prologue)
		p->prov->emit_prologue(cg);
	count_hit(cg);
	if (p->node->a) {
		LLVMValueRef c = xt_cg_expr(cg, p->node->a);
		LLVMBasicBlockRef go = xt_cg_block(cg, "pred"), skip = xt_cg_block(cg, "filtered");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, c, xt_cg_i64(cg, 0), ""), go, skip);
		LLVMPositionBuilderAtEnd(cg->b, skip);
		xt_cg_return(cg);
		LLVMPositionBuilderAtEnd(cg->b, go);
	}
	stmts(cg, p->node->b->list);
	xt_cg_return(cg);
	entry_done(cg, body);
	free(cg->vars);
	cg->vars = NULL;
}

/* The scratch map, declared once the probes are built and its value size is
 * known: it replaces the forward declaration their lookups used. 0, or -1 after a
 * diagnostic. */
static int scratch_declare(struct xt_cg *cg, LLVMValueRef forward, struct xt_diags *dg)
{
	if (cg->scratch_max > SCRATCH_LIMIT) {
		xt_diag_plain(dg, "a probe needs %d bytes of scratch space for its strings and records, more than the "
			      "%d a per-CPU map value can hold; lower max_strlen (now %d)", cg->scratch_max,
			      SCRATCH_LIMIT, cg->prog->opts.max_strlen);
		return -1;
	}
	if (cg->scratch_max > 0) {
		int n = cg->prog->nprobes > 0 ? cg->prog->nprobes : 1;
		LLVMValueRef map = xt_cg_declare_map(cg, "scratch", 6 /* BPF_MAP_TYPE_PERCPU_ARRAY */, n, 4,
						     cg->scratch_max);
		LLVMReplaceAllUsesWith(forward, map);
	}
	LLVMDeleteGlobal(forward);
	return 0;
}

int xt_codegen(const struct xt_program *prog, unsigned flags, struct xt_compiled *out, struct xt_diags *dg)
{
	struct xt_cg cg = { .prog = prog };
	memset(out, 0, sizeof(*out));
	out->prog = prog;
	int rc = -1;
	if (xt_cg_module_begin(&cg, prog->src && prog->src->name[0] != '<' ? prog->src->name : "/nonexistent/xtrace.xt") < 0)
		goto done;
	xt_cg_declare_maps(&cg);
	if (prog->opts.count_hits) /* BPF_MAP_TYPE_PERCPU_ARRAY of u64, one per site */
		xt_cg_declare_map(&cg, "hits", 6, prog->nsites > 0 ? prog->nsites : 1, 4, 8);
	cg.scratch_map = LLVMAddGlobal(cg.mod, cg.i64, "scratch.forward");
	/* lost records and refused map updates: {u64 records, u64 updates} per probe */
	cg.lost_map = xt_cg_declare_map(&cg, "lost", 6 /* BPF_MAP_TYPE_PERCPU_ARRAY */,
					prog->nprobes > 0 ? prog->nprobes : 1, 4, 16);
	for (int i = 0; i < prog->nprobes; i++)
		probe_fn(&cg, &prog->probes[i]);
	if (scratch_declare(&cg, cg.scratch_map, dg) < 0)
		rc = -2; /* reported */
	else
		rc = xt_cg_module_finish(&cg, flags, out);
done:
	free(cg.tmps);
	free(cg.busy);
	if (rc == -1) {
		const char *e = cg.error ? cg.error : "unknown error";
		if (strstr(e, "stack limit"))
			xt_diag_plain(dg, "the program needs more than the 512 bytes of stack BPF allows: %s", e);
		else
			xt_diag_plain(dg, "internal error in code generation: %s", e);
	}
	free(cg.map_vars);
	xt_cg_module_dispose(&cg);
	return rc < 0 ? -1 : rc;
}

void xt_compiled_free(struct xt_compiled *c)
{
	free(c->elf);
	free(c->ir);
	c->elf = NULL;
	c->ir = NULL;
}
