/* Where a probe's values live while it runs: stack temporaries, reused once
 * the statement that took them ends; the per-CPU scratch space for big ones;
 * scratch variables and the frame a map loop shares with its callback. */
#include <stdlib.h>
#include "codegen/cg_int.h"

/* Temporaries of this size and more live in the per-CPU scratch map, not on
 * the 512-byte BPF stack: strings (max_strlen is 1024 by default), tuples
 * holding them, printf records. Small ones (ints, comm, short literals) stay
 * on the stack, so `@[comm] = count()` never looks the scratch map up. */
enum { SCRATCH_MIN = 33, SCRATCH_LIMIT = 32768 /* PCPU_MIN_UNIT_SIZE: a per-CPU value's limit */ };

LLVMBasicBlockRef xt_cg_fn_start(struct xt_cg *cg)
{
	cg->tmps = NULL;
	cg->busy = NULL;
	cg->ntmps = cg->captmps = cg->nbusy = cg->capbusy = 0;
	cg->entry = xt_cg_block(cg, "entry");
	cg->scratch = NULL;
	LLVMBasicBlockRef body = xt_cg_block(cg, "body");
	LLVMPositionBuilderAtEnd(cg->b, body);
	return body;
}

void xt_cg_fn_finish(struct xt_cg *cg, LLVMBasicBlockRef body, const struct xt_cg *saved)
{
	LLVMBuildRet(cg->b, xt_cg_i64(cg, 0));
	xt_cg_entry_done(cg, body);
	free(cg->vars);
	free(cg->tmps);
	free(cg->busy);
	int need = cg->scratch_max, ncallbacks = cg->ncallbacks;
	*cg = *saved;
	cg->ncallbacks = ncallbacks;
	if (need > cg->scratch_max)
		cg->scratch_max = need;
}

LLVMValueRef xt_cg_entry_alloca(struct xt_cg *cg, LLVMTypeRef ty, const char *name)
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
	LLVMValueRef key = xt_cg_entry_alloca(cg, cg->i32, "skey");
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
void xt_cg_entry_done(struct xt_cg *cg, LLVMBasicBlockRef body)
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
LLVMValueRef xt_cg_tmp_take(struct xt_cg *cg, int size, const char *name)
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
						     : xt_cg_entry_alloca(cg, LLVMArrayType(cg->i8, size), name);
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

void xt_cg_tmp_release(struct xt_cg *cg, int mark)
{
	while (cg->nbusy > mark)
		cg->tmps[cg->busy[--cg->nbusy]].busy = false;
}

LLVMValueRef xt_cg_buf(struct xt_cg *cg, int size, const char *name)
{
	LLVMValueRef a = xt_cg_tmp_take(cg, size, name);
	/* Zeroed where it is used: the verifier wants every byte handed to a helper initialised. */
	xt_cg_zero_fill(cg, a, size, 8);
	return a;
}

/* Scratch variables: one buffer each, or, in a probe with a map loop,
 * slices of one frame in scratch space that the loop's callback reaches
 * through its own lookup of the probe's scratch element. */
LLVMValueRef *xt_cg_var_slots(struct xt_cg *cg, const struct xt_probe_info *p, LLVMValueRef frame)
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

/* A probe with a map loop: its frame, allocated in scratch space and zeroed. */
LLVMValueRef xt_cg_frame_new(struct xt_cg *cg)
{
	cg->frame_off = scratch_alloc(cg, frame_size(cg->probe));
	LLVMValueRef frame = scratch_at(cg, cg->frame_off, "frame");
	xt_cg_zero_fill(cg, frame, frame_size(cg->probe), 8);
	return frame;
}

LLVMValueRef xt_cg_frame(struct xt_cg *cg)
{
	return scratch_at(cg, cg->frame_off, "frame");
}

LLVMValueRef xt_cg_frame_stopped(struct xt_cg *cg)
{
	return scratch_at(cg, cg->frame_off + frame_stop_off(cg->probe), "stopped");
}

/* The scratch map, declared once the probes are built and its value size is
 * known: it replaces the forward declaration their lookups used. 0, or -1 after a
 * diagnostic. */
int xt_cg_scratch_declare(struct xt_cg *cg, LLVMValueRef forward, struct xt_diags *dg)
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
