/* Packets and cgroup accesses: the typed headers (eth, ip, ip6, tcp, udp,
 * icmp), len and proto, sysctl, and the verdicts drop(), pass() and deny()
 * of the socket, tc, xdp and cgroup probe types (stdlib/pkt.h).
 *
 * A header's fields are laid out as the kernel's struct ethhdr, iphdr,
 * ipv6hdr, tcphdr, udphdr and icmphdr in vmlinux BTF, and read from the
 * packet with the program type's load_bytes helper, which checks the bounds
 * itself: the verifier accepts it where direct packet access would need a
 * proven bound before every read. Each read finds its header afresh (a few
 * bytes of the Ethernet and IP headers), so it works in loop callbacks too. */
#include <errno.h>
#include <fnmatch.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include "codegen/cg.h"
#include "stdlib/pkt.h"

const struct xt_pkt_kind *xt_pkt_kind_of(const struct xt_probe_info *p)
{
	if (!p || !p->prov)
		return NULL;
	if (p->prov == &xt_prov_socket)
		return &xt_pkt_socket;
	if (p->prov == &xt_prov_tc)
		return &xt_pkt_tc;
	if (p->prov == &xt_prov_xdp)
		return &xt_pkt_xdp;
	if (p->prov == &xt_prov_cgroup)
		return p->mode == XT_PKT_CG_SYSCTL ? &xt_pkt_cgroup_sysctl : &xt_pkt_cgroup_skb;
	return NULL;
}

int xt_pkt_ifindex(struct xt_sema *s, struct xt_node *at, const char *what, const char *name)
{
	unsigned idx = strlen(name) < IF_NAMESIZE ? if_nametoindex(name) : 0;
	if (!idx)
		xt_diag_error(xt_sema_diags(s), at->loc, "%s: no network interface named '%s' here (`ip link` lists them)",
			      what, name);
	return (int)idx;
}

int xt_pkt_iface_site(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *what, const char *spec)
{
	if (!*spec || strchr(spec, ':') || strlen(spec) >= IF_NAMESIZE) {
		xt_diag_error(xt_sema_diags(s), at->loc, "%s probes are written %s:IFACE (an interface name, as `ip link` shows it)",
			      what, what);
		return -1;
	}
	xt_probe_add_site(s, p, xt_arena_printf(xt_sema_arena(s), "%s:%s", what, spec), spec, 0, NULL);
	return 0;
}

int xt_pkt_list_ifaces(const char *prefix, const char *spec, void (*cb)(const char *, const char *, void *), void *ctx)
{
	struct if_nameindex *ifs = if_nameindex();
	if (!ifs)
		return -errno;
	for (struct if_nameindex *i = ifs; i->if_index; i++) {
		if (*spec && fnmatch(spec, i->if_name, 0) != 0)
			continue;
		char name[128];
		snprintf(name, sizeof(name), "%s%s", prefix, i->if_name);
		cb(name, NULL, ctx);
	}
	if_freenameindex(ifs);
	return 0;
}

/* --- headers ----------------------------------------------------------------- */

enum { ETH_IP = 0x0800, ETH_IP6 = 0x86DD, L2 = -1, L3_4 = -4, L3_6 = -6 };

struct header {
	const char *name, *cname;
	int at;                 /* L2, L3_4, L3_6, or the IP protocol number of a layer-4 header */
	bool ip6;               /* a layer-4 header IPv6 carries too (not icmp: that is ICMPv6's own) */
};

static const struct header headers[] = {
	{ "eth", "struct ethhdr", L2, false }, { "ip", "struct iphdr", L3_4, false },
	{ "ip6", "struct ipv6hdr", L3_6, false }, { "tcp", "struct tcphdr", 6, true },
	{ "udp", "struct udphdr", 17, true }, { "icmp", "struct icmphdr", 1, false },
};

static const struct header *header_named(const char *name)
{
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++)
		if (strcmp(headers[i].name, name) == 0)
			return &headers[i];
	return NULL;
}

/* Whether n is the object of a field access somewhere under root (`tcp.dest`
 * rather than a bare `tcp`, which tells whether the packet has the header). */
static bool is_object(const struct xt_node *root, const struct xt_node *n)
{
	if (!root)
		return false;
	if ((root->kind == XT_N_FIELD || root->kind == XT_N_ARROW) && root->a == n)
		return true;
	if (is_object(root->a, n) || is_object(root->b, n) || is_object(root->c, n))
		return true;
	for (const struct xt_node *c = root->list; c; c = c->next)
		if (is_object(c, n))
			return true;
	return false;
}

/* A record the probe's context fills: its fields read through xt_pkt_emit_field. */
static const struct xt_type *record(struct xt_arena *ar, const struct xt_field *fields, int n, const char *cname)
{
	struct xt_type *rec = xt_arena_alloc(ar, sizeof(*rec));
	rec->kind = XT_T_RECORD;
	rec->n = n;
	rec->fields = fields;
	rec->cname = cname;
	return rec;
}

/* The record of header h, its fields as the kernel's struct lays them out:
 * integers (bitfields included) and byte strings (addresses) that ntop() and
 * macaddr() take. */
static const struct xt_type *header_record(struct xt_sema *s, struct xt_node *n, const struct header *h)
{
	const char *near = NULL, *why = NULL;
	const struct xt_ktype_hooks *kt = xt_ktypes();
	const struct xt_type *k = kt->find(h->cname, &near, &why);
	if (!k || k->kind != XT_T_RECORD) {
		xt_diag_error(xt_sema_diags(s), n->loc, "%s: this kernel's BTF has no %s%s%s", h->name, h->cname,
			      why ? ": " : "", why ? why : "");
		return NULL;
	}
	kt->field(k, "", &near); /* lays the kernel record's fields out */
	struct xt_arena *ar = xt_sema_arena(s);
	struct xt_field *fields = xt_arena_alloc(ar, sizeof(*fields) * (size_t)(k->n + 1));
	int nf = 0;
	for (int i = 0; i < k->n; i++) {
		struct xt_field f = k->fields[i];
		if (!f.type)
			continue;
		if (xt_type_is_int(f.type))
			f.type = xt_type_int(f.type->size, false);
		else if ((f.type->kind == XT_T_ARRAY || f.type->kind == XT_T_RECORD) && f.type->size > 0 && f.type->size <= 16)
			f.type = xt_type_buf(ar, f.type->size, XT_R_NONE);
		else
			continue;
		f.index = nf;
		fields[nf++] = f;
	}
	return record(ar, fields, nf, h->cname);
}

static const struct xt_pkt_kind *pkt_kind(struct xt_sema *s, struct xt_node *n, const char *needs)
{
	const struct xt_pkt_kind *k = xt_pkt_kind_of(xt_sema_probe(s));
	if (!k || (needs && strcmp(needs, "sysctl") == 0 ? !k->sysctl : !k->load)) {
		xt_diag_error(xt_sema_diags(s), n->loc, "%s is only available in %s", n->name,
			      needs && strcmp(needs, "sysctl") == 0 ? "cgroup:sysctl probes"
			      : "packet probes (socket, tc, xdp, cgroup:skb)");
		return NULL;
	}
	return k;
}

static const struct xt_type *header_check(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_pkt_kind *k = pkt_kind(s, n, NULL);
	if (!k)
		return NULL;
	const struct header *h = header_named(n->name);
	if (h->at == L2 && !k->eth) {
		xt_diag_error(xt_sema_diags(s), n->loc, "%s packets start at their IP header: they have no eth", k->what);
		return NULL;
	}
	struct xt_probe_info *p = xt_sema_probe(s);
	if (is_object(p->node->a, n) || is_object(p->node->b, n))
		return header_record(s, n, h);
	return &xt_bool;
}

/* --- reading the packet ------------------------------------------------------- */

static const struct xt_pkt_kind *cg_kind(struct xt_cg *cg)
{
	return xt_pkt_kind_of(cg->probe);
}

/* Copies n bytes at packet offset off (i64) into buf; the helper's result. */
static LLVMValueRef load_bytes(struct xt_cg *cg, LLVMValueRef off, LLVMValueRef buf, int n)
{
	LLVMValueRef args[] = { cg->ctxarg, LLVMBuildTrunc(cg->b, off, cg->i32, ""), buf, xt_cg_i32(cg, n) };
	return xt_cg_helper(cg, cg_kind(cg)->load, false, args, 4);
}

/* The function's 16 bytes that packet reads copy into: one for all of them,
 * as each read has taken the bytes it needs before the next one starts (a
 * buffer per read would soon overflow the 512-byte stack in a statement
 * reading many fields). Zeroed: a failed load reads as zeros. */
static LLVMValueRef scratch16(struct xt_cg *cg)
{
	LLVMValueRef a = NULL;
	for (LLVMValueRef i = LLVMGetFirstInstruction(cg->entry); i && !a; i = LLVMGetNextInstruction(i)) {
		size_t len;
		const char *name = LLVMGetValueName2(i, &len);
		if (LLVMIsAAllocaInst(i) && len == 6 && memcmp(name, "pktbuf", 6) == 0)
			a = i;
	}
	if (!a)
		a = xt_cg_entry_alloca(cg, LLVMArrayType(cg->i8, 16), "pktbuf");
	for (int i = 0; i < 2; i++)
		LLVMSetAlignment(LLVMBuildStore(cg->b, xt_cg_i64(cg, 0), xt_cg_gep(cg, a, xt_cg_i64(cg, 8 * i))), 8);
	return a;
}

static LLVMValueRef byte_at(struct xt_cg *cg, LLVMValueRef buf, int i)
{
	return LLVMBuildZExt(cg->b, LLVMBuildLoad2(cg->b, cg->i8, xt_cg_gep(cg, buf, xt_cg_i64(cg, i)), ""), cg->i64, "");
}

/* The n bytes at buf as a number: big-endian (network order), or as memory holds it. */
static LLVMValueRef bytes_value(struct xt_cg *cg, LLVMValueRef buf, int n, bool big)
{
	LLVMValueRef v = xt_cg_i64(cg, 0);
	for (int i = 0; i < n; i++) {
		LLVMValueRef b = byte_at(cg, buf, i);
		v = big ? LLVMBuildOr(cg->b, LLVMBuildShl(cg->b, v, xt_cg_i64(cg, 8), ""), b, "")
			: LLVMBuildOr(cg->b, v, LLVMBuildShl(cg->b, b, xt_cg_i64(cg, 8 * i), ""), "");
	}
	return v;
}

static LLVMValueRef eq(struct xt_cg *cg, LLVMValueRef a, int64_t b)
{
	return LLVMBuildICmp(cg->b, LLVMIntEQ, a, xt_cg_i64(cg, b), "");
}

/* The first bytes of the network layer: {the EtherType (or what the IP
 * version says it would be), where the IP header starts, its first ten bytes}. */
struct net {
	LLVMValueRef type, l3, hdr;
};

static struct net net_layer(struct xt_cg *cg)
{
	const struct xt_pkt_kind *k = cg_kind(cg);
	struct net nl = { .l3 = xt_cg_i64(cg, k->eth ? 14 : 0), .hdr = scratch16(cg) };
	if (k->eth) {
		load_bytes(cg, xt_cg_i64(cg, 12), nl.hdr, 2);
		nl.type = bytes_value(cg, nl.hdr, 2, true);
		nl.hdr = scratch16(cg);
	}
	load_bytes(cg, nl.l3, nl.hdr, 10); /* a failed load leaves zeros: no header */
	if (!k->eth) {
		LLVMValueRef v = LLVMBuildLShr(cg->b, byte_at(cg, nl.hdr, 0), xt_cg_i64(cg, 4), "");
		nl.type = LLVMBuildSelect(cg->b, eq(cg, v, 4), xt_cg_i64(cg, ETH_IP),
					  LLVMBuildSelect(cg->b, eq(cg, v, 6), xt_cg_i64(cg, ETH_IP6), xt_cg_i64(cg, 0), ""), "");
	}
	return nl;
}

/* The transport protocol number of an IP packet (IPv6: the first next header), else 0. */
static LLVMValueRef l4_proto(struct xt_cg *cg, const struct net *nl)
{
	return LLVMBuildSelect(cg->b, eq(cg, nl->type, ETH_IP), byte_at(cg, nl->hdr, 9),
			       LLVMBuildSelect(cg->b, eq(cg, nl->type, ETH_IP6), byte_at(cg, nl->hdr, 6),
					       xt_cg_i64(cg, 0), ""), "");
}

/* Where header h starts in the packet, or -1 when the packet has none. A
 * layer-4 header is there when IP says so: in IPv4, in the first fragment,
 * after the options; in IPv6, right after the fixed header (extension
 * headers are not walked). */
static LLVMValueRef header_start(struct xt_cg *cg, const struct header *h)
{
	if (h->at == L2)
		return xt_cg_i64(cg, 0);
	struct net nl = net_layer(cg);
	LLVMValueRef none = xt_cg_i64(cg, -1);
	if (h->at == L3_4 || h->at == L3_6)
		return LLVMBuildSelect(cg->b, eq(cg, nl.type, h->at == L3_4 ? ETH_IP : ETH_IP6), nl.l3, none, "");
	LLVMValueRef ihl = LLVMBuildShl(cg->b, LLVMBuildAnd(cg->b, byte_at(cg, nl.hdr, 0), xt_cg_i64(cg, 15), ""),
					xt_cg_i64(cg, 2), "");
	LLVMValueRef frag = LLVMBuildAnd(cg->b, bytes_value(cg, LLVMBuildGEP2(cg->b, cg->i8, nl.hdr,
					 (LLVMValueRef[]){ xt_cg_i64(cg, 6) }, 1, ""), 2, true), xt_cg_i64(cg, 0x1fff), "");
	LLVMValueRef v4 = LLVMBuildAnd(cg->b, LLVMBuildAnd(cg->b, eq(cg, nl.type, ETH_IP), eq(cg, byte_at(cg, nl.hdr, 9), h->at), ""),
				       LLVMBuildAnd(cg->b, eq(cg, frag, 0),
						    LLVMBuildICmp(cg->b, LLVMIntUGE, ihl, xt_cg_i64(cg, 20), ""), ""), "");
	LLVMValueRef at = LLVMBuildSelect(cg->b, v4, LLVMBuildAdd(cg->b, nl.l3, ihl, ""), none, "");
	if (h->ip6) {
		LLVMValueRef v6 = LLVMBuildAnd(cg->b, eq(cg, nl.type, ETH_IP6), eq(cg, byte_at(cg, nl.hdr, 6), h->at), "");
		at = LLVMBuildSelect(cg->b, v6, LLVMBuildAdd(cg->b, nl.l3, xt_cg_i64(cg, 40), ""), at, "");
	}
	return at;
}

static LLVMValueRef header_emit(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef at = header_start(cg, header_named(n->name));
	return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntSGE, at, xt_cg_i64(cg, 0), ""), cg->i64, "");
}

/* h.f: numbers in host order (an IPv4 address stays as the kernel keeps it,
 * in network order, which is what ntop() takes); byte strings as they are;
 * 0 (or zeros) when the packet lacks the header. */
static LLVMValueRef field_emit(struct xt_cg *cg, struct xt_node *n)
{
	const struct header *h = header_named(n->a->name);
	const struct xt_field *f = n->sym;
	LLVMValueRef at = header_start(cg, h);
	LLVMValueRef has = LLVMBuildICmp(cg->b, LLVMIntSGE, at, xt_cg_i64(cg, 0), "");
	LLVMValueRef off = LLVMBuildSelect(cg->b, has, LLVMBuildAdd(cg->b, at, xt_cg_i64(cg, f->offset), ""),
					   xt_cg_i64(cg, 0), "");
	if (f->type->kind == XT_T_BUF) {
		int size = f->type->size - 8;
		LLVMValueRef buf = xt_cg_buf(cg, f->type->size, "pktbytes");
		LLVMValueRef data = xt_cg_gep(cg, buf, xt_cg_i64(cg, 8));
		LLVMValueRef rc = load_bytes(cg, off, data, size);
		LLVMValueRef ok = LLVMBuildAnd(cg->b, has, eq(cg, rc, 0), "");
		LLVMBasicBlockRef no = xt_cg_block(cg, "nohdr"), go = xt_cg_block(cg, "hdr");
		LLVMBuildCondBr(cg->b, ok, go, no);
		LLVMPositionBuilderAtEnd(cg->b, no);
		xt_cg_memset(cg, data, size);
		LLVMBuildBr(cg->b, go);
		LLVMPositionBuilderAtEnd(cg->b, go);
		LLVMBuildStore(cg->b, LLVMBuildSelect(cg->b, ok, xt_cg_i64(cg, size), xt_cg_i64(cg, 0), ""), buf);
		return buf;
	}
	int nbytes = f->bits ? (f->bitoff + f->bits + 7) / 8 : f->type->size;
	LLVMValueRef buf = scratch16(cg);
	LLVMValueRef rc = load_bytes(cg, off, buf, nbytes);
	bool memory_order = f->bits || (h->at == L3_4 && (strcmp(f->name, "saddr") == 0 || strcmp(f->name, "daddr") == 0));
	LLVMValueRef v = bytes_value(cg, buf, nbytes, !memory_order);
	if (f->bits)
		v = LLVMBuildAnd(cg->b, LLVMBuildLShr(cg->b, v, xt_cg_i64(cg, f->bitoff), ""),
				 xt_cg_i64(cg, (int64_t)((1ULL << f->bits) - 1)), "");
	return LLVMBuildSelect(cg->b, LLVMBuildAnd(cg->b, has, eq(cg, rc, 0), ""), v, xt_cg_i64(cg, 0), "");
}

/* --- sysctl --------------------------------------------------------------------- */

enum { SYSCTL_STR = 64 };

static const struct xt_type *sysctl_check(struct xt_sema *s, struct xt_node *n)
{
	if (!pkt_kind(s, n, "sysctl"))
		return NULL;
	struct xt_probe_info *p = xt_sema_probe(s);
	if (!is_object(p->node->a, n) && !is_object(p->node->b, n)) {
		xt_diag_error(xt_sema_diags(s), n->loc, "sysctl is read by its fields: sysctl.name, sysctl.write, sysctl.value");
		return NULL;
	}
	struct xt_arena *ar = xt_sema_arena(s);
	const struct xt_type *str = xt_type_str(ar, SYSCTL_STR);
	struct xt_field *f = xt_arena_alloc(ar, sizeof(*f) * 3);
	f[0] = (struct xt_field){ .name = "name", .type = str, .index = 0 };
	f[1] = (struct xt_field){ .name = "write", .type = &xt_bool, .index = 1 };
	f[2] = (struct xt_field){ .name = "value", .type = str, .index = 2 };
	return record(ar, f, 3, "sysctl");
}

/* sysctl.name: the full name, as /proc/sys spells it ("net/ipv4/ip_forward");
 * sysctl.write: whether it is written; sysctl.value: the text being written,
 * or when read, the current one, without its final newline. */
static LLVMValueRef sysctl_field(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_field *f = n->sym;
	LLVMValueRef w = LLVMBuildLoad2(cg->b, cg->i32, xt_cg_gep(cg, cg->ctxarg, xt_cg_i64(cg, XT_SYSCTL_WRITE)), "write");
	LLVMSetAlignment(w, 4);
	w = LLVMBuildZExt(cg->b, w, cg->i64, "");
	if (f->index == 1)
		return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, w, xt_cg_i64(cg, 0), ""), cg->i64, "");
	LLVMValueRef buf = xt_cg_buf(cg, SYSCTL_STR, "sysctl");
	if (f->index == 0) {
		LLVMValueRef args[] = { cg->ctxarg, buf, xt_cg_i64(cg, SYSCTL_STR), xt_cg_i64(cg, 0) };
		xt_cg_helper(cg, XT_H_SYSCTL_GET_NAME, false, args, 4);
		return buf;
	}
	LLVMBasicBlockRef wr = xt_cg_block(cg, "written"), rd = xt_cg_block(cg, "read"), go = xt_cg_block(cg, "value");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntNE, w, xt_cg_i64(cg, 0), ""), wr, rd);
	LLVMValueRef args[] = { cg->ctxarg, buf, xt_cg_i64(cg, SYSCTL_STR) };
	LLVMPositionBuilderAtEnd(cg->b, wr);
	LLVMValueRef nw = xt_cg_helper(cg, XT_H_SYSCTL_GET_NEW, false, args, 3);
	LLVMBuildBr(cg->b, go);
	LLVMPositionBuilderAtEnd(cg->b, rd);
	LLVMValueRef cur = xt_cg_helper(cg, XT_H_SYSCTL_GET_CURRENT, false, args, 3);
	LLVMBuildBr(cg->b, go);
	LLVMPositionBuilderAtEnd(cg->b, go);
	LLVMValueRef got = LLVMBuildPhi(cg->b, cg->i64, "vlen");
	LLVMAddIncoming(got, (LLVMValueRef[]){ nw, cur }, (LLVMBasicBlockRef[]){ wr, rd }, 2);
	/* the text without the newline that ends it ("1\n" reads "1"); the mask
	 * keeps the index in the buffer, for the verifier ("invalid variable-offset
	 * write to stack") */
	LLVMValueRef last = LLVMBuildAnd(cg->b, LLVMBuildSub(cg->b, got, xt_cg_i64(cg, 1), ""), xt_cg_i64(cg, SYSCTL_STR - 1), "");
	LLVMValueRef at = xt_cg_gep(cg, buf, last);
	LLVMValueRef nl = LLVMBuildAnd(cg->b, LLVMBuildICmp(cg->b, LLVMIntSGT, got, xt_cg_i64(cg, 0), ""),
				       LLVMBuildICmp(cg->b, LLVMIntEQ, LLVMBuildLoad2(cg->b, cg->i8, at, ""),
						     LLVMConstInt(cg->i8, '\n', 0), ""), "");
	LLVMBasicBlockRef cut = xt_cg_block(cg, "cut"), done = xt_cg_block(cg, "valued");
	LLVMBuildCondBr(cg->b, nl, cut, done);
	LLVMPositionBuilderAtEnd(cg->b, cut);
	LLVMBuildStore(cg->b, LLVMConstInt(cg->i8, 0, 0), at);
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	return buf;
}

LLVMValueRef xt_pkt_emit_field(struct xt_cg *cg, struct xt_node *n)
{
	return cg_kind(cg)->sysctl ? sysctl_field(cg, n) : field_emit(cg, n);
}

/* --- len, proto ----------------------------------------------------------------- */

static const struct xt_type *pkt_int_check(struct xt_sema *s, struct xt_node *n)
{
	return pkt_kind(s, n, NULL) ? &xt_u64 : NULL;
}

/* len: the packet's length in bytes, from its first header on */
static LLVMValueRef len_emit(struct xt_cg *cg, struct xt_node *n)
{
	(void)n;
	if (cg_kind(cg)->load == XT_H_XDP_LOAD_BYTES)
		return xt_cg_helper(cg, XT_H_XDP_GET_BUFF_LEN, false, &cg->ctxarg, 1);
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i32, xt_cg_gep(cg, cg->ctxarg, xt_cg_i64(cg, XT_SKB_LEN)), "len");
	LLVMSetAlignment(v, 4);
	return LLVMBuildZExt(cg->b, v, cg->i64, "");
}

/* proto: the IP packet's transport protocol (6 TCP, 17 UDP, 1 ICMP, ...), 0 for others */
static LLVMValueRef proto_emit(struct xt_cg *cg, struct xt_node *n)
{
	(void)n;
	struct net nl = net_layer(cg);
	return l4_proto(cg, &nl);
}

/* --- verdicts ------------------------------------------------------------------- */

void xt_pkt_prologue(struct xt_cg *cg)
{
	/* the entry block's alloca: the function's every return reads it */
	cg->verdict = xt_cg_entry_alloca(cg, cg->i64, "verdict");
	LLVMSetAlignment(LLVMBuildStore(cg->b, xt_cg_i64(cg, cg_kind(cg)->dflt), cg->verdict), 8);
}

/* drop(), deny(): refuse what the probe sees, where the probe type can; pass(): let it through. */
static const struct xt_type *verdict_check(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_pkt_kind *k = xt_pkt_kind_of(xt_sema_probe(s));
	bool pass = strcmp(n->name, "pass") == 0;
	if (!k || !k->refuse || (!pass && strcmp(k->refuse, n->name) != 0)) {
		if (k && k->refuse)
			xt_diag_error(xt_sema_diags(s), n->loc, "%s probes refuse with %s(), not %s()", k->what, k->refuse, n->name);
		else
			xt_diag_error(xt_sema_diags(s), n->loc, "%s() is not available in %s probes: %s", n->name,
				      k ? k->what : xt_sema_probe(s)->prov->name,
				      k ? "they only observe (tc and xdp probes can drop packets)"
					: "only tc, xdp and cgroup probes decide what happens to what they see");
		return NULL;
	}
	if (!pass && !xt_sema_program(s)->opts.unsafe) {
		xt_diag_error(xt_sema_diags(s), n->loc, "%s() changes what the system does (%s): run xtrace with --unsafe to allow it",
			      n->name, k->sysctl ? "the sysctl access fails with EPERM" : "the packet is dropped");
		return NULL;
	}
	return &xt_void;
}

/* The verdict is returned at once: nothing after it runs, as after exit(). */
static LLVMValueRef verdict_emit(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_pkt_kind *k = cg_kind(cg);
	if (cg->in_callback) {
		xt_diag_error(cg->dg, n->loc, "%s() cannot be used inside a loop's body: set a variable and call it after the loop",
			      n->name);
		return NULL;
	}
	int64_t v = strcmp(n->name, "pass") == 0 ? k->pass : k->refused;
	LLVMSetAlignment(LLVMBuildStore(cg->b, xt_cg_i64(cg, v), cg->verdict), 8);
	xt_cg_return(cg);
	xt_cg_dead_end(cg);
	return NULL;
}

#define HEADER(sym, nm, what) \
	const struct xt_builtin sym = { .name = nm, .kind = XT_BI_VAR, .flags = XT_BIF_CTX, .check = header_check, \
		.emit = header_emit, .help = what }
HEADER(xt_bi_eth, "eth", "the packet's Ethernet header (struct ethhdr): eth.h_proto, ...; alone: whether it has one");
HEADER(xt_bi_ip, "ip", "the packet's IPv4 header (struct iphdr): ip.saddr, ip.protocol, ...; alone: whether it has one");
HEADER(xt_bi_ip6, "ip6", "the packet's IPv6 header (struct ipv6hdr): ip6.saddr, ip6.nexthdr, ...; alone: whether it has one");
HEADER(xt_bi_tcp, "tcp", "the packet's TCP header (struct tcphdr): tcp.source, tcp.dest, tcp.syn, ...; alone: whether it has one");
HEADER(xt_bi_udp, "udp", "the packet's UDP header (struct udphdr): udp.source, udp.dest, udp.len; alone: whether it has one");
HEADER(xt_bi_icmp, "icmp", "the packet's ICMP header (struct icmphdr): icmp.type, icmp.code; alone: whether it has one");

const struct xt_builtin xt_bi_pktlen = { .name = "len", .kind = XT_BI_VAR, .flags = XT_BIF_CTX,
	.check = pkt_int_check, .emit = len_emit, .help = "the packet's length in bytes (packet probes)" };
const struct xt_builtin xt_bi_proto = { .name = "proto", .kind = XT_BI_VAR, .flags = XT_BIF_CTX,
	.check = pkt_int_check, .emit = proto_emit, .help = "the IP packet's protocol: 6 TCP, 17 UDP, 1 ICMP, ...; 0 if not IP (packet probes)" };
const struct xt_builtin xt_bi_sysctl = { .name = "sysctl", .kind = XT_BI_VAR, .flags = XT_BIF_CTX,
	.check = sysctl_check, .help = "the sysctl accessed (cgroup:sysctl): sysctl.name, sysctl.write, sysctl.value" };
const struct xt_builtin xt_bi_drop = { .name = "drop", .kind = XT_BI_FUNC, .flags = XT_BIF_CTX | XT_BIF_NOVALUE,
	.check = verdict_check, .emit = verdict_emit, .help = "drop(): drop the packet and end the probe (tc, xdp, cgroup:skb; needs --unsafe)" };
const struct xt_builtin xt_bi_pass = { .name = "pass", .kind = XT_BI_FUNC, .flags = XT_BIF_CTX | XT_BIF_NOVALUE,
	.check = verdict_check, .emit = verdict_emit, .help = "pass(): let the packet through and end the probe (tc, xdp, cgroup:skb)" };
const struct xt_builtin xt_bi_deny = { .name = "deny", .kind = XT_BI_FUNC, .flags = XT_BIF_CTX | XT_BIF_NOVALUE,
	.check = verdict_check, .emit = verdict_emit, .help = "deny(): refuse the sysctl access with EPERM and end the probe (cgroup:sysctl; needs --unsafe)" };
