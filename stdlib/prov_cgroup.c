/* cgroup:sysctl:PATH, cgroup:skb:ingress:PATH, cgroup:skb:egress:PATH:
 * programs the kernel runs for the processes of one cgroup (v2) and its
 * descendants -- for each sysctl they read or write (sysctl.name, .write,
 * .value; deny() fails the access with EPERM), and for each packet their
 * sockets receive or send (from its IP header; drop() discards it). PATH is
 * a cgroup2 directory, absolute or under the cgroup2 mount. The links go
 * when xtrace ends. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <bpf/libbpf.h>
#include "runtime/runtime.h"
#include "stdlib/pkt.h"

enum { CGROUP2_MAGIC = 0x63677270 };

const struct xt_pkt_kind xt_pkt_cgroup_skb = { .what = "cgroup:skb", .load = XT_H_SKB_LOAD_BYTES,
	.dflt = 1, .pass = 1, .refused = 0, .refuse = "drop" };
const struct xt_pkt_kind xt_pkt_cgroup_sysctl = { .what = "cgroup:sysctl", .sysctl = true,
	.dflt = 1, .pass = 1, .refused = 0, .refuse = "deny" };

/* Where cgroup v2 is mounted, or NULL. */
static const char *cgroup2_root(void)
{
	static char root[PATH_MAX];
	if (root[0])
		return root;
	FILE *f = setmntent("/proc/self/mounts", "re");
	struct mntent *m;
	while (f && (m = getmntent(f)))
		if (strcmp(m->mnt_type, "cgroup2") == 0) {
			snprintf(root, sizeof(root), "%s", m->mnt_dir);
			break;
		}
	if (f)
		endmntent(f);
	return root[0] ? root : NULL;
}

static int expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	struct xt_diags *dg = xt_sema_diags(s);
	int mode = 0;
	const char *path = NULL;
	if (strncmp(spec, "sysctl:", 7) == 0)
		mode = XT_PKT_CG_SYSCTL, path = spec + 7;
	else if (strncmp(spec, "skb:ingress:", 12) == 0)
		mode = XT_PKT_CG_INGRESS, path = spec + 12;
	else if (strncmp(spec, "skb:egress:", 11) == 0)
		mode = XT_PKT_CG_EGRESS, path = spec + 11;
	if (!mode || !*path) {
		xt_diag_error(dg, at->loc, "cgroup probes are written cgroup:sysctl:PATH, cgroup:skb:ingress:PATH or "
			      "cgroup:skb:egress:PATH (PATH: a cgroup v2 directory)");
		return -1;
	}
	if (p->mode && p->mode != mode) {
		xt_diag_error(dg, at->loc, "one probe's cgroup attach points must be of one kind (sysctl, skb:ingress or skb:egress)");
		return -1;
	}
	p->mode = mode;
	const char *root = cgroup2_root();
	if (*path != '/' && !root) {
		xt_diag_error(dg, at->loc, "cgroup v2 is not mounted here: give PATH as an absolute cgroup v2 directory");
		return -1;
	}
	const char *full = *path == '/' || !root ? path : xt_arena_printf(xt_sema_arena(s), "%s/%s", root, path);
	xt_probe_add_site(s, p, xt_arena_printf(xt_sema_arena(s), "cgroup:%s", spec), full, mode, NULL);
	return 0;
}

static int check(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	(void)spec;
	struct xt_diags *dg = xt_sema_diags(s);
	for (int i = 0; i < p->nsites; i++) {
		const char *path = p->sites[i].target;
		struct statfs sf;
		if (statfs(path, &sf) < 0) {
			xt_diag_error(dg, at->loc, "cgroup: cannot find '%s': %s", path, strerror(errno));
			return -1;
		}
		if (sf.f_type != CGROUP2_MAGIC) {
			xt_diag_error(dg, at->loc, "cgroup: '%s' is not a cgroup v2 directory%s%s", path,
				      cgroup2_root() ? "; cgroup v2 is mounted at " : " (cgroup v2 is not mounted here)",
				      cgroup2_root() ? cgroup2_root() : "");
			return -1;
		}
	}
	return 0;
}

static const char *section_of(const struct xt_probe_info *p)
{
	return p->mode == XT_PKT_CG_SYSCTL ? "cgroup/sysctl" : p->mode == XT_PKT_CG_INGRESS ? "cgroup_skb/ingress"
											      : "cgroup_skb/egress";
}

static int attach(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	for (int i = 0; i < rp->info->nsites; i++) {
		const struct xt_site *site = &rp->info->sites[i];
		int fd = open(site->target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			int err = -errno;
			xt_rt_attach_error(rt, site->name, "cannot open cgroup '%s': %s", site->target, strerror(-err));
			return err;
		}
		struct bpf_link *l = bpf_program__attach_cgroup(rp->prog, fd);
		int err = l ? 0 : -errno;
		close(fd); /* the link holds the cgroup */
		if (!l) {
			xt_rt_attach_error(rt, site->name, "cannot attach to cgroup '%s': %s", site->target, strerror(-err));
			return err;
		}
		xt_rt_add_link(rp, l);
	}
	return 0;
}

static int list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	(void)spec, (void)verbose, (void)cb, (void)ctx;
	return 0;
}

const struct xt_provider xt_prov_cgroup = {
	.name = "cgroup", .flags = XT_PROVF_ANYTASK,
	.help = "cgroup:sysctl:PATH, cgroup:skb:ingress|egress:PATH: sysctl accesses (sysctl.name, deny()) and packets "
		"of the processes in cgroup PATH",
	.expand = expand, .check = check, .section_of = section_of, .attach = attach, .list = list,
	.emit_prologue = xt_pkt_prologue, .emit_ctx = xt_pkt_emit_field,
};
