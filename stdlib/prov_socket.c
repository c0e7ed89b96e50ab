/* socket:IFACE: a socket filter on a raw packet socket bound to one
 * interface, as the kernel's samples/bpf/sockex1 sets it up. It sees every
 * packet the interface sends and receives, and only observes: the filter
 * keeps nothing for the socket, which xtrace never reads, and the packet
 * goes on as if it were not there. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <bpf/libbpf.h>
#include "runtime/runtime.h"
#include "stdlib/pkt.h"

const struct xt_pkt_kind xt_pkt_socket = { .what = "socket", .load = XT_H_SKB_LOAD_BYTES, .eth = true };

/* socket, tc and xdp: one site per interface */
static int expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	return xt_pkt_iface_site(s, p, at, "socket", spec);
}

static int check(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	(void)p;
	return xt_pkt_ifindex(s, at, "socket", spec) ? 0 : -1;
}

int xt_pkt_attach_ifaces(struct xt_rt *rt, struct xt_rt_probe *rp,
			 int (*one)(struct xt_rt *rt, struct xt_rt_probe *rp, const struct xt_site *site, int ifindex))
{
	for (int i = 0; i < rp->info->nsites; i++) {
		const struct xt_site *site = &rp->info->sites[i];
		int idx = (int)if_nametoindex(site->target), err;
		if (!idx) {
			xt_rt_attach_error(rt, site->name, "no network interface named '%s'", site->target);
			return -ENODEV;
		}
		if ((err = one(rt, rp, site, idx)) < 0)
			return err;
	}
	return 0;
}

/* The filter goes on before the socket is bound, so no packet is ever queued
 * to it unfiltered; closing the socket (at exit) takes it off. */
static int attach_one(struct xt_rt *rt, struct xt_rt_probe *rp, const struct xt_site *site, int idx)
{
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int err = -errno;
		xt_rt_attach_error(rt, site->name, "cannot open a packet socket: %s", strerror(-err));
		return err;
	}
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = idx };
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_BPF, &rp->prog_fd, sizeof(rp->prog_fd)) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int err = -errno;
		close(fd);
		xt_rt_attach_error(rt, site->name, "cannot filter the packets of '%s': %s", site->target, strerror(-err));
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
	return xt_pkt_list_ifaces("socket:", spec, cb, ctx);
}

const struct xt_provider xt_prov_socket = {
	.name = "socket", .section = "socket", .flags = XT_PROVF_ANYTASK,
	.help = "socket:IFACE: every packet IFACE sends or receives, seen by a socket filter (observes only)",
	.expand = expand, .check = check, .attach = attach, .list = list,
	.emit_prologue = xt_pkt_prologue, .emit_ctx = xt_pkt_emit_field,
};
