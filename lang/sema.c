/* Semantic analysis driver: runs the passes in order, stopping after the
 * first that reports an error. */
#include <string.h>
#include "sema_int.h"
#include "stdlib/registry.h"

struct xt_arena *xt_sema_arena(struct xt_sema *s) { return s->ar; }
struct xt_diags *xt_sema_diags(struct xt_sema *s) { return s->dg; }
struct xt_program *xt_sema_program(struct xt_sema *s) { return s->prog; }
struct xt_probe_info *xt_sema_probe(struct xt_sema *s) { return s->probe; }
bool xt_sema_final(struct xt_sema *s) { return s->final; }
bool xt_sema_in_map_loop(struct xt_sema *s) { return s->map_loop_depth > 0; }

struct xt_loc xt_loc_prefix(struct xt_loc loc, int len)
{
	loc.last_line = loc.first_line;
	loc.last_column = loc.first_column + (len > 0 ? len - 1 : 0);
	return loc;
}

/* The program's C definitions (its headers' and its own) become types,
 * before anything names them. */
static int pass_cdefs(struct xt_sema *s)
{
	const struct xt_node *cdefs = s->prog->ast ? s->prog->ast->b : NULL;
	if (!cdefs || cdefs->kind != XT_N_CDEFS || !xt_ktypes()->define)
		return 0;
	return xt_ktypes()->define(cdefs, s->dg);
}

struct xt_program *xt_sema(struct xt_arena *ar, const struct xt_source *src,
			   struct xt_node *ast, const struct xt_sema_opts *opts,
			   struct xt_diags *dg)
{
	struct xt_program *prog = xt_arena_alloc(ar, sizeof(*prog));
	prog->ar = ar;
	prog->src = src;
	prog->ast = ast;
	prog->opts = *opts;
	if (prog->opts.max_strlen <= 0)
		prog->opts.max_strlen = 1024; /* as newest bpftrace: strings live in scratch space */
	if (prog->opts.max_map_keys <= 0)
		prog->opts.max_map_keys = 4096;

	struct xt_sema s = { .ar = ar, .dg = dg, .prog = prog };
	static int (*const passes[])(struct xt_sema *) = {
		xt_pass_config, xt_pass_macros, xt_pass_probes, pass_cdefs, xt_pass_types, xt_pass_options, xt_pass_probes_check,
		xt_pass_layout,
	};
	for (size_t i = 0; i < sizeof(passes) / sizeof(passes[0]); i++) {
		if (opts->listing && i > 2)
			break;
		if (passes[i](&s) < 0 || dg->errors)
			return NULL;
	}
	return prog;
}
