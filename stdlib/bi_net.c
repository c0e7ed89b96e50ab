/* Network addresses: ntop() and macaddr() render in user space; pton() is
 * folded at compile time. */
#include <string.h>
#include <arpa/inet.h>
#include "codegen/cg.h"
#include "runtime/print.h"
#include "stdlib/registry.h"

enum { XT_AF_INET = 2, XT_AF_INET6 = 10 }; /* Linux's AF_INET, AF_INET6 */

/* macaddr: the six bytes in memory order (a little-endian load) */
static void macaddr_decode(struct xt_arena *ar, const struct xt_type *t, const uint8_t *p, struct xt_val *out)
{
	out->kind = XT_VAL_STR;
	out->s = xt_arena_printf(ar, "%02X:%02X:%02X:%02X:%02X:%02X", p[0], p[1], p[2], p[3], p[4], p[5]);
}

/* ntop: {u64 family, 16 bytes of address} */
static void inet_decode(struct xt_arena *ar, const struct xt_type *t, const uint8_t *p, struct xt_val *out)
{
	uint64_t family = xt_render_u64(p);
	char text[INET6_ADDRSTRLEN] = "";
	if ((family == XT_AF_INET || family == XT_AF_INET6) && t->size >= 8 + 16)
		inet_ntop(family == XT_AF_INET6 ? AF_INET6 : AF_INET, p + 8, text, sizeof(text));
	out->kind = XT_VAL_STR;
	out->s = xt_arena_strdup(ar, text);
}

/* pton's address: {u64 length, its 4 or 16 bytes}, printed as bpftrace
 * prints its uint8[4] / uint8[16]: [127,0,0,1] (a JSON array) */
static void addr_bytes_decode(struct xt_arena *ar, const struct xt_type *t, const uint8_t *p, struct xt_val *out)
{
	int n = t->size - 8 < 16 ? t->size - 8 : 16;
	struct xt_val *v = xt_arena_alloc(ar, sizeof(*v) * (size_t)(n > 0 ? n : 1));
	for (int i = 0; i < n; i++)
		v[i] = (struct xt_val){ .kind = XT_VAL_UINT, .u = p[8 + i] };
	out->kind = XT_VAL_ARRAY;
	out->tuple.elems = v;
	out->tuple.n = n;
}

static const struct xt_render addr_bytes_render = { .name = "uint8 array", .bytes = true, .decode = addr_bytes_decode };

static const struct xt_render macaddr_render = { .name = "macaddr", .printf_s = true, .decode = macaddr_decode };
const struct xt_render xt_render_inet = { .name = "inet", .printf_s = true, .decode = inet_decode };
static const struct xt_type macaddr_type = { .kind = XT_T_RENDERED, .size = 8, .render = &macaddr_render };

static void type_error(struct xt_sema *s, struct xt_node *a, const char *fmt, const struct xt_type *t)
{
	xt_diag_error(xt_sema_diags(s), a->loc, fmt, xt_type_name(xt_sema_arena(s), t));
}

/* ntop([af,] addr): addr is an IPv4 address in an integer (as the kernel
 * keeps it: network order in memory), or 4 or 16 bytes (a buffer such as a
 * tracepoint's __u8 daddr_v6[16], pton("::1"), or a kernel array). */
static const struct xt_type *ntop_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *a = n->list->next ? n->list->next : n->list;
	if (n->list->next) {
		const struct xt_type *af = xt_sema_expr(s, n->list);
		if (!af)
			return NULL;
		if (!xt_type_is_int(af)) {
			type_error(s, n->list, "ntop() needs an address family (AF_INET 2, AF_INET6 10), not %s", af);
			return NULL;
		}
		if (n->list->kind == XT_N_INT && n->list->ival != XT_AF_INET && n->list->ival != XT_AF_INET6) {
			xt_diag_error(xt_sema_diags(s), n->list->loc, "ntop() knows address families 2 (AF_INET) and 10 (AF_INET6)");
			return NULL;
		}
	}
	const struct xt_type *t = xt_sema_expr(s, a);
	if (!t)
		return NULL;
	bool buf = XT_TYPE_IS_BYTES(t);
	int bytes = buf ? t->size - 8 : t->kind == XT_T_ARRAY ? t->size : 0;
	if (!xt_type_is_int(t) && bytes != 4 && bytes != 16) {
		type_error(s, a, "ntop() needs an IPv4 address (an integer) or 4 or 16 bytes, not %s", t);
		return NULL;
	}
	return xt_type_buf(xt_sema_arena(s), 16, &xt_render_inet);
}

static LLVMValueRef ntop_emit(struct xt_cg *cg, struct xt_node *n)
{
	struct xt_node *a = n->list->next ? n->list->next : n->list;
	const struct xt_type *t = a->type;
	LLVMValueRef af = n->list->next ? xt_cg_expr(cg, n->list) : NULL;
	LLVMValueRef v = xt_cg_expr(cg, a);
	LLVMValueRef buf = xt_cg_buf(cg, 24, "inet");
	LLVMValueRef data = xt_cg_gep(cg, buf, xt_cg_i64(cg, 8));
	int bytes = 4;
	if (xt_type_is_int(t)) {
		LLVMBuildStore(cg->b, LLVMBuildTrunc(cg->b, v, cg->i32, ""), data);
	} else if (t->kind == XT_T_BUF) {
		bytes = t->size - 8;
		xt_cg_memcpy(cg, data, xt_cg_gep(cg, v, xt_cg_i64(cg, 8)), bytes);
	} else { /* a kernel array: its address */
		bytes = t->size;
		LLVMValueRef args[] = { data, xt_cg_i64(cg, bytes), LLVMBuildIntToPtr(cg->b, v, cg->ptr, "") };
		xt_cg_helper(cg, XT_H_READ_KERNEL, false, args, 3);
	}
	if (!af)
		af = xt_cg_i64(cg, bytes == 16 ? XT_AF_INET6 : XT_AF_INET);
	LLVMBuildStore(cg->b, af, buf);
	return buf;
}

/* pton("1.2.3.4"): the address's 4 bytes, pton("::1"): its 16 (network
 * order), as bpftrace's uint8[4] / uint8[16]: `[1,2,3,4]` printed, indexed
 * with [], read by ntop(). Folded at compile time. */
static int pton_parse(const char *text, uint8_t addr[16])
{
	if (inet_pton(AF_INET, text, addr) == 1)
		return 4;
	return inet_pton(AF_INET6, text, addr) == 1 ? 16 : 0;
}

static const struct xt_type *pton_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *a = n->list;
	if (a->kind != XT_N_STR) {
		xt_diag_error(xt_sema_diags(s), a->loc, "pton() needs a string literal");
		return NULL;
	}
	uint8_t addr[16];
	int bytes = pton_parse(a->sval, addr);
	if (bytes)
		return xt_type_buf(xt_sema_arena(s), bytes, &addr_bytes_render);
	xt_diag_error(xt_sema_diags(s), a->loc, "pton() cannot read \"%s\" as an IPv4 or IPv6 address", a->sval);
	return NULL;
}

static LLVMValueRef pton_emit(struct xt_cg *cg, struct xt_node *n)
{
	uint8_t addr[16] = { 0 };
	uint64_t half[2];
	int bytes = pton_parse(n->list->sval, addr); /* checked by pton_type */
	memcpy(half, addr, 16);
	LLVMValueRef buf = xt_cg_buf(cg, 24, "pton");
	LLVMBuildStore(cg->b, xt_cg_i64(cg, bytes), buf);
	for (int i = 0; i < 2; i++)
		LLVMBuildStore(cg->b, LLVMConstInt(cg->i64, half[i], 0), xt_cg_gep(cg, buf, xt_cg_i64(cg, 8 + 8 * i)));
	return buf;
}

/* macaddr(addr): the 6 bytes at addr (a pointer, or a kernel array; or the
 * first 6 bytes of a buffer) as AA:BB:CC:DD:EE:FF. */
static const struct xt_type *macaddr_check(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *t = xt_sema_expr(s, n->list);
	if (!t)
		return NULL;
	bool ok = xt_type_is_int(t) || t->kind == XT_T_PTR || (t->kind == XT_T_ARRAY && t->size >= 6) ||
		  (XT_TYPE_IS_BYTES(t) && t->size - 8 >= 6);
	if (!ok) {
		type_error(s, n->list, "macaddr() needs a pointer to 6 bytes, not %s", t);
		return NULL;
	}
	return &macaddr_type;
}

static LLVMValueRef macaddr_emit(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_type *t = n->list->type;
	LLVMValueRef v = xt_cg_expr(cg, n->list);
	LLVMValueRef buf = xt_cg_buf(cg, 8, "mac");
	if (t->kind == XT_T_BUF)
		xt_cg_memcpy(cg, buf, xt_cg_gep(cg, v, xt_cg_i64(cg, 8)), 6);
	else
		xt_cg_probe_read(cg, buf, xt_cg_i64(cg, 6), v, false);
	return LLVMBuildLoad2(cg->b, cg->i64, buf, "");
}

const struct xt_builtin xt_bi_ntop = { .name = "ntop", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 2,
	.check = ntop_type, .emit = ntop_emit,
	.help = "ntop([af, ]addr): an IPv4 (integer, 4 bytes) or IPv6 (16 bytes) address as text" };
const struct xt_builtin xt_bi_pton = { .name = "pton", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 1,
	.check = pton_type, .emit = pton_emit,
	.help = "pton(\"addr\"): an address literal as ntop() takes it (IPv4: uint32, IPv6: buffer[16])" };
const struct xt_builtin xt_bi_macaddr = { .name = "macaddr", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 1,
	.check = macaddr_check, .emit = macaddr_emit,
	.help = "macaddr(ptr): the 6-byte MAC address at ptr, as AA:BB:CC:DD:EE:FF" };

/* socket_cookie(sk): the kernel's cookie of socket sk (bpf_get_socket_cookie,
 * bpftrace 0.24), 0 for NULL. The kernel hands that helper to BPF tracing
 * programs (fentry, fexit) only, which take sk as a typed pointer; any other
 * probe is refused here, with the reason, instead of by the verifier. */
static const struct xt_type *socket_cookie_type(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *t = xt_sema_expr(s, n->list);
	if (!t)
		return NULL;
	if (t->kind != XT_T_PTR) {
		type_error(s, n->list, "socket_cookie() needs a socket (struct sock *), not %s", t);
		return NULL;
	}
	const struct xt_probe_info *p = xt_sema_probe(s);
	const char *sec = p && p->prov ? p->prov->section : NULL;
	if (!sec || (strcmp(sec, "fentry") != 0 && strcmp(sec, "fexit") != 0)) {
		xt_diag_error(xt_sema_diags(s), n->loc,
			      "socket_cookie() works in fentry and fexit probes only: the kernel gives %s probes no way to read a socket's cookie",
			      p && p->prov ? p->prov->name : "these");
		return NULL;
	}
	return &xt_u64;
}

static LLVMValueRef socket_cookie_emit(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef sk = LLVMBuildIntToPtr(cg->b, xt_cg_expr(cg, n->list), cg->ptr, "");
	return xt_cg_helper(cg, XT_H_GET_SOCKET_COOKIE, false, &sk, 1);
}

const struct xt_builtin xt_bi_socket_cookie = { .name = "socket_cookie", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 1,
	.check = socket_cookie_type, .emit = socket_cookie_emit,
	.help = "socket_cookie(sk): the kernel's cookie of socket sk (fentry and fexit probes)" };
