/* Kernel types from vmlinux BTF as xtrace types: structs and unions
 * (XT_T_RECORD with btf_id), their fields (anonymous members flattened,
 * bitfields), pointers, arrays (char[N] as strings), enums (ints that print by name), and the
 * types of programs' C definitions, which win over the kernel's. Converted
 * on first use and kept, like the BTF object, for the life of the process;
 * sema reaches them through the registry's xt_ktypes() hook. */
#ifndef XT_BTF_TYPES_H
#define XT_BTF_TYPES_H

#include <stdio.h>
#include "lang/types.h"

struct btf;
/* The process's own types -- C definitions in programs, DWARF of user
 * binaries -- as one BTF split on vmlinux's (standalone without kernel BTF),
 * to which they are appended with libbpf's btf__add_*(). Its ids follow
 * vmlinux's, so every function here takes either kind of id. Process
 * lifetime; NULL only without memory. */
struct btf *xt_btf_user(void);
/* The xtrace type of vmlinux BTF type `id` (typedefs and qualifiers skipped),
 * or NULL for void and for what xtrace cannot represent (floats, functions). */
const struct xt_type *xt_btf_type(int id);
/* The id of the type programs see under `name` for BTF kind `kind`
 * (BTF_KIND_STRUCT, _UNION, _ENUM, _ENUM64, _TYPEDEF): a program's C
 * definition (stdlib/cdecl.h) wins, then the user BTF's other types newest
 * first (a binary's DWARF), then vmlinux's. -1 when there is none. */
int xt_btf_find(const char *name, int kind);
/* `struct NAME *` as xt_btf_find finds it, or NULL without BTF or such a struct. */
const struct xt_type *xt_btf_struct_ptr(const char *name);
/* The text of the `size` bytes at p, a value of vmlinux BTF type `id`, as
 * bpftrace 0.17 prints a struct: `{ .a = 1, .b = { .c = str }, .d = [1,2] }`
 * (pointers in signed decimal, enums as numbers, char[N] as strings).
 * Allocated in ar; "" without BTF. */
/* The name of value `value` of enum type `id` (the first enumerator that
 * has it), or NULL when none has it. The name lives in the BTF, which may
 * move it when types are added: copy it before compiling anything else. */
const char *xt_btf_enum_name(int id, uint64_t value);
const char *xt_btf_render(struct xt_arena *ar, int id, const uint8_t *p, int size);

/* -l 'struct GLOB' (union, enum): the kernel's types of that kind whose names
 * match, sorted by name; with verbose, each one's C definition as libbpf's
 * btf_dump writes it, then an empty line (bpftrace 0.17 and 0.26 do both).
 * 0, -EINTR when a stop signal came, or -1 after a message. */
int xt_btf_list_types(FILE *out, const char *kind, const char *glob, bool verbose);

#endif
