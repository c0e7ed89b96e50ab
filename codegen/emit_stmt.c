/* Lowering of statements: assignments, control flow, loops; a for ($kv : @m)
 * body becomes a callback of bpf_for_each_map_elem; exit() stops the probe. */
#include <stdlib.h>
#include "codegen/cg_int.h"
#include "stdlib/registry.h"

/* x op= v, located at loc (where a divide by 0 warns) */
static LLVMValueRef compound(struct xt_cg *cg, int op, LLVMValueRef old, LLVMValueRef v, const struct xt_type *t,
			     struct xt_loc loc)
{
	LLVMBuilderRef B = cg->b;
	bool sign = t->kind == XT_T_INT && t->sign;
	switch (op) {
	case XT_OP_ADD: return LLVMBuildAdd(B, old, v, "");
	case XT_OP_SUB: return LLVMBuildSub(B, old, v, "");
	case XT_OP_MUL: return LLVMBuildMul(B, old, v, "");
	case XT_OP_DIV: case XT_OP_MOD:
		return xt_cg_divrem(cg, op, old, v, sign, loc);
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
		struct xt_node *at = cg->at;
		cg->at = st; /* where a full map warns (xt_cg_lookup_or_init) */
		b->emit_agg(cg, m, key, st->b);
		cg->at = at;
		return;
	}
	LLVMValueRef v = xt_cg_expr(cg, st->b);
	if (st->op != XT_OP_ASSIGN)
		v = compound(cg, st->op, xt_cg_map_read(cg, mn), v, m->val, st->loc);
	LLVMValueRef key = xt_cg_map_key(cg, m, mn);
	LLVMValueRef val = xt_cg_buf(cg, m->value_size, "val");
	xt_cg_store(cg, val, m->val, v, st->b->type);
	LLVMValueRef args[] = { xt_cg_map(cg, m), key, val, xt_cg_i64(cg, 0) };
	LLVMValueRef r = xt_cg_helper(cg, XT_H_MAP_UPDATE, false, args, 4);
	/* full: counted, and bpftrace 0.26's warning */
	xt_cg_runtime_error(cg, XT_RTE_MAP_UPDATE, r, st->loc, LLVMBuildICmp(cg->b, LLVMIntNE, r, xt_cg_i64(cg, 0), ""));
}

static void callback_loop(struct xt_cg *cg, struct xt_node *st, LLVMValueRef count, LLVMValueRef from);
static void range_callback(struct xt_cg *cg, struct xt_node *st);

/* A loop: the body runs with break/continue aimed at `brk`/`cont`. */
static void loop_body(struct xt_cg *cg, struct xt_node *blk, LLVMBasicBlockRef brk, LLVMBasicBlockRef cont)
{
	LLVMBasicBlockRef ob = cg->brk, oc = cg->cont;
	cg->brk = brk;
	cg->cont = cont;
	xt_cg_stmts(cg, blk->list);
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
	xt_cg_tmp_release(cg, mark);
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
		if (st->op) { /* run by bpf_loop, at most BPF_MAX_LOOPS times */
			callback_loop(cg, st, xt_cg_i64(cg, XT_MAX_LOOPS), NULL);
			break;
		}
		LLVMBasicBlockRef cond = xt_cg_block(cg, "while"), body = xt_cg_block(cg, "do"), end = xt_cg_block(cg, "wend");
		LLVMBuildBr(cg->b, cond);
		LLVMPositionBuilderAtEnd(cg->b, cond);
		int mark = cg->nbusy;
		LLVMValueRef c = xt_cg_expr(cg, st->a);
		xt_cg_tmp_release(cg, mark);
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, c, xt_cg_i64(cg, 0), ""), body, end);
		LLVMPositionBuilderAtEnd(cg->b, body);
		loop_body(cg, st->b, end, cond);
		LLVMBuildBr(cg->b, cond);
		LLVMPositionBuilderAtEnd(cg->b, end);
		break;
	}
	case XT_N_UNROLL:
		for (uint64_t i = 0; i < st->a->ival; i++)
			xt_cg_stmts(cg, st->b->list);
		break;
	case XT_N_FOR: {
		if (st->b->kind != XT_N_RANGE) {
			callback_loop(cg, st, NULL, NULL);
			break;
		}
		/* a bound known only at run time; or a probe whose variables are in
		 * its frame, in scratch space, where the verifier does not follow
		 * the counter's value as it does on the stack */
		if (st->op || cg->frame_off >= 0) {
			range_callback(cg, st);
			break;
		}
		/* $i is set from a counter of the loop's own at each iteration:
		 * the body may assign $i without changing the iterations */
		LLVMValueRef var = cg->vars[st->a->aux];
		LLVMValueRef to = xt_cg_tmp_take(cg, 8, "to"), ctr = xt_cg_tmp_take(cg, 8, "ctr");
		LLVMBuildStore(cg->b, xt_cg_expr(cg, st->b->a), ctr);
		LLVMBuildStore(cg->b, xt_cg_expr(cg, st->b->b), to);
		LLVMBasicBlockRef cond = xt_cg_block(cg, "for"), body = xt_cg_block(cg, "fbody"),
				  step = xt_cg_block(cg, "fstep"), end = xt_cg_block(cg, "fend");
		LLVMBuildBr(cg->b, cond);
		LLVMPositionBuilderAtEnd(cg->b, cond);
		LLVMValueRef i = LLVMBuildLoad2(cg->b, cg->i64, ctr, "");
		LLVMValueRef lim = LLVMBuildLoad2(cg->b, cg->i64, to, "");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntSLT, i, lim, ""), body, end);
		LLVMPositionBuilderAtEnd(cg->b, body);
		LLVMBuildStore(cg->b, i, var);
		loop_body(cg, st->c, end, step);
		LLVMBuildBr(cg->b, step);
		LLVMPositionBuilderAtEnd(cg->b, step);
		LLVMBuildStore(cg->b, LLVMBuildAdd(cg->b, LLVMBuildLoad2(cg->b, cg->i64, ctr, ""), xt_cg_i64(cg, 1), ""), ctr);
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
	case XT_N_RETURN: {
		LLVMValueRef v = st->a ? xt_cg_expr(cg, st->a) : NULL;
		if (cg->in_callback) { /* leaves the loop's callback and the probe */
			xt_cg_stop(cg);
			break;
		}
		if (v && (cg->probe->prov->flags & XT_PROVF_TEST)) { /* a test's result: non-zero fails it */
			if (LLVMGetIntTypeWidth(LLVMTypeOf(v)) < 64)
				v = LLVMBuildSExt(cg->b, v, cg->i64, "");
			LLVMBuildRet(cg->b, v);
		} else {
			xt_cg_return(cg);
		}
		xt_cg_dead_end(cg);
		break;
	}
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
				v = compound(cg, st->op, xt_cg_load(cg, cg->vars[st->a->aux], t), v, t, st->loc);
			xt_cg_store(cg, cg->vars[st->a->aux], t, v, st->b->type);
		}
		break;
	case XT_N_IF: {
		LLVMValueRef c = xt_cg_expr(cg, st->a);
		LLVMBasicBlockRef yes = xt_cg_block(cg, "if"), no = xt_cg_block(cg, "else"),
				  join = xt_cg_block(cg, "endif");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, c, xt_cg_i64(cg, 0), ""), yes, no);
		LLVMPositionBuilderAtEnd(cg->b, yes);
		xt_cg_stmts(cg, st->b->list);
		LLVMBuildBr(cg->b, join);
		LLVMPositionBuilderAtEnd(cg->b, no);
		if (st->c)
			st->c->kind == XT_N_IF ? stmt(cg, st->c) : xt_cg_stmts(cg, st->c->list);
		LLVMBuildBr(cg->b, join);
		LLVMPositionBuilderAtEnd(cg->b, join);
		break;
	}
	case XT_N_BLOCK:
		xt_cg_stmts(cg, st->list);
		break;
	default:
		abort(); /* sema rejects every other kind */
	}
}

void xt_cg_stmt(struct xt_cg *cg, struct xt_node *st)
{
	stmt(cg, st);
}

void xt_cg_stmts(struct xt_cg *cg, struct xt_node *list)
{
	for (struct xt_node *st = list; st; st = st->next)
		stmt(cg, st);
}

LLVMValueRef xt_cg_block_value(struct xt_cg *cg, struct xt_node *n)
{
	if (n->kind == XT_N_IF) /* if (c) { a } else { b } as a value: built as ?: is */
		return xt_cg_choose(cg, n, xt_cg_block_value);
	struct xt_node *st = n->list;
	for (; st->next; st = st->next)
		stmt(cg, st);
	/* the last statement: an expression, or an if/else that has values */
	return st->kind == XT_N_EXPR_STMT ? xt_cg_expr(cg, st->a) : xt_cg_choose(cg, st, xt_cg_block_value);
}

void xt_cg_stop(struct xt_cg *cg)
{
	if (cg->in_callback) { /* 1 also ends bpf_for_each_map_elem's iteration */
		LLVMValueRef st = LLVMBuildStore(cg->b, xt_cg_i64(cg, 1), xt_cg_frame_stopped(cg));
		LLVMSetAlignment(st, 8);
		LLVMBuildRet(cg->b, xt_cg_i64(cg, 1));
		cg->stops = true;
	} else {
		xt_cg_return(cg);
	}
	xt_cg_dead_end(cg);
}

/* A loop whose body is a callback: for ($kv : @m) runs it from
 * bpf_for_each_map_elem; a range with bounds only known at run time and a
 * while loop run it from bpf_loop, so the verifier checks the body once
 * instead of following every iteration (it gives up on a bound it cannot
 * see, e.g. `0..@m[5]`: "the sequence of 8193 jumps is too complex").
 * The callback shares the probe's variables through the frame, which is in
 * scratch space, since the helpers only pass a pointer to the caller's
 * stack: there the caller spills what the body may need of its own, the
 * probe's context pointer and its site, and the callback reads them back
 * (a spilled context pointer keeps its type for the verifier, so args,
 * argN, retval and kstack work in the body). Its temporaries go above the
 * caller's in the scratch element. */
static LLVMValueRef loop_callback(struct xt_cg *cg, const char *name)
{
	LLVMTypeRef params[2] = { cg->i64, cg->ptr }; /* long (*)(u64 index, void *ctx) */
	LLVMValueRef fn = LLVMAddFunction(cg->mod, name, LLVMFunctionType(cg->i64, params, 2, 0));
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, /* no .eh_frame */
		LLVMCreateEnumAttribute(cg->ctx, LLVMGetEnumAttributeKindForName("nounwind", 8), 0));
	static const char *const pn[] = { "index", "env" };
	xt_cg_di_function(cg, fn, name, pn, 2, true);
	return fn;
}

static void callback_loop(struct xt_cg *cg, struct xt_node *st, LLVMValueRef count, LLVMValueRef from)
{
	bool over_map = st->kind == XT_N_FOR && st->b->kind == XT_N_MAP;
	const struct xt_probe_info *p = cg->probe;
	/* env: {ctx, site, from} on the caller's stack (a stack temporary;
	 * from: a range's start, of which the callback's index is the offset) */
	LLVMValueRef env = xt_cg_tmp_take(cg, 24, "env");
	LLVMValueRef sv = LLVMBuildStore(cg->b, cg->ctxarg ? cg->ctxarg : LLVMConstNull(cg->ptr), env);
	LLVMSetAlignment(sv, 8);
	if (from) {
		sv = LLVMBuildStore(cg->b, from, xt_cg_gep(cg, env, xt_cg_i64(cg, 16)));
		LLVMSetAlignment(sv, 8);
	}
	if (cg->site) {
		sv = LLVMBuildStore(cg->b, cg->site, xt_cg_gep(cg, env, xt_cg_i64(cg, 8)));
		LLVMSetAlignment(sv, 8);
	}
	int id = cg->ncallbacks++;
	struct xt_cg saved = *cg;
	LLVMBasicBlockRef resume = LLVMGetInsertBlock(cg->b);

	const char *name = xt_arena_printf(cg->prog->ar, "%s_%s%d", p->fn_name, over_map ? "each" : "loop", id);
	LLVMValueRef fn = over_map ? xt_cg_callback(cg, name) : loop_callback(cg, name);
	cg->fn = fn;
	cg->in_callback = true;
	cg->stops = false;
	cg->brk = cg->cont = NULL;
	LLVMBasicBlockRef body = xt_cg_fn_start(cg);
	LLVMValueRef envp = LLVMGetParam(fn, over_map ? 3 : 1);
	cg->ctxarg = NULL;
	if (saved.ctxarg) {
		cg->ctxarg = LLVMBuildLoad2(cg->b, cg->ptr, envp, "ctx");
		LLVMSetAlignment(cg->ctxarg, 8);
	}
	cg->site = NULL;
	if (saved.site) {
		cg->site = LLVMBuildLoad2(cg->b, cg->i64, xt_cg_gep(cg, envp, xt_cg_i64(cg, 8)), "site");
		LLVMSetAlignment(cg->site, 8);
	}
	cg->vars = xt_cg_var_slots(cg, p, xt_cg_frame(cg));

	if (over_map) {
		const struct xt_map_info *m = st->b->sym;
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
		xt_cg_stmts(cg, st->c->list);
	} else if (st->kind == XT_N_FOR) { /* each call runs one step: $i = from + index */
		LLVMBasicBlockRef step = xt_cg_block(cg, "fstep");
		LLVMValueRef base = LLVMBuildLoad2(cg->b, cg->i64, xt_cg_gep(cg, envp, xt_cg_i64(cg, 16)), "from");
		LLVMSetAlignment(base, 8);
		sv = LLVMBuildStore(cg->b, LLVMBuildAdd(cg->b, base, LLVMGetParam(fn, 0), ""), cg->vars[st->a->aux]);
		LLVMSetAlignment(sv, 1);
		cg->cont = step;
		xt_cg_stmts(cg, st->c->list);
		LLVMBuildBr(cg->b, step);
		LLVMPositionBuilderAtEnd(cg->b, step);
		cg->cont = NULL;
	} else { /* while: each call tests the condition once */
		int mark = cg->nbusy;
		LLVMValueRef c = xt_cg_expr(cg, st->a);
		xt_cg_tmp_release(cg, mark);
		LLVMBasicBlockRef go = xt_cg_block(cg, "do"), done = xt_cg_block(cg, "wend");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, c, xt_cg_i64(cg, 0), ""), go, done);
		LLVMPositionBuilderAtEnd(cg->b, done);
		LLVMBuildRet(cg->b, xt_cg_i64(cg, 1));
		LLVMPositionBuilderAtEnd(cg->b, go);
		xt_cg_stmts(cg, st->b->list);
	}
	bool stops = cg->stops;
	xt_cg_fn_finish(cg, body, &saved);
	LLVMPositionBuilderAtEnd(cg->b, resume);
	if (over_map) {
		LLVMValueRef args[] = { xt_cg_map(cg, st->b->sym), fn, env, xt_cg_i64(cg, 0) };
		xt_cg_helper(cg, XT_H_FOR_EACH_MAP, false, args, 4);
	} else {
		LLVMValueRef args[] = { count, fn, env, xt_cg_i64(cg, 0) };
		xt_cg_helper(cg, XT_H_LOOP, false, args, 4);
	}
	if (!stops)
		return;
	/* exit() or return in the body: the rest of this function does not run either */
	LLVMValueRef flag = LLVMBuildLoad2(cg->b, cg->i64, xt_cg_frame_stopped(cg), "");
	LLVMBasicBlockRef stop = xt_cg_block(cg, "stop"), go = xt_cg_block(cg, "go");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, flag, xt_cg_i64(cg, 0), ""), stop, go);
	LLVMPositionBuilderAtEnd(cg->b, stop);
	xt_cg_stop(cg);
	LLVMBuildBr(cg->b, go);
	LLVMPositionBuilderAtEnd(cg->b, go);
}

/* for $i : a..b with a bound known only at run time: bpf_loop runs the
 * body max(b - a, 0) times, at most BPF_MAX_LOOPS (1 << 23), the kernel's
 * limit for one call. */
static void range_callback(struct xt_cg *cg, struct xt_node *st)
{
	LLVMValueRef from = xt_cg_expr(cg, st->b->a), to = xt_cg_expr(cg, st->b->b);
	LLVMValueRef n = LLVMBuildSub(cg->b, to, from, "");
	LLVMValueRef none = LLVMBuildICmp(cg->b, LLVMIntSLE, to, from, "");
	n = LLVMBuildSelect(cg->b, none, xt_cg_i64(cg, 0), n, "");
	LLVMValueRef big = LLVMBuildICmp(cg->b, LLVMIntUGT, n, xt_cg_i64(cg, XT_MAX_LOOPS), "");
	n = LLVMBuildSelect(cg->b, big, xt_cg_i64(cg, XT_MAX_LOOPS), n, "");
	/* No call when nothing is to run: a bpf_loop whose count the verifier
	 * knows is 0 leaves its callback unchecked, and then the kernel fails
	 * the load ("verifier bug: No program to jit ... (subprog < 0)"). */
	LLVMBasicBlockRef run = xt_cg_block(cg, "loop"), done = xt_cg_block(cg, "looped");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, n, xt_cg_i64(cg, 0), ""), run, done);
	LLVMPositionBuilderAtEnd(cg->b, run);
	callback_loop(cg, st, n, from);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
}
