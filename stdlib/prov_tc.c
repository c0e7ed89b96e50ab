/* tc:ingress:IFACE and tc:egress:IFACE: a traffic-control classifier on a
 * tcx link (Linux 6.6+), which goes when its link is closed, however xtrace
 * ends. It sees the packet from its Ethernet header; drop() and pass()
 * decide, and a program that says nothing lets the next one decide (tcx's
 * "next", which passes the packet when it is the last). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runtime/runtime.h"
#include "stdlib/pkt.h"

/* include/uapi/linux/bpf.h, newer than the libbpf headers here */
enum { XT_TCX_INGRESS = 46, XT_TCX_EGRESS = 47, XT_TCX_NEXT = -1, XT_TCX_PASS = 0, XT_TCX_DROP = 2 };

const struct xt_pkt_kind xt_pkt_tc = { .what = "tc", .load = XT_H_SKB_LOAD_BYTES, .eth = true,
	.dflt = XT_TCX_NEXT, .pass = XT_TCX_PASS, .refused = XT_TCX_DROP, .refuse = "drop" };

static int expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	const char *iface = strchr(spec, ':');
	bool in = iface && (size_t)(iface - spec) == 7 && strncmp(spec, "ingress", 7) == 0;
	bool out = iface && (size_t)(iface - spec) == 6 && strncmp(spec, "egress", 6) == 0;
	if ((!in && !out) || !iface[1] || strchr(iface + 1, ':') || strlen(iface + 1) >= IF_NAMESIZE) {
		xt_diag_error(xt_sema_diags(s), at->loc, "tc probes are written tc:ingress:IFACE or tc:egress:IFACE");
		return -1;
	}
	xt_probe_add_site(s, p, xt_arena_printf(xt_sema_arena(s), "tc:%s", spec), iface + 1,
			  in ? XT_TCX_INGRESS : XT_TCX_EGRESS, NULL);
	return 0;
}

static int check(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	(void)p;
	const char *iface = strchr(spec, ':');
	return xt_pkt_ifindex(s, at, "tc", iface + 1) ? 0 : -1;
}

static int attach_one(struct xt_rt *rt, struct xt_rt_probe *rp, const struct xt_site *site, int idx)
{
	int fd = bpf_link_create(rp->prog_fd, idx, (enum bpf_attach_type)site->num, NULL);
	if (fd < 0) {
		int err = -errno;
		if (err == -EINVAL)
			xt_rt_attach_error(rt, site->name, "this kernel has no tcx links (Linux 6.6 and later have them)");
		else
			xt_rt_attach_error(rt, site->name, "cannot attach to '%s': %s", site->target, strerror(-err));
		return err;
	}
	xt_rt_add_fd(rp, fd);
	return 0;
}

static int attach(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	return xt_pkt_attach_ifaces(rt, rp, attach_one);
}

static int list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	(void)verbose;
	const char *iface = strchr(spec, ':');
	int rc = 0;
	if (!*spec || strncmp(spec, "ingress:", 8) == 0 || strcmp(spec, "*") == 0)
		rc = xt_pkt_list_ifaces("tc:ingress:", iface ? iface + 1 : "", cb, ctx);
	if (!rc && (!*spec || strncmp(spec, "egress:", 7) == 0 || strcmp(spec, "*") == 0))
		rc = xt_pkt_list_ifaces("tc:egress:", iface ? iface + 1 : "", cb, ctx);
	return rc;
}

const struct xt_provider xt_prov_tc = {
	.name = "tc", .section = "tc", .flags = XT_PROVF_ANYTASK,
	.help = "tc:ingress:IFACE, tc:egress:IFACE: every packet IFACE receives (sends), on a tcx link; drop(), pass()",
	.expand = expand, .check = check, .attach = attach, .list = list,
	.emit_prologue = xt_pkt_prologue, .emit_ctx = xt_pkt_emit_field,
};
