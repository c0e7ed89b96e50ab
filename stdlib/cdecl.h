/* The C declaration reader: the struct, union, enum and typedef definitions
 * of a program and of the headers it includes, laid out as a C compiler
 * lays them out on x86-64 and appended to a BTF (the process's user BTF,
 * stdlib/btf_types.h) with libbpf's btf__add_*(). What it does not
 * understand in a header (prototypes, function bodies, asm, typeof of a
 * variable) is skipped; in the program it is one diagnostic with its span. */
#ifndef XT_CDECL_H
#define XT_CDECL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lang/diag.h"

struct btf;
struct xt_cdecl;

/* A translation unit appending to `btf` (a split BTF on vmlinux's, or a
 * standalone one), reporting into dg, whose source (dg->src) the locations
 * of xt_cdecl_read are in. Owned by the caller: xt_cdecl_free. NULL
 * without memory. */
struct xt_cdecl *xt_cdecl_new(struct btf *btf, struct xt_diags *dg);
void xt_cdecl_free(struct xt_cdecl *u);
/* Reads the C text[0..len), whose first character is at `at` in dg->src;
 * `header`: text of an included file, whose unreadable declarations are
 * skipped. Definitions see those of earlier texts of the unit. 0, or -1
 * after a diagnostic (then nothing of the unit is emitted). */
int xt_cdecl_read(struct xt_cdecl *u, const char *text, size_t len, struct xt_loc at, bool header);
/* Appends every definition read to the BTF; for the process's user BTF
 * (xt_btf_user()) the names become the ones programs see from now on
 * (xt_cdecl_named). 0 or -errno. */
int xt_cdecl_finish(struct xt_cdecl *u);

/* The BTF id of the newest program definition named `name` of BTF kind
 * `kind` (BTF_KIND_STRUCT, _UNION, _ENUM, _TYPEDEF) in the user BTF, or -1. */
int xt_cdecl_named(const char *name, int kind);
/* Why a struct, union or enum `name` (BTF kind `kind`) that a header of the
 * last unit defines is not a type: "its definition in FILE:L:C was skipped
 * (FILE:L:C: what could not be read)"; NULL when it was not skipped. */
const char *xt_cdecl_skipped(const char *name, int kind);
/* Whether `name` is an enumerator of a program's enum, and its value. */
bool xt_cdecl_enumerator(const char *name, int64_t *value);

#endif
