/* What the packet and cgroup probe types (prov_socket.c, prov_tc.c,
 * prov_xdp.c, prov_cgroup.c) share with their builtins (bi_pkt.c): how the
 * program reads its packet, and the verdicts it returns. */
#ifndef XT_PKT_H
#define XT_PKT_H

#include <stdint.h>
#include "stdlib/registry.h"

/* BPF helpers and context offsets (include/uapi/linux/bpf.h). */
enum {
	XT_H_SKB_LOAD_BYTES = 26, XT_H_XDP_GET_BUFF_LEN = 188, XT_H_XDP_LOAD_BYTES = 189,
	XT_H_SYSCTL_GET_NAME = 101, XT_H_SYSCTL_GET_CURRENT = 102, XT_H_SYSCTL_GET_NEW = 103,
	XT_SKB_LEN = 0,        /* struct __sk_buff: u32 len */
	XT_SYSCTL_WRITE = 0,   /* struct bpf_sysctl: u32 write */
};

/* One probe type's context. */
struct xt_pkt_kind {
	const char *what;      /* "socket", "tc", ... for messages */
	int load;              /* the helper copying packet bytes (skb or xdp load_bytes); 0: no packet */
	bool eth;              /* the packet starts at its Ethernet header (else at its IP header) */
	bool sysctl;           /* a sysctl access (cgroup:sysctl): offers `sysctl` */
	/* the verdicts it returns: when the program says nothing, pass() and
	 * refuse (drop() or deny(), as `refuse` names it; NULL: it cannot refuse) */
	int64_t dflt, pass, refused;
	const char *refuse;
};

/* cgroup probes' p->mode: what they attach to */
enum { XT_PKT_CG_INGRESS = 1, XT_PKT_CG_EGRESS, XT_PKT_CG_SYSCTL };

/* The context of probe p, or NULL when it is no packet or cgroup probe. */
const struct xt_pkt_kind *xt_pkt_kind_of(const struct xt_probe_info *p);
/* The providers' codegen facets: the prologue (the verdict's slot, the
 * headers' places) and the reads of `ip.saddr`, `sysctl.name`, ... */
void xt_pkt_prologue(struct xt_cg *cg);
struct LLVMOpaqueValue *xt_pkt_emit_field(struct xt_cg *cg, struct xt_node *n);
/* The interface index of `name` in this network namespace, or 0 after a
 * diagnostic at `at` that says so (a lang facet of socket, tc and xdp). */
int xt_pkt_ifindex(struct xt_sema *s, struct xt_node *at, const char *what, const char *name);
/* Lists PREFIX + every interface whose name matches the pattern `spec`
 * (empty: all), for the `list` hooks of socket, tc and xdp. 0 or -errno. */
int xt_pkt_list_ifaces(const char *prefix, const char *spec, void (*cb)(const char *, const char *, void *), void *ctx);

/* socket:IFACE and xdp:IFACE: the one site of `what`:spec, or -1 after a
 * diagnostic when spec is no interface name. */
int xt_pkt_iface_site(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *what, const char *spec);
/* The attach hook of socket, tc and xdp: `one` attaches rp to each site's
 * interface (its index found again: the interface may have gone since the
 * program was checked, which is one attach error). 0, or the first -errno. */
int xt_pkt_attach_ifaces(struct xt_rt *rt, struct xt_rt_probe *rp,
			 int (*one)(struct xt_rt *rt, struct xt_rt_probe *rp, const struct xt_site *site, int ifindex));

extern const struct xt_pkt_kind xt_pkt_socket, xt_pkt_tc, xt_pkt_xdp, xt_pkt_cgroup_skb, xt_pkt_cgroup_sysctl;

#endif
