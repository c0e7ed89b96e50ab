/* Kernel types from vmlinux BTF as xtrace types. A struct becomes a record
 * whose fields are converted the first time one is looked up, so a program
 * that names task_struct pays for task_struct, not for the kernel. */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "lang/diag.h"
#include "runtime/runtime.h"
#include "stdlib/btf_args.h"
#include "stdlib/btf_types.h"
#include "stdlib/kconst.h"
#include "stdlib/cdecl.h"
#include "stdlib/dwarf.h"
#include "stdlib/registry.h"

/* A kernel struct or union; `t` first, so a record's type pointer is its krec. */
struct krec {
	struct xt_type t;
	bool done;               /* fields converted */
	int cap;
	const struct xt_type *ptr; /* a pointer to it, made once */
};

static struct xt_arena *ar;     /* process lifetime, like the BTF */
static const struct xt_type **cache; /* by BTF id */
static unsigned ncache;

/* The first string added to a split BTF makes libbpf copy its base into
 * modifiable memory (btf__find_str), moving every type and name of
 * vmlinux: what this file keeps (field names, type names, the name index)
 * is copied or kept by offset, and nothing holds a type or a name across
 * the C reader's btf__add_*() calls. Done eagerly, it would cost every
 * program that names a kernel type ~80 ms. */
struct btf *xt_btf_user(void)
{
	static struct btf *user;
	if (!user) {
		struct btf *base = xt_btf_get(NULL);
		user = base ? btf__new_empty_split(base) : btf__new_empty(); /* NULL on error */
	}
	return user;
}

/* The BTF that every type id names: the user BTF, split on vmlinux's (base
 * ids are vmlinux's own), with the cache grown to its current size -- types
 * are appended to it while the process runs. NULL only without memory. */
static const struct btf *types(void)
{
	const struct btf *btf = xt_btf_user();
	if (!btf)
		return NULL;
	if (!ar)
		ar = xt_arena_new();
	unsigned n = btf__type_cnt(btf);
	if (n > ncache) {
		unsigned cap = n + n / 4 + 64;
		const struct xt_type **c = xt_arena_alloc(ar, sizeof(*c) * cap);
		if (ncache)
			memcpy(c, cache, sizeof(*c) * ncache);
		cache = c;
		ncache = cap;
	}
	return btf;
}

/* vmlinux's types (and the user's after them), or NULL without kernel BTF. */
static const struct btf *vmlinux(void)
{
	return xt_btf_get(NULL) ? types() : NULL;
}

/* Skips typedefs and qualifiers. */
static int resolve(const struct btf *btf, int id)
{
	for (int depth = 0; id > 0 && depth < 32; depth++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!t)
			return 0;
		switch (btf_kind(t)) {
		case BTF_KIND_TYPEDEF: case BTF_KIND_CONST: case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT: case BTF_KIND_TYPE_TAG:
			id = (int)t->type;
			break;
		default:
			return id;
		}
	}
	return 0;
}

static bool is_char(const struct btf *btf, const struct btf_type *t)
{
	if (!btf_is_int(t) || t->size != 1)
		return false;
	const char *name = btf__name_by_offset(btf, t->name_off);
	return (btf_int_encoding(t) & BTF_INT_CHAR) || (name && strcmp(name, "char") == 0);
}

static const struct xt_type *record(const struct btf *btf, int id, const struct btf_type *t)
{
	struct krec *r = xt_arena_alloc(ar, sizeof(*r));
	const char *name = btf__name_by_offset(btf, t->name_off);
	r->t.kind = XT_T_RECORD;
	r->t.size = (int)t->size;
	r->t.btf_id = id;
	r->t.cname = xt_arena_printf(ar, "%s %s", btf_is_union(t) ? "union" : "struct",
				     name && *name ? name : "(anonymous)");
	return &r->t;
}

static const struct xt_type *convert(const struct btf *btf, int id)
{
	id = resolve(btf, id);
	if (id <= 0 || (unsigned)id >= btf__type_cnt(btf))
		return NULL;
	types(); /* the cache covers every id */
	if (cache[id])
		return cache[id];
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct xt_type *x = NULL;
	struct xt_btf_arg spelled;
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		if (t->size == 1 && (btf_int_encoding(t) & BTF_INT_BOOL))
			x = &xt_bool;
		else if (t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8)
			x = xt_type_int((int)t->size, (btf_int_encoding(t) & BTF_INT_SIGNED) != 0);
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: { /* an int that prints by name (bpftrace 0.22) */
		const char *name = btf__name_by_offset(btf, t->name_off);
		if (t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8)
			x = xt_type_enum(ar, (int)t->size, btf_kflag(t), id,
					 xt_arena_printf(ar, "enum %s", name && *name ? name : "(anonymous)"));
		break;
	}
	case BTF_KIND_PTR:
		xt_btf_type_info(btf, id, &spelled);
		/* a pointer to a pointer to ... ends at a struct: records are shallow */
		x = xt_type_ptr(ar, convert(btf, (int)t->type), xt_arena_strdup(ar, spelled.ctype));
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		x = record(btf, id, t);
		break;
	case BTF_KIND_FWD: {
		/* a declaration: the definition is elsewhere under the same name */
		int def = btf__find_by_name_kind(btf, btf__name_by_offset(btf, t->name_off),
						 btf_kflag(t) ? BTF_KIND_UNION : BTF_KIND_STRUCT);
		if (def > 0)
			x = convert(btf, def);
		break;
	}
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		int eid = resolve(btf, (int)a->type);
		const struct btf_type *et = btf__type_by_id(btf, eid);
		if (et && is_char(btf, et) && a->nelems > 0) {
			x = xt_type_str(ar, (int)a->nelems); /* char comm[16]: a string, as in bpftrace */
			break;
		}
		const struct xt_type *el = convert(btf, eid);
		if (!el)
			break;
		struct xt_type *arr = xt_arena_alloc(ar, sizeof(*arr));
		arr->kind = XT_T_ARRAY;
		arr->pointee = el;
		arr->n = (int)a->nelems;
		arr->size = el->size * arr->n;
		arr->btf_id = id;
		arr->cname = xt_arena_printf(ar, "%s[%d]", xt_type_name(ar, el), arr->n);
		x = arr;
		break;
	}
	default: /* floats, functions: not representable */
		break;
	}
	cache[id] = x;
	return x;
}

const struct xt_type *xt_btf_type(int id)
{
	const struct btf *btf = types();
	return btf ? convert(btf, id) : NULL;
}

const struct xt_type *xt_btf_struct_ptr(const char *name)
{
	const struct btf *btf = types();
	int id = btf ? xt_btf_find(name, BTF_KIND_STRUCT) : -1;
	const struct xt_type *rec = id > 0 ? convert(btf, id) : NULL;
	if (!rec || rec->kind != XT_T_RECORD)
		return NULL;
	struct krec *r = (struct krec *)rec;
	if (!r->ptr)
		r->ptr = xt_type_ptr(ar, rec, xt_arena_printf(ar, "%s *", rec->cname));
	return r->ptr;
}

/* --- fields ----------------------------------------------------------------- */

static void add_field(struct krec *r, const struct xt_field *f)
{
	if (r->t.n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		struct xt_field *nf = xt_arena_alloc(ar, sizeof(*nf) * r->cap);
		if (r->t.n)
			memcpy(nf, r->t.fields, sizeof(*nf) * r->t.n);
		r->t.fields = nf;
	}
	struct xt_field *dst = (struct xt_field *)&r->t.fields[r->t.n];
	*dst = *f;
	dst->index = r->t.n++;
}

/* The members of struct/union t at bit offset `base` of r; the members of
 * anonymous structs and unions are r's own, as in C. */
static void add_members(struct krec *r, const struct btf *btf, const struct btf_type *t, unsigned base, int depth)
{
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		unsigned bit = base + btf_member_bit_offset(t, i);
		unsigned bits = btf_member_bitfield_size(t, i);
		if (!name || !*name) {
			const struct btf_type *mt = btf__type_by_id(btf, resolve(btf, (int)m->type));
			if (mt && (btf_is_struct(mt) || btf_is_union(mt)) && depth < 16)
				add_members(r, btf, mt, bit, depth + 1);
			continue;
		}
		/* a copy: the user BTF's strings move as types are added to it, and
		 * the first string added makes libbpf turn vmlinux's BTF modifiable,
		 * which frees the raw data its names pointed into */
		struct xt_field f = { .name = xt_arena_strdup(ar, name), .type = convert(btf, (int)m->type),
				      .offset = (int)(bit / 8) };
		if (f.type && (bits || bit % 8) && xt_type_is_int(f.type)) {
			f.bitoff = (int)(bit % 8);
			f.bits = bits ? (int)bits : f.type->size * 8;
		}
		add_field(r, &f);
	}
}

static void complete(struct krec *r)
{
	const struct btf *btf = types();
	if (r->done || !btf)
		return;
	r->done = true;
	const struct btf_type *t = btf__type_by_id(btf, r->t.btf_id);
	if (t && (btf_is_struct(t) || btf_is_union(t)))
		add_members(r, btf, t, 0, 0);
}

static const struct xt_field *field(const struct xt_type *rec, const char *name, const char **near)
{
	*near = NULL;
	if (rec->kind != XT_T_RECORD || !rec->btf_id)
		return NULL;
	struct krec *r = (struct krec *)rec;
	complete(r);
	for (int i = 0; i < r->t.n; i++)
		if (strcmp(r->t.fields[i].name, name) == 0)
			return &r->t.fields[i];
	const char **names = malloc(sizeof(*names) * (r->t.n + 1));
	if (!names)
		return NULL;
	for (int i = 0; i < r->t.n; i++)
		names[i] = r->t.fields[i].name;
	*near = xt_diag_closest(name, names, (size_t)r->t.n);
	free(names);
	return NULL;
}

/* --- values ----------------------------------------------------------------- */

static uint64_t load(const uint8_t *p, int size)
{
	uint64_t v = 0;
	memcpy(&v, p, size > 8 ? 8 : size); /* little-endian, as the hosts xtrace runs on */
	return v;
}

static void put_int(FILE *f, uint64_t v, int bits, bool sign)
{
	if (bits < 64)
		v &= (1ULL << bits) - 1;
	if (sign && bits < 64 && (v >> (bits - 1)) & 1)
		v |= ~0ULL << bits;
	if (sign)
		fprintf(f, "%lld", (long long)v);
	else
		fprintf(f, "%llu", (unsigned long long)v);
}

static void put_value(FILE *f, const struct btf *btf, int id, const uint8_t *p, int avail, int depth);

/* The members of a struct or union, anonymous ones flattened (as bpftrace does). */
static void put_members(FILE *f, const struct btf *btf, const struct btf_type *t, const uint8_t *p,
			int avail, unsigned base, bool *first, int depth)
{
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);
		unsigned bit = base + btf_member_bit_offset(t, i), bits = btf_member_bitfield_size(t, i);
		int mid = resolve(btf, (int)m->type);
		const struct btf_type *mt = btf__type_by_id(btf, mid);
		if (!mt)
			continue;
		if (!name || !*name) {
			if ((btf_is_struct(mt) || btf_is_union(mt)) && depth < 16)
				put_members(f, btf, mt, p, avail, bit, first, depth + 1);
			continue;
		}
		fprintf(f, "%s.%s = ", *first ? "" : ", ", name);
		*first = false;
		int off = (int)(bit / 8);
		if ((bits || bit % 8) && (btf_is_int(mt) || btf_is_any_enum(mt))) {
			int width = bits ? (int)bits : (int)mt->size * 8;
			int nbytes = ((int)(bit % 8) + width + 7) / 8;
			if (off + nbytes > avail || width > 64 || width <= 0) {
				fputs("?", f);
				continue;
			}
			uint64_t v = load(p + off, nbytes) >> (bit % 8);
			bool sign = btf_is_int(mt) ? (btf_int_encoding(mt) & BTF_INT_SIGNED) != 0 : btf_kflag(mt);
			put_int(f, v, width, sign);
			continue;
		}
		put_value(f, btf, mid, p + off, avail - off, depth + 1);
	}
}

static void put_value(FILE *f, const struct btf *btf, int id, const uint8_t *p, int avail, int depth)
{
	id = resolve(btf, id);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, id) : NULL;
	if (!t || depth > 32) {
		fputs("?", f);
		return;
	}
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64: {
		int size = (int)t->size;
		if (size <= 0 || size > 8 || size > avail) {
			fputs(size > 8 && size <= avail ? "0" : "?", f); /* __int128: bpftrace prints 0 */
			return;
		}
		bool sign = btf_is_int(t) ? (btf_int_encoding(t) & BTF_INT_SIGNED) != 0 : btf_kflag(t);
		if (btf_is_int(t) && (btf_int_encoding(t) & BTF_INT_BOOL))
			sign = false;
		put_int(f, load(p, size), size * 8, sign);
		return;
	}
	case BTF_KIND_PTR: /* in hex, as bpftrace 0.26 (0.17: signed decimal) */
		if (avail < 8) {
			fputs("?", f);
			return;
		}
		fprintf(f, "0x%llx", (unsigned long long)load(p, 8));
		return;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION: {
		bool first = true;
		fputs("{ ", f);
		put_members(f, btf, t, p, avail, 0, &first, depth);
		fputs(first ? "}" : " }", f);
		return;
	}
	case BTF_KIND_FWD: {
		int def = btf__find_by_name_kind(btf, btf__name_by_offset(btf, t->name_off),
						 btf_kflag(t) ? BTF_KIND_UNION : BTF_KIND_STRUCT);
		if (def > 0)
			put_value(f, btf, def, p, avail, depth + 1);
		else
			fputs("?", f);
		return;
	}
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		int eid = resolve(btf, (int)a->type);
		const struct btf_type *et = btf__type_by_id(btf, eid);
		if (et && is_char(btf, et)) { /* a string, up to its NUL */
			int n = (int)a->nelems < avail ? (int)a->nelems : avail;
			fprintf(f, "%.*s", (int)strnlen((const char *)p, n > 0 ? (size_t)n : 0), (const char *)p);
			return;
		}
		long long esz = btf__resolve_size(btf, eid);
		fputs("[", f);
		for (unsigned i = 0; esz > 0 && i < a->nelems && (long long)(i + 1) * esz <= avail; i++) {
			if (i)
				fputs(",", f);
			put_value(f, btf, eid, p + i * esz, avail - (int)(i * esz), depth + 1);
		}
		fputs("]", f);
		return;
	}
	default: /* floats, functions */
		fputs("?", f);
		return;
	}
}

const char *xt_btf_render(struct xt_arena *out, int id, const uint8_t *p, int size)
{
	const struct btf *btf = types();
	char *text = NULL;
	size_t len = 0;
	FILE *f = btf ? open_memstream(&text, &len) : NULL;
	if (!f)
		return "";
	put_value(f, btf, id, p, size, 0);
	fclose(f);
	const char *r = xt_arena_strdup(out, text ? text : "");
	free(text);
	return r;
}

/* --- names ------------------------------------------------------------------ */

/* vmlinux's named structs, unions, enums and typedefs by name: libbpf's
 * btf__find_by_name_kind walks every type, and the C reader asks for
 * many names (each identifier that may be a typedef in a header). */
struct ix_ent {
	unsigned name_off; /* names looked up when compared: libbpf may move its strings */
	int kind, id;
};
static struct ix_ent *ix;
static unsigned ix_cap;

static unsigned ix_hash(const char *name, int kind)
{
	unsigned h = 2166136261u ^ (unsigned)kind;
	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h;
}

static int ix_kind(int kind)
{
	return kind == BTF_KIND_ENUM64 ? BTF_KIND_ENUM : kind;
}

static int vmlinux_find(const char *name, int kind)
{
	const struct btf *base = xt_btf_get(NULL);
	if (!base)
		return -1;
	kind = ix_kind(kind);
	if (!ix) {
		unsigned n = btf__type_cnt(base);
		ix_cap = 1;
		while (ix_cap < n * 2)
			ix_cap *= 2;
		ix = calloc(ix_cap, sizeof(*ix));
		if (!ix)
			return btf__find_by_name_kind(base, name, kind);
		for (unsigned id = 1; id < n; id++) {
			const struct btf_type *t = btf__type_by_id(base, id);
			int k = ix_kind(btf_kind(t));
			if (k != BTF_KIND_STRUCT && k != BTF_KIND_UNION && k != BTF_KIND_ENUM && k != BTF_KIND_TYPEDEF)
				continue;
			const char *tn = btf__name_by_offset(base, t->name_off);
			if (!tn || !*tn)
				continue;
			unsigned h = ix_hash(tn, k) & (ix_cap - 1);
			while (ix[h].id && !(ix[h].kind == k && strcmp(btf__name_by_offset(base, ix[h].name_off), tn) == 0))
				h = (h + 1) & (ix_cap - 1);
			if (!ix[h].id) /* the first of a name wins, as in btf__find_by_name_kind */
				ix[h] = (struct ix_ent){ t->name_off, k, (int)id };
		}
	}
	for (unsigned h = ix_hash(name, kind) & (ix_cap - 1); ix[h].id; h = (h + 1) & (ix_cap - 1))
		if (ix[h].kind == kind && strcmp(btf__name_by_offset(base, ix[h].name_off), name) == 0)
			return ix[h].id;
	return -1;
}

int xt_btf_find(const char *name, int kind)
{
	int id = xt_cdecl_named(name, kind);
	if (id > 0)
		return id;
	const struct btf *btf = types();
	if (!btf)
		return -1;
	/* the user BTF's other types (a binary's DWARF), newest first */
	const struct btf *base = xt_btf_get(NULL);
	unsigned first = base ? btf__type_cnt(base) : 1;
	for (unsigned i = btf__type_cnt(btf); i-- > first;) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		if (ix_kind(btf_kind(t)) == ix_kind(kind) && strcmp(btf__name_by_offset(btf, t->name_off), name) == 0)
			return (int)i;
	}
	return vmlinux_find(name, kind);
}

/* vmlinux's type ids of one kind (struct, union, enum with enum64), listed
 * once: "did you mean" for an unknown struct looked at all its types. */
struct kind_ids {
	int kind;
	unsigned *ids, n;
};

static const struct kind_ids *vmlinux_ids(const struct btf *btf, unsigned first, int kind)
{
	static struct kind_ids lists[3] = { { .kind = BTF_KIND_STRUCT }, { .kind = BTF_KIND_UNION },
					     { .kind = BTF_KIND_ENUM } };
	for (int i = 0; i < 3; i++) {
		struct kind_ids *l = &lists[i];
		if (l->kind != kind)
			continue;
		if (!l->ids && (l->ids = malloc(sizeof(*l->ids) * (first + 1))))
			for (unsigned id = 1; id < first; id++) {
				int tk = btf_kind(btf__type_by_id(btf, id));
				if (tk == kind || (kind == BTF_KIND_ENUM && tk == BTF_KIND_ENUM64))
					l->ids[l->n++] = id;
			}
		return l->ids ? l : NULL;
	}
	return NULL;
}

/* The closest name of BTF kind `kind` (struct, union, enum) to `name`:
 * vmlinux's, then the user BTF's, in id order. */
static const char *closest(const struct btf *btf, const char *name, int kind)
{
	const struct btf *base = xt_btf_get(NULL);
	unsigned n = btf__type_cnt(btf), first = base ? btf__type_cnt(base) : 1, k = 0;
	const struct kind_ids *l = first > 1 ? vmlinux_ids(btf, first, kind) : NULL;
	const char **names = malloc(sizeof(*names) * (l ? l->n + (n - first) : n));
	if (!names)
		return NULL;
	for (unsigned i = 0; l && i < l->n; i++)
		names[k++] = btf__name_by_offset(btf, btf__type_by_id(btf, l->ids[i])->name_off);
	for (unsigned id = l ? first : 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		int tk = btf_kind(t);
		if (tk == kind || (kind == BTF_KIND_ENUM && tk == BTF_KIND_ENUM64))
			names[k++] = btf__name_by_offset(btf, t->name_off);
	}
	const char *near = xt_diag_closest(name, names, k);
	free(names);
	return near;
}

/* A type spelled "struct NAME", "union NAME", "enum NAME" or a typedef's
 * NAME: a program's definition, then the user BTF's, then the kernel's. */
static const struct xt_type *find(const char *spelled, const char **near, const char **why)
{
	static const struct { const char *word; int kind; } kinds[] = {
		{ "struct ", BTF_KIND_STRUCT }, { "union ", BTF_KIND_UNION }, { "enum ", BTF_KIND_ENUM },
		{ "", BTF_KIND_TYPEDEF },
	};
	*near = NULL;
	*why = NULL;
	const struct btf *btf = types();
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t wl = strlen(kinds[i].word);
		if (strncmp(spelled, kinds[i].word, wl) != 0)
			continue;
		const char *name = spelled + wl;
		int id = btf ? xt_btf_find(name, kinds[i].kind) : -1;
		/* the traced binaries' own types (uprobes' DWARF) after the
		 * program's definitions and before the kernel's */
		const struct btf *kern = xt_btf_get(NULL);
		if (id <= 0 || (kern && (unsigned)id < btf__type_cnt(kern))) {
			int uid = xt_dwarf_type_id(kinds[i].word, name);
			if (uid > 0 && convert(types(), uid))
				return convert(types(), uid);
		}
		if (id < 0 && kinds[i].kind == BTF_KIND_ENUM)
			id = xt_btf_find(name, BTF_KIND_ENUM64);
		const struct xt_type *t = id > 0 ? convert(btf, id) : NULL;
		if (t)
			return t;
		if (kinds[i].kind == BTF_KIND_TYPEDEF) {
			*why = "unknown";
			return NULL;
		}
		if (id < 0 && (*why = xt_cdecl_skipped(name, kinds[i].kind)))
			return NULL; /* a header's definition the C reader could not read */
		if (id < 0 && !vmlinux()) {
			*why = "kernel types need the kernel's BTF (/sys/kernel/btf/vmlinux), which is missing";
			return NULL;
		}
		*why = id > 0 ? "xtrace cannot represent this type" : "unknown";
		if (id < 0)
			*near = closest(btf, name, kinds[i].kind);
		return NULL;
	}
	*why = "unknown";
	return NULL;
}

/* The value of enumerator `name` if one of t's (an enum of btf). */
static bool in_enum(const struct btf *btf, const struct btf_type *t, const char *name, int64_t *value)
{
	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t);
		for (int i = 0; i < btf_vlen(t); i++, e++)
			if (strcmp(btf__name_by_offset(btf, e->name_off), name) == 0) {
				*value = btf_kflag(t) ? (int64_t)e->val : (int64_t)(uint32_t)e->val;
				return true;
			}
	} else if (btf_is_enum64(t)) {
		const struct btf_enum64 *e = btf_enum64(t);
		for (int i = 0; i < btf_vlen(t); i++, e++)
			if (strcmp(btf__name_by_offset(btf, e->name_off), name) == 0) {
				*value = (int64_t)btf_enum64_value(e);
				return true;
			}
	}
	return false;
}

/* vmlinux's enumerators by name, indexed on first use: every identifier
 * that is not a variable or a builtin is looked up here, and a scan of the
 * kernel's ~150,000 types for each one cost a program ~1 ms per name. */
struct en_ent {
	unsigned name_off; /* by offset: libbpf may move its strings (see xt_btf_user) */
	unsigned type_id;  /* the enum's; 0: the slot is free */
	int64_t value;
};
static struct en_ent *en_ix;
static unsigned en_cap;

static void en_add(const struct btf *base, unsigned id, unsigned name_off, int64_t value)
{
	const char *name = btf__name_by_offset(base, name_off);
	if (!name || !*name)
		return;
	unsigned h = ix_hash(name, 0) & (en_cap - 1);
	for (; en_ix[h].type_id; h = (h + 1) & (en_cap - 1))
		if (strcmp(btf__name_by_offset(base, en_ix[h].name_off), name) == 0)
			return; /* the first in type order wins, as the scan found it */
	en_ix[h] = (struct en_ent){ name_off, id, value };
}

/* The id of the vmlinux enum with enumerator `name` (the first of its name
 * by type id) and its value, or 0. */
static int vmlinux_enumerator(const struct btf *base, unsigned first, const char *name, int64_t *value)
{
	if (!en_ix) {
		unsigned n = 0;
		for (unsigned id = 1; id < first; id++) {
			const struct btf_type *t = btf__type_by_id(base, id);
			if (btf_is_enum(t) || btf_is_enum64(t))
				n += btf_vlen(t);
		}
		for (en_cap = 64; en_cap < n * 2; en_cap *= 2)
			;
		en_ix = calloc(en_cap, sizeof(*en_ix));
		if (!en_ix) {
			for (unsigned id = 1; id < first; id++)
				if (in_enum(base, btf__type_by_id(base, id), name, value))
					return (int)id;
			return 0;
		}
		for (unsigned id = 1; id < first; id++) {
			const struct btf_type *t = btf__type_by_id(base, id);
			if (btf_is_enum(t)) {
				const struct btf_enum *e = btf_enum(t);
				for (int i = 0; i < btf_vlen(t); i++, e++)
					en_add(base, id, e->name_off, btf_kflag(t) ? (int64_t)e->val : (int64_t)(uint32_t)e->val);
			} else if (btf_is_enum64(t)) {
				const struct btf_enum64 *e = btf_enum64(t);
				for (int i = 0; i < btf_vlen(t); i++, e++)
					en_add(base, id, e->name_off, (int64_t)btf_enum64_value(e));
			}
		}
	}
	for (unsigned h = ix_hash(name, 0) & (en_cap - 1); en_ix[h].type_id; h = (h + 1) & (en_cap - 1))
		if (strcmp(btf__name_by_offset(base, en_ix[h].name_off), name) == 0) {
			*value = en_ix[h].value;
			return (int)en_ix[h].type_id;
		}
	return 0;
}

/* The BTF id of the enum that has enumerator `name` (the user BTF's newest
 * first, then the kernel's through its index), or 0. */
static int enum_with(const char *name, int64_t *value)
{
	const struct btf *btf = types();
	if (!btf)
		return 0;
	const struct btf *base = xt_btf_get(NULL);
	unsigned first = base ? btf__type_cnt(base) : 1;
	for (unsigned id = btf__type_cnt(btf); id-- > first;)
		if (in_enum(btf, btf__type_by_id(btf, id), name, value))
			return (int)id;
	return first > 1 ? vmlinux_enumerator(btf, first, name, value) : 0;
}

/* Enumerators: a program's, then the BTF's (enum_with), then the
 * kernel-header constants the running kernel publishes elsewhere
 * (kconst.c: TASK_RUNNING...). */
static bool enumerator(const char *name, int64_t *value)
{
	if (xt_cdecl_enumerator(name, value) || enum_with(name, value) > 0)
		return true;
	return xt_kconst(name, value);
}

/* The enum an enumerator belongs to: the one whose value enumerator() gives. */
static const struct xt_type *enum_type(const char *name)
{
	int64_t want, v;
	if (!enumerator(name, &want))
		return NULL;
	int id = enum_with(name, &v);
	const struct xt_type *t = id > 0 && v == want ? convert(types(), id) : NULL;
	return xt_type_is_enum(t) ? t : NULL;
}

const char *xt_btf_enum_name(int id, uint64_t value)
{
	const struct btf *btf = types();
	const struct btf_type *t = btf && id > 0 && (unsigned)id < btf__type_cnt(btf) ? btf__type_by_id(btf, id) : NULL;
	if (!t)
		return NULL;
	uint64_t mask = t->size >= 8 ? UINT64_MAX : (1ULL << (8 * t->size)) - 1;
	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t);
		for (int i = 0; i < btf_vlen(t); i++, e++)
			if (((uint64_t)(int64_t)e->val & mask) == (value & mask))
				return btf__name_by_offset(btf, e->name_off);
	} else if (btf_is_enum64(t)) {
		const struct btf_enum64 *e = btf_enum64(t);
		for (int i = 0; i < btf_vlen(t); i++, e++)
			if ((btf_enum64_value(e) & mask) == (value & mask))
				return btf__name_by_offset(btf, e->name_off);
	}
	return NULL;
}

/* A program's C definitions (its XT_N_CDEFS, headers' and its own) as one
 * translation unit appended to the user BTF. */
static int define(const struct xt_node *cdefs, struct xt_diags *dg)
{
	if (!cdefs || cdefs->kind != XT_N_CDEFS)
		return 0;
	struct btf *btf = xt_btf_user();
	struct xt_cdecl *u = btf ? xt_cdecl_new(btf, dg) : NULL;
	if (!u) {
		xt_diag_plain(dg, "C definitions: out of memory");
		return -1;
	}
	int rc = 0;
	for (const struct xt_node *d = cdefs; d && d->kind == XT_N_CDEFS && rc == 0; d = d->next)
		rc = xt_cdecl_read(u, d->sval, d->slen, d->loc, xt_source_in_header(dg->src, d->loc.first_line));
	if (rc == 0 && (rc = xt_cdecl_finish(u)) < 0)
		xt_diag_plain(dg, "C definitions: cannot add them to BTF: %s", strerror(-rc));
	xt_cdecl_free(u);
	return rc < 0 ? -1 : 0;
}

static void struct_names(const char *prefix, void (*cb)(const char *name, void *ctx), void *ctx)
{
	const struct btf *btf = xt_btf_get(NULL);
	size_t pl = strlen(prefix);
	for (unsigned id = 1, n = btf ? btf__type_cnt(btf) : 0; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name = btf_kind(t) == BTF_KIND_STRUCT ? btf__name_by_offset(btf, t->name_off) : NULL;
		if (name && *name && strncmp(name, prefix, pl) == 0)
			cb(name, ctx);
	}
}

static const struct xt_ktype_hooks hooks = {
	.find = find, .field = field, .enumerator = enumerator, .enum_type = enum_type, .define = define,
	.struct_names = struct_names,
};

const struct xt_ktype_hooks *xt_ktypes(void)
{
	return &hooks;
}

static void dump_printf(void *ctx, const char *fmt, va_list args)
{
	vfprintf(ctx, fmt, args);
}

/* Type ids in order of name, then of id (btf: the BTF they are in) */
static int by_name(const void *a, const void *b, void *btf)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	int c = strcmp(btf__name_by_offset(btf, btf__type_by_id(btf, x)->name_off),
		       btf__name_by_offset(btf, btf__type_by_id(btf, y)->name_off));
	return c ? c : x < y ? -1 : x > y;
}

int xt_btf_list_types(FILE *out, const char *kind, const char *glob, bool verbose)
{
	const struct btf *btf = xt_btf_get(NULL);
	if (!btf) {
		fprintf(stderr, "xtrace: cannot list %s types: this kernel has no BTF (/sys/kernel/btf/vmlinux)\n", kind);
		return -1;
	}
	int want = strcmp(kind, "struct") == 0 ? BTF_KIND_STRUCT : strcmp(kind, "union") == 0 ? BTF_KIND_UNION : BTF_KIND_ENUM;
	const struct kind_ids *l = vmlinux_ids(btf, btf__type_cnt(btf), want);
	unsigned n = 0, *ids = l ? malloc(sizeof(*ids) * (l->n + 1)) : NULL;
	const char **names = l ? malloc(sizeof(*names) * (l->n + 1)) : NULL;
	for (unsigned i = 0; ids && names && i < l->n; i++) {
		const char *nm = btf__name_by_offset(btf, btf__type_by_id(btf, l->ids[i])->name_off);
		if (nm && *nm && fnmatch(glob, nm, 0) == 0)
			ids[n++] = l->ids[i];
	}
	qsort_r(ids, n, sizeof(*ids), by_name, (void *)btf);
	for (unsigned i = 0; i < n; i++)
		names[i] = btf__name_by_offset(btf, btf__type_by_id(btf, ids[i])->name_off);
	int rc = 0;
	for (unsigned i = 0; i < n && rc == 0; i++) {
		if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
			continue;
		if (xt_sig_stop_pending()) {
			rc = -EINTR;
			break;
		}
		if (!verbose) {
			fprintf(out, "%s %s\n", kind, names[i]);
			continue;
		}
		/* btf_dump writes what the type needs first, then the type itself: keep the last definition */
		char *text = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&text, &len);
		struct btf_dump *d = mem ? btf_dump__new(btf, dump_printf, mem, NULL) : NULL;
		if (d)
			btf_dump__dump_type(d, ids[i]);
		btf_dump__free(d);
		if (mem)
			fclose(mem);
		char head[512];
		snprintf(head, sizeof(head), "%s %s {\n", kind, names[i]);
		const char *def = NULL;
		for (const char *p = text; p && (p = strstr(p, head)); p++)
			if (p == text || p[-1] == '\n')
				def = p;
		/* it ends at the "}" in the first column: "};", or "} __attribute__((...));" */
		const char *end = def ? strstr(def, "\n}") : NULL;
		end = end ? strchr(end + 1, '\n') : NULL;
		if (end)
			fprintf(out, "%.*s\n\n", (int)(end - def), def);
		free(text);
	}
	if (n == 0 && rc == 0) {
		fprintf(stderr, "xtrace: no %s in the kernel's BTF matches '%s'\n", kind, glob);
		rc = -1;
	}
	free(names);
	free(ids);
	return rc;
}
