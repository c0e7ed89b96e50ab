/* interval:UNIT:N: a timer firing on one CPU, from a software perf event. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <bpf/libbpf.h>
#include "runtime/runtime.h"
#include "stdlib/registry.h"

/* "250ms", "1s", "5000000" (bpftrace 0.24: interval:N in ns, at least
 * 1000, or a duration) -> period in ns; -1 when malformed. */
static int64_t duration_ns(const char *spec)
{
	static const struct { const char *unit; int64_t ns; } units[] = {
		{ "", 1 }, { "ns", 1 }, { "us", 1000LL }, { "ms", 1000000LL }, { "s", 1000000000LL },
		{ "m", 60000000000LL }, { "h", 3600000000000LL }, { "d", 86400000000000LL },
	};
	char *end;
	long long n = strtoll(spec, &end, 10);
	if (end == spec || n <= 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].unit) == 0) {
			if (n > INT64_MAX / units[i].ns || n * units[i].ns < 1000)
				return -1;
			return n * units[i].ns;
		}
	return -1;
}

/* "ms:300" -> period in ns; -1 when malformed. */
static int64_t period_ns(const char *spec)
{
	static const struct { const char *unit; int64_t ns; } units[] = {
		{ "s", 1000000000LL }, { "ms", 1000000LL }, { "us", 1000LL }, { "hz", 0 },
	};
	const char *colon = strchr(spec, ':');
	if (!colon)
		return duration_ns(spec);
	if (!colon[1])
		return -1;
	char *end;
	long long n = strtoll(colon + 1, &end, 10);
	if (*end || n <= 0)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if ((size_t)(colon - spec) == strlen(units[i].unit) && strncmp(spec, units[i].unit, colon - spec) == 0)
			return units[i].ns ? n * units[i].ns : 1000000000LL / n;
	return -1;
}

static int expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	int64_t ns = period_ns(spec);
	if (ns <= 0) {
		xt_diag_error(xt_sema_diags(s), at->loc, "interval probes are written interval:UNIT:N with UNIT s, ms, us or hz, "
			      "and N > 0, or interval:DURATION (250ms, 1s; a number alone: ns, at least 1000)");
		return -1;
	}
	xt_probe_add_site(s, p, xt_arena_printf(xt_sema_arena(s), "interval:%s", spec), spec, ns, NULL);
	return 0;
}

static int attach(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	for (int i = 0; i < rp->info->nsites; i++) {
		const struct xt_site *site = &rp->info->sites[i];
		struct perf_event_attr attr = {
			.type = PERF_TYPE_SOFTWARE, .size = sizeof(attr), .config = PERF_COUNT_SW_CPU_CLOCK,
			.sample_period = (uint64_t)site->num,
		};
		int fd = (int)syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			xt_rt_attach_error(rt, site->name, "perf_event_open: %s", strerror(errno));
			return -errno;
		}
		LIBBPF_OPTS(bpf_perf_event_opts, opts, .bpf_cookie = (uint64_t)site->id);
		struct bpf_link *l = bpf_program__attach_perf_event_opts(rp->prog, fd, &opts);
		if (!l) {
			int err = -errno;
			close(fd);
			xt_rt_attach_error(rt, site->name, "%s", strerror(-err));
			return err;
		}
		xt_rt_add_link(rp, l); /* the link owns fd */
	}
	return 0;
}

static int list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	return 0;
}

const struct xt_provider xt_prov_interval = {
	.name = "interval", .alias = "i", .section = "perf_event", .flags = XT_PROVF_ANYTASK,
	.help = "interval:UNIT:N: fires every N s/ms/us (or N times a second with hz), on one CPU",
	.expand = expand, .attach = attach, .list = list,
};
