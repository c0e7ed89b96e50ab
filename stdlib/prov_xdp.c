/* xdp:IFACE: an XDP program on one interface, native where the driver has
 * XDP (veth does), generic otherwise, on a bpf_link that goes when xtrace
 * ends. It sees each received packet from its Ethernet header before the
 * kernel has built anything for it; drop() and pass() decide, pass by default. */
#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <bpf/libbpf.h>
#include "runtime/runtime.h"
#include "stdlib/pkt.h"

enum { XT_XDP_DROP = 1, XT_XDP_PASS = 2 }; /* enum xdp_action */

const struct xt_pkt_kind xt_pkt_xdp = { .what = "xdp", .load = XT_H_XDP_LOAD_BYTES, .eth = true,
	.dflt = XT_XDP_PASS, .pass = XT_XDP_PASS, .refused = XT_XDP_DROP, .refuse = "drop" };

static int expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	return xt_pkt_iface_site(s, p, at, "xdp", spec);
}

static int check(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	(void)p;
	return xt_pkt_ifindex(s, at, "xdp", spec) ? 0 : -1;
}

static int attach_one(struct xt_rt *rt, struct xt_rt_probe *rp, const struct xt_site *site, int idx)
{
	struct bpf_link *l = bpf_program__attach_xdp(rp->prog, idx);
	if (!l) {
		int err = -errno;
		if (err == -EBUSY || err == -EEXIST)
			xt_rt_attach_error(rt, site->name, "'%s' already has an XDP program (`ip link` shows it)", site->target);
		else
			xt_rt_attach_error(rt, site->name, "cannot attach XDP to '%s': %s", site->target, strerror(-err));
		return err;
	}
	xt_rt_add_link(rp, l);
	return 0;
}

static int attach(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	return xt_pkt_attach_ifaces(rt, rp, attach_one);
}

static int list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	(void)verbose;
	return xt_pkt_list_ifaces("xdp:", spec, cb, ctx);
}

const struct xt_provider xt_prov_xdp = {
	.name = "xdp", .section = "xdp", .flags = XT_PROVF_ANYTASK,
	.help = "xdp:IFACE: every packet IFACE receives, before the kernel's stack sees it; drop(), pass()",
	.expand = expand, .check = check, .attach = attach, .list = list,
	.emit_prologue = xt_pkt_prologue, .emit_ctx = xt_pkt_emit_field,
};
