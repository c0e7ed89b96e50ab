/* The REPL's lookup: `@m[key]` typed alone at the prompt prints that entry as
 * print(@m) prints it (`@opens[bash]: 12`, a histogram whole). The program
 * sends the key it computed; user space reads the map when the record comes,
 * as it does for print(@m). Its name cannot be typed: only the prompt calls it. */
#include "codegen/cg.h"
#include "runtime/runtime.h"
#include "stdlib/registry.h"

/* The bytes of m's key the record carries: a histogram's bucket is not one. */
static int user_key_size(const struct xt_map_info *m)
{
	bool buckets = m->val && m->val->kind == XT_T_AGG && m->val->agg->buckets;
	return buckets ? m->key_size - 8 : m->key_size;
}

static const struct xt_type *lookup_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *a = n->list;
	struct xt_map_info *m = xt_sema_map_arg(s, a, true);
	if (!m)
		return NULL;
	if (!m->key || !a->list) {
		xt_diag_error(xt_sema_diags(s), a->loc, m->key ? "@%s needs a key here" : "@%s has no key: write @%s",
			      m->name, m->name);
		return NULL;
	}
	return &xt_void;
}

static LLVMValueRef lookup_emit(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_map_info *m = n->list->sym;
	int len = user_key_size(m);
	LLVMValueRef key = xt_cg_map_key(cg, m, n->list);
	LLVMValueRef buf = xt_cg_buf(cg, 8 + len, "lookup");
	xt_cg_memcpy(cg, xt_cg_gep(cg, buf, xt_cg_i64(cg, 8)), key, len);
	xt_cg_event(cg, n->sym, (uint32_t)m->id, buf, len);
	return NULL;
}

static void lookup_event(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	const struct xt_program *prog = xt_rt_program(rt);
	if (id >= (uint32_t)prog->nmaps || size < (size_t)user_key_size(prog->maps[id]))
		return;
	xt_rt_print_key(rt, prog->maps[id], payload);
	fflush(xt_rt_options(rt)->out);
}

const struct xt_builtin xt_bi_prompt_lookup = { .name = "@m[key]", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 1,
	.flags = XT_BIF_NOVALUE | XT_BIF_LOOKUP, .check = lookup_type, .emit = lookup_emit, .on_event = lookup_event,
	.help = "@m[key] alone at the prompt: that entry, as print(@m) prints it" };
