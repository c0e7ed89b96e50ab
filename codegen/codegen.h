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

/* Record kinds in the ring buffer: {u32 kind, u32 id, payload}. */
enum xt_event_kind {
	XT_EV_PRINTF = 1,    /* id: format; payload: the arguments */
	XT_EV_EXIT = 2,
	XT_EV_PRINT_MAP = 3, /* id: map; payload: u64 top, u64 div */
	XT_EV_CLEAR = 4,     /* id: map */
	XT_EV_ZERO = 5,      /* id: map */
	XT_EV_PRINT_VAL = 6, /* id: format (one argument, the value) */
	XT_EV_TIME = 7,      /* id: format (its text is a strftime format) */
	XT_EV_CAT = 8,       /* id: format (printf-style: the file's path) */
	XT_EV_SYSTEM = 9,    /* id: format (printf-style: the command) */
	XT_EV_JOIN = 10,     /* id: format (its text is the separator); payload: u64 n, 16 strings of xt_join_slot() bytes */
};

/* Compiles prog. 0, or -1 after reporting to dg (internal errors only: sema
 * has caught every user mistake a compiler can see, except the BPF stack limit). */
int xt_codegen(const struct xt_program *prog, unsigned flags, struct xt_compiled *out, struct xt_diags *dg);
void xt_compiled_free(struct xt_compiled *c);

#endif
