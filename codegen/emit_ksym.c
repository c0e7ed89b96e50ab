/* Kernel variables in generated code: typed __ksym externs, which libbpf
 * resolves against the kernel's BTF (percpu_kaddr's bpf_per_cpu_ptr). */
#include <string.h>
#include "codegen/cg_int.h"

LLVMValueRef xt_cg_ksym(struct xt_cg *cg, const char *name, LLVMMetadataRef di_type)
{
	LLVMValueRef gv = LLVMGetNamedGlobal(cg->mod, name);
	if (gv && LLVMGetSection(gv) && strcmp(LLVMGetSection(gv), ".ksyms") == 0)
		return gv;
	/* extern const T name __ksym: a declaration (no initializer, external
	 * linkage), which LLVM's BTF emits as an extern VAR of DATASEC .ksyms */
	gv = LLVMAddGlobal(cg->mod, cg->i8, name);
	LLVMSetLinkage(gv, LLVMExternalLinkage);
	LLVMSetGlobalConstant(gv, 1);
	LLVMSetSection(gv, ".ksyms");
	const char *vn = LLVMGetValueName(gv); /* as LLVM named it: BTF takes the name from there */
	size_t len = strlen(vn);
	LLVMMetadataRef gve = LLVMDIBuilderCreateGlobalVariableExpression(cg->di, cg->di_cu, vn, len, vn, len,
		cg->di_file, 0, di_type, 0, LLVMDIBuilderCreateExpression(cg->di, NULL, 0), NULL, 0);
	LLVMGlobalSetMetadata(gv, LLVMGetMDKindIDInContext(cg->ctx, "dbg", 3), gve);
	return gv;
}
