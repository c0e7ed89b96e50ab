/* Type constructors, comparison and naming. */
#include <string.h>
#include "types.h"

#define INT_T(nm, sz, sg) const struct xt_type nm = { .kind = XT_T_INT, .size = sz, .sign = sg }
INT_T(xt_u8, 1, false); INT_T(xt_u16, 2, false); INT_T(xt_u32, 4, false); INT_T(xt_u64, 8, false);
INT_T(xt_s8, 1, true); INT_T(xt_s16, 2, true); INT_T(xt_s32, 4, true); INT_T(xt_s64, 8, true);
const struct xt_type xt_void = { .kind = XT_T_VOID };
const struct xt_type xt_bool = { .kind = XT_T_BOOL, .size = 1 };
const struct xt_type xt_bool64 = { .kind = XT_T_BOOL, .size = 8 };
const struct xt_type xt_probe_type = { .kind = XT_T_PROBE, .size = 8 };
const struct xt_type xt_dataloc = { .kind = XT_T_DATALOC, .size = 4 };

const struct xt_type *xt_type_int(int size, bool sign)
{
	switch (size) {
	case 1: return sign ? &xt_s8 : &xt_u8;
	case 2: return sign ? &xt_s16 : &xt_u16;
	case 4: return sign ? &xt_s32 : &xt_u32;
	default: return sign ? &xt_s64 : &xt_u64;
	}
}

const struct xt_type *xt_type_enum(struct xt_arena *ar, int size, bool sign, int btf_id, const char *cname)
{
	struct xt_type *t = xt_arena_alloc(ar, sizeof(*t));
	*t = *xt_type_int(size, sign);
	t->btf_id = btf_id;
	t->cname = cname;
	return t;
}

bool xt_type_is_enum(const struct xt_type *t)
{
	return t && t->kind == XT_T_INT && t->btf_id;
}

const struct xt_type *xt_type_int_as(struct xt_arena *ar, const struct xt_type *t, int size)
{
	if (!xt_type_is_enum(t))
		return xt_type_int(size, t->kind == XT_T_INT && t->sign);
	if (t->size == size)
		return t;
	struct xt_type *c = xt_arena_alloc(ar, sizeof(*c));
	*c = *t;
	c->size = size;
	return c;
}

const struct xt_type *xt_type_str(struct xt_arena *ar, int size)
{
	struct xt_type *t = xt_arena_alloc(ar, sizeof(*t));
	t->kind = XT_T_STR;
	t->size = size;
	return t;
}

const struct xt_type *xt_type_ptr(struct xt_arena *ar, const struct xt_type *to, const char *cname)
{
	struct xt_type *t = xt_arena_alloc(ar, sizeof(*t));
	t->kind = XT_T_PTR;
	t->size = 8;
	t->pointee = to;
	t->cname = cname;
	return t;
}

const struct xt_type *xt_type_buf(struct xt_arena *ar, int n, const struct xt_render *render)
{
	struct xt_type *t = xt_arena_alloc(ar, sizeof(*t));
	t->kind = XT_T_BUF;
	t->size = 8 + n;
	t->render = render;
	return t;
}

const struct xt_type *xt_type_rendered(struct xt_arena *ar, const struct xt_render *render, int size)
{
	struct xt_type *t = xt_arena_alloc(ar, sizeof(*t));
	t->kind = XT_T_RENDERED;
	t->size = size;
	t->render = render;
	return t;
}

const struct xt_type *xt_type_agg(struct xt_arena *ar, const struct xt_agg *agg)
{
	struct xt_type *t = xt_arena_alloc(ar, sizeof(*t));
	t->kind = XT_T_AGG;
	t->agg = agg;
	t->size = 8;
	return t;
}

static int align_of(const struct xt_type *t)
{
	if (t->kind == XT_T_STR)
		return 1;
	if (t->kind == XT_T_TUPLE) {
		int a = 1;
		for (int i = 0; i < t->n; i++)
			if (align_of(t->elems[i]) > a)
				a = align_of(t->elems[i]);
		return a;
	}
	return 8; /* ints are kept as 64-bit in keys and tuples */
}

const struct xt_type *xt_type_tuple(struct xt_arena *ar, const struct xt_type **elems, int n)
{
	struct xt_type *t = xt_arena_alloc(ar, sizeof(*t));
	t->kind = XT_T_TUPLE;
	t->n = n;
	t->elems = xt_arena_alloc(ar, sizeof(*t->elems) * n);
	t->offsets = xt_arena_alloc(ar, sizeof(int) * n);
	int off = 0;
	for (int i = 0; i < n; i++) {
		const struct xt_type *e = elems[i];
		if (e->kind == XT_T_INT)
			e = xt_type_int_as(ar, e, 8);
		else if (e->kind == XT_T_BOOL)
			e = &xt_bool64;
		int a = align_of(e);
		off = (off + a - 1) / a * a;
		t->elems[i] = e;
		t->offsets[i] = off;
		off += e->size;
	}
	int a = align_of(t);
	t->size = (off + a - 1) / a * a;
	return t;
}

const struct xt_type *xt_type_record(struct xt_arena *ar, const struct xt_type **elems, const char *const *names, int n)
{
	struct xt_type *t = (struct xt_type *)xt_type_tuple(ar, elems, n);
	struct xt_field *f = xt_arena_alloc(ar, sizeof(*f) * n);
	for (int i = 0; i < n; i++)
		f[i] = (struct xt_field){ .name = names[i], .type = t->elems[i], .offset = t->offsets[i], .index = i };
	t->fields = f;
	return t;
}

/* Whether tuples a and b have the same field names (none: plain tuples). */
static bool same_names(const struct xt_type *a, const struct xt_type *b)
{
	if (!a->fields || !b->fields)
		return !a->fields && !b->fields;
	for (int i = 0; i < a->n; i++)
		if (strcmp(a->fields[i].name, b->fields[i].name) != 0)
			return false;
	return true;
}

const struct xt_type *xt_type_kval(struct xt_arena *ar, const struct xt_type *place)
{
	struct xt_type *t = xt_arena_alloc(ar, sizeof(*t));
	t->kind = XT_T_KVAL;
	t->size = place->size;
	t->btf_id = place->btf_id;
	t->cname = place->cname;
	t->pointee = place;
	t->space = place->space;
	return t;
}

const struct xt_type *xt_type_array(struct xt_arena *ar, const struct xt_type *elem, int n)
{
	struct xt_type *t = xt_arena_alloc(ar, sizeof(*t));
	t->kind = XT_T_ARRAY;
	t->pointee = elem;
	t->n = n;
	t->size = (elem->kind == XT_T_BOOL ? 1 : elem->size) * n;
	return t;
}

const struct xt_type *xt_type_in_space(struct xt_arena *ar, const struct xt_type *t, enum xt_addr_space space)
{
	if (t->space == space || (t->kind != XT_T_PTR && t->kind != XT_T_INT && t->kind != XT_T_ARRAY))
		return t;
	struct xt_type *c = xt_arena_alloc(ar, sizeof(*c));
	*c = *t;
	c->space = space;
	return c;
}

enum xt_addr_space xt_node_space(const struct xt_node *n)
{
	for (int depth = 0; n && n->type && depth < 64; depth++) {
		const struct xt_type *t = n->type;
		if (t->kind == XT_T_PTR || t->kind == XT_T_INT || t->space != XT_AS_AUTO)
			return t->space; /* a pointer: where it points; a marked array: where it lies */
		if (!xt_type_is_place(t))
			return XT_AS_AUTO;
		switch (n->kind) { /* a struct or an array in memory: where its parent lies, or points */
		case XT_N_FIELD: case XT_N_ARROW: case XT_N_INDEX:
			n = n->a;
			break;
		case XT_N_UNOP:
			if (n->op != XT_OP_DEREF)
				return XT_AS_AUTO;
			n = n->a;
			break;
		default:
			return XT_AS_AUTO;
		}
	}
	return XT_AS_AUTO;
}

const struct xt_type *xt_type_array_of(const struct xt_type *t)
{
	if (t && t->kind == XT_T_KVAL)
		t = t->pointee;
	return t && t->kind == XT_T_ARRAY ? t : NULL;
}

bool xt_type_is_int(const struct xt_type *t)
{
	return t && (t->kind == XT_T_INT || t->kind == XT_T_BOOL);
}

bool xt_type_is_place(const struct xt_type *t)
{
	return t && ((t->kind == XT_T_RECORD && t->btf_id) || t->kind == XT_T_ARRAY);
}

bool xt_type_eq(const struct xt_type *a, const struct xt_type *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->kind != b->kind)
		return false;
	switch (a->kind) {
	case XT_T_INT: return a->size == b->size && a->sign == b->sign;
	case XT_T_BOOL: return a->size == b->size;
	case XT_T_STR: return a->size == b->size;
	case XT_T_AGG:
		return a->agg == b->agg && (!a->agg->same || a->agg->same(a, b));
	case XT_T_TUPLE:
		if (a->n != b->n || !same_names(a, b))
			return false;
		for (int i = 0; i < a->n; i++)
			if (!xt_type_eq(a->elems[i], b->elems[i]))
				return false;
		return true;
	case XT_T_PTR: return true;
	case XT_T_ARRAY: /* arrays of the same shape are one type, wherever they come from */
		return a->n == b->n && xt_type_eq(a->pointee, b->pointee);
	case XT_T_KVAL:
		if (a->pointee->kind == XT_T_ARRAY || b->pointee->kind == XT_T_ARRAY)
			return xt_type_eq(a->pointee, b->pointee);
		return a->btf_id == b->btf_id;
	case XT_T_RECORD: return a->btf_id == b->btf_id;
	case XT_T_BUF: return a->size == b->size && a->render == b->render;
	case XT_T_RENDERED: return a->render == b->render && (a->rfmt == b->rfmt || (a->rfmt && b->rfmt && !strcmp(a->rfmt, b->rfmt)));
	default: return true;
	}
}

bool xt_type_fits(const struct xt_type *to, const struct xt_type *from)
{
	if (xt_type_is_int(to) && xt_type_is_int(from))
		return true;
	if (to->kind == XT_T_STR && from->kind == XT_T_STR)
		return true; /* truncated or padded to the kept size */
	if (to->kind == XT_T_TUPLE && from->kind == XT_T_TUPLE) {
		if (to->n != from->n || !same_names(to, from))
			return false;
		for (int i = 0; i < to->n; i++)
			if (!xt_type_fits(to->elems[i], from->elems[i]))
				return false;
		return true;
	}
	return xt_type_eq(to, from);
}

const struct xt_type *xt_type_join(struct xt_arena *ar, const struct xt_type *a, const struct xt_type *b)
{
	if (xt_type_is_int(a) && xt_type_is_int(b)) {
		if (a->kind == XT_T_BOOL && b->kind == XT_T_BOOL)
			return a->size >= b->size ? a : b;
		int sa = a->kind == XT_T_BOOL ? 1 : a->size, sb = b->kind == XT_T_BOOL ? 1 : b->size;
		bool sign = (a->kind == XT_T_INT && a->sign) || (b->kind == XT_T_INT && b->sign);
		if (xt_type_is_enum(a) && b->btf_id == a->btf_id && b->kind == XT_T_INT) /* one enum: it stays one */
			return xt_type_int_as(ar, sa >= sb ? a : b, sa > sb ? sa : sb);
		return xt_type_int(sa > sb ? sa : sb, sign);
	}
	if (a->kind == XT_T_STR && b->kind == XT_T_STR)
		return a->size >= b->size ? a : b;
	if (a->kind == XT_T_TUPLE && b->kind == XT_T_TUPLE && a->n == b->n && same_names(a, b)) {
		const struct xt_type **el = xt_arena_alloc(ar, sizeof(*el) * a->n);
		const char **names = xt_arena_alloc(ar, sizeof(*names) * a->n);
		for (int i = 0; i < a->n; i++) {
			if (!(el[i] = xt_type_join(ar, a->elems[i], b->elems[i])))
				return NULL;
			names[i] = a->fields ? a->fields[i].name : NULL;
		}
		return a->fields ? xt_type_record(ar, el, names, a->n) : xt_type_tuple(ar, el, a->n);
	}
	return xt_type_eq(a, b) ? a : NULL;
}

const char *xt_type_name(struct xt_arena *ar, const struct xt_type *t)
{
	if (!t)
		return "none";
	switch (t->kind) {
	case XT_T_VOID: return "void";
	case XT_T_BOOL: return "bool";
	case XT_T_INT:
		if (t->btf_id && t->cname)
			return t->cname;
		return xt_arena_printf(ar, "%sint%d", t->sign ? "" : "u", t->size * 8);
	case XT_T_STR: return xt_arena_printf(ar, "string[%d]", t->size);
	case XT_T_PROBE: return "probe";
	case XT_T_RECORD: return t->cname ? t->cname : "args";
	case XT_T_PTR: return t->cname ? t->cname : "pointer";
	case XT_T_DATALOC: return "__data_loc char[]";
	case XT_T_AGG:
		return t->agg->type_name ? t->agg->type_name(ar, t) : t->agg->name;
	case XT_T_RENDERED: return t->cname ? t->cname : t->render->name;
	case XT_T_BUF: return t->render ? t->render->name : xt_arena_printf(ar, "buffer[%d]", t->size - 8);
	case XT_T_KVAL: return t->cname ? t->cname : xt_type_name(ar, t->pointee);
	case XT_T_ARRAY: return t->cname ? t->cname : xt_arena_printf(ar, "%s[%d]", xt_type_name(ar, t->pointee), t->n);
	case XT_T_TUPLE: { /* (int64, string[2]); a record (a=int64, b=string[2]) */
		char *s = "(";
		for (int i = 0; i < t->n; i++)
			s = xt_arena_printf(ar, "%s%s%s%s%s", s, i ? ", " : "", t->fields ? t->fields[i].name : "",
					    t->fields ? "=" : "", xt_type_name(ar, t->elems[i]));
		return xt_arena_printf(ar, "%s%s)", s, t->n == 1 && !t->fields ? "," : "");
	}
	}
	return "?";
}
