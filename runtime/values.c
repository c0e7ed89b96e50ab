/* Decoding of kernel-side bytes into printable values. */
#include <stdlib.h>
#include <string.h>
#include "runtime/rt_int.h"
#include "stdlib/btf_types.h"
#include "stdlib/registry.h"

static uint64_t read_uint(const uint8_t *p, int size)
{
	uint8_t b1; uint16_t b2; uint32_t b4; uint64_t b8;
	switch (size) {
	case 1: memcpy(&b1, p, 1); return b1;
	case 2: memcpy(&b2, p, 2); return b2;
	case 4: memcpy(&b4, p, 4); return b4;
	default: memcpy(&b8, p, 8); return b8;
	}
}

static int64_t read_int(const uint8_t *p, int size)
{
	uint64_t u = read_uint(p, size);
	int shift = 64 - 8 * (size > 8 ? 8 : size);
	return (int64_t)(u << shift) >> shift;
}

/* The elements of array type arr at p. */
static void decode_array(const struct xt_program *prog, struct xt_arena *ar, const struct xt_type *arr,
			 const uint8_t *p, struct xt_val *out)
{
	const struct xt_type *el = arr->pointee;
	int esz = el->kind == XT_T_BOOL ? 1 : el->size;
	struct xt_val *v = xt_arena_alloc(ar, sizeof(*v) * (arr->n > 0 ? arr->n : 1));
	/* a struct or an array inside: a copy of it, decoded the same way */
	const struct xt_type *et = xt_type_is_place(el) ? xt_type_kval(ar, el) : el;
	for (int i = 0; i < arr->n; i++)
		xt_rt_decode(prog, ar, et, p + (size_t)i * esz, &v[i]);
	out->kind = XT_VAL_ARRAY;
	out->tuple.elems = v;
	out->tuple.n = arr->n;
}

/* A bitfield's value: its bytes at p, shifted down and masked (sign-extended). */
static struct xt_val bitfield(const struct xt_field *f, const uint8_t *p)
{
	uint8_t bytes[8] = { 0 };
	int n = (f->bitoff + f->bits + 7) / 8;
	memcpy(bytes, p, n > 8 ? 8 : n);
	uint64_t v = read_uint(bytes, 8) >> f->bitoff;
	int bits = f->bits < 64 ? f->bits : 64;
	if (bits < 64)
		v &= (1ULL << bits) - 1;
	bool sign = f->type->kind == XT_T_INT && f->type->sign;
	if (sign && bits < 64 && (v >> (bits - 1)) & 1)
		return (struct xt_val){ .kind = XT_VAL_INT, .i = (int64_t)(v | ~0ULL << bits) };
	return (struct xt_val){ .kind = sign ? XT_VAL_INT : XT_VAL_UINT, .u = v };
}

/* A copy of a struct or union, rec: its text as BTF renders it, and its
 * members (anonymous ones flattened, as the text does) for JSON. */
static void decode_record(const struct xt_program *prog, struct xt_arena *ar, const struct xt_type *rec,
			  const uint8_t *p, struct xt_val *out)
{
	const char *near;
	if (rec->n == 0) /* its members are converted on the first lookup of one */
		xt_ktypes()->field(rec, "", &near);
	const char **names = xt_arena_alloc(ar, sizeof(*names) * (rec->n + 1));
	struct xt_val *v = xt_arena_alloc(ar, sizeof(*v) * (rec->n + 1));
	for (int i = 0; i < rec->n; i++) {
		const struct xt_field *f = &rec->fields[i];
		names[i] = f->name;
		if (!f->type || f->offset + (f->type->kind == XT_T_BOOL ? 1 : f->type->size) > rec->size)
			v[i] = (struct xt_val){ .kind = XT_VAL_SYM, .s = NULL }; /* null */
		else if (f->bits)
			v[i] = bitfield(f, p + f->offset);
		else
			xt_rt_decode(prog, ar, xt_type_is_place(f->type) ? xt_type_kval(ar, f->type) : f->type,
				     p + f->offset, &v[i]);
	}
	out->kind = XT_VAL_RECORD;
	out->rec.s = xt_btf_render(ar, rec->btf_id, p, rec->size);
	out->rec.names = names;
	out->rec.elems = v;
	out->rec.n = rec->n;
}

void xt_rt_decode(const struct xt_program *prog, struct xt_arena *ar, const struct xt_type *t,
		  const uint8_t *p, struct xt_val *out)
{
	if (t->render) { /* a symbol, a user name, an address, ...: its builtin says how */
		t->render->decode(ar, t, p, out);
		return;
	}
	switch (t->kind) {
	case XT_T_INT:
		if (t->btf_id && !(prog && prog->opts.enum_as_int)) { /* an enum: by name, when the value has one */
			const char *name = xt_btf_enum_name(t->btf_id, read_uint(p, t->size));
			if (name) {
				out->kind = XT_VAL_ENUM;
				out->en.u = read_uint(p, t->size);
				out->en.name = xt_arena_strdup(ar, name);
				return;
			}
		}
		if (t->sign) {
			out->kind = XT_VAL_INT;
			out->i = read_int(p, t->size);
		} else {
			out->kind = XT_VAL_UINT;
			out->u = read_uint(p, t->size);
		}
		return;
	case XT_T_BOOL: /* true/false as bpftrace 0.24 on; 1/0 as 0.17 with bool_as_int */
		out->kind = prog && prog->opts.bool_as_int ? XT_VAL_UINT : XT_VAL_BOOL;
		out->u = p[0] != 0;
		return;
	case XT_T_PTR: /* in hex, as bpftrace 0.26 (0.17: signed decimal as a value, hex as a key) */
		out->kind = XT_VAL_PTR;
		out->u = read_uint(p, 8);
		return;
	case XT_T_STR:
		out->kind = XT_VAL_STR;
		out->s = xt_arena_strndup(ar, (const char *)p, strnlen((const char *)p, t->size));
		return;
	case XT_T_PROBE: {
		uint64_t id = read_uint(p, 8);
		out->kind = XT_VAL_STR;
		out->s = xt_rt_site_name(prog, id);
		return;
	}
	case XT_T_TUPLE: {
		struct xt_val *el = xt_arena_alloc(ar, sizeof(*el) * t->n);
		for (int i = 0; i < t->n; i++)
			xt_rt_decode(prog, ar, t->elems[i], p + t->offsets[i], &el[i]);
		if (t->fields) { /* a record (bpftrace 0.25): no text yet, printed from its members */
			const char **names = xt_arena_alloc(ar, sizeof(*names) * t->n);
			for (int i = 0; i < t->n; i++)
				names[i] = t->fields[i].name;
			out->kind = XT_VAL_RECORD;
			out->rec.s = NULL;
			out->rec.names = names;
			out->rec.elems = el;
			out->rec.n = t->n;
			return;
		}
		out->kind = XT_VAL_TUPLE;
		out->tuple.elems = el;
		out->tuple.n = t->n;
		return;
	}
	case XT_T_BUF: {
		uint64_t head = read_uint(p, 8);
		size_t n = head < (uint64_t)(t->size - 8) ? (size_t)head : (size_t)(t->size - 8);
		uint8_t *bytes = xt_arena_alloc(ar, n + 1);
		memcpy(bytes, p + 8, n);
		char *text = xt_print_hexbuf(bytes, n, 'r');
		out->kind = XT_VAL_BUF;
		out->buf.s = xt_arena_strdup(ar, text ? text : "");
		out->buf.p = bytes;
		out->buf.n = n;
		free(text);
		return;
	}
	case XT_T_KVAL: /* a copy of a struct or an array: arrays element by element, structs from BTF */
		if (t->pointee->kind == XT_T_ARRAY) {
			decode_array(prog, ar, t->pointee, p, out);
			return;
		}
		if (t->pointee->kind == XT_T_RECORD) {
			decode_record(prog, ar, t->pointee, p, out);
			return;
		}
		out->kind = XT_VAL_SYM;
		out->s = xt_btf_render(ar, t->btf_id, p, t->size);
		return;
	default:
		out->kind = XT_VAL_UINT;
		out->u = read_uint(p, 8);
		return;
	}
}
