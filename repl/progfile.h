/* Compiled programs in a file: what `xtrace --emit FILE` writes, `xtrace
 * FILE` runs, and the compile cache keeps. A file holds the BPF object and
 * what is needed to rebuild its description without LLVM: the program's
 * text (after the preprocessor) and the options that change its code, which
 * lexer, parser and semantic analysis turn back into the maps, formats and
 * probes the runtime needs; a fingerprint of those, taken when it was
 * compiled, tells whether this machine derives the same layouts.
 *
 * Layout (integers little-endian): the 8 bytes "\177XTPROG\n", u32 format
 * version, u32 number of fields (XT_PF_NFIELDS), each field as u32 length
 * and bytes, then the u64 FNV-1a hash of everything before it. */
#ifndef XT_PROGFILE_H
#define XT_PROGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lang/sema.h"

#define XT_PF_MAGIC "\177XTPROG\n"
#define XT_PF_VERSION 1

/* The fields, in file order. The strings are NUL-terminated in the file
 * (their lengths count the NUL), so the reader's pointers are C strings. */
enum {
	XT_PF_XTRACE,      /* "0.1.0": the version of xtrace that compiled it */
	XT_PF_BUILD,       /* the compiling executable's build id (hex) */
	XT_PF_KERNEL,      /* the compiling kernel: release, version, BTF size */
	XT_PF_NAME,        /* the program's name: its file, or "<stdin>" */
	XT_PF_TEXT,        /* its text after the preprocessor */
	XT_PF_OPTS,        /* the options that change code: "key=value" strings, each NUL-terminated */
	XT_PF_FINGERPRINT, /* 8 bytes: xt_prog_fingerprint() when compiled */
	XT_PF_OBJECT,      /* the BPF ELF object */
	XT_PF_NFIELDS
};

struct xt_progfile {
	const char *field[XT_PF_NFIELDS]; /* into the file's bytes */
	uint32_t len[XT_PF_NFIELDS];
	uint64_t fingerprint;
};

/* Whether `data` (at least `len` bytes) starts as a compiled program does. */
bool xt_progfile_is(const void *data, size_t len);

/* Reads the `len` bytes at data into *pf, whose pointers point into data.
 * 0, or -1 with why in `why` ("truncated", "corrupt: ...", ...): a file
 * that is damaged, foreign or of another format version never gets further. */
int xt_progfile_parse(const void *data, size_t len, struct xt_progfile *pf, char *why, size_t whylen);

/* The file's bytes for the given fields (string fields: C strings;
 * XT_PF_OPTS and XT_PF_OBJECT as lens says), malloc'd, its size in *size;
 * NULL when out of memory. */
void *xt_progfile_build(const char *const field[XT_PF_NFIELDS], const uint32_t lens[XT_PF_NFIELDS], size_t *size);

/* The options of `o` that change a program's code, as XT_PF_OPTS holds
 * them, malloc'd, their length (NULs included) in *len. */
char *xt_progfile_opts(const struct xt_sema_opts *o, uint32_t *len);
/* Reads XT_PF_OPTS back into *o (params allocated in ar; what it does not
 * hold is left as it is). 0, or -1 with why in `why`. */
int xt_progfile_read_opts(const char *opts, uint32_t len, struct xt_arena *ar, struct xt_sema_opts *o,
			  char *why, size_t whylen);

/* A hash of everything in prog that the generated code depends on: the
 * typed AST (kernel fields' offsets and sizes included), the maps' and
 * printf records' layouts, the probes' functions and sites, and the options
 * that change code. Equal fingerprints: an object compiled for one program
 * serves the other. */
uint64_t xt_prog_fingerprint(const struct xt_program *prog);

/* This executable's build id as hex ("" when it has none); static storage. */
const char *xt_build_id(void);
/* This kernel, as far as compiled code can tell: release, version and the
 * size of its BTF; static storage. */
const char *xt_kernel_id(void);

/* 64-bit FNV-1a, continued from h (start from XT_FNV_INIT). */
#define XT_FNV_INIT 0xcbf29ce484222325ull
uint64_t xt_fnv(uint64_t h, const void *p, size_t n);

#endif
