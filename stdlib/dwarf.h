/* DWARF debug information of user binaries and libraries, read with
 * elfutils' libdw: the parameters and return type of a function, for
 * uprobe's args.NAME and uretprobe's typed retval, and the program's own
 * types for casts. Types are converted lazily -- a function's parameter types
 * and what they reach, or one type a cast names -- into BTF appended to the
 * process-wide user BTF (xt_btf_user()), so that xt_btf_type() turns them
 * into xtrace types like kernel ones. Everything here is cached per binary
 * for the life of the process and owned by this module. */
#ifndef XT_DWARF_H
#define XT_DWARF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xt_elf;

struct xt_dwarf_param {
	const char *name;        /* "" when DWARF has none */
	const char *ctype;       /* C spelling, as bpftrace -lv shows it: "struct Foo*" */
	int btf_id;              /* in xt_btf_user(); 0 for void */
	int reg;                 /* the integer-register argument it travels in (0..5: rdi,
				  * rsi, rdx, rcx, r8, r9), or -1 */
	const char *why;         /* reg < 0: why xtrace cannot read it, as a sentence's end
				  * ("is a double, passed in an SSE register") */
};

struct xt_dwarf_func {
	const char *name;
	int nparams;
	struct xt_dwarf_param *params;
	struct xt_dwarf_param ret; /* name "retval"; btf_id 0 and ctype "void" for void;
				    * reg 0 when it comes back in rax */
};

/* The function of ELF file e whose entry is at virtual address `addr`
 * (named `name`, for messages); with `btf`, its types converted to BTF too
 * (else btf_id stays 0 until a call asks). NULL with *why set to one sentence
 * when the binary has no debug information (naming where xtrace looked for
 * it) or its DWARF does not describe the function. */
const struct xt_dwarf_func *xt_dwarf_func(const struct xt_elf *e, uint64_t addr, const char *name, bool btf,
					  const char **why);

/* The addresses where the code of source line `line` (column `col`; 0: any)
 * of `file` begins in ELF file e, from its DWARF line tables: the statement
 * rows (is_stmt) at that line that start a run of the line's rows, one per
 * address, sorted -- several when the line was inlined or its code is split
 * (a for loop's init and its increment). `file` matches a file name of the
 * tables whole or as its last path components ("dwarfprog.c", "src/a.c").
 * Returns how many (0: none, *why says whether the file is known), with
 * *addrs malloc'd for the caller, or -1 with *why one sentence (no DWARF). */
int xt_dwarf_line_addrs(const struct xt_elf *e, const char *file, int line, int col, uint64_t **addrs,
			const char **why);

/* Remembers ELF file e as one whose types casts may name (a uprobe's binary). */
void xt_dwarf_note(const struct xt_elf *e);
/* The user BTF id of the type spelled `kind` ("struct ", "union ", "enum ")
 * `name` in the DWARF of the noted binaries (the last noted first), or 0. */
int xt_dwarf_type_id(const char *kind, const char *name);

/* Reads everything a probe could ask of the DWARF in ELF image `data` --
 * every function's parameters (up to max_funcs) and every named type,
 * converted to a BTF of its own -- and frees it all (the fuzz harness's
 * entry). The number of functions read, or -ENOEXEC without DWARF. */
int xt_dwarf_check_image(const void *data, size_t size, int max_funcs);

#endif
