/* Decoding of kernel-side bytes into printable values. */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <time.h>
#include "runtime/rt_int.h"
#include "runtime/symbols.h"
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

/* Values the kernel side keeps as numbers and people read as names. */
static const char *render(struct xt_arena *ar, const struct xt_type *t, uint64_t v)
{
	switch (t->render) {
	case XT_R_USERNAME: {
		struct passwd pw, *res = NULL;
		char buf[1024];
		if (getpwuid_r((uid_t)v, &pw, buf, sizeof(buf), &res) == 0 && res)
			return xt_arena_strdup(ar, pw.pw_name);
		return xt_arena_printf(ar, "%llu", (unsigned long long)v);
	}
	case XT_R_STRERROR:
		return xt_arena_strdup(ar, strerror((int)v));
	case XT_R_MACADDR: { /* the six bytes in memory order (little-endian load) */
		uint8_t b[8];
		memcpy(b, &v, 8);
		return xt_arena_printf(ar, "%02X:%02X:%02X:%02X:%02X:%02X", b[0], b[1], b[2], b[3], b[4], b[5]);
	}
	case XT_R_TIMESTAMP: {
		/* v: nanoseconds of CLOCK_MONOTONIC (bpf_ktime_get_ns); shown as wall-clock time */
		struct timespec mono, real;
		clock_gettime(CLOCK_MONOTONIC, &mono);
		clock_gettime(CLOCK_REALTIME, &real);
		int64_t now_mono = (int64_t)mono.tv_sec * 1000000000 + mono.tv_nsec;
		int64_t now_real = (int64_t)real.tv_sec * 1000000000 + real.tv_nsec;
		int64_t ns = now_real - (now_mono - (int64_t)v);
		time_t secs = (time_t)(ns / 1000000000);
		struct tm tm;
		localtime_r(&secs, &tm);
		char out[256];
		size_t n = strftime(out, sizeof(out), t->rfmt ? t->rfmt : "%H:%M:%S", &tm);
		out[n] = 0;
		return xt_arena_strdup(ar, out);
	}
	default:
		return xt_arena_printf(ar, "%llu", (unsigned long long)v);
	}
}

void xt_rt_decode(const struct xt_program *prog, struct xt_arena *ar, const struct xt_type *t,
		  const uint8_t *p, struct xt_val *out)
{
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
	case XT_T_BOOL:
		out->kind = XT_VAL_UINT;
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
		return;
	}
	case XT_T_STACK:
		out->kind = XT_VAL_SYM;
		out->s = xt_sym_stack(ar, t->cname, read_int(p, 8), (pid_t)read_uint(p + 8, 8), t->sign,
				      (enum xt_stack_mode)t->lmin, t->n);
		return;
	case XT_T_KSYM:
		out->kind = XT_VAL_STR;
		out->s = xt_sym_ksym(ar, read_uint(p, 8), false);
		return;
	case XT_T_USYM:
		out->kind = XT_VAL_STR;
		out->s = xt_sym_usym(ar, (pid_t)read_uint(p + 8, 8), read_uint(p, 8), false);
		return;
	case XT_T_RENDERED:
		out->kind = XT_VAL_STR;
		out->s = render(ar, t, read_uint(p, 8));
		return;
	case XT_T_BUF: {
		uint64_t head = read_uint(p, 8);
		if (t->render == XT_R_INET) { /* {family, address}: ntop() */
			char text[INET6_ADDRSTRLEN] = "";
			int af = head == 10 ? AF_INET6 : AF_INET;
			if ((head == 2 || head == 10) && t->size >= 8 + 16)
				inet_ntop(af, p + 8, text, sizeof(text));
			out->kind = XT_VAL_STR;
			out->s = xt_arena_strdup(ar, text);
			return;
		}
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
		return;
	}
	xt_rt_decode(prog, ar, t, p, out);
}
