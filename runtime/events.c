/* Ring-buffer records: {u32 kind, u32 id, payload}. The kind is the index of
 * the builtin that sent the record; its on_event hook handles it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/rt_int.h"
#include "stdlib/registry.h"

const struct xt_program *xt_rt_program(const struct xt_rt *rt)
{
	return rt->prog;
}

const struct xt_rt_opts *xt_rt_options(const struct xt_rt *rt)
{
	return &rt->opts;
}

void xt_rt_exit(struct xt_rt *rt, int status)
{
	rt->done = true;
	rt->exited = true;
	rt->status = status;
}

int xt_rt_print_fmt(struct xt_rt *rt, FILE *out, enum xt_format fmt, uint32_t id,
		    const uint8_t *payload, size_t size)
{
	const struct xt_program *prog = rt->prog;
	if (id >= (uint32_t)prog->nfmts)
		return -ENOENT;
	const struct xt_fmt_info *f = prog->fmts[id];
	if (size < (size_t)f->size)
		return -ENOENT;
	/* One arena for every event, emptied after each (never nested: printing
	 * does not print events). */
	static struct xt_arena *ar;
	if (!ar)
		ar = xt_arena_new();
	struct xt_val *args = xt_arena_alloc(ar, sizeof(*args) * (f->nargs + 1));
	for (int i = 0; i < f->nargs; i++)
		xt_rt_decode(prog, ar, f->arg_types[i], payload + f->arg_offsets[i], &args[i]);
	int err = xt_print_printf(out, fmt, f->fmt, args, f->nargs);
	xt_arena_reset(ar);
	return err;
}

char *xt_rt_render_fmt(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (!mem)
		return NULL;
	int err = xt_rt_print_fmt(rt, mem, XT_FMT_TEXT, id, payload, size);
	fclose(mem);
	if (err == -ENOENT) {
		free(buf);
		return NULL;
	}
	return buf;
}

int xt_rt_handle_event(void *ctx, void *data, size_t size)
{
	struct xt_rt *rt = ctx;
	if (size < 8)
		return 0;
	uint32_t kind, id;
	memcpy(&kind, data, 4);
	memcpy(&id, (uint8_t *)data + 4, 4);
	/* After exit(), as in bpftrace, only END still speaks: records other CPUs
	 * sent while the exit record was on its way would make output racy. */
	if (rt->exited && !rt->ending)
		return 0;
	const struct xt_builtin *b = xt_builtin_at(kind);
	if (b && b->on_event)
		b->on_event(rt, id, (uint8_t *)data + 8, size - 8);
	fflush(rt->opts.out);
	if (rt->opts.on_record)
		rt->opts.on_record(rt->opts.record_ctx);
	return 0;
}
