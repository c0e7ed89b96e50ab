/* The IR helper library the code generator and stdlib's codegen facets build
 * with: constants, BPF helper calls, memory, loads and stores, ring-buffer
 * records, lost counts, map lookups, string compares, function debug info. */
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
	LLVMValueRef call = LLVMBuildCall2(cg->b, ft, fp, args, n, "");
	/* What does not change while a program runs (its task, CPU, attachment)
	 * is asked once: calls that touch no memory are merged by the optimizer
	 * (`pid == cpid` and printf's pid make one bpf_get_current_pid_tgid). */
	switch (id) {
	case XT_H_PID_TGID: case XT_H_UID_GID: case XT_H_CPU: case XT_H_ATTACH_COOKIE:
	case XT_H_CURRENT_TASK: case XT_H_GET_CURRENT_TASK_BTF: case XT_H_NUMA_NODE: {
		static const char *const kinds[] = { "memory", "nounwind", "willreturn" };
		for (int i = 0; i < 3; i++)
			LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(cg->ctx,
				LLVMGetEnumAttributeKindForName(kinds[i], strlen(kinds[i])), 0)); /* memory(none) */
		break;
	}
	default:
		break;
	}
	return call;
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
	xt_cg_probe_read_in(cg, dst, len, addr, str, XT_AS_AUTO);
}

/* An internal, never-inlined subprogram `i64 NAME(i64 ...)` of np
 * arguments, with its debug information (BTF's func_info wants it). The
 * caller's builder goes to *saved and cg->b is a new one for the body, which
 * subprogram_end closes. */
static LLVMValueRef subprogram(struct xt_cg *cg, const char *name, const char *const *pn, int np,
			       LLVMBuilderRef *saved)
{
	LLVMTypeRef params[4] = { cg->i64, cg->i64, cg->i64, cg->i64 };
	LLVMValueRef fn = LLVMAddFunction(cg->mod, name, LLVMFunctionType(cg->i64, params, (unsigned)np, 0));
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
		LLVMCreateEnumAttribute(cg->ctx, LLVMGetEnumAttributeKindForName("noinline", 8), 0));
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
		LLVMCreateEnumAttribute(cg->ctx, LLVMGetEnumAttributeKindForName("nounwind", 8), 0));
	xt_cg_di_function(cg, fn, name, pn, np, true);
	*saved = cg->b;
	cg->b = LLVMCreateBuilderInContext(cg->ctx);
	return fn;
}

/* Ends a subprogram's body at its block `done` (returning 0) and gives the
 * caller its builder back. */
static void subprogram_end(struct xt_cg *cg, LLVMBasicBlockRef done, LLVMBuilderRef saved)
{
	LLVMPositionBuilderAtEnd(cg->b, done);
	LLVMBuildRet(cg->b, xt_cg_i64(cg, 0));
	LLVMDisposeBuilder(cg->b);
	cg->b = saved;
}

/* Kernel and user addresses share no range on x86-64 (user space is the
 * lower half, the kernel's the upper: the top bit tells them apart) nor on
 * arm64 without tagged pointers, so without uptr()/kptr() the address says
 * which helper reads it: in every probe type, whatever the task. */
void xt_cg_probe_read_in(struct xt_cg *cg, LLVMValueRef dst, LLVMValueRef len, LLVMValueRef addr, bool str, int space)
{
	LLVMValueRef args[] = { dst, len, LLVMBuildIntToPtr(cg->b, addr, cg->ptr, "") };
	if (space != XT_AS_AUTO) {
		bool user = space == XT_AS_USER;
		int h = str ? (user ? XT_H_READ_USER_STR : XT_H_READ_KERNEL_STR) : (user ? XT_H_READ_USER : XT_H_READ_KERNEL);
		LLVMValueRef ret = xt_cg_helper(cg, h, false, args, 3);
		if (cg->prog->opts.helper_errors) /* -k: a failed read warns */
			xt_cg_helper_failed(cg, xt_cg_i64(cg, h), ret, LLVMBuildICmp(cg->b, LLVMIntSLT, ret, xt_cg_i64(cg, 0), ""));
		return;
	}
	LLVMBasicBlockRef kern = xt_cg_block(cg, "kread"), user = xt_cg_block(cg, "uread"), done = xt_cg_block(cg, "read");
	int hk = str ? XT_H_READ_KERNEL_STR : XT_H_READ_KERNEL, hu = str ? XT_H_READ_USER_STR : XT_H_READ_USER;
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntSLT, addr, xt_cg_i64(cg, 0), ""), kern, user);
	LLVMPositionBuilderAtEnd(cg->b, kern);
	LLVMValueRef rk = xt_cg_helper(cg, hk, false, args, 3);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, user);
	LLVMValueRef ru = xt_cg_helper(cg, hu, false, args, 3);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	if (cg->prog->opts.helper_errors) { /* -k: a failed read warns */
		LLVMBasicBlockRef from[] = { kern, user };
		LLVMValueRef ret = LLVMBuildPhi(cg->b, cg->i64, ""), id = LLVMBuildPhi(cg->b, cg->i64, "");
		LLVMValueRef rets[] = { rk, ru }, ids[] = { xt_cg_i64(cg, hk), xt_cg_i64(cg, hu) };
		LLVMAddIncoming(ret, rets, from, 2);
		LLVMAddIncoming(id, ids, from, 2);
		xt_cg_helper_failed(cg, id, ret, LLVMBuildICmp(cg->b, LLVMIntSLT, ret, xt_cg_i64(cg, 0), ""));
	}
}

static LLVMValueRef lost_fn(struct xt_cg *cg);

/* Calls fn(args) with the debug location a call to a function with debug
 * info needs (the verifier of the IR says). */
static void call_sub(struct xt_cg *cg, LLVMValueRef fn, LLVMValueRef *args, unsigned n, LLVMValueRef in)
{
	LLVMValueRef call = LLVMBuildCall2(cg->b, LLVMGlobalGetValueType(fn), fn, args, n, "");
	LLVMInstructionSetDebugLoc(call, LLVMDIBuilderCreateDebugLocation(cg->ctx, 1, 1, LLVMGetSubprogram(in), NULL));
}

/* The subprogram `i64 xt_fail(i64 probe, i64 helper, i64 ret, i64 where)`:
 * sends the -k builtin's record {header, helper, ret, where} (its on_event
 * prints -k's warnings and the run-time errors) and counts a refused map
 * update (helper XT_RTE_MAP_UPDATE) in map "lost". A call, not inline code,
 * for the same reason as xt_lost: a thousand map updates each with a
 * record's code inline would double the probe's conditional branches, which
 * the verifier bounds along a path (emit_obj.c's MAX_JUMPS). */
static LLVMValueRef fail_fn(struct xt_cg *cg)
{
	LLVMValueRef fn = LLVMGetNamedFunction(cg->mod, "xt_fail");
	if (fn)
		return fn;
	LLVMValueRef lost = lost_fn(cg);
	static const char *const pn[] = { "probe", "helper", "ret", "where" };
	LLVMBuilderRef saved;
	fn = subprogram(cg, "xt_fail", pn, 4, &saved);
	LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(cg->ctx, fn, "entry"),
			  full = LLVMAppendBasicBlockInContext(cg->ctx, fn, "full"),
			  send = LLVMAppendBasicBlockInContext(cg->ctx, fn, "send"),
			  lostrec = LLVMAppendBasicBlockInContext(cg->ctx, fn, "lostrec"),
			  done = LLVMAppendBasicBlockInContext(cg->ctx, fn, "done");
	LLVMPositionBuilderAtEnd(cg->b, entry);
	LLVMValueRef probe = LLVMGetParam(fn, 0), helper = LLVMGetParam(fn, 1);
	LLVMValueRef buf = LLVMBuildAlloca(cg->b, LLVMArrayType(cg->i64, 4), "rec");
	const struct xt_builtin *b = xt_builtin_with(XT_BIF_HELPER_ERRORS);
	LLVMBuildStore(cg->b, xt_cg_i32(cg, (int)xt_builtin_index(b)), buf); /* {kind, id 0} */
	LLVMBuildStore(cg->b, xt_cg_i32(cg, 0), xt_cg_gep(cg, buf, xt_cg_i64(cg, 4)));
	for (int i = 1; i < 4; i++)
		LLVMBuildStore(cg->b, LLVMGetParam(fn, (unsigned)i), xt_cg_gep(cg, buf, xt_cg_i64(cg, 8 * i)));
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, helper, xt_cg_i64(cg, XT_RTE_MAP_UPDATE), ""), full, send);
	LLVMPositionBuilderAtEnd(cg->b, full);
	LLVMValueRef a1[] = { probe, xt_cg_i64(cg, 1) };
	call_sub(cg, lost, a1, 2, fn);
	LLVMBuildBr(cg->b, send);
	LLVMPositionBuilderAtEnd(cg->b, send);
	LLVMValueRef args[] = { cg->ringbuf, buf, xt_cg_i64(cg, 32), xt_cg_i64(cg, 0) };
	LLVMValueRef r = xt_cg_helper(cg, XT_H_RINGBUF_OUTPUT, false, args, 4);
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, r, xt_cg_i64(cg, 0), ""), lostrec, done);
	LLVMPositionBuilderAtEnd(cg->b, lostrec);
	LLVMValueRef a0[] = { probe, xt_cg_i64(cg, 0) };
	call_sub(cg, lost, a0, 2, fn);
	LLVMBuildBr(cg->b, done);
	subprogram_end(cg, done, saved);
	return fn;
}

/* When `failed` (i1; NULL: always) holds, the -k builtin's record of a
 * failed helper or a run-time error: {header, u64 helper, i64 ret, u64
 * line << 40 | first column << 20 | last column}; a refused map update is
 * counted too. */
static void located_record(struct xt_cg *cg, LLVMValueRef helper, LLVMValueRef ret, struct xt_loc loc, LLVMValueRef failed)
{
	const struct xt_builtin *b = xt_builtin_with(XT_BIF_HELPER_ERRORS);
	if (!b)
		return;
	LLVMBasicBlockRef yes = NULL, done = NULL;
	if (failed) {
		yes = xt_cg_block(cg, "helperr");
		done = xt_cg_block(cg, "helperok");
		LLVMBuildCondBr(cg->b, failed, yes, done);
		LLVMPositionBuilderAtEnd(cg->b, yes);
	}
	uint64_t where = (uint64_t)loc.first_line << 40 | (uint64_t)(loc.first_column & 0xfffff) << 20 |
			 (uint64_t)((loc.last_line == loc.first_line ? loc.last_column : loc.first_column) & 0xfffff);
	if (!cg->probe->prov->emit_record) { /* the ring buffer: one call */
		LLVMValueRef args[] = { xt_cg_i64(cg, cg->probe->index), helper, ret, xt_cg_i64(cg, (int64_t)where) };
		call_sub(cg, fail_fn(cg), args, 4, cg->fn);
	} else { /* the provider's own way out (iterators) */
		if (LLVMIsAConstantInt(helper) && LLVMConstIntGetZExtValue(helper) == XT_RTE_MAP_UPDATE)
			xt_cg_count_lost(cg, 1, NULL);
		LLVMValueRef buf = xt_cg_buf(cg, 8 + 24, "helperr");
		LLVMValueRef vals[] = { helper, ret, xt_cg_i64(cg, (int64_t)where) };
		for (int i = 0; i < 3; i++)
			LLVMSetAlignment(LLVMBuildStore(cg->b, vals[i], xt_cg_gep(cg, buf, xt_cg_i64(cg, 8 + 8 * i))), 1);
		xt_cg_event(cg, b, 0, buf, 24);
	}
	if (failed) {
		LLVMBuildBr(cg->b, done);
		LLVMPositionBuilderAtEnd(cg->b, done);
	}
}

void xt_cg_helper_failed(struct xt_cg *cg, LLVMValueRef helper, LLVMValueRef ret, LLVMValueRef failed)
{
	if (cg->prog->opts.helper_errors)
		located_record(cg, helper, ret, cg->at ? cg->at->loc : (struct xt_loc){ 0 }, failed);
}

void xt_cg_runtime_error(struct xt_cg *cg, int what, LLVMValueRef ret, struct xt_loc loc, LLVMValueRef failed)
{
	located_record(cg, xt_cg_i64(cg, what), ret, loc, failed);
}

void xt_cg_zero_fill(struct xt_cg *cg, LLVMValueRef dst, int size, unsigned align)
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
	xt_cg_zero_fill(cg, dst, size, 1);
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
	if (cg->in_part && !cg->in_callback) { /* a part of a split probe: 1 makes the probe return too */
		LLVMBuildRet(cg->b, xt_cg_i64(cg, 1));
		return;
	}
	if (cg->verdict && !cg->in_callback) {
		LLVMBuildRet(cg->b, LLVMBuildLoad2(cg->b, cg->i64, cg->verdict, "verdict"));
		return;
	}
	LLVMBuildRet(cg->b, xt_cg_i64(cg, 0));
}

LLVMTypeRef xt_cg_int_type(struct xt_cg *cg, int size)
{
	switch (size) {
	case 1: return cg->i8;
	case 2: return cg->i16;
	case 4: return cg->i32;
	default: return cg->i64;
	}
}

bool xt_cg_is_scalar(const struct xt_type *t)
{
	return t->kind == XT_T_INT || t->kind == XT_T_BOOL || t->kind == XT_T_PROBE ||
	       t->kind == XT_T_PTR || t->kind == XT_T_DATALOC || t->kind == XT_T_AGG ||
	       (t->kind == XT_T_RENDERED && t->size == 8) || t->kind == XT_T_ARRAY ||
	       (t->kind == XT_T_RECORD && t->btf_id); /* kernel structs and arrays: their address */
}

LLVMValueRef xt_cg_load(struct xt_cg *cg, LLVMValueRef p, const struct xt_type *t)
{
	if (!xt_cg_is_scalar(t))
		return p;
	int size = t->kind == XT_T_INT || t->kind == XT_T_BOOL ? t->size : 8;
	LLVMValueRef v = LLVMBuildLoad2(cg->b, xt_cg_int_type(cg, size), p, "");
	LLVMSetAlignment(v, 1);
	if (size == 8)
		return v;
	return t->kind == XT_T_INT && t->sign ? LLVMBuildSExt(cg->b, v, cg->i64, "")
					      : LLVMBuildZExt(cg->b, v, cg->i64, "");
}

void xt_cg_store(struct xt_cg *cg, LLVMValueRef dst, const struct xt_type *to,
		 LLVMValueRef v, const struct xt_type *from)
{
	if (xt_cg_is_scalar(to)) {
		int size = to->kind == XT_T_INT || to->kind == XT_T_BOOL ? to->size : 8;
		LLVMValueRef st = LLVMBuildStore(cg->b, size == 8 ? v : LLVMBuildTrunc(cg->b, v, xt_cg_int_type(cg, size), ""), dst);
		LLVMSetAlignment(st, 1);
		return;
	}
	if (to->kind == XT_T_KVAL && from->kind != XT_T_KVAL) { /* *p, s.f: v is the kernel address */
		/* a struct's type cannot say where it lies: the place computed last can */
		enum xt_addr_space space = from->space != XT_AS_AUTO ? from->space
					 : v == cg->place_addr ? (enum xt_addr_space)cg->place_space : to->space;
		xt_cg_kcopy(cg, dst, to->size, v, space);
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
	if (cg->probe->prov->emit_record) {
		cg->probe->prov->emit_record(cg, b, id, buf, size + 8);
		return;
	}
	if (!(b->flags & XT_BIF_ENDS))
		cg->ring_busy = true;
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
	static const char *const pn[] = { "probe", "what" };
	LLVMBuilderRef saved;
	fn = subprogram(cg, "xt_lost", pn, 2, &saved);
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
	subprogram_end(cg, done, saved);
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
	call_sub(cg, fn, args, 2, cg->fn);
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
	LLVMValueRef ur = xt_cg_helper(cg, XT_H_MAP_UPDATE, false, uargs, 4); /* dominates "full" */
	LLVMBuildBr(cg->b, again);
	LLVMPositionBuilderAtEnd(cg->b, again);
	LLVMValueRef p2 = xt_cg_helper(cg, XT_H_MAP_LOOKUP, true, largs, 2);
	LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, p2, ""), fail, done);
	/* The map is full: count it, and let this one update land in a
	 * throw-away slot, so the rest of the probe (an exit() ...) still runs. */
	LLVMPositionBuilderAtEnd(cg->b, fail);
	/* counted, and bpftrace 0.26's warning, where the update was written (cg->at) */
	xt_cg_runtime_error(cg, XT_RTE_MAP_UPDATE, ur, cg->at ? cg->at->loc : (struct xt_loc){ 0 }, NULL);
	LLVMValueRef discard = xt_cg_tmp_take(cg, m->value_size, "discard");
	xt_cg_zero_fill(cg, discard, m->value_size, 8);
	LLVMBasicBlockRef failed = LLVMGetInsertBlock(cg->b);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	LLVMValueRef phi = LLVMBuildPhi(cg->b, cg->ptr, "");
	LLVMValueRef vals[] = { p, p2, discard };
	LLVMBasicBlockRef from[] = { here, again, failed };
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

/* Debug info for a function: the kernel takes BTF func info from it, which
 * it needs for callbacks (for_each_map_elem: "missing btf func_info"). Its
 * parameters must be named, or the kernel rejects the BTF. */
void xt_cg_di_function(struct xt_cg *cg, LLVMValueRef fn, const char *name, const char *const *pnames, int np, bool local)
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
	/* nounwind: no .eh_frame for libbpf to skip */
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
		LLVMCreateEnumAttribute(cg->ctx, LLVMGetEnumAttributeKindForName("nounwind", 8), 0));
	static const char *const pn[] = { "map", "key", "value", "ctx" };
	xt_cg_di_function(cg, fn, name, pn, 4, true);
	return fn;
}
