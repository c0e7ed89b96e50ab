/* Perf-event probes: profile:UNIT:N (alias p) samples every CPU with a
 * cpu-clock timer; software:EVENT[:COUNT] (s) and hardware:EVENT[:COUNT]
 * (h) fire every COUNT events on every CPU. One program, one perf event per
 * CPU and site, the site id as the BPF cookie. Hardware events need a PMU;
 * whether there is one is asked of the kernel once (perf_event_open) at
 * compile time, so a machine without one gets one plain sentence. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <bpf/libbpf.h>
#include "runtime/runtime.h"
#include "stdlib/ctx.h"

struct perf_ev {
	const char *name, *alias;
	uint32_t type;
	uint64_t config;
	uint64_t dflt;           /* default sample period (bpftrace's) */
};

static const struct perf_ev sw_events[] = {
	{ "cpu-clock", "cpu", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, 1000000 },
	{ "task-clock", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, 1000000 },
	{ "page-faults", "faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, 100 },
	{ "context-switches", "cs", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, 1000 },
	{ "cpu-migrations", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS, 1 },
	{ "minor-faults", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN, 100 },
	{ "major-faults", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1 },
	{ "alignment-faults", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_ALIGNMENT_FAULTS, 1 },
	{ "emulation-faults", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_EMULATION_FAULTS, 1 },
	{ "dummy", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_DUMMY, 1 },
	{ "bpf-output", NULL, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_BPF_OUTPUT, 1 },
	{ NULL, NULL, 0, 0, 0 },
};

static const struct perf_ev hw_events[] = {
	{ "cpu-cycles", "cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, 1000000 },
	{ "instructions", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, 1000000 },
	{ "cache-references", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES, 1000000 },
	{ "cache-misses", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES, 1000000 },
	{ "branch-instructions", "branches", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000 },
	{ "branch-misses", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES, 100000 },
	{ "bus-cycles", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_BUS_CYCLES, 100000 },
	{ "frontend-stalls", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, 1000000 },
	{ "backend-stalls", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_BACKEND, 1000000 },
	{ "ref-cycles", NULL, PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES, 1000000 },
	{ NULL, NULL, 0, 0, 0 },
};

/* The settings of one site: type/config, and either a period or a frequency. */
struct perf_site {
	uint32_t type;
	uint64_t config;
	uint64_t period;
	bool freq;
};

static long perf_open(struct perf_event_attr *attr, int cpu)
{
	return syscall(SYS_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* Whether this machine counts hardware events; asked once. */
static int have_pmu(void)
{
	static int known = -1;
	if (known < 0) {
		struct perf_event_attr attr = { .type = PERF_TYPE_HARDWARE, .size = sizeof(attr),
			.config = PERF_COUNT_HW_CPU_CYCLES, .disabled = 1, .exclude_kernel = 1 };
		long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
		known = fd >= 0 || (errno != ENOENT && errno != EOPNOTSUPP && errno != ENODEV);
		if (fd >= 0)
			close((int)fd);
	}
	return known;
}

static int online_cpus(bool **online)
{
	int n = xt_rt_possible_cpus();
	*online = calloc((size_t)n, sizeof(bool));
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	char buf[1024] = "";
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	if (!buf[0]) {
		for (int i = 0; i < n; i++)
			(*online)[i] = true;
		return n;
	}
	for (char *p = buf; *p && *p != '\n';) {
		char *end;
		long a = strtol(p, &end, 10), b = a;
		if (*end == '-')
			b = strtol(end + 1, &end, 10);
		for (long i = a; i <= b && i < n; i++)
			(*online)[i] = true;
		p = *end == ',' ? end + 1 : end;
		if (end == p && *p != ',')
			break;
	}
	return n;
}

static int attach(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	bool *online = NULL;
	int ncpu = online_cpus(&online);
	if (ncpu < 0) {
		xt_rt_attach_error(rt, rp->info->sites[0].name, "cannot count the CPUs");
		return -EINVAL;
	}
	int rc = 0;
	for (int i = 0; i < rp->info->nsites && !rc; i++) {
		const struct xt_site *site = &rp->info->sites[i];
		const struct perf_site *ps = site->data;
		for (int cpu = 0; cpu < ncpu && !rc; cpu++) {
			if (!online[cpu])
				continue;
			struct perf_event_attr attr = { .type = ps->type, .size = sizeof(attr), .config = ps->config,
				.sample_period = ps->period, .freq = ps->freq };
			int fd = (int)perf_open(&attr, cpu);
			if (fd < 0) {
				rc = -errno;
				if (ps->type == PERF_TYPE_HARDWARE && (rc == -ENOENT || rc == -EOPNOTSUPP))
					xt_rt_attach_error(rt, site->name, "this machine has no hardware performance counters (no PMU)");
				else
					xt_rt_attach_error(rt, site->name, "perf_event_open on CPU %d: %s", cpu, strerror(-rc));
				break;
			}
			LIBBPF_OPTS(bpf_perf_event_opts, opts, .bpf_cookie = (uint64_t)site->id);
			struct bpf_link *l = bpf_program__attach_perf_event_opts(rp->prog, fd, &opts);
			if (!l) {
				rc = -errno;
				close(fd);
				xt_rt_attach_error(rt, site->name, "%s", strerror(-rc));
				break;
			}
			rc = xt_rt_add_link(rp, l); /* the link owns fd */
		}
	}
	free(online);
	return rc;
}

/* --- profile ------------------------------------------------------------------ */

static int profile_expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "s", 1000000000ULL }, { "ms", 1000000ULL }, { "us", 1000ULL }, { "hz", 0 },
	};
	const char *colon = strchr(spec, ':');
	char *end = NULL;
	long long n = colon ? strtoll(colon + 1, &end, 10) : 0;
	struct perf_site *ps = xt_arena_alloc(xt_sema_arena(s), sizeof(*ps));
	ps->type = PERF_TYPE_SOFTWARE;
	ps->config = PERF_COUNT_SW_CPU_CLOCK;
	for (size_t i = 0; colon && end && !*end && n > 0 && i < sizeof(units) / sizeof(units[0]); i++)
		if ((size_t)(colon - spec) == strlen(units[i].unit) && strncmp(spec, units[i].unit, colon - spec) == 0) {
			ps->freq = units[i].ns == 0;
			ps->period = units[i].ns ? (uint64_t)n * units[i].ns : (uint64_t)n;
		}
	if (!ps->period) {
		xt_diag_error(xt_sema_diags(s), at->loc, "profile probes are written profile:UNIT:N with UNIT hz, s, ms or us, and N > 0");
		return -1;
	}
	xt_probe_add_site(s, p, xt_arena_printf(xt_sema_arena(s), "profile:%s", spec), spec, (int64_t)ps->period, ps);
	return 0;
}

static int profile_list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	return 0;
}

/* --- software and hardware ------------------------------------------------------ */

static const struct perf_ev *find_ev(const struct perf_ev *evs, const char *name, size_t len)
{
	for (const struct perf_ev *e = evs; e->name; e++)
		if ((strlen(e->name) == len && strncmp(e->name, name, len) == 0) ||
		    (e->alias && strlen(e->alias) == len && strncmp(e->alias, name, len) == 0))
			return e;
	return NULL;
}

static int event_expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec,
			const struct perf_ev *evs, const char *type)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_arena *ar = xt_sema_arena(s);
	const char *colon = strchr(spec, ':');
	size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
	const struct perf_ev *ev = find_ev(evs, spec, len);
	if (!ev) {
		const char *names[32];
		size_t n = 0;
		for (const struct perf_ev *e = evs; e->name && n < 32; e++)
			names[n++] = e->name;
		char *word = xt_arena_strndup(ar, spec, len);
		const char *near = xt_diag_closest(word, names, n);
		if (near)
			xt_diag_error(dg, at->loc, "unknown %s event '%s'; did you mean '%s'?", type, word, near);
		else
			xt_diag_error(dg, at->loc, "unknown %s event '%s' (see xtrace -l '%s:*')", type, word, type);
		return -1;
	}
	uint64_t count = ev->dflt;
	if (colon) {
		char *end;
		long long c = strtoll(colon + 1, &end, 10);
		if (!colon[1] || *end || c <= 0) {
			xt_diag_error(dg, at->loc, "%s probes are written %s:EVENT[:COUNT] with COUNT > 0", type, type);
			return -1;
		}
		count = (uint64_t)c;
	}
	if (ev->type == PERF_TYPE_HARDWARE && !have_pmu()) {
		xt_diag_error(dg, at->loc, "%s:%.*s: this machine has no hardware performance counters (no PMU); "
			      "software:cpu-clock or profile:hz:99 may serve", type, (int)len, spec);
		return -1;
	}
	struct perf_site *ps = xt_arena_alloc(ar, sizeof(*ps));
	ps->type = ev->type;
	ps->config = ev->config;
	ps->period = count;
	xt_probe_add_site(s, p, xt_arena_printf(ar, "%s:%s:%llu", type, ev->name, (unsigned long long)count),
			  ev->name, (int64_t)count, ps);
	return 0;
}

static int sw_expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	return event_expand(s, p, at, spec, sw_events, "software");
}

static int hw_expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	return event_expand(s, p, at, spec, hw_events, "hardware");
}

static int list_events(const struct perf_ev *evs, const char *type, const char *spec,
		       void (*cb)(const char *, const char *, void *), void *ctx)
{
	for (const struct perf_ev *e = evs; e->name; e++) {
		if (spec && *spec && fnmatch(spec, e->name, 0) != 0 && !(e->alias && fnmatch(spec, e->alias, 0) == 0))
			continue;
		char name[128];
		snprintf(name, sizeof(name), "%s:%s", type, e->name);
		cb(name, "", ctx);
	}
	return 0;
}

static int sw_list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	return list_events(sw_events, "software", spec, cb, ctx);
}

static const char *hw_missing(void)
{
	return have_pmu() ? NULL : "this machine has no hardware performance counters (no PMU)";
}

static int hw_list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	return list_events(hw_events, "hardware", spec, cb, ctx);
}

const struct xt_provider xt_prov_profile = {
	.name = "profile", .alias = "p", .section = "perf_event", .flags = XT_PROVF_CTX_REGS,
	.help = "profile:UNIT:N: samples every CPU N times a second (hz) or every N s/ms/us",
	.expand = profile_expand, .attach = attach, .list = profile_list,
};
const struct xt_provider xt_prov_software = {
	.name = "software", .alias = "s", .section = "perf_event", .flags = XT_PROVF_CTX_REGS,
	.help = "software:EVENT[:COUNT]: every COUNT kernel software events (page-faults, context-switches, ...)",
	.expand = sw_expand, .attach = attach, .list = sw_list,
};
const struct xt_provider xt_prov_hardware = {
	.name = "hardware", .alias = "h", .section = "perf_event", .flags = XT_PROVF_CTX_REGS,
	.help = "hardware:EVENT[:COUNT]: every COUNT hardware events (cycles, instructions, cache-misses, ...)",
	.expand = hw_expand, .attach = attach, .list = hw_list,
	.unavailable = hw_missing,
};
