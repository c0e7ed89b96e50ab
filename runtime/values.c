/* Decoding of kernel-side bytes into printable values. */
#include <stdlib.h>
#include <string.h>
#include "runtime/rt_int.h"
#include "stdlib/btf_types.h"

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

/* A record's field names, for its printer. */
static const char *const *record_names(struct xt_arena *ar, const struct xt_type *t)
{
	const char **names = xt_arena_alloc(ar, sizeof(*names) * t->n);
	for (int i = 0; i < t->n; i++)
		names[i] = t->fields[i].name;
	return names;
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
	case XT_T_PTR: /* as bpftrace 0.17: signed decimal as a value (keys: see xt_rt_decode_key) */
		out->kind = XT_VAL_INT;
		out->i = read_int(p, 8);
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
		out->kind = XT_VAL_TUPLE;
		out->tuple.elems = el;
		out->tuple.n = t->n;
		out->tuple.names = t->fields ? record_names(ar, t) : NULL;
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
	case XT_T_KVAL: /* a copy of a kernel struct or array: printed from its BTF type */
		out->kind = XT_VAL_SYM;
		out->s = xt_btf_render(ar, t->btf_id, p, t->size);
		return;
	default:
		out->kind = XT_VAL_UINT;
		out->u = read_uint(p, 8);
		return;
	}
}

/* A map key: as a value, except that pointers print in hex (as bpftrace 0.17). */
void xt_rt_decode_key(const struct xt_program *prog, struct xt_arena *ar, const struct xt_type *t,
		      const uint8_t *p, struct xt_val *out)
{
	if (t->kind == XT_T_PTR) {
		out->kind = XT_VAL_SYM;
		out->s = xt_arena_printf(ar, "0x%llx", (unsigned long long)read_uint(p, 8));
		return;
	}
	if (t->kind == XT_T_TUPLE) {
		struct xt_val *el = xt_arena_alloc(ar, sizeof(*el) * t->n);
		for (int i = 0; i < t->n; i++)
			xt_rt_decode_key(prog, ar, t->elems[i], p + t->offsets[i], &el[i]);
		out->kind = XT_VAL_TUPLE;
		out->tuple.elems = el;
		out->tuple.n = t->n;
		out->tuple.names = t->fields ? record_names(ar, t) : NULL;
		return;
	}
	xt_rt_decode(prog, ar, t, p, out);
}
