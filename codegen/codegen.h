/* Code generation: a checked program (lang/sema.h) to a BPF ELF object in
 * memory, through the LLVM C API. */
#ifndef XT_CODEGEN_H
#define XT_CODEGEN_H

#include <stddef.h>
#include "lang/sema.h"

/* What the runtime needs: the object's bytes; everything else it reads from
 * the struct xt_program the object was built from. */
struct xt_compiled {
	const struct xt_program *prog;
	void *elf;                /* malloc'd; xt_compiled_free frees it */
	size_t elf_size;
	char *ir;                 /* the optimised IR text when asked for (-d ir), else NULL */
};

enum { XT_CG_DUMP_IR = 1 };

/* Compiles prog. 0, or -1 after reporting to dg (internal errors only: sema
 * has caught every user mistake a compiler can see, except the BPF stack limit). */
int xt_codegen(const struct xt_program *prog, unsigned flags, struct xt_compiled *out, struct xt_diags *dg);
void xt_compiled_free(struct xt_compiled *c);

#endif
