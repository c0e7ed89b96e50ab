/* The BPF target, the module's frame (data layout, debug info, license), the
 * optimisation pipeline and emission of the ELF object into memory. */
#include <stdlib.h>
#include <string.h>
#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>
#include "codegen/cg_int.h"

static LLVMTargetMachineRef target_machine(char **err)
{
	static LLVMTargetMachineRef tm;
	if (tm)
		return tm;
	LLVMInitializeBPFTargetInfo();
	LLVMInitializeBPFTarget();
	LLVMInitializeBPFTargetMC();
	LLVMInitializeBPFAsmPrinter();
	LLVMTargetRef t;
	if (LLVMGetTargetFromTriple("bpfel", &t, err))
		return NULL;
	/* v3: alu32 and jmp32; `generic` has no 32-bit subregisters. */
	tm = LLVMCreateTargetMachine(t, "bpfel", "v3", "", LLVMCodeGenLevelDefault,
				     LLVMRelocStatic, LLVMCodeModelDefault);
	return tm;
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
	cg->tm = target_machine(&err);
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

int xt_cg_module_finish(struct xt_cg *cg, unsigned flags, struct xt_compiled *out)
{
	LLVMDIBuilderFinalize(cg->di);
	char *msg = NULL;
	if (LLVMVerifyModule(cg->mod, LLVMReturnStatusAction, &msg)) {
		if (!cg->error)
			cg->error = strdup(msg);
		LLVMDisposeMessage(msg);
		return -1;
	}
	LLVMDisposeMessage(msg);
	LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
	LLVMErrorRef e = LLVMRunPasses(cg->mod, "default<O2>", cg->tm, po);
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
