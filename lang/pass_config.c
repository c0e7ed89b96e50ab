/* The config pass: the program's `config = { key = value; ... }` block, which overrides
 * the options the driver took from the command line and XTRACE_* variables. */
#include <stdlib.h>
#include <string.h>
#include "sema_int.h"

static const char *const keys[] = { "max_strlen", "max_map_keys", "print_maps_on_exit", "bool_as_int", "missing_probes" };
enum { K_MISSING_PROBES = 4 };

int xt_pass_config(struct xt_sema *s)
{
	/* Output choices between bpftrace 0.17 and 0.26 (docs/output-format.md)
	 * are read here rather than by the driver: every way in compiles through
	 * this pass. */
	const char *e = getenv("XTRACE_BOOL_AS_INT");
	if (e && strcmp(e, "1") == 0)
		s->prog->opts.bool_as_int = true;
	struct xt_node *cfg = s->prog->ast->a;
	if (!cfg)
		return 0;
	int rc = 0;
	for (struct xt_node *c = cfg->list; c; c = c->next) {
		struct xt_node *v = c->a;
		struct xt_loc kloc = xt_loc_prefix(c->loc, (int)strlen(c->name));
		size_t k = 0;
		while (k < sizeof(keys) / sizeof(keys[0]) && strcmp(keys[k], c->name) != 0)
			k++;
		if (k == sizeof(keys) / sizeof(keys[0])) {
			const char *near = xt_diag_closest(c->name, keys, sizeof(keys) / sizeof(keys[0]));
			if (near)
				xt_diag_error(s->dg, kloc, "unknown config key '%s'; did you mean '%s'?", c->name, near);
			else
				xt_diag_error(s->dg, kloc, "unknown config key '%s' (known: max_strlen, max_map_keys, print_maps_on_exit, bool_as_int, missing_probes)",
					      c->name);
			rc = -1;
			continue;
		}
		if (k == K_MISSING_PROBES) { /* missing_probes = warn, or "warn" (docs/probes.md) */
			static const char *const modes[] = { "warn", "error", "ignore" };
			const char *m = v->kind == XT_N_IDENT ? v->name : v->kind == XT_N_STR ? v->sval : "";
			int i = 0;
			while (i < 3 && strcmp(modes[i], m) != 0)
				i++;
			if (i == 3) {
				xt_diag_error(s->dg, v->loc, "config missing_probes is one of warn, error, ignore");
				rc = -1;
			} else {
				s->prog->opts.missing_probes = i;
			}
			continue;
		}
		if (v->kind != XT_N_INT && v->kind != XT_N_BOOL) {
			xt_diag_error(s->dg, v->loc, "config %s needs an integer literal (or true, false)", c->name);
			rc = -1;
			continue;
		}
		switch (k) {
		case 0:
			if (v->ival < 1 || v->ival > 65536) {
				xt_diag_error(s->dg, v->loc, "max_strlen must be between 1 and 65536");
				rc = -1;
			} else {
				s->prog->opts.max_strlen = (int)v->ival;
			}
			break;
		case 1:
			if (v->ival < 1 || v->ival > 100000000) {
				xt_diag_error(s->dg, v->loc, "max_map_keys must be between 1 and 100000000");
				rc = -1;
			} else {
				s->prog->opts.max_map_keys = (int)v->ival;
			}
			break;
		case 2:
			s->prog->opts.no_map_dump = v->ival == 0;
			break;
		default:
			s->prog->opts.bool_as_int = v->ival != 0;
			break;
		}
	}
	return rc;
}
