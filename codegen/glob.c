/* Values xtrace gives a program when it loads it, not when it compiles it:
 * the moment xtrace started (elapsed), the CPUs online (ncpus), the boot
 * clock's offset to TAI (nsecs(sw_tai)). Each is a long in .rodata, which
 * the runtime fills before the load (runtime/rt.c, xt_rt_load_params) and
 * the kernel then freezes, so the verifier reads them as constants. A
 * compiled object holds no value of the moment it was compiled: it may be
 * cached, or emitted and run on another machine. */
#include <string.h>
#include "codegen/cg_int.h"

LLVMValueRef xt_cg_load_param(struct xt_cg *cg, const char *name)
{
	LLVMValueRef gv = LLVMGetNamedGlobal(cg->mod, name);
	if (!gv) {
		/* External, with debug info: libbpf finds it through the BTF DATASEC. */
		gv = LLVMAddGlobal(cg->mod, cg->i64, name);
		LLVMSetLinkage(gv, LLVMExternalLinkage);
		LLVMSetSection(gv, ".rodata");
		LLVMSetAlignment(gv, 8);
		LLVMSetInitializer(gv, LLVMConstNull(cg->i64));
		size_t n = strlen(name);
		LLVMMetadataRef t = LLVMDIBuilderCreateBasicType(cg->di, "long", 4, 64, 0x05, LLVMDIFlagZero);
		t = LLVMDIBuilderCreateQualifiedType(cg->di, 0x26 /* DW_TAG_const_type */, t);
		LLVMMetadataRef gve = LLVMDIBuilderCreateGlobalVariableExpression(cg->di, cg->di_cu, name, n,
			name, n, cg->di_file, 0, t, 0, LLVMDIBuilderCreateExpression(cg->di, NULL, 0), NULL, 64);
		LLVMGlobalSetMetadata(gv, LLVMGetMDKindIDInContext(cg->ctx, "dbg", 3), gve);
	}
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i64, gv, name);
	LLVMSetVolatile(v, 1); /* never folded to the 0 it holds in the object */
	return v;
}
