/* Function arguments described by kernel BTF (vmlinux and modules), for the
 * probe types typed from BTF: rawtracepoint (btf_trace_<name>), fentry/fexit.
 * The BTF objects are loaded once and kept for the life of the process. */
#ifndef XT_BTF_ARGS_H
#define XT_BTF_ARGS_H

#include <stdbool.h>
#include "lang/types.h"

struct btf;

struct xt_btf_arg {
	char name[64];           /* "" when BTF has none */
	char ctype[128];         /* C spelling: "struct task_struct *", "int", ... */
	int size;                /* bytes, 0 for void/unknown */
	bool sign, ptr;
	int type_id;             /* the vmlinux BTF type (0: from a module's BTF) */
};

/* vmlinux's BTF (or a module's, when mod is not NULL/""), or NULL. */
struct btf *xt_btf_get(const char *mod);
/* The parameters of FUNC_PROTO proto_id (skipping the first `skip`) into out[],
 * at most max; returns the count or -1. */
int xt_btf_proto_args(const struct btf *btf, int proto_id, int skip, struct xt_btf_arg *out, int max);
/* Spells BTF type type_id (size, sign, pointer-ness) into out; name stays "". */
void xt_btf_type_info(const struct btf *btf, int type_id, struct xt_btf_arg *out);
/* The xtrace type of an argument: ints by size and sign, pointers typed
 * from vmlinux BTF (struct task_struct *), opaque for module types. */
const struct xt_type *xt_btf_arg_type(struct xt_arena *ar, const struct xt_btf_arg *a);

#endif
