/* The code generator's driver: the module, one BPF function per probe
 * (its prologue, predicate and body), the maps it declares, and the object. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "codegen/cg_int.h"
#include "codegen/load.h"
#include "stdlib/registry.h"

#define XT_CG_MAX_PROBES 1000

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
	xt_cg_tmp_release(cg, mark);
}

/* Every probe but BEGIN and END returns at once when the long "xt_stopped"
 * (.bss, the object's only global variable) is set: xtrace sets it before END
 * runs, which stops the probes in a microsecond where releasing a perf-event
 * link would take ~100 ms (the links themselves go to a background child). */
static void stop_check(struct xt_cg *cg, const struct xt_probe_info *p)
{
	/* nor probes the runtime drives (iterators): they run only when read,
	 * a pinned one when read after xtrace ended */
	if ((p->prov->flags & (XT_PROVF_BEGIN | XT_PROVF_END)) || p->prov->run)
		return;
	LLVMValueRef gv = LLVMGetNamedGlobal(cg->mod, "xt_stopped");
	if (!gv) {
		/* External, with debug info: libbpf maps .bss through its BTF DATASEC. */
		gv = LLVMAddGlobal(cg->mod, cg->i64, "xt_stopped");
		LLVMSetLinkage(gv, LLVMExternalLinkage);
		LLVMSetSection(gv, ".bss");
		LLVMSetAlignment(gv, 8);
		LLVMSetInitializer(gv, LLVMConstNull(cg->i64));
		LLVMMetadataRef t = LLVMDIBuilderCreateBasicType(cg->di, "long", 4, 64, 0x05, LLVMDIFlagZero);
		LLVMMetadataRef gve = LLVMDIBuilderCreateGlobalVariableExpression(cg->di, cg->di_cu, "xt_stopped", 10,
			"xt_stopped", 10, cg->di_file, 0, t, 0, LLVMDIBuilderCreateExpression(cg->di, NULL, 0), NULL, 64);
		LLVMGlobalSetMetadata(gv, LLVMGetMDKindIDInContext(cg->ctx, "dbg", 3), gve);
	}
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i64, gv, "stopped");
	LLVMSetVolatile(v, 1); /* never folded: user space writes it */
	LLVMBasicBlockRef go = xt_cg_block(cg, "running"), skip = xt_cg_block(cg, "stopped");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, v, xt_cg_i64(cg, 0), ""), go, skip);
	LLVMPositionBuilderAtEnd(cg->b, skip);
	xt_cg_return(cg);
	LLVMPositionBuilderAtEnd(cg->b, go);
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
	xt_cg_di_function(cg, cg->fn, p->fn_name, pn, 1, false);
	cg->site = NULL;
	cg->verdict = NULL;
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
	cg->in_part = false;
	/* A split body reaches the variables from its parts: they go in the frame. */
	bool split = xt_cg_split_wanted(p);
	cg->vars = xt_cg_var_slots(cg, p, p->has_map_loop || split ? xt_cg_frame_new(cg) : NULL);
	stop_check(cg, p);

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
	if (split && !cg->verdict) /* (a verdict slot lives in the probe's own stack) */
		xt_cg_split_body(cg, p->node->b->list);
	else
		xt_cg_stmts(cg, p->node->b->list);
	xt_cg_return(cg);
	xt_cg_entry_done(cg, body);
	free(cg->vars);
	cg->vars = NULL;
}

/* The file BTF line info names. LLVM reads it again when it emits the
 * object, so only a regular file will do: opening a FIFO (or /dev/stdin) a
 * second time would block where no signal reaches. */
static const char *line_info_file(const struct xt_program *prog)
{
	struct stat st;
	if (prog->src && prog->src->name[0] != '<' && stat(prog->src->name, &st) == 0 && S_ISREG(st.st_mode))
		return prog->src->name;
	return "/nonexistent/xtrace.xt";
}

int xt_codegen(const struct xt_program *prog, unsigned flags, struct xt_compiled *out, struct xt_diags *dg)
{
	memset(out, 0, sizeof(*out));
	out->prog = prog;
	if (xt_codegen_load(dg) < 0)
		return -1;
	if (xt_cg_apart_wanted(prog))
		return xt_cg_compile_apart(prog, flags, out, dg);
	return xt_cg_compile(prog, flags, out, dg);
}

int xt_cg_compile(const struct xt_program *prog, unsigned flags, struct xt_compiled *out, struct xt_diags *dg)
{
	struct xt_cg cg = { .prog = prog, .dg = dg };
	int errors = dg ? dg->errors : 0;
	int rc = -1;
	if (xt_cg_module_begin(&cg, line_info_file(prog)) < 0)
		goto done;
	/* Each written probe is a BPF program of its own, and LLVM's time grows
	 * faster than their number (500: 10 s; 10,000: still compiling after
	 * 10 minutes, deaf to signals). A wildcard or a list of attach points
	 * is one program, however many places it attaches to. */
	if (prog->nprobes > XT_CG_MAX_PROBES) {
		xt_diag_error(dg, prog->probes[XT_CG_MAX_PROBES].node->loc, "the program has %d probes, more than the "
			      "%d xtrace compiles; give probes with the same body one list of attach points "
			      "(`a, b { ... }`) or a wildcard", prog->nprobes, XT_CG_MAX_PROBES);
		rc = -2;
		goto done;
	}
	xt_cg_declare_maps(&cg);
	if (prog->opts.count_hits) /* BPF_MAP_TYPE_PERCPU_ARRAY of u64, one per site */
		xt_cg_declare_map(&cg, "hits", 6, prog->nsites > 0 ? prog->nsites : 1, 4, 8);
	cg.scratch_map = LLVMAddGlobal(cg.mod, cg.i64, "scratch.forward");
	/* lost records and refused map updates: {u64 records, u64 updates} per probe */
	cg.lost_map = xt_cg_declare_map(&cg, "lost", 6 /* BPF_MAP_TYPE_PERCPU_ARRAY */,
					prog->nprobes > 0 ? prog->nprobes : 1, 4, 16);
	for (int i = 0; i < prog->nprobes && !cg.interrupted; i++) {
		probe_fn(&cg, &prog->probes[i]);
		cg.interrupted |= xt_cg_stop_pending();
	}
	if (cg.interrupted)
		rc = -EINTR;
	else if (dg && dg->errors > errors) /* fail() reached: reported */
		rc = -2;
	else if (xt_cg_scratch_declare(&cg, cg.scratch_map, dg) < 0)
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
	return rc == -EINTR ? rc : rc < 0 ? -1 : rc;
}

void xt_compiled_free(struct xt_compiled *c)
{
	free(c->elf);
	free(c->ir);
	c->elf = NULL;
	c->ir = NULL;
}
