/* Kernel BTF: function prototypes as argument lists with C spellings. */
#include <stdio.h>
#include <string.h>
#include <bpf/btf.h>
#include "stdlib/btf_args.h"
#include "stdlib/btf_types.h"

struct btf *xt_btf_get(const char *mod)
{
	static struct btf *vmlinux;
	static struct { char name[64]; struct btf *btf; } mods[32];
	static int nmods;
	if (!vmlinux)
		vmlinux = btf__load_vmlinux_btf();
	if (!mod || !*mod || !vmlinux)
		return vmlinux;
	for (int i = 0; i < nmods; i++)
		if (strcmp(mods[i].name, mod) == 0)
			return mods[i].btf;
	struct btf *b = btf__load_module_btf(mod, vmlinux);
	if (b && nmods < 32) {
		snprintf(mods[nmods].name, sizeof(mods[nmods].name), "%s", mod);
		mods[nmods++].btf = b;
	}
	return b;
}

/* Spells type id into buf (at most `depth` pointer levels deep). */
static void spell(const struct btf *btf, int id, char *buf, size_t len, struct xt_btf_arg *a, int depth)
{
	const struct btf_type *t = id ? btf__type_by_id(btf, id) : NULL;
	if (!t) {
		snprintf(buf, len, "void");
		return;
	}
	const char *name = btf__name_by_offset(btf, t->name_off);
	char inner[96];
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		snprintf(buf, len, "%s", name);
		if (a && depth == 0) {
			a->size = (int)t->size;
			a->sign = (btf_int_encoding(t) & BTF_INT_SIGNED) != 0;
		}
		return;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		snprintf(buf, len, "enum %s", name && *name ? name : "(anon)");
		if (a && depth == 0)
			a->size = (int)t->size;
		return;
	case BTF_KIND_STRUCT: snprintf(buf, len, "struct %s", name && *name ? name : "(anon)"); return;
	case BTF_KIND_UNION: snprintf(buf, len, "union %s", name && *name ? name : "(anon)"); return;
	case BTF_KIND_FWD: snprintf(buf, len, "%s %s", btf_kflag(t) ? "union" : "struct", name); return;
	case BTF_KIND_TYPEDEF:
		snprintf(buf, len, "%s", name);
		if (a && depth == 0) {
			spell(btf, (int)t->type, inner, sizeof(inner), a, 0);
			snprintf(buf, len, "%s", name);
		}
		return;
	case BTF_KIND_CONST:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_TYPE_TAG:
		spell(btf, (int)t->type, inner, sizeof(inner), a, depth);
		snprintf(buf, len, "%s%s", btf_kind(t) == BTF_KIND_CONST ? "const " : "", inner);
		return;
	case BTF_KIND_PTR:
		spell(btf, (int)t->type, inner, sizeof(inner), NULL, depth + 1);
		snprintf(buf, len, "%s *", inner);
		if (a && depth == 0) {
			a->size = 8;
			a->ptr = true;
		}
		return;
	case BTF_KIND_FUNC_PROTO: snprintf(buf, len, "void (*)(...)"); return;
	default: snprintf(buf, len, "%s", name && *name ? name : "?"); return;
	}
}

int xt_btf_proto_args(const struct btf *btf, int proto_id, int skip, struct xt_btf_arg *out, int max)
{
	const struct btf_type *t = btf__type_by_id(btf, proto_id);
	if (!t || !btf_is_func_proto(t))
		return -1;
	const struct btf_param *p = btf_params(t);
	int n = 0;
	for (int i = skip; i < btf_vlen(t) && n < max; i++) {
		struct xt_btf_arg *a = &out[n++];
		memset(a, 0, sizeof(*a));
		const char *nm = btf__name_by_offset(btf, p[i].name_off);
		snprintf(a->name, sizeof(a->name), "%s", nm ? nm : "");
		spell(btf, (int)p[i].type, a->ctype, sizeof(a->ctype), a, 0);
		a->type_id = btf == xt_btf_get(NULL) ? (int)p[i].type : 0;
	}
	return n;
}

void xt_btf_type_info(const struct btf *btf, int type_id, struct xt_btf_arg *out)
{
	memset(out, 0, sizeof(*out));
	spell(btf, type_id, out->ctype, sizeof(out->ctype), out, 0);
}

const struct xt_type *xt_btf_arg_type(struct xt_arena *ar, const struct xt_btf_arg *a)
{
	if (a->ptr) {
		const struct xt_type *t = a->type_id ? xt_btf_type(a->type_id) : NULL;
		return t && t->kind == XT_T_PTR ? t : xt_type_ptr(ar, NULL, xt_arena_strdup(ar, a->ctype));
	}
	if (a->size == 1 || a->size == 2 || a->size == 4 || a->size == 8)
		return xt_type_int(a->size, a->sign);
	return &xt_u64;
}
