/* ELF files as tracing sees them, read with libelf: function symbols,
 * virtual address <-> file offset, build ids, USDT notes, and binary and
 * library names resolved the way the shell and the dynamic linker do.
 * Files are opened once and cached for the life of the process: an xt_elf
 * returned here is owned by the cache and never freed by the caller. */
#ifndef XT_ELF_SYMS_H
#define XT_ELF_SYMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct xt_elf_sym {
	const char *name;
	uint64_t addr;           /* st_value: a virtual address in the file's layout */
	uint64_t size;
	bool global;             /* STB_GLOBAL or STB_WEAK: the name to show among aliases */
};

struct xt_elf_seg {              /* a PT_LOAD segment */
	uint64_t vaddr, memsz, offset, filesz;
	bool exec;
};

struct xt_usdt_note {
	const char *provider, *name, *args; /* args: "-4@%eax 8@-16(%rbp)" or "" */
	uint64_t pc;             /* virtual address of the probe (base-adjusted) */
	uint64_t sem;            /* virtual address of the semaphore, 0 when none */
	int64_t pc_off, sem_off; /* file offsets (uprobe offset, ref_ctr_offset); -1 when unknown */
};

struct xt_elf {
	char *path;
	bool dyn;                /* ET_DYN: PIE or shared library */
	char build_id[41];       /* hex, "" when none */
	struct xt_elf_sym *syms; /* functions, sorted by address */
	size_t nsyms;
	struct xt_elf_seg *segs;
	size_t nsegs;
	struct xt_usdt_note *notes;
	size_t nnotes;
	bool debug_info;         /* has its own DWARF (a .debug_info with contents) */
	char *debuglink;         /* .gnu_debuglink's file name, NULL when none */
	uint32_t debuglink_crc;  /* and the CRC-32 of that file */
};

/* Opens (or returns the cached) ELF file at path. NULL with errno set when it
 * cannot be read or is not ELF. */
const struct xt_elf *xt_elf_get(const char *path);

/* An ELF image in memory read as xt_elf_get reads a file, not cached and
 * without looking for a debug file (the fuzz harnesses' entry); path is
 * "<memory>". Free it with xt_elf_free. NULL when it is not ELF. */
struct xt_elf *xt_elf_from_memory(const void *data, size_t size);
/* Frees what xt_elf_from_memory returned. Never for xt_elf_get's files. */
void xt_elf_free(struct xt_elf *e);

/* The number of arguments of a USDT note's argument spec (prov_usdt.c's
 * reader: "-4@%eax 8@-16(%rbp) 4@$5"), or -1 for a form xtrace cannot read. */
int xt_usdt_nargs(const char *spec);

/* The file offset of virtual address vaddr, or -1 when no segment holds it. */
int64_t xt_elf_vaddr_to_off(const struct xt_elf *e, uint64_t vaddr);
/* The virtual address at file offset off, or -1 when no segment holds it. */
int64_t xt_elf_off_to_vaddr(const struct xt_elf *e, uint64_t off);
/* The function named `name` (the first, when several share it), or NULL. */
const struct xt_elf_sym *xt_elf_sym_by_name(const struct xt_elf *e, const char *name);
/* The function containing vaddr (or the nearest below it within 64 KiB
 * when sizes are missing), with *off the distance from its start; or NULL. */
const struct xt_elf_sym *xt_elf_sym_at(const struct xt_elf *e, uint64_t vaddr, uint64_t *off);

/* The separate debug file of e, found as gdb finds it: by build id
 * (/usr/lib/debug/.build-id/xx/yyyy.debug, the same build id inside), then by
 * .gnu_debuglink (the named file next to e, in its .debug/ folder, or under
 * /usr/lib/debug/ plus e's folder, with the CRC-32 the link gives). 0 with its
 * path in out; -ENOENT with `looked` (may be NULL) set to where it looked,
 * as a phrase ("no /usr/lib/debug/.build-id/ab/cdef.debug, no .gnu_debuglink"). */
int xt_elf_debug_file(const struct xt_elf *e, char *out, size_t outlen, char *looked, size_t looked_len);

/* Resolves a uprobe/USDT binary as written by the user into an absolute
 * path: a path (contains '/'), a library name resolved like the dynamic
 * linker (`libc`, `libc.so.6`: /etc/ld.so.cache, then the usual dirs), or a
 * program found on $PATH. 0, or -ENOENT. */
int xt_elf_resolve(const char *name, char *out, size_t outlen);

struct xt_sema;
struct xt_node;
/* The ELF file a probe's BINARY field names (resolved as xt_elf_resolve does,
 * its path left in path[size]), or NULL after a diagnostic at `at`. */
const struct xt_elf *xt_elf_for_probe(struct xt_sema *s, struct xt_node *at, const char *bin,
				      char *path, size_t size);

#endif
