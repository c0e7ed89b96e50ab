/* watchpoint:ADDR:LEN:MODE (alias w): fires when the -p process or the -c
 * command reads (r), writes (w) or executes (x) the LEN bytes at ADDR, from
 * a hardware breakpoint (perf_event_open, PERF_TYPE_BREAKPOINT) on each of
 * its threads. Whether the machine's breakpoints fire is tried once at
 * compile time, so a machine without working ones gets one plain sentence. */
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

/* NULL when this machine's hardware breakpoints work, else why they do not.
 * Opening one is not enough: a virtualised CPU without debug registers
 * opens them and never fires (bpftrace counts 0 there too). So a counting
 * write breakpoint is opened on a variable of ours, for this thread, the
 * variable written, and the count read. Asked once per process.
 * Test hook: XT_TEST_BREAKPOINTS_DEAD=1 writes the variable next to the
 * watched one instead, so the breakpoint really counts 0 on a machine whose
 * breakpoints work, and the tests see the not-firing path. */
static const char *breakpoints_broken(void)
{
	static bool known;
	static const char *why;
	static volatile long probe_var[2];
	if (known)
		return why;
	known = true;
	const char *dead = getenv("XT_TEST_BREAKPOINTS_DEAD");
	volatile long *target = &probe_var[dead && strcmp(dead, "1") == 0 ? 1 : 0];
	struct perf_event_attr attr = { .type = PERF_TYPE_BREAKPOINT, .size = sizeof(attr),
		.bp_type = HW_BREAKPOINT_W, .bp_addr = (uint64_t)(uintptr_t)&probe_var[0],
		.bp_len = sizeof(probe_var[0]), .exclude_kernel = 1, .exclude_hv = 1 };
	int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		/* Other errors (EACCES, EBUSY...) are left for attach to report. */
		if (errno == ENOENT || errno == ENODEV || errno == EOPNOTSUPP)
			why = strerror(errno);
		return why;
	}
	for (int i = 0; i < 3; i++)
		*target = i;
	uint64_t count = 0;
	if (read(fd, &count, sizeof(count)) == (ssize_t)sizeof(count) && count == 0)
		why = "they open but never fire";
	close(fd);
	return why;
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
	const char *why = breakpoints_broken();
	if (why) {
		xt_diag_error(dg, at->loc, "watchpoint:%s: this machine has no hardware breakpoints (%s); "
			      "a uprobe on the code that touches the address may serve", spec, why);
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
