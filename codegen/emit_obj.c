/* The BPF target, the module's frame (data layout, debug info, license), the
 * optimisation pipeline and emission of the ELF object into memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/ErrorHandling.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include "codegen/cg_int.h"

/* A probe whose unoptimised IR has more instructions than this is compiled
 * for cpu v4 (whose `gotol` reaches past the 32,767 instructions of a v3 jump,
 * which a probe of ~2,000 map statements outgrows: LLVM aborts with "Branch
 * target out of insn range") and with the O1 pipeline (O2's InstCombine and
 * SimplifyCFG grow faster than linearly: 4,000 statements took 28 s, O1 4 s). */
#define LARGE_IR 10000
/* ...and more than this is refused before any pass: compiling it takes
 * minutes and gigabytes, and the kernel's verifier refuses the result
 * (16,000 map statements, 226,000 instructions: 8 minutes, then refused;
 * 8,000, 113,000 instructions, compile and load in 24 s; since probes are
 * split into parts, 6 s on a busy machine). */
#define MAX_IR 150000
/* ...or has more conditional branches than this. The verifier keeps the
 * other side of each branch it meets to follow later, and refuses a program
 * when more than BPF_COMPLEXITY_LIMIT_JMP_SEQ (8,192) wait: a probe of
 * 16,000 map statements (each checks its update's result) was refused so
 * after a minute of compiling and loading. */
#define MAX_JUMPS 8192
/* LLVM's fatal errors end the process; what is left is to say so plainly
 * (nothing is loaded while LLVM compiles) instead of aborting with a core. */
static void on_fatal(const char *reason)
{
	fflush(NULL);
	fprintf(stderr, "xtrace: error: LLVM cannot compile the program: %s\n", reason);
	if (strstr(reason, "insn range"))
		fprintf(stderr, "xtrace: note: a probe is too large for BPF jumps; split its work across probes\n");
	_exit(1);
}

static LLVMTargetMachineRef target_machine(bool large, char **err)
{
	static LLVMTargetMachineRef tms[2];
	if (tms[large])
		return tms[large];
	LLVMInstallFatalErrorHandler(on_fatal);
	LLVMInitializeBPFTargetInfo();
	LLVMInitializeBPFTarget();
	LLVMInitializeBPFTargetMC();
	LLVMInitializeBPFAsmPrinter();
	LLVMTargetRef t;
	if (LLVMGetTargetFromTriple("bpfel", &t, err))
		return NULL;
	/* v3: alu32 and jmp32; `generic` has no 32-bit subregisters. v4 (large
	 * probes): gotol, long jumps. */
	tms[large] = LLVMCreateTargetMachine(t, "bpfel", large ? "v4" : "v3", "", LLVMCodeGenLevelDefault,
					     LLVMRelocStatic, LLVMCodeModelDefault);
	return tms[large];
}

/* The number of IR instructions of fn; its conditional branches added to *branches. */
static long ir_size(LLVMValueRef fn, long *branches)
{
	long n = 0;
	for (LLVMBasicBlockRef bb = LLVMGetFirstBasicBlock(fn); bb; bb = LLVMGetNextBasicBlock(bb)) {
		for (LLVMValueRef in = LLVMGetFirstInstruction(bb); in; in = LLVMGetNextInstruction(in))
			n++;
		LLVMValueRef t = LLVMGetBasicBlockTerminator(bb);
		if (t && LLVMGetInstructionOpcode(t) == LLVMBr && LLVMIsConditional(t))
			++*branches;
	}
	return n;
}

struct ir_sizes {
	long largest_fn;                   /* the largest function's size */
	/* the largest probe (its function, parts and callbacks), NULL when none */
	long largest_probe;
	const struct xt_probe_info *which;
	/* the probe with the most conditional branches, NULL when none */
	long most_branches;
	const struct xt_probe_info *branchiest;
};

/* Sizes in IR instructions. A probe's functions are named after it:
 * probe_N, probe_N_partK, probe_N_each0... */
static struct ir_sizes ir_sizes(struct xt_cg *cg)
{
	struct ir_sizes sz = { 0 };
	int n = cg->prog->nprobes;
	long *per = calloc(2 * (size_t)n + 2, sizeof(*per)), *br = per ? per + n + 1 : NULL;
	for (LLVMValueRef fn = LLVMGetFirstFunction(cg->mod); fn; fn = LLVMGetNextFunction(fn)) {
		long b = 0, k = ir_size(fn, &b);
		if (k > sz.largest_fn)
			sz.largest_fn = k;
		size_t len;
		const char *name = LLVMGetValueName2(fn, &len);
		int i;
		if (per && sscanf(name, "probe_%d", &i) == 1 && i >= 0 && i < n) {
			per[i] += k;
			br[i] += b;
		}
	}
	for (int i = 0; per && i < n; i++) {
		if (per[i] > sz.largest_probe) {
			sz.largest_probe = per[i];
			sz.which = &cg->prog->probes[i];
		}
		if (br[i] > sz.most_branches) {
			sz.most_branches = br[i];
			sz.branchiest = &cg->prog->probes[i];
		}
	}
	free(per);
	return sz;
}

static void on_diagnostic(LLVMDiagnosticInfoRef info, void *arg)
{
	struct xt_cg *cg = arg;
	if (LLVMGetDiagInfoSeverity(info) != LLVMDSError)
		return;
	char *msg = LLVMGetDiagInfoDescription(info);
	if (!cg->error)
		cg->error = strdup(msg);
	LLVMDisposeMessage(msg);
}

int xt_cg_module_begin(struct xt_cg *cg, const char *source_name)
{
	char *err = NULL;
	cg->tm = target_machine(false, &err);
	if (!cg->tm) {
		cg->error = strdup(err ? err : "no BPF target in this LLVM");
		LLVMDisposeMessage(err);
		return -1;
	}
	cg->ctx = LLVMContextCreate();
	LLVMContextSetDiagnosticHandler(cg->ctx, on_diagnostic, cg);
	cg->mod = LLVMModuleCreateWithNameInContext("xtrace", cg->ctx);
	LLVMSetTarget(cg->mod, "bpfel");
	/* Before any IR: atomics take their alignment from the data layout. */
	LLVMTargetDataRef td = LLVMCreateTargetDataLayout(cg->tm);
	char *dl = LLVMCopyStringRepOfTargetData(td);
	LLVMSetDataLayout(cg->mod, dl);
	LLVMDisposeMessage(dl);
	LLVMDisposeTargetData(td);
	cg->b = LLVMCreateBuilderInContext(cg->ctx);
	cg->i8 = LLVMInt8TypeInContext(cg->ctx);
	cg->i16 = LLVMInt16TypeInContext(cg->ctx);
	cg->i32 = LLVMInt32TypeInContext(cg->ctx);
	cg->i64 = LLVMInt64TypeInContext(cg->ctx);
	cg->ptr = LLVMPointerTypeInContext(cg->ctx, 0);
	cg->voidt = LLVMVoidTypeInContext(cg->ctx);

	/* Without "Debug Info Version" a module silently loses its debug info. */
	LLVMAddModuleFlag(cg->mod, LLVMModuleFlagBehaviorWarning, "Debug Info Version", 18,
			  LLVMValueAsMetadata(LLVMConstInt(cg->i32, LLVMDebugMetadataVersion(), 0)));
	LLVMAddModuleFlag(cg->mod, LLVMModuleFlagBehaviorWarning, "Dwarf Version", 13,
			  LLVMValueAsMetadata(LLVMConstInt(cg->i32, 5, 0)));
	cg->di = LLVMCreateDIBuilder(cg->mod);
	/* BTF line info reads the named file at emission time; name it only when it exists. */
	cg->di_file = LLVMDIBuilderCreateFile(cg->di, source_name, strlen(source_name), "", 0);
	/* Full emission: None gives no BTF, LineTablesOnly crashes LLVM 19 on parameters. */
	cg->di_cu = LLVMDIBuilderCreateCompileUnit(cg->di, LLVMDWARFSourceLanguageC, cg->di_file,
		"xtrace", 6, 0, "", 0, 0, "", 0, LLVMDWARFEmissionFull, 0, 0, 0, "", 0, "", 0);

	const char *license = cg->prog->opts.license ? cg->prog->opts.license : "GPL"; /* config license */
	LLVMValueRef lic = LLVMAddGlobal(cg->mod, LLVMArrayType(cg->i8, (unsigned)strlen(license) + 1), "_license");
	LLVMSetInitializer(lic, LLVMConstStringInContext(cg->ctx, license, (unsigned)strlen(license), 0));
	LLVMSetSection(lic, "license");
	return 0;
}

/* The passes and the object: what LLVM spends its time on. */
static int optimise_emit(struct xt_cg *cg, unsigned flags, struct xt_compiled *out, bool large)
{
	char *msg = NULL;
	LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
	LLVMErrorRef e = LLVMRunPasses(cg->mod, large ? "default<O1>" : "default<O2>", cg->tm, po);
	LLVMDisposePassBuilderOptions(po);
	if (e) {
		char *m = LLVMGetErrorMessage(e);
		cg->error = strdup(m);
		LLVMDisposeErrorMessage(m);
		return -1;
	}
	if (flags & XT_CG_DUMP_IR) {
		char *ir = LLVMPrintModuleToString(cg->mod);
		out->ir = strdup(ir);
		LLVMDisposeMessage(ir);
	}
	LLVMMemoryBufferRef buf = NULL;
	if (LLVMTargetMachineEmitToMemoryBuffer(cg->tm, cg->mod, LLVMObjectFile, &msg, &buf)) {
		if (!cg->error)
			cg->error = strdup(msg ? msg : "object emission failed");
		LLVMDisposeMessage(msg);
		return -1;
	}
	if (cg->error) { /* e.g. the BPF stack limit, reported through the handler */
		LLVMDisposeMemoryBuffer(buf);
		return -1;
	}
	out->elf_size = LLVMGetBufferSize(buf);
	out->elf = malloc(out->elf_size);
	memcpy(out->elf, LLVMGetBufferStart(buf), out->elf_size);
	LLVMDisposeMemoryBuffer(buf);
	return 0;
}

int xt_cg_module_finish(struct xt_cg *cg, unsigned flags, struct xt_compiled *out)
{
	xt_cg_finish_maps(cg);
	LLVMDIBuilderFinalize(cg->di);
	char *msg = NULL;
	if (LLVMVerifyModule(cg->mod, LLVMReturnStatusAction, &msg)) {
		if (!cg->error)
			cg->error = strdup(msg);
		LLVMDisposeMessage(msg);
		return -1;
	}
	LLVMDisposeMessage(msg);
	struct ir_sizes sz = ir_sizes(cg);
	if (sz.largest_probe > MAX_IR && sz.which) {
		xt_diag_error(cg->dg, sz.which->node->loc, "this probe is too large: %ld LLVM instructions before "
			      "optimisation, more than the %d xtrace compiles (such a probe takes minutes to compile "
			      "and the kernel's verifier refuses it); split its work across probes", sz.largest_probe,
			      MAX_IR);
		return -2;
	}
	if (sz.most_branches > MAX_JUMPS && sz.branchiest) {
		xt_diag_error(cg->dg, sz.branchiest->node->loc, "this probe is too large: it has %ld conditional "
			      "branches, and the kernel's verifier follows at most %d along one path (\"the sequence "
			      "of %d jumps is too complex\"); a map update or a printf is one each; split its work "
			      "across probes", sz.most_branches, MAX_JUMPS, MAX_JUMPS + 1);
		return -2;
	}
	bool large = sz.largest_fn > LARGE_IR;
	if (large) {
		cg->tm = target_machine(true, &msg);
		if (!cg->tm) {
			cg->error = strdup(msg ? msg : "no BPF v4 target in this LLVM");
			LLVMDisposeMessage(msg);
			return -1;
		}
	}
	return optimise_emit(cg, flags, out, large);
}

void xt_cg_module_dispose(struct xt_cg *cg)
{
	if (cg->di)
		LLVMDisposeDIBuilder(cg->di);
	if (cg->b)
		LLVMDisposeBuilder(cg->b);
	if (cg->mod)
		LLVMDisposeModule(cg->mod);
	if (cg->ctx)
		LLVMContextDispose(cg->ctx);
	free(cg->error);
}
