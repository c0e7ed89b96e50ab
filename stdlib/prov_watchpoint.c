/* watchpoint:ADDR:LEN:MODE (alias w): fires when the -p process or the -c
 * command reads (r), writes (w) or executes (x) the LEN bytes at ADDR, from
 * a hardware breakpoint (perf_event_open, PERF_TYPE_BREAKPOINT) on each of
 * its threads. Whether the machine has breakpoints is asked of the kernel
 * once at compile time, so a machine without them gets one plain sentence. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <bpf/libbpf.h>
#include "runtime/runtime.h"
#include "stdlib/registry.h"

struct wp_site {
	uint64_t addr;
	int len;
	int type;                /* HW_BREAKPOINT_R | _W | _X */
	pid_t pid;               /* the -p process or the -c command */
};

static long bp_open(const struct wp_site *w, pid_t tid)
{
	struct perf_event_attr attr = { .type = PERF_TYPE_BREAKPOINT, .size = sizeof(attr),
		.bp_type = (uint32_t)w->type, .bp_addr = w->addr, .bp_len = (uint64_t)w->len,
		.sample_period = 1, .inherit = 1 };
	return syscall(SYS_perf_event_open, &attr, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/* 0 when this machine has hardware breakpoints, else the errno that says it
 * has none; asked once, with a write watchpoint on a variable of ours. */
static int have_breakpoints(void)
{
	static int known = -1;
	static long probe_var;
	if (known < 0) {
		struct wp_site w = { (uint64_t)(uintptr_t)&probe_var, sizeof(probe_var), HW_BREAKPOINT_W, 0 };
		long fd = bp_open(&w, 0);
		known = fd >= 0 || (errno != ENOENT && errno != ENODEV && errno != EOPNOTSUPP) ? 0 : errno;
		if (fd >= 0)
			close((int)fd);
	}
	return known;
}

static int expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	struct xt_diags *dg = xt_sema_diags(s);
	const struct xt_sema_opts *o = &xt_sema_program(s)->opts;
	char *end;
	errno = 0;
	unsigned long long addr = strtoull(spec, &end, 0);
	long len = *end == ':' ? strtol(end + 1, &end, 10) : 0;
	const char *mode = *end == ':' ? end + 1 : "";
	int type = 0;
	for (const char *m = mode; *m; m++)
		type |= *m == 'r' ? HW_BREAKPOINT_R : *m == 'w' ? HW_BREAKPOINT_W : *m == 'x' ? HW_BREAKPOINT_X : 0x100;
	bool ok = errno == 0 && addr && (len == 1 || len == 2 || len == 4 || len == 8) &&
		  (type == HW_BREAKPOINT_R || type == HW_BREAKPOINT_W || type == HW_BREAKPOINT_RW ||
		   (type == HW_BREAKPOINT_X && len == (long)sizeof(long)));
	if (!ok) {
		xt_diag_error(dg, at->loc, "watchpoints are written watchpoint:ADDR:LEN:MODE with LEN 1, 2, 4 or 8 "
			      "and MODE r, w, rw or x (x with LEN %zu)", sizeof(long));
		return -1;
	}
#if defined(__x86_64__) || defined(__i386__)
	if (type == HW_BREAKPOINT_R) { /* the kernel's EINVAL, said plainly */
		xt_diag_error(dg, at->loc, "x86 breakpoints cannot watch reads alone; use mode rw (reads and writes)");
		return -1;
	}
#endif
	pid_t pid = o->target_pid > 0 ? o->target_pid : o->cpid;
	if (pid <= 0 && !o->listing) {
		xt_diag_error(dg, at->loc, "a watchpoint watches one process: run xtrace with -p PID or -c CMD");
		return -1;
	}
	int err = have_breakpoints();
	if (err) {
		xt_diag_error(dg, at->loc, "watchpoint:%s: this machine has no hardware breakpoints (%s); "
			      "a uprobe on the code that touches the address may serve", spec, strerror(err));
		return -1;
	}
	struct wp_site *w = xt_arena_alloc(xt_sema_arena(s), sizeof(*w));
	*w = (struct wp_site){ addr, (int)len, type, pid };
	const char *name = xt_arena_printf(xt_sema_arena(s), "watchpoint:0x%llx:%ld:%s", addr, len, mode);
	xt_probe_add_site(s, p, name, name + strlen("watchpoint:"), (int64_t)addr, w);
	return 0;
}

/* One breakpoint on each thread of the process (and, inherited, on the
 * threads it starts); the links own the fds. */
static int attach(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	for (int i = 0; i < rp->info->nsites; i++) {
		const struct xt_site *site = &rp->info->sites[i];
		const struct wp_site *w = site->data;
		char dir[64];
		snprintf(dir, sizeof(dir), "/proc/%d/task", (int)w->pid);
		DIR *d = opendir(dir);
		if (!d) {
			xt_rt_attach_error(rt, site->name, "process %d: %s", (int)w->pid, strerror(errno));
			return -ESRCH;
		}
		int rc = 0, n = 0;
		struct dirent *de;
		while (rc == 0 && (de = readdir(d))) {
			pid_t tid = (pid_t)atoi(de->d_name);
			if (tid <= 0)
				continue;
			long fd = bp_open(w, tid);
			if (fd < 0) {
				rc = -errno;
				if (rc == -ESRCH) { /* a thread that just ended */
					rc = 0;
					continue;
				}
				if (rc == -ENOSPC)
					xt_rt_attach_error(rt, site->name, "no free hardware breakpoint (a CPU has only a few)");
				else
					xt_rt_attach_error(rt, site->name, "perf_event_open: %s", strerror(-rc));
				break;
			}
			LIBBPF_OPTS(bpf_perf_event_opts, opts, .bpf_cookie = (uint64_t)site->id);
			struct bpf_link *l = bpf_program__attach_perf_event_opts(rp->prog, (int)fd, &opts);
			if (!l) {
				rc = -errno;
				close((int)fd);
				xt_rt_attach_error(rt, site->name, "%s", strerror(-rc));
				break;
			}
			rc = xt_rt_add_link(rp, l);
			n++;
		}
		closedir(d);
		if (rc == 0 && n == 0) {
			xt_rt_attach_error(rt, site->name, "process %d has no threads left", (int)w->pid);
			rc = -ESRCH;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	return 0;
}

const struct xt_provider xt_prov_watchpoint = {
	.name = "watchpoint", .alias = "w", .section = "perf_event",
	.help = "watchpoint:ADDR:LEN:MODE: the -p/-c process reads (r), writes (w) or executes (x) LEN bytes at ADDR",
	.expand = expand, .attach = attach, .list = list,
};
