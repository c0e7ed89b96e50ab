/* Loads the LLVM module on the first compilation (codegen/load.h). The
 * executable leaves LLVM's functions unresolved and binds them lazily (its
 * link options say so), so the first call after this dlopen finds them in
 * the module, which is opened with RTLD_GLOBAL for that. */
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "codegen/load.h"

#ifndef XT_LLVM_MODULE_NAME
#define XT_LLVM_MODULE_NAME "libxtrace-llvm.so"
#endif
/* From the installed executable's folder: where `make install` puts the module. */
#ifndef XT_LLVM_MODULE_REL
#define XT_LLVM_MODULE_REL "../lib/xtrace"
#endif

static bool loaded;

bool xt_codegen_loaded(void)
{
	if (!loaded && dlsym(RTLD_DEFAULT, "LLVMContextCreate"))
		loaded = true;
	return loaded;
}

int xt_codegen_load(struct xt_diags *dg)
{
	if (xt_codegen_loaded())
		return 0;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		n = 1;
		strcpy(exe, ".");
	}
	exe[n] = 0;
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	const char *dirs[] = { exe, XT_LLVM_MODULE_REL };
	char path[PATH_MAX + 64], first_err[512] = "";
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (dirs[i][0] == '/' || i == 0)
			snprintf(path, sizeof(path), "%s/%s", dirs[i], XT_LLVM_MODULE_NAME);
		else
			snprintf(path, sizeof(path), "%s/%s/%s", exe, dirs[i], XT_LLVM_MODULE_NAME);
		if (access(path, F_OK) != 0)
			continue;
		if (dlopen(path, RTLD_NOW | RTLD_GLOBAL)) {
			loaded = true;
			return 0;
		}
		if (!first_err[0])
			snprintf(first_err, sizeof(first_err), "%s", dlerror());
	}
	if (!first_err[0])
		snprintf(first_err, sizeof(first_err), "%s not found next to %s nor in %s/%s", XT_LLVM_MODULE_NAME, exe,
			 exe, XT_LLVM_MODULE_REL);
	if (dg)
		xt_diag_plain(dg, "cannot load the code generator: %s", first_err);
	else
		fprintf(stderr, "xtrace: cannot load the code generator: %s\n", first_err);
	return -1;
}
