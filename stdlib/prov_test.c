/* test:NAME and bench:NAME (bpftrace 0.25, 0.24): probes run only under
 * --test or --bench (runtime/rt_test.c), never attached; without those
 * options they do nothing, and a program of them and begin/end ends by
 * itself. A test passes when its program returns 0 (`return 1;` fails it)
 * and it does not exit() with a non-zero status. */
#include <string.h>
#include "stdlib/registry.h"

static int expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	struct xt_diags *dg = xt_sema_diags(s);
	for (const char *c = spec; *c; c++)
		if (!(*c == '_' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9'))) {
			xt_diag_error(dg, at->loc, "%s probes take a name of letters, digits and '_', as in %s:adds_up",
				      p->prov->name, p->prov->name);
			return -1;
		}
	const char *name = xt_arena_printf(xt_sema_arena(s), "%s:%s", p->prov->name, spec);
	const struct xt_program *prog = xt_sema_program(s);
	for (int i = 0; i < prog->nprobes && &prog->probes[i] != p; i++)
		for (int j = 0; j < prog->probes[i].nsites; j++)
			if (strcmp(prog->probes[i].sites[j].name, name) == 0) {
				xt_diag_error(dg, at->loc, "%s is defined twice: test and bench names are unique", name);
				return -1;
			}
	xt_probe_add_site(s, p, name, spec, 0, NULL);
	return 0;
}

static int list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	return 0;
}

const struct xt_provider xt_prov_test = {
	.name = "test", .flags = XT_PROVF_TEST | XT_PROVF_RUNONCE, .section = "raw_tp",
	.help = "test:NAME: a unit test of the program, run by --test (passes when it returns 0)",
	.expand = expand, .list = list,
};
const struct xt_provider xt_prov_bench = {
	.name = "bench", .flags = XT_PROVF_BENCH | XT_PROVF_RUNONCE, .section = "raw_tp",
	.help = "bench:NAME: a benchmark, run repeatedly by --bench (average time per run)",
	.expand = expand, .list = list,
};
