/* A large probe's body split into parts: BPF functions of a bounded size
 * that the probe calls in turn, so that compile and load time grow with the
 * program instead of with its square. */
#include <stdlib.h>
#include <string.h>
#include "codegen/cg_int.h"
#include "stdlib/registry.h"

/* A body of more AST nodes than this is split (a map statement is about
 * four nodes, 14 IR instructions). Below it the probe stays one function:
 * its variables on the stack, no calls. */
#define SPLIT_NODES 1200
/* A part ends with the statement that takes it past this many IR
 * instructions. Why split at all, measured on 2026-12-02 (one probe of N
 * map statements):
 * - the kernel's verifier recomputes its stack liveness
 *   (bpf_update_live_stack) over the whole function at each branch it
 *   finishes, O(branches x function size);
 * - LLVM's O2 passes on one function grow faster than its size. */
#define PART_IR 1500

/* Recursion follows only a, b, c and list: sema bounds that depth. */
int xt_cg_count_nodes(const struct xt_node *n, int limit)
{
	int c = 0;
	for (; n && c < limit; n = n->next) {
		c++;
		const struct xt_node *kids[] = { n->a, n->b, n->c, n->list };
		for (int i = 0; i < 4 && c < limit; i++)
			if (kids[i])
				c += xt_cg_count_nodes(kids[i], limit - c);
	}
	return c;
}

bool xt_cg_split_wanted(const struct xt_probe_info *p)
{
	if (p->prov->flags & XT_PROVF_TEST) /* its return value is the test's result */
		return false;
	return xt_cg_count_nodes(p->node->b->list, SPLIT_NODES + 1) > SPLIT_NODES;
}

/* Instructions after `after` in bb (all of bb when NULL) and in the blocks
 * that follow it: what the statement just built added. */
static long added_since(LLVMBasicBlockRef bb, LLVMValueRef after)
{
	long n = 0;
	LLVMValueRef in = after ? LLVMGetNextInstruction(after) : LLVMGetFirstInstruction(bb);
	for (;;) {
		for (; in; in = LLVMGetNextInstruction(in))
			n++;
		if (!(bb = LLVMGetNextBasicBlock(bb)))
			return n;
		in = LLVMGetFirstInstruction(bb);
	}
}

/* One part: `i64 probe_N_partK(ctx, site)` holding the statements from
 * `first` on, until it has PART_IR instructions; 0 when they ran to the
 * end, 1 when one of them stopped the probe (exit(), return). The probe
 * calls it and returns on 1. Returns the first statement left. Like a
 * map loop's callback, the part reaches the probe's variables through the
 * frame in scratch space, and its temporaries go above the probe's there. */
static struct xt_node *part(struct xt_cg *cg, struct xt_node *first, int k)
{
	struct xt_cg saved = *cg;
	LLVMBasicBlockRef resume = LLVMGetInsertBlock(cg->b);
	const char *name = xt_arena_printf(cg->prog->ar, "%s_part%d", cg->probe->fn_name, k);
	LLVMTypeRef params[2] = { cg->ptr, cg->i64 };
	LLVMTypeRef ft = LLVMFunctionType(cg->i64, params, 2, 0);
	LLVMValueRef fn = LLVMAddFunction(cg->mod, name, ft);
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	/* noinline: inlined back, the parts would be the one big function again */
	static const char *const attrs[] = { "noinline", "nounwind" };
	for (int i = 0; i < 2; i++)
		LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, LLVMCreateEnumAttribute(cg->ctx,
			LLVMGetEnumAttributeKindForName(attrs[i], strlen(attrs[i])), 0));
	/* (BTF types both parameters as pointers, as it does a loop callback's index) */
	static const char *const pn[] = { "ctx", "site" };
	xt_cg_di_function(cg, fn, name, pn, 2, true);

	cg->fn = fn;
	cg->in_part = true;
	cg->ctxarg = LLVMGetParam(fn, 0);
	cg->site = saved.site ? LLVMGetParam(fn, 1) : NULL;
	LLVMBasicBlockRef body = xt_cg_fn_start(cg);
	cg->vars = xt_cg_var_slots(cg, cg->probe, cg->frame_off >= 0 ? xt_cg_frame(cg) : NULL);

	long size = 0;
	struct xt_node *st = first;
	do {
		LLVMBasicBlockRef bb = LLVMGetInsertBlock(cg->b);
		LLVMValueRef last = LLVMGetLastInstruction(bb);
		xt_cg_stmt(cg, st);
		size += added_since(bb, last);
		st = st->next;
	} while (st && size < PART_IR);
	xt_cg_fn_finish(cg, body, &saved);
	LLVMPositionBuilderAtEnd(cg->b, resume);
	LLVMValueRef args[] = { cg->ctxarg, cg->site ? cg->site : xt_cg_i64(cg, 0) };
	LLVMValueRef r = LLVMBuildCall2(cg->b, ft, fn, args, 2, "");
	/* a call to a function with debug info needs a location (the IR verifier says) */
	LLVMInstructionSetDebugLoc(r, LLVMDIBuilderCreateDebugLocation(cg->ctx, 1, 1, LLVMGetSubprogram(cg->fn), NULL));
	LLVMBasicBlockRef stop = xt_cg_block(cg, "stopped"), go = xt_cg_block(cg, "next");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, r, xt_cg_i64(cg, 0), ""), stop, go);
	LLVMPositionBuilderAtEnd(cg->b, stop);
	xt_cg_return(cg);
	LLVMPositionBuilderAtEnd(cg->b, go);
	return st;
}

void xt_cg_split_body(struct xt_cg *cg, struct xt_node *list)
{
	int k = 0;
	for (struct xt_node *st = list; st && !cg->interrupted;) {
		st = part(cg, st, k++);
		cg->interrupted |= xt_cg_stop_pending(); /* a part is a few ms of work */
	}
}
