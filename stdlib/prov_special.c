/* begin and end (also spelt BEGIN, END, or in any case) and self: raw-tracepoint
 * programs that are never attached; the runtime runs them once with
 * BPF_PROG_TEST_RUN, before the first event and at exit. */
#include <ctype.h>
#include <string.h>
#include "stdlib/registry.h"

/* The site is named as `probe` prints it: `begin` as bpftrace 0.26 prints
 * every spelling; with XTRACE_PROBE_NAMES=0.17 the upper-case BEGIN, the
 * only one bpftrace 0.17 knew, prints as 0.17 printed it (docs/output-format.md). */
static int expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	for (int i = 0; i < p->nsites; i++)
		if (p->sites[i].num == 0) {
			xt_diag_error(xt_sema_diags(s), at->loc, "%s is listed twice", at->name);
			return -1;
		}
	bool upper = xt_sema_program(s)->opts.probe_names_017;
	for (const char *c = at->name; *c; c++)
		upper &= !islower((unsigned char)*c);
	xt_probe_add_site(s, p, upper ? at->name : p->prov->name, "", 0, NULL);
	return 0;
}

static int list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	return 0;
}

/* self:signal:SIGUSR1 (bpftrace 0.22): runs each time xtrace gets SIGUSR1,
 * the one signal bpftrace offers; a program with such a probe no longer
 * prints its maps on SIGUSR1. */
static int self_expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	if (strcmp(spec, "signal:SIGUSR1") != 0) {
		xt_diag_error(xt_sema_diags(s), at->loc, "self probes are self:signal:SIGUSR1 only (the one signal "
			      "they can take), not self:%s", spec);
		return -1;
	}
	xt_probe_add_site(s, p, "self:signal:SIGUSR1", "SIGUSR1", 0, NULL);
	return 0;
}

const struct xt_provider xt_prov_self = {
	.name = "self", .flags = XT_PROVF_SELF | XT_PROVF_ANYTASK, .section = "raw_tp",
	.help = "self:signal:SIGUSR1: runs each time xtrace gets SIGUSR1 (kill -USR1 PID)", .expand = self_expand, .list = list,
};

const struct xt_provider xt_prov_begin = {
	.name = "begin", .flags = XT_PROVF_BEGIN | XT_PROVF_NOTARGET | XT_PROVF_RUNONCE, .section = "raw_tp",
	.help = "begin (or BEGIN): runs once when tracing starts", .expand = expand, .list = list,
};
const struct xt_provider xt_prov_end = {
	.name = "end", .flags = XT_PROVF_END | XT_PROVF_NOTARGET | XT_PROVF_RUNONCE, .section = "raw_tp",
	.help = "end (or END): runs once when tracing stops", .expand = expand, .list = list,
};
