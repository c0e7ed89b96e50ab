/* Ring-buffer records: {u32 kind, u32 id, payload}. */
#include <string.h>
#include "runtime/rt_int.h"

static void on_printf(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	const struct xt_program *prog = rt->prog;
	if (id >= (uint32_t)prog->nfmts)
		return;
	const struct xt_fmt_info *f = prog->fmts[id];
	if (size < (size_t)f->size)
		return;
	struct xt_arena *ar = xt_arena_new();
	struct xt_val *args = xt_arena_alloc(ar, sizeof(*args) * (f->nargs + 1));
	for (int i = 0; i < f->nargs; i++)
		xt_rt_decode(prog, ar, f->arg_types[i], payload + f->arg_offsets[i], &args[i]);
	xt_print_printf(rt->opts.out, rt->opts.format, f->fmt, args, f->nargs);
	fflush(rt->opts.out);
	xt_arena_free(ar);
}

int xt_rt_handle_event(void *ctx, void *data, size_t size)
{
	struct xt_rt *rt = ctx;
	if (size < 8)
		return 0;
	uint32_t kind, id;
	memcpy(&kind, data, 4);
	memcpy(&id, (uint8_t *)data + 4, 4);
	switch (kind) {
	case XT_EV_PRINTF:
		on_printf(rt, id, (uint8_t *)data + 8, size - 8);
		break;
	case XT_EV_EXIT:
		rt->done = true;
		break;
	}
	return 0;
}
