/* BEGIN and END: raw-tracepoint programs that are never attached; the runtime
 * runs them once with BPF_PROG_TEST_RUN, before the first event and at exit. */
#include "stdlib/registry.h"

static int expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	for (int i = 0; i < p->nsites; i++)
		if (p->sites[i].num == 0) {
			xt_diag_error(xt_sema_diags(s), at->loc, "%s is listed twice", at->name);
			return -1;
		}
	xt_probe_add_site(s, p, at->name, "", 0, NULL);
	return 0;
}

static int list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	return 0;
}

const struct xt_provider xt_prov_begin = {
	.name = "BEGIN", .flags = XT_PROVF_BEGIN | XT_PROVF_NOTARGET, .section = "raw_tp",
	.help = "BEGIN: runs once when tracing starts", .expand = expand, .list = list,
};
const struct xt_provider xt_prov_end = {
	.name = "END", .flags = XT_PROVF_END | XT_PROVF_NOTARGET, .section = "raw_tp",
	.help = "END: runs once when tracing stops", .expand = expand, .list = list,
};
