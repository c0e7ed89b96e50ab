/* Code generation: a checked program (lang/sema.h) to a BPF ELF object in
 * memory, through the LLVM C API. */
#ifndef XT_CODEGEN_H
#define XT_CODEGEN_H

#include <stdbool.h>
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
 * has caught every user mistake a compiler can see, except the BPF stack
 * limit and a probe too large), or -EINTR when a stop signal came
 * (xt_codegen_set_stop), with nothing reported. */
int xt_codegen(const struct xt_program *prog, unsigned flags, struct xt_compiled *out, struct xt_diags *dg);
void xt_compiled_free(struct xt_compiled *c);

/* How a long compilation hears of a stop signal (SIGINT, SIGTERM, SIGHUP):
 * codegen knows no signals, the driver that owns them hands these over
 * once. pending: whether one came; wait(fd): 1 when fd is readable, 0 when
 * a stop signal came first, or -errno. With them, a large module is
 * optimised and emitted in a child process that a stop signal ends at once,
 * and xt_codegen then returns -EINTR, reporting nothing. */
struct xt_codegen_stop {
	bool (*pending)(void);
	int (*wait)(int fd);
};
void xt_codegen_set_stop(const struct xt_codegen_stop *stop);

#endif
