/* Ring-buffer records: {u32 kind, u32 id, payload}. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "runtime/rt_int.h"
#include "stdlib/registry.h"

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

/* Renders format `id` with the record's arguments into a malloc'd string. */
static char *render_fmt(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	const struct xt_program *prog = rt->prog;
	if (id >= (uint32_t)prog->nfmts)
		return NULL;
	const struct xt_fmt_info *f = prog->fmts[id];
	if (size < (size_t)f->size)
		return NULL;
	struct xt_arena *ar = xt_arena_new();
	struct xt_val *args = xt_arena_alloc(ar, sizeof(*args) * (f->nargs + 1));
	for (int i = 0; i < f->nargs; i++)
		xt_rt_decode(prog, ar, f->arg_types[i], payload + f->arg_offsets[i], &args[i]);
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem) {
		xt_print_printf(mem, XT_FMT_TEXT, f->fmt, args, f->nargs);
		fclose(mem);
	}
	xt_arena_free(ar);
	return buf;
}

/* print(value): the value alone on its line. */
static void on_print_val(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	const struct xt_program *prog = rt->prog;
	if (id >= (uint32_t)prog->nfmts || size < (size_t)prog->fmts[id]->size)
		return;
	const struct xt_fmt_info *f = prog->fmts[id];
	struct xt_arena *ar = xt_arena_new();
	struct xt_val v;
	xt_rt_decode(prog, ar, f->arg_types[0], payload + f->arg_offsets[0], &v);
	FILE *out = rt->opts.out;
	if (rt->opts.format == XT_FMT_JSON) {
		fputs("{\"type\": \"value\", \"data\": ", out);
		xt_print_val(out, XT_FMT_JSON, &v);
		fputs("}\n", out);
	} else {
		xt_print_val(out, XT_FMT_TEXT, &v);
		fputc('\n', out);
	}
	xt_arena_free(ar);
}

static void on_time(struct xt_rt *rt, uint32_t id)
{
	if (id >= (uint32_t)rt->prog->nfmts)
		return;
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	char buf[512];
	size_t n = strftime(buf, sizeof(buf), rt->prog->fmts[id]->fmt, &tm);
	buf[n] = 0;
	if (rt->opts.format == XT_FMT_JSON) {
		fputs("{\"type\": \"time\", \"data\": ", rt->opts.out);
		xt_print_json_str(rt->opts.out, buf);
		fputs("}\n", rt->opts.out);
	} else {
		fputs(buf, rt->opts.out);
	}
}

/* cat(): the file's contents, as bpftrace prints them (text as is), at most
 * cat_bytes_max of them. Opened without blocking and read with the signals in
 * view: neither /dev/zero nor a FIFO nobody writes to can hold xtrace. */
static void on_cat(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	char *path = render_fmt(rt, id, payload, size);
	if (!path)
		return;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "xtrace: cat(\"%s\"): %s\n", path, strerror(errno));
		free(path);
		return;
	}
	size_t max = rt->opts.cat_bytes_max > 0 ? (size_t)rt->opts.cat_bytes_max : XT_CAT_BYTES_MAX, len = 0;
	char *all = malloc(max + 1);
	while (all && len < max) {
		ssize_t n = read(fd, all + len, max - len);
		if (n > 0)
			len += (size_t)n;
		else if (n == 0 || (errno == EAGAIN ? xt_sig_wait(fd, POLLIN, -1) != 1 : errno != EINTR))
			break;
	}
	close(fd);
	if (all) {
		all[len] = 0;
		if (rt->opts.format == XT_FMT_JSON) {
			fputs("{\"type\": \"cat\", \"data\": ", rt->opts.out);
			xt_print_json_str(rt->opts.out, all);
			fputs("}\n", rt->opts.out);
		} else {
			fputs(all, rt->opts.out);
		}
	}
	free(all);
	free(path);
}

/* Waits for the child with the signals in view: a stop signal kills it. */
static void reap(pid_t pid)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0 || xt_sig_wait(pfd, POLLIN, -1) != 1)
		kill(pid, SIGKILL);
	if (pfd >= 0)
		close(pfd);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* system(): runs the command with the shell and passes its output through,
 * reading it with the signals in view (popen would not let Ctrl-C in). */
static void on_system(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	char *cmd = render_fmt(rt, id, payload, size);
	if (!cmd)
		return;
	fflush(rt->opts.out);
	int p[2];
	pid_t pid = pipe2(p, O_CLOEXEC) < 0 ? -1 : fork();
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		xt_sig_restore_child();
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid < 0) {
		fprintf(stderr, "xtrace: system(\"%s\"): %s\n", cmd, strerror(errno));
		free(cmd);
		return;
	}
	close(p[1]);
	char buf[4096];
	for (;;) {
		ssize_t n = xt_sig_wait(p[0], POLLIN, -1) == 1 ? read(p[0], buf, sizeof(buf)) : 0;
		if (n > 0)
			fwrite(buf, 1, (size_t)n, rt->opts.out);
		else if (n == 0 || errno != EINTR)
			break;
	}
	close(p[0]);
	reap(pid);
	free(cmd);
}

/* join(): the strings, separated by the format's text, and a newline. */
static void on_join(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	const struct xt_program *prog = rt->prog;
	size_t slot = (size_t)xt_join_slot(prog);
	uint64_t n;
	if (id >= (uint32_t)prog->nfmts || size < 8)
		return;
	memcpy(&n, payload, 8);
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem)
		return;
	for (uint64_t i = 0; i < n && i < 16 && 8 + (i + 1) * slot <= size; i++) {
		const char *s = (const char *)payload + 8 + i * slot;
		if (i)
			fputs(prog->fmts[id]->fmt, mem);
		fwrite(s, 1, strnlen(s, slot), mem);
	}
	fclose(mem);
	if (rt->opts.format == XT_FMT_JSON) {
		fputs("{\"type\": \"join\", \"data\": ", rt->opts.out);
		xt_print_json_str(rt->opts.out, text ? text : "");
		fputs("}\n", rt->opts.out);
	} else {
		fprintf(rt->opts.out, "%s\n", text ? text : "");
	}
	free(text);
}

static const struct xt_map_info *map_by_id(struct xt_rt *rt, uint32_t id)
{
	return id < (uint32_t)rt->prog->nmaps ? rt->prog->maps[id] : NULL;
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
	switch (kind) {
	case XT_EV_PRINTF:
		on_printf(rt, id, (uint8_t *)data + 8, size - 8);
		break;
	case XT_EV_EXIT:
		rt->done = true;
		rt->exited = true;
		break;
	case XT_EV_PRINT_MAP: {
		const struct xt_map_info *m = map_by_id(rt, id);
		uint64_t top = 0, div = 0;
		if (!m || size < 24)
			break;
		memcpy(&top, (uint8_t *)data + 8, 8);
		memcpy(&div, (uint8_t *)data + 16, 8);
		xt_rt_print_map(rt, m, (size_t)top, div);
		break;
	}
	case XT_EV_CLEAR:
	case XT_EV_ZERO: {
		const struct xt_map_info *m = map_by_id(rt, id);
		if (m && kind == XT_EV_ZERO)
			xt_rt_map_zero(rt, m);
		else if (m)
			xt_rt_map_clear(rt, m);
		break;
	}
	case XT_EV_PRINT_VAL:
		on_print_val(rt, id, (uint8_t *)data + 8, size - 8);
		break;
	case XT_EV_TIME:
		on_time(rt, id);
		break;
	case XT_EV_CAT:
		on_cat(rt, id, (uint8_t *)data + 8, size - 8);
		break;
	case XT_EV_SYSTEM:
		on_system(rt, id, (uint8_t *)data + 8, size - 8);
		break;
	case XT_EV_JOIN:
		on_join(rt, id, (uint8_t *)data + 8, size - 8);
		break;
	}
	fflush(rt->opts.out);
	return 0;
}
