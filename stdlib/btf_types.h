/* Kernel types from vmlinux BTF as xtrace types: structs and unions
 * (XT_T_RECORD with btf_id), their fields (anonymous members flattened,
 * bitfields), pointers, arrays (char[N] as strings), enums as ints. Converted
 * on first use and kept, like the BTF object, for the life of the process;
 * sema reaches them through the registry's xt_ktypes() hook. */
#ifndef XT_BTF_TYPES_H
#define XT_BTF_TYPES_H

#include "lang/types.h"

/* The xtrace type of vmlinux BTF type `id` (typedefs and qualifiers skipped),
 * or NULL for void and for what xtrace cannot represent (floats, functions). */
const struct xt_type *xt_btf_type(int id);
/* `struct NAME *` from vmlinux BTF, or NULL without BTF or such a struct. */
const struct xt_type *xt_btf_struct_ptr(const char *name);

#endif
