/* DWARF of user binaries through elfutils' libdw (stdlib/dwarf.h): functions'
 * parameters with their C spellings and argument registers, and types
 * converted to BTF in the process's user BTF, one binary at a time. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/btf.h>
#include "stdlib/btf_types.h"
#include "stdlib/dwarf.h"
#include "stdlib/elf_syms.h"

/* --- a small hash map: 64-bit or string keys to 64-bit values --------------- */

struct slot {
	uint64_t key;
	char *skey;              /* string keys: owned copy; NULL for numeric keys */
	int64_t val;
	bool used;
};
struct map {
	struct slot *s;
	size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct slot *map_slot(const struct map *m, uint64_t key, const char *skey)
{
	if (!m->cap)
		return NULL;
	uint64_t h = skey ? hash_str(skey) : key * 0x9e3779b97f4a7c15ull;
	for (size_t i = h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		struct slot *sl = &m->s[i];
		if (!sl->used || (skey ? sl->skey && strcmp(sl->skey, skey) == 0 : !sl->skey && sl->key == key))
			return sl;
	}
}

static int64_t *map_get(const struct map *m, uint64_t key, const char *skey)
{
	struct slot *sl = map_slot(m, key, skey);
	return sl && sl->used ? &sl->val : NULL;
}

static void map_put(struct map *m, uint64_t key, const char *skey, int64_t val)
{
	if (2 * (m->n + 1) > m->cap) {
		struct map bigger = { calloc(m->cap ? 2 * m->cap : 64, sizeof(struct slot)), m->cap ? 2 * m->cap : 64, 0 };
		if (!bigger.s)
			return;
		for (size_t i = 0; i < m->cap; i++)
			if (m->s[i].used) {
				*map_slot(&bigger, m->s[i].key, m->s[i].skey) = m->s[i];
				bigger.n++;
			}
		free(m->s);
		*m = bigger;
	}
	struct slot *sl = map_slot(m, key, skey);
	if (!sl->used) {
		*sl = (struct slot){ .key = key, .skey = skey ? strdup(skey) : NULL, .used = true };
		m->n++;
	}
	sl->val = val;
}

/* --- binaries ----------------------------------------------------------------- */

struct pending {                 /* a pointer whose target is converted after the type that reached it */
	int ptr_id;
	Dwarf_Die target;
};

struct dbin {
	const struct xt_elf *e;
	int fd;
	Elf *elf;
	Dwarf *dw;               /* NULL: no debug information, *why says so */
	char *why;
	struct map types;        /* DIE offset -> BTF id */
	struct map merged;       /* "s name" (struct, union, enum, typedef, base) -> BTF id: one per name */
	struct map index;        /* "s name" -> position in defs: the definitions casts and declarations find */
	Dwarf_Die *defs;
	size_t ndefs, capdefs;
	bool indexed;
	struct map funcs;        /* entry address -> struct func * (described or not) */
	struct map entries;      /* entry address -> position in subs: the subprograms of the CUs walked */
	struct map cus;          /* the CUs walked, by offset */
	Dwarf_Die *subs;
	size_t nsubs, capsubs;
	bool all_cus;            /* every CU walked */
	struct pending *pending;
	size_t npending, cappending;
	struct dbin *next;
};

static struct dbin *bins, *noted[64];
static size_t nnoted;

static struct dbin *bin(const struct xt_elf *e)
{
	for (struct dbin *b = bins; b; b = b->next)
		if (b->e == e)
			return b;
	struct dbin *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->e = e;
	b->fd = -1;
	b->next = bins;
	bins = b;
	char path[4096], looked[8192] = "";
	const char *file = e->path;
	if (!e->debug_info) {
		if (xt_elf_debug_file(e, path, sizeof(path), looked, sizeof(looked)) < 0) {
			if (asprintf(&b->why, "%s has no debug information for args: no DWARF in the file, %s"
				     " (arg0..arg5 still work)", e->path, looked) < 0)
				b->why = NULL;
			return b;
		}
		file = path;
	}
	elf_version(EV_CURRENT);
	b->fd = open(file, O_RDONLY | O_CLOEXEC);
	b->elf = b->fd >= 0 ? elf_begin(b->fd, ELF_C_READ_MMAP, NULL) : NULL;
	b->dw = b->elf ? dwarf_begin_elf(b->elf, DWARF_C_READ, NULL) : NULL;
	if (!b->dw && asprintf(&b->why, "cannot read the debug information of %s in %s: %s", e->path, file,
			       b->fd < 0 ? strerror(errno) : b->elf ? dwarf_errmsg(-1) : elf_errmsg(-1)) < 0)
		b->why = NULL;
	return b;
}

/* --- C spellings, as bpftrace -lv shows them ("struct Foo*") ------------------ */

static bool type_of(Dwarf_Die *d, Dwarf_Die *out)
{
	Dwarf_Attribute a;
	return dwarf_attr_integrate(d, DW_AT_type, &a) && dwarf_formref_die(&a, out);
}

static bool flag(Dwarf_Die *d, unsigned attr)
{
	Dwarf_Attribute a;
	bool v = false;
	return dwarf_attr_integrate(d, attr, &a) && dwarf_formflag(&a, &v) == 0 && v;
}

static void spell(Dwarf_Die *t, char *buf, size_t len, int depth);

/* "RET (*)(PARAMS)" for a subroutine type reached through a pointer. */
static void spell_fn(Dwarf_Die *fn, const char *ptr, char *buf, size_t len, int depth)
{
	char ret[256], params[512] = "";
	Dwarf_Die rt, c;
	spell(type_of(fn, &rt) ? &rt : NULL, ret, sizeof(ret), depth + 1);
	size_t off = 0;
	if (dwarf_child(fn, &c) == 0)
		do {
			char one[256];
			int tag = dwarf_tag(&c);
			if (tag == DW_TAG_formal_parameter) {
				Dwarf_Die pt;
				spell(type_of(&c, &pt) ? &pt : NULL, one, sizeof(one), depth + 1);
			} else if (tag == DW_TAG_unspecified_parameters) {
				snprintf(one, sizeof(one), "...");
			} else {
				continue;
			}
			if (off < sizeof(params))
				off += (size_t)snprintf(params + off, sizeof(params) - off, "%s%s", off ? ", " : "", one);
		} while (dwarf_siblingof(&c, &c) == 0);
	if (!off && flag(fn, DW_AT_prototyped))
		snprintf(params, sizeof(params), "void");
	snprintf(buf, len, "%s (%s)(%s)", ret, ptr, params);
}

static void spell(Dwarf_Die *t, char *buf, size_t len, int depth)
{
	Dwarf_Die in;
	char inner[384];
	const char *name = t ? dwarf_diename(t) : NULL;
	if (!t) {
		snprintf(buf, len, "void");
		return;
	}
	if (depth > 16) {
		snprintf(buf, len, "...");
		return;
	}
	switch (dwarf_tag(t)) {
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
		snprintf(buf, len, "struct %s", name ? name : "(anonymous)");
		return;
	case DW_TAG_union_type:
		snprintf(buf, len, "union %s", name ? name : "(anonymous)");
		return;
	case DW_TAG_enumeration_type:
		snprintf(buf, len, "enum %s", name ? name : "(anonymous)");
		return;
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type: {
		const char *mark = dwarf_tag(t) == DW_TAG_pointer_type ? "*" : dwarf_tag(t) == DW_TAG_reference_type ? "&" : "&&";
		bool has = type_of(t, &in);
		if (has && dwarf_tag(&in) == DW_TAG_subroutine_type) {
			spell_fn(&in, mark, buf, len, depth);
			return;
		}
		spell(has ? &in : NULL, inner, sizeof(inner), depth + 1);
		snprintf(buf, len, "%s%s", inner, mark);
		return;
	}
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type:
	case DW_TAG_atomic_type: {
		int tag = dwarf_tag(t);
		const char *q = tag == DW_TAG_const_type ? "const" : tag == DW_TAG_volatile_type ? "volatile"
			      : tag == DW_TAG_restrict_type ? "restrict" : "_Atomic";
		bool has = type_of(t, &in);
		spell(has ? &in : NULL, inner, sizeof(inner), depth + 1);
		if (has && dwarf_tag(&in) == DW_TAG_pointer_type) /* char *const */
			snprintf(buf, len, "%s %s", inner, q);
		else
			snprintf(buf, len, "%s %s", q, inner);
		return;
	}
	case DW_TAG_array_type: {
		spell(type_of(t, &in) ? &in : NULL, inner, sizeof(inner), depth + 1);
		size_t off = (size_t)snprintf(buf, len, "%s", inner);
		Dwarf_Die c;
		if (dwarf_child(t, &c) == 0)
			do {
				Dwarf_Attribute a;
				Dwarf_Word n = 0;
				if (dwarf_tag(&c) != DW_TAG_subrange_type || off >= len)
					continue;
				if (dwarf_attr(&c, DW_AT_count, &a) && dwarf_formudata(&a, &n) == 0)
					off += (size_t)snprintf(buf + off, len - off, "[%llu]", (unsigned long long)n);
				else if (dwarf_attr(&c, DW_AT_upper_bound, &a) && dwarf_formudata(&a, &n) == 0)
					off += (size_t)snprintf(buf + off, len - off, "[%llu]", (unsigned long long)n + 1);
				else
					off += (size_t)snprintf(buf + off, len - off, "[]");
			} while (dwarf_siblingof(&c, &c) == 0);
		return;
	}
	case DW_TAG_subroutine_type:
		spell_fn(t, "", buf, len, depth);
		return;
	default: /* base types, typedefs, unspecified types: their name */
		snprintf(buf, len, "%s", name ? name : "?");
		return;
	}
}

/* --- DWARF types to BTF -------------------------------------------------------- */

static void build_index(struct dbin *b);

/* The definition of the struct, union or enum that declaration d declares, in any CU. */
static bool definition(struct dbin *b, Dwarf_Die *d, Dwarf_Die *out)
{
	const char *name = dwarf_diename(d);
	if (!name)
		return false;
	build_index(b);
	char key[512];
	snprintf(key, sizeof(key), "%c %s", dwarf_tag(d) == DW_TAG_union_type ? 'u' : dwarf_tag(d) == DW_TAG_enumeration_type ? 'e' : 's', name);
	int64_t *at = map_get(&b->index, 0, key);
	if (!at)
		return false;
	*out = b->defs[*at];
	return true;
}

/* BTF's int for array indexes and opaque bytes' element, made once per process. */
static int helper_int(struct btf *btf, bool index)
{
	static struct btf *made_in;
	static int ids[2];
	if (made_in != btf) {
		made_in = btf;
		ids[0] = ids[1] = 0;
	}
	if (!ids[index])
		ids[index] = btf__add_int(btf, index ? "__ARRAY_SIZE_TYPE__" : "unsigned char", index ? 4 : 1, 0);
	return ids[index] > 0 ? ids[index] : 0;
}

static int opaque(struct btf *btf, Dwarf_Die *d)
{
	Dwarf_Word size = 0;
	if (dwarf_aggregate_size(d, &size) != 0 || !size || size > (1u << 20))
		return 0;
	int id = btf__add_array(btf, helper_int(btf, true), helper_int(btf, false), (uint32_t)size);
	return id > 0 ? id : 0;
}

static int conv(struct dbin *b, struct btf *btf, Dwarf_Die *d, int depth);

static int conv_type_of(struct dbin *b, struct btf *btf, Dwarf_Die *d, int depth)
{
	Dwarf_Die t;
	return type_of(d, &t) ? conv(b, btf, &t, depth + 1) : 0;
}

static int conv_base(struct btf *btf, Dwarf_Die *d)
{
	Dwarf_Attribute a;
	Dwarf_Word enc = 0;
	const char *name = dwarf_diename(d);
	int size = dwarf_bytesize(d);
	if (dwarf_attr(d, DW_AT_encoding, &a))
		dwarf_formudata(&a, &enc);
	if (!name || !*name)
		return opaque(btf, d);
	switch (enc) {
	case DW_ATE_float:
		if (size == 2 || size == 4 || size == 8 || size == 12 || size == 16)
			return btf__add_float(btf, name, (size_t)size);
		break;
	case DW_ATE_signed:
	case DW_ATE_signed_char: /* plain char is a string when it is named "char" (btf_types.c) */
	case DW_ATE_unsigned:
	case DW_ATE_unsigned_char:
	case DW_ATE_boolean:
	case DW_ATE_UTF:
		if (size == 1 || size == 2 || size == 4 || size == 8 || size == 16)
			return btf__add_int(btf, name, (size_t)size,
					    enc == DW_ATE_boolean && size == 1 ? BTF_INT_BOOL
					    : enc == DW_ATE_signed || enc == DW_ATE_signed_char ? BTF_INT_SIGNED : 0);
		break;
	}
	return opaque(btf, d);
}

struct member { const char *name; int type, bit, bits; };

/* The bit offset of member m (data_member_location, in bytes, as a constant
 * or a DW_OP_plus_uconst expression; bitfields by data_bit_offset, or the
 * big-endian-style DW_AT_bit_offset of DWARF 2/3). -1 when not constant. */
static long member_bit(Dwarf_Die *m, int bits)
{
	Dwarf_Attribute a;
	Dwarf_Word v = 0;
	if (dwarf_attr(m, DW_AT_data_bit_offset, &a))
		return dwarf_formudata(&a, &v) == 0 ? (long)v : -1;
	long byte = 0;
	if (dwarf_attr(m, DW_AT_data_member_location, &a)) {
		Dwarf_Op *ops;
		size_t nops;
		if (dwarf_formudata(&a, &v) == 0)
			byte = (long)v;
		else if (dwarf_getlocation(&a, &ops, &nops) == 0 && nops == 1 && ops[0].atom == DW_OP_plus_uconst)
			byte = (long)ops[0].number;
		else
			return -1;
	}
	if (bits && dwarf_attr(m, DW_AT_bit_offset, &a) && dwarf_formudata(&a, &v) == 0) {
		int storage = dwarf_bytesize(m);
		if (storage <= 0) {
			Dwarf_Die t;
			storage = type_of(m, &t) ? dwarf_bytesize(&t) : 0;
		}
		return byte * 8 + storage * 8 - (long)v - bits;
	}
	return byte * 8;
}

static int conv_record(struct dbin *b, struct btf *btf, Dwarf_Die *d, int depth)
{
	int tag = dwarf_tag(d);
	const char *name = dwarf_diename(d);
	struct member *ms = NULL;
	size_t n = 0, cap = 0;
	Dwarf_Die c;
	/* the members' types first: libbpf adds fields right after their struct */
	if (dwarf_child(d, &c) == 0)
		do {
			/* a C++ base class is an anonymous member: its fields are the class's own */
			bool base = dwarf_tag(&c) == DW_TAG_inheritance;
			if ((dwarf_tag(&c) != DW_TAG_member && !base) || flag(&c, DW_AT_external) || flag(&c, DW_AT_declaration))
				continue;
			int bits = dwarf_bitsize(&c);
			bits = bits > 0 ? bits : 0;
			long bit = tag == DW_TAG_union_type ? 0 : member_bit(&c, bits);
			if (bit < 0)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				struct member *bigger = realloc(ms, cap * sizeof(*ms));
				if (!bigger)
					break;
				ms = bigger;
			}
			int t = conv_type_of(b, btf, &c, depth);
			ms[n++] = (struct member){ base ? NULL : dwarf_diename(&c), t > 0 ? t : 0, (int)bit, bits };
		} while (dwarf_siblingof(&c, &c) == 0);
	int size = dwarf_bytesize(d);
	int id = tag == DW_TAG_union_type ? btf__add_union(btf, name, size > 0 ? (uint32_t)size : 0)
					  : btf__add_struct(btf, name, size > 0 ? (uint32_t)size : 0);
	for (size_t i = 0; id > 0 && i < n; i++)
		btf__add_field(btf, ms[i].name, ms[i].type, (uint32_t)ms[i].bit, (uint32_t)ms[i].bits);
	free(ms);
	return id;
}

static int conv_enum(struct btf *btf, Dwarf_Die *d)
{
	int size = dwarf_bytesize(d);
	size = size == 1 || size == 2 || size == 4 || size == 8 ? size : 4;
	Dwarf_Die under, c;
	bool sign = false;
	Dwarf_Attribute a;
	Dwarf_Word enc = 0;
	if (type_of(d, &under) && dwarf_peel_type(&under, &under) == 0 && dwarf_attr(&under, DW_AT_encoding, &a) &&
	    dwarf_formudata(&a, &enc) == 0)
		sign = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
	int id = size == 8 ? btf__add_enum64(btf, dwarf_diename(d), 8, sign) : btf__add_enum(btf, dwarf_diename(d), (uint32_t)size);
	if (id <= 0 || dwarf_child(d, &c) != 0)
		return id;
	do {
		Dwarf_Word v = 0;
		if (dwarf_tag(&c) != DW_TAG_enumerator || !dwarf_attr(&c, DW_AT_const_value, &a) || dwarf_formudata(&a, &v) != 0)
			continue;
		int64_t sv = (int64_t)v;
		if (dwarf_whatform(&a) == DW_FORM_sdata) {
			Dwarf_Sword s = 0;
			dwarf_formsdata(&a, &s);
			sv = s;
		} else if (sign && size < 8 && (v >> (size * 8 - 1)) & 1) { /* dataN: sign-extend */
			sv = (int64_t)(v | ~0ull << (size * 8));
		}
		if (size == 8)
			btf__add_enum64_value(btf, dwarf_diename(&c), (uint64_t)sv);
		else
			btf__add_enum_value(btf, dwarf_diename(&c), sv);
	} while (dwarf_siblingof(&c, &c) == 0);
	return id;
}

static int conv_array(struct dbin *b, struct btf *btf, Dwarf_Die *d, int depth)
{
	int id = conv_type_of(b, btf, d, depth);
	uint32_t dims[16];
	int nd = 0;
	Dwarf_Die c;
	if (dwarf_child(d, &c) == 0)
		do {
			Dwarf_Attribute a;
			Dwarf_Word v = 0;
			if (dwarf_tag(&c) != DW_TAG_subrange_type || nd == 16)
				continue;
			if (dwarf_attr(&c, DW_AT_count, &a) && dwarf_formudata(&a, &v) == 0)
				dims[nd++] = (uint32_t)v;
			else if (dwarf_attr(&c, DW_AT_upper_bound, &a) && dwarf_formudata(&a, &v) == 0)
				dims[nd++] = (uint32_t)v + 1;
			else
				dims[nd++] = 0; /* a flexible array member */
		} while (dwarf_siblingof(&c, &c) == 0);
	if (!nd)
		dims[nd++] = 0;
	for (int i = nd - 1; i >= 0 && id >= 0; i--) /* int a[2][3]: an array of 2 arrays of 3 */
		id = btf__add_array(btf, helper_int(btf, true), id, dims[i]);
	return id;
}

/* The key under which the one BTF type of a named struct, union, enum,
 * typedef or base type is kept (DWARF repeats them in every CU); "" for
 * other types. */
static void merge_key(Dwarf_Die *d, char *key, size_t len)
{
	const char *name = dwarf_diename(d);
	int tag = dwarf_tag(d);
	key[0] = 0;
	if (!name || !*name || flag(d, DW_AT_declaration))
		return;
	if (tag == DW_TAG_structure_type || tag == DW_TAG_class_type)
		snprintf(key, len, "s %s", name);
	else if (tag == DW_TAG_union_type)
		snprintf(key, len, "u %s", name);
	else if (tag == DW_TAG_enumeration_type)
		snprintf(key, len, "e %s", name);
	else if (tag == DW_TAG_typedef)
		snprintf(key, len, "t %s", name);
	else if (tag == DW_TAG_base_type)
		snprintf(key, len, "b %s %d", name, dwarf_bytesize(d));
}

/* The BTF id of DWARF type d (0 for void and what BTF cannot say), made once.
 * Pointers are added with a void target that to_btf() fills in afterwards:
 * types reach themselves only through pointers, so nothing else recurses
 * without end. */
static int conv(struct dbin *b, struct btf *btf, Dwarf_Die *d, int depth)
{
	uint64_t off = dwarf_dieoffset(d);
	int64_t *known = map_get(&b->types, off, NULL);
	if (known)
		return (int)*known;
	char key[512];
	merge_key(d, key, sizeof(key));
	if (key[0] && (known = map_get(&b->merged, 0, key))) {
		map_put(&b->types, off, NULL, *known);
		return (int)*known;
	}
	if (depth > 64)
		return 0;
	/* in progress: a type that reaches itself other than through a pointer
	 * (only broken DWARF does) is void there, not converted again -- each
	 * member once more, 64 levels down, never ended (fuzz_dwarf) */
	map_put(&b->types, off, NULL, 0);
	int id = 0, tag = dwarf_tag(d);
	Dwarf_Die t;
	switch (tag) {
	case DW_TAG_base_type:
		id = conv_base(btf, d);
		break;
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type: {
		bool has = type_of(d, &t);
		Dwarf_Die peeled;
		/* function pointers are opaque: void * */
		bool fn = has && dwarf_peel_type(&t, &peeled) == 0 && dwarf_tag(&peeled) == DW_TAG_subroutine_type;
		id = btf__add_ptr(btf, 0);
		if (id > 0 && has && !fn) {
			if (b->npending == b->cappending) {
				size_t cap = b->cappending ? 2 * b->cappending : 32;
				struct pending *p = realloc(b->pending, cap * sizeof(*p));
				if (!p)
					break;
				b->pending = p;
				b->cappending = cap;
			}
			b->pending[b->npending++] = (struct pending){ id, t };
		}
		break;
	}
	case DW_TAG_typedef: {
		int to = conv_type_of(b, btf, d, depth);
		id = btf__add_typedef(btf, dwarf_diename(d) ? dwarf_diename(d) : "?", to > 0 ? to : 0);
		break;
	}
	case DW_TAG_const_type:
	case DW_TAG_volatile_type:
	case DW_TAG_restrict_type: {
		int to = conv_type_of(b, btf, d, depth);
		to = to > 0 ? to : 0;
		id = tag == DW_TAG_const_type ? btf__add_const(btf, to)
		   : tag == DW_TAG_volatile_type ? btf__add_volatile(btf, to) : btf__add_restrict(btf, to);
		break;
	}
	case DW_TAG_atomic_type:
		id = conv_type_of(b, btf, d, depth);
		break;
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
	case DW_TAG_enumeration_type:
		if (flag(d, DW_AT_declaration)) {
			if (definition(b, d, &t))
				id = conv(b, btf, &t, depth + 1);
			else if (tag != DW_TAG_enumeration_type && dwarf_diename(d))
				id = btf__add_fwd(btf, dwarf_diename(d), tag == DW_TAG_union_type ? BTF_FWD_UNION : BTF_FWD_STRUCT);
		} else {
			id = tag == DW_TAG_enumeration_type ? conv_enum(btf, d) : conv_record(b, btf, d, depth);
		}
		break;
	case DW_TAG_array_type:
		id = conv_array(b, btf, d, depth);
		break;
	case DW_TAG_subroutine_type:
	case DW_TAG_unspecified_type:
		id = 0;
		break;
	default: /* anything else: its bytes */
		id = opaque(btf, d);
		break;
	}
	id = id > 0 ? id : 0;
	map_put(&b->types, off, NULL, id);
	if (key[0])
		map_put(&b->merged, 0, key, id);
	return id;
}

/* conv(), then the targets of the pointers it made, and theirs. */
static int to_btf(struct dbin *b, struct btf *btf, Dwarf_Die *d)
{
	if (!btf || !d)
		return 0;
	int id = conv(b, btf, d, 0);
	while (b->npending) {
		struct pending p = b->pending[--b->npending];
		int target = conv(b, btf, &p.target, 0);
		/* libbpf has no setter for a reference's target: the type is ours,
		 * in the writable BTF being built */
		struct btf_type *bt = (struct btf_type *)btf__type_by_id(btf, (uint32_t)p.ptr_id);
		if (bt && btf_is_ptr(bt))
			bt->type = (uint32_t)target;
	}
	return id;
}

/* --- the definitions casts name ------------------------------------------------- */

static void index_children(struct dbin *b, Dwarf_Die *parent, int depth)
{
	Dwarf_Die c;
	if (dwarf_child(parent, &c) != 0)
		return;
	do {
		int tag = dwarf_tag(&c);
		if (tag == DW_TAG_namespace && depth < 8) {
			index_children(b, &c, depth + 1);
			continue;
		}
		char key[512];
		merge_key(&c, key, sizeof(key));
		if (!key[0] || key[0] == 'b' || map_get(&b->index, 0, key))
			continue;
		if (b->ndefs == b->capdefs) {
			size_t cap = b->capdefs ? 2 * b->capdefs : 256;
			Dwarf_Die *d = realloc(b->defs, cap * sizeof(*d));
			if (!d)
				return;
			b->defs = d;
			b->capdefs = cap;
		}
		b->defs[b->ndefs] = c;
		map_put(&b->index, 0, key, (int64_t)b->ndefs++);
	} while (dwarf_siblingof(&c, &c) == 0);
}

static void build_index(struct dbin *b)
{
	if (b->indexed || !b->dw)
		return;
	b->indexed = true;
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Die cu;
	while (dwarf_nextcu(b->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(b->dw, off + hsize, &cu))
			index_children(b, &cu, 0);
		off = next;
	}
}

void xt_dwarf_note(const struct xt_elf *e)
{
	struct dbin *b = bin(e);
	if (!b)
		return;
	for (size_t i = 0; i < nnoted; i++)
		if (noted[i] == b) { /* to the end: the last noted is searched first */
			memmove(&noted[i], &noted[i + 1], (nnoted - i - 1) * sizeof(noted[0]));
			nnoted--;
			break;
		}
	if (nnoted == sizeof(noted) / sizeof(noted[0]))
		memmove(&noted[0], &noted[1], --nnoted * sizeof(noted[0]));
	noted[nnoted++] = b;
}

int xt_dwarf_type_id(const char *kind, const char *name)
{
	char key[512];
	char k = strcmp(kind, "union ") == 0 ? 'u' : strcmp(kind, "enum ") == 0 ? 'e' : strcmp(kind, "struct ") == 0 ? 's' : 0;
	if (!k)
		return 0;
	snprintf(key, sizeof(key), "%c %s", k, name);
	for (size_t i = nnoted; i-- > 0;) {
		struct dbin *b = noted[i];
		if (!b->dw)
			continue;
		build_index(b);
		int64_t *at = map_get(&b->index, 0, key);
		if (at)
			return to_btf(b, xt_btf_user(), &b->defs[*at]);
	}
	return 0;
}

/* --- functions ------------------------------------------------------------------ */

/* Adds the subprograms under parent (namespaces and classes included) to
 * b->entries by entry address. */
static void index_funcs(struct dbin *b, Dwarf_Die *parent, int depth)
{
	Dwarf_Die c;
	if (dwarf_child(parent, &c) != 0)
		return;
	do {
		int tag = dwarf_tag(&c);
		Dwarf_Addr entry, base, end;
		ptrdiff_t r;
		/* a function split in parts (hot and .cold) has ranges: its entry
		 * is where the first begins */
		bool has = tag == DW_TAG_subprogram && (dwarf_entrypc(&c, &entry) == 0 ||
							((r = dwarf_ranges(&c, 0, &base, &entry, &end)) > 0));
		if (has && !map_get(&b->entries, entry, NULL)) {
			if (b->nsubs == b->capsubs) {
				size_t cap = b->capsubs ? 2 * b->capsubs : 256;
				Dwarf_Die *d = realloc(b->subs, cap * sizeof(*d));
				if (!d)
					return;
				b->subs = d;
				b->capsubs = cap;
			}
			b->subs[b->nsubs] = c;
			map_put(&b->entries, entry, NULL, (int64_t)b->nsubs++);
		}
		if ((tag == DW_TAG_namespace || tag == DW_TAG_structure_type || tag == DW_TAG_class_type) && depth < 8)
			index_funcs(b, &c, depth + 1);
	} while (dwarf_siblingof(&c, &c) == 0);
}

/* Indexes the subprograms of the CU at offset `off` once. */
static void index_cu(struct dbin *b, Dwarf_Die *cu)
{
	uint64_t off = dwarf_dieoffset(cu);
	if (map_get(&b->cus, off, NULL))
		return;
	map_put(&b->cus, off, NULL, 1);
	index_funcs(b, cu, 0);
}

/* Indexes the subprograms of every CU. */
static void index_all_cus(struct dbin *b)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Die cu;
	b->all_cus = true;
	while (dwarf_nextcu(b->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(b->dw, off + hsize, &cu))
			index_cu(b, &cu);
		off = next;
	}
}

/* The DW_TAG_subprogram whose code starts at addr: in the CU that covers addr
 * (.debug_aranges), else in any. Each CU is walked once. */
static bool find_func(struct dbin *b, uint64_t addr, Dwarf_Die *out)
{
	Dwarf_Die cu;
	int64_t *at;
	if (dwarf_addrdie(b->dw, addr, &cu))
		index_cu(b, &cu);
	if (!(at = map_get(&b->entries, addr, NULL)) && !b->all_cus) {
		index_all_cus(b);
		at = map_get(&b->entries, addr, NULL);
	}
	if (at)
		*out = b->subs[*at];
	return at != NULL;
}

/* The System V x86-64 classes of the (up to two) eightbytes of a value. */
enum cls { C_NONE, C_INT, C_SSE, C_MEM };

/* budget: the calls left; a value needing more (only broken DWARF: members
 * that are their own struct, fanned out) goes to memory. */
static void classify_in(Dwarf_Die *t, long off, enum cls c[2], int depth, int *budget)
{
	Dwarf_Die p;
	if (depth > 16 || --*budget < 0 || dwarf_peel_type(t, &p) != 0) {
		c[0] = c[1] = C_MEM;
		return;
	}
	Dwarf_Word size = 0;
	dwarf_aggregate_size(&p, &size);
	int tag = dwarf_tag(&p);
	if (tag == DW_TAG_structure_type || tag == DW_TAG_class_type || tag == DW_TAG_union_type) {
		Dwarf_Die m;
		if (dwarf_child(&p, &m) == 0)
			do {
				if ((dwarf_tag(&m) != DW_TAG_member && dwarf_tag(&m) != DW_TAG_inheritance) || flag(&m, DW_AT_external))
					continue;
				Dwarf_Die mt;
				int bits = dwarf_bitsize(&m);
				long bit = tag == DW_TAG_union_type ? 0 : member_bit(&m, bits > 0 ? bits : 0);
				if (bit < 0 || !type_of(&m, &mt)) {
					c[0] = c[1] = C_MEM;
					return;
				}
				if (bits > 0) { /* a bitfield: integer bits of its eightbyte */
					int i = (int)((off * 8 + bit) / 64);
					if (i < 2 && c[i] != C_MEM)
						c[i] = C_INT;
					continue;
				}
				classify_in(&mt, off + bit / 8, c, depth + 1, budget);
			} while (dwarf_siblingof(&m, &m) == 0);
		return;
	}
	if (tag == DW_TAG_array_type) {
		Dwarf_Die et;
		Dwarf_Word esz = 0;
		if (!type_of(&p, &et) || dwarf_aggregate_size(&et, &esz) != 0 || !esz)
			return;
		for (Dwarf_Word i = 0; i < size / esz && i < 16; i++)
			classify_in(&et, off + (long)(i * esz), c, depth + 1, budget);
		return;
	}
	enum cls k = C_INT;
	if (tag == DW_TAG_base_type) {
		Dwarf_Attribute a;
		Dwarf_Word enc = 0;
		if (dwarf_attr(&p, DW_AT_encoding, &a))
			dwarf_formudata(&a, &enc);
		if (enc == DW_ATE_float || enc == DW_ATE_complex_float)
			k = size > 8 && enc == DW_ATE_float ? C_MEM : C_SSE; /* long double: x87, in memory */
	}
	if (!size)
		size = 8;
	if (off % (long)(size < 8 ? size : 8)) { /* unaligned: in memory */
		c[0] = c[1] = C_MEM;
		return;
	}
	for (long i = off / 8; i <= (off + (long)size - 1) / 8; i++) {
		if (i >= 2 || k == C_MEM) {
			c[0] = c[1] = C_MEM;
			return;
		}
		if (c[i] == C_NONE || (c[i] == C_SSE && k == C_INT))
			c[i] = k;
	}
}

static void classify(Dwarf_Die *t, long off, enum cls c[2], int depth)
{
	int budget = 4096;
	classify_in(t, off, c, depth, &budget);
}

/* the reasons when asprintf fails: not freed */
static const char no_param[] = "xtrace cannot read this parameter", no_ret[] = "xtrace cannot read this return value";

/* Places each parameter (and the return value) as the System V ABI does:
 * integer-class eightbytes in rdi, rsi, rdx, rcx, r8, r9, SSE ones in xmm0-7,
 * larger or x87 values in memory; an aggregate that does not fit in the
 * registers left goes to memory whole. Only a value of one integer eightbyte
 * is a register xtrace can read. */
static void place(struct xt_dwarf_func *f, Dwarf_Die *types, bool *has_type)
{
	int ints = 0, sses = 0;
	for (int i = 0; i < f->nparams; i++) {
		struct xt_dwarf_param *p = &f->params[i];
		enum cls c[2] = { C_NONE, C_NONE };
		Dwarf_Word size = 8;
		Dwarf_Die peeled;
		bool peeled_ok = false;
		if (has_type[i]) {
			classify(&types[i], 0, c, 0);
			if ((peeled_ok = dwarf_peel_type(&types[i], &peeled) == 0))
				dwarf_aggregate_size(&peeled, &size);
		}
		bool agg = peeled_ok && (dwarf_tag(&peeled) == DW_TAG_structure_type || dwarf_tag(&peeled) == DW_TAG_class_type ||
					 dwarf_tag(&peeled) == DW_TAG_union_type);
		if (size > 16 && agg)
			c[0] = c[1] = C_MEM;
		int need_int = (c[0] == C_INT) + (c[1] == C_INT), need_sse = (c[0] == C_SSE) + (c[1] == C_SSE);
		bool mem = c[0] == C_MEM || ints + need_int > 6 || sses + need_sse > 8;
		char *why = NULL;
		if (!mem && need_int == 1 && !need_sse && !agg && size <= 8) {
			p->reg = ints;
		} else if (agg) {
			if (asprintf(&why, "%s's parameter %s is a %s passed by value (%s), which xtrace cannot read",
				     f->name, p->name, p->ctype, mem ? "on the stack" : "in registers") < 0)
				why = NULL;
		} else if (need_sse && !mem) {
			if (asprintf(&why, "%s's parameter %s is a %s, passed in an SSE register, which uprobes cannot read",
				     f->name, p->name, p->ctype) < 0)
				why = NULL;
		} else if (mem && ints + need_int > 6 && need_int) {
			if (asprintf(&why, "%s's parameter %s is passed on the stack: only the first six integer arguments"
				     " (arg0..arg5, in registers) can be read", f->name, p->name) < 0)
				why = NULL;
		} else if (asprintf(&why, "%s's parameter %s is a %s, which xtrace cannot read from the registers",
				    f->name, p->name, p->ctype) < 0) {
			why = NULL;
		}
		if (p->reg < 0)
			p->why = why ? why : no_param;
		if (!mem) {
			ints += need_int;
			sses += need_sse;
		}
	}
}

/* A function as described, with what its types' conversion to BTF needs. */
struct func {
	struct xt_dwarf_func f;  /* first: the public part */
	Dwarf_Die *types, ret;
	bool *has, has_ret;
	bool typed;              /* btf_ids set */
	char *why;               /* not described: why (f.name NULL) */
};

static struct xt_dwarf_func *describe(struct dbin *b, Dwarf_Die *fn, const char *name)
{
	struct func *fx = calloc(1, sizeof(*fx));
	if (!fx)
		return NULL;
	struct xt_dwarf_func *f = &fx->f;
	f->name = strdup(name);
	Dwarf_Die c, origin, *from = fn;
	Dwarf_Attribute a;
	int n = 0;
	/* a concrete instance of an inlined function lists its parameters in
	 * the abstract one, when not with it */
	if (dwarf_child(fn, &c) == 0)
		do
			n += dwarf_tag(&c) == DW_TAG_formal_parameter;
		while (dwarf_siblingof(&c, &c) == 0);
	if (!n && (dwarf_attr(fn, DW_AT_abstract_origin, &a) || dwarf_attr(fn, DW_AT_specification, &a)) &&
	    dwarf_formref_die(&a, &origin)) {
		from = &origin;
		if (dwarf_child(from, &c) == 0)
			do
				n += dwarf_tag(&c) == DW_TAG_formal_parameter;
			while (dwarf_siblingof(&c, &c) == 0);
	}
	f->params = calloc((size_t)n + 1, sizeof(*f->params));
	Dwarf_Die *types = fx->types = calloc((size_t)n + 1, sizeof(*types));
	bool *has = fx->has = calloc((size_t)n + 1, sizeof(*has));
	if (!f->params || !types || !has)
		return f;
	if (n && dwarf_child(from, &c) == 0)
		do {
			if (dwarf_tag(&c) != DW_TAG_formal_parameter || f->nparams == n)
				continue;
			struct xt_dwarf_param *p = &f->params[f->nparams];
			char ctype[512];
			const char *pn = dwarf_diename(&c);
			has[f->nparams] = type_of(&c, &types[f->nparams]);
			spell(has[f->nparams] ? &types[f->nparams] : NULL, ctype, sizeof(ctype), 0);
			p->name = strdup(pn ? pn : "");
			p->ctype = strdup(ctype);
			p->reg = -1;
			f->nparams++;
		} while (dwarf_siblingof(&c, &c) == 0);
	place(f, types, has);
	/* the return value: in rax when it is one integer eightbyte */
	Dwarf_Die peeled, rt;
	char ctype[512];
	bool has_rt = fx->has_ret = type_of(fn, &rt);
	fx->ret = rt;
	spell(has_rt ? &rt : NULL, ctype, sizeof(ctype), 0);
	f->ret = (struct xt_dwarf_param){ .name = "retval", .ctype = strdup(ctype), .reg = 0 };
	if (has_rt) {
		enum cls cl[2] = { C_NONE, C_NONE };
		Dwarf_Word size = 0;
		classify(&rt, 0, cl, 0);
		int tag = 0;
		if (dwarf_peel_type(&rt, &peeled) == 0) {
			dwarf_aggregate_size(&peeled, &size);
			tag = dwarf_tag(&peeled);
		}
		bool agg = tag == DW_TAG_structure_type || tag == DW_TAG_class_type || tag == DW_TAG_union_type;
		if (agg || cl[0] != C_INT || cl[1] != C_NONE || size > 8) {
			char *why = NULL;
			f->ret.reg = -1;
			if (asprintf(&why, "%s returns a %s%s, which xtrace cannot read", name, ctype,
				     agg ? " by value" : cl[0] == C_SSE ? " (in an SSE register)" : "") < 0)
				why = NULL;
			f->ret.why = why ? why : no_ret;
		}
	}
	return f;
}

const struct xt_dwarf_func *xt_dwarf_func(const struct xt_elf *e, uint64_t addr, const char *name, bool btf,
					  const char **why)
{
	struct dbin *b = bin(e);
	if (!b || !b->dw) {
		*why = b && b->why ? b->why : "out of memory";
		return NULL;
	}
	int64_t *known = map_get(&b->funcs, addr, NULL);
	struct func *fx = known ? (struct func *)(intptr_t)*known : NULL;
	if (!known) {
		Dwarf_Die fn;
		fx = find_func(b, addr, &fn) ? (struct func *)describe(b, &fn, name) : calloc(1, sizeof(*fx));
		if (fx && !fx->f.name && asprintf(&fx->why, "the debug information of %s does not describe %s"
						  " (arg0..arg5 still work)", e->path, name) < 0)
			fx->why = NULL;
		map_put(&b->funcs, addr, NULL, (int64_t)(intptr_t)fx);
	}
	if (!fx || !fx->f.name) {
		*why = fx && fx->why ? fx->why : "no debug information for this function";
		return NULL;
	}
	if (btf && !fx->typed && fx->types && fx->has) {
		fx->typed = true;
		for (int i = 0; i < fx->f.nparams; i++)
			fx->f.params[i].btf_id = fx->has[i] ? to_btf(b, xt_btf_user(), &fx->types[i]) : 0;
		fx->f.ret.btf_id = fx->has_ret ? to_btf(b, xt_btf_user(), &fx->ret) : 0;
	}
	return &fx->f;
}

/* --- source lines ---------------------------------------------------------------- */

/* Whether the line table's file name `name` is `file`, or ends in "/file". */
static bool same_file(const char *name, const char *file)
{
	if (!name)
		return false;
	size_t n = strlen(name), f = strlen(file);
	if (f > n)
		return false;
	return strcmp(name + n - f, file) == 0 && (f == n || name[n - f - 1] == '/' || file[0] == '/');
}

static int by_addr(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int xt_dwarf_line_addrs(const struct xt_elf *e, const char *file, int line, int col, uint64_t **addrs,
			const char **why)
{
	static char msg[8192];
	struct dbin *b = bin(e);
	*addrs = NULL;
	if (!b || !b->dw) {
		snprintf(msg, sizeof(msg), "%s has no debug information: source lines are found in its DWARF line "
			 "table (build it with -g, or install its debug file)", e->path);
		*why = msg;
		return -1;
	}
	size_t n = 0, cap = 0;
	bool seen = false;
	Dwarf_Off off = 0, next;
	size_t hsize;
	while (dwarf_nextcu(b->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		Dwarf_Lines *lines;
		size_t nlines;
		if (!dwarf_offdie(b->dw, off + hsize, &cu) || dwarf_getsrclines(&cu, &lines, &nlines) != 0) {
			off = next;
			continue;
		}
		off = next;
		/* the previous row of this sequence: a row continuing the same
		 * line's run is not where it begins */
		bool prev_same = false;
		for (size_t i = 0; i < nlines; i++) {
			Dwarf_Line *l = dwarf_onesrcline(lines, i);
			const char *name = l ? dwarf_linesrc(l, NULL, NULL) : NULL;
			int ln = 0, lc = 0;
			bool stmt = false, end = false;
			Dwarf_Addr a = 0;
			if (!l || !name || dwarf_lineno(l, &ln) != 0 || dwarf_linecol(l, &lc) != 0 ||
			    dwarf_linebeginstatement(l, &stmt) != 0 || dwarf_lineendsequence(l, &end) != 0 ||
			    dwarf_lineaddr(l, &a) != 0) {
				prev_same = false;
				continue;
			}
			bool file_ok = same_file(name, file);
			seen |= file_ok;
			bool same = !end && file_ok && ln == line && (!col || lc == col);
			if (same && stmt && !prev_same) {
				if (n == cap) {
					cap = cap ? 2 * cap : 8;
					uint64_t *bigger = realloc(*addrs, cap * sizeof(*bigger));
					if (!bigger) {
						free(*addrs);
						*addrs = NULL;
						*why = "out of memory";
						return -1;
					}
					*addrs = bigger;
				}
				(*addrs)[n++] = a;
			}
			prev_same = same;
		}
	}
	if (n) {
		qsort(*addrs, n, sizeof(**addrs), by_addr);
		size_t k = 1;
		for (size_t i = 1; i < n; i++)
			if ((*addrs)[i] != (*addrs)[k - 1])
				(*addrs)[k++] = (*addrs)[i];
		return (int)k;
	}
	free(*addrs);
	*addrs = NULL;
	if (!seen)
		snprintf(msg, sizeof(msg), "no source file '%s' in the line table of %s", file, e->path);
	else if (col)
		snprintf(msg, sizeof(msg), "no code at %s:%d:%d in %s (no statement begins at that line and column)",
			 file, line, col, e->path);
	else
		snprintf(msg, sizeof(msg), "no code at %s:%d in %s (no statement begins at that line)", file, line,
			 e->path);
	*why = msg;
	return 0;
}

/* --- a whole image at once: the fuzz harness's entry ----------------------------- */

static void func_free(struct func *fx)
{
	if (!fx)
		return;
	for (int i = 0; i < fx->f.nparams; i++) {
		free((char *)fx->f.params[i].name);
		free((char *)fx->f.params[i].ctype);
		if (fx->f.params[i].why != no_param)
			free((char *)fx->f.params[i].why);
	}
	if (fx->f.ret.why != no_ret)
		free((char *)fx->f.ret.why);
	free((char *)fx->f.ret.ctype);
	free((char *)fx->f.name);
	free(fx->f.params);
	free(fx->types);
	free(fx->has);
	free(fx->why);
	free(fx);
}

static void map_free(struct map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->s[i].skey);
	free(m->s);
}

int xt_dwarf_check_image(const void *data, size_t size, int max_funcs)
{
	struct xt_elf *e = xt_elf_from_memory(data, size);
	char *image = malloc(size ? size : 1);
	struct btf *btf = btf__new_empty();
	struct dbin b = { .e = e, .fd = -1 };
	int n = -ENOEXEC;
	if (e && image && btf) {
		memcpy(image, data, size);
		b.elf = elf_memory(image, size);
		b.dw = b.elf ? dwarf_begin_elf(b.elf, DWARF_C_READ, NULL) : NULL;
	}
	if (b.dw) {
		index_all_cus(&b);
		for (n = 0; (size_t)n < b.nsubs && n < max_funcs; n++) {
			const char *name = dwarf_diename(&b.subs[n]);
			struct func *fx = (struct func *)describe(&b, &b.subs[n], name ? name : "?");
			for (int i = 0; fx && fx->has && i < fx->f.nparams; i++)
				if (fx->has[i])
					to_btf(&b, btf, &fx->types[i]);
			if (fx && fx->has_ret)
				to_btf(&b, btf, &fx->ret);
			func_free(fx);
		}
		build_index(&b);
		for (size_t i = 0; i < b.ndefs && i < (size_t)max_funcs; i++)
			to_btf(&b, btf, &b.defs[i]);
	}
	map_free(&b.types);
	map_free(&b.merged);
	map_free(&b.index);
	map_free(&b.funcs);
	map_free(&b.entries);
	map_free(&b.cus);
	free(b.defs);
	free(b.subs);
	free(b.pending);
	if (b.dw)
		dwarf_end(b.dw);
	if (b.elf)
		elf_end(b.elf);
	btf__free(btf);
	free(image);
	xt_elf_free(e);
	return n;
}
