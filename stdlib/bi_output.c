/* printf(), cat(), system(), time(), join() and exit(): records in the ring
 * buffer, each handled by its builtin's on_event hook in user space, where
 * the formats stay. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include "codegen/cg.h"
#include "runtime/runtime.h"
#include "stdlib/registry.h"

static const struct xt_type *printf_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_node *fmt = n->list;
	if (fmt->kind != XT_N_STR) {
		xt_diag_error(dg, fmt->loc, "%s() needs a string literal as its format", n->name);
		return NULL;
	}
	char convs[64];
	size_t bad = 0;
	int nconv = xt_printf_parse(fmt->sval, convs, 64, &bad);
	if (nconv < 0) {
		struct xt_loc loc = fmt->loc;
		loc.last_line = loc.first_line;
		loc.last_column = loc.first_column + 1 + (int)bad; /* inside the quotes */
		loc.first_column = loc.last_column;
		xt_diag_error(dg, loc, "invalid conversion in printf format");
		return NULL;
	}
	int nargs = xt_node_count(fmt->next);
	if (nargs != nconv) {
		xt_diag_error(dg, n->loc, "%s() format has %d conversion%s but %d argument%s given",
			      n->name, nconv, nconv == 1 ? "" : "s", nargs, nargs == 1 ? " is" : "s are");
		return NULL;
	}
	if (nargs > 64) {
		xt_diag_error(dg, n->loc, "%s() takes at most 64 arguments", n->name);
		return NULL;
	}
	int i = 0;
	for (struct xt_node **slot = &fmt->next, *a; (a = *slot); slot = &a->next, i++) {
		/* %s of a constant prints its name (bpftrace 0.22): an enum's as any
		 * enum value; a kernel header's (TASK_RUNNING), which has no enum, here */
		int64_t ev;
		if (convs[i] == 's' && a->kind == XT_N_IDENT && !a->list && !xt_builtin_find(a->name, XT_BI_VAR) &&
		    xt_ktypes()->enumerator && xt_ktypes()->enumerator(a->name, &ev) &&
		    !(xt_ktypes()->enum_type && xt_ktypes()->enum_type(a->name))) {
			a->kind = XT_N_STR;
			a->sval = a->name;
			a->slen = strlen(a->name);
		}
		const struct xt_type *t = xt_sema_expr(s, a);
		if (t && convs[i] == 'p') /* %p of an array: its first element's address, as in C */
			t = xt_sema_addr_arg(s, slot, t), a = *slot;
		if (!t)
			return NULL;
		/* a kernel struct or array printed with %s: a copy, printed from BTF */
		if (convs[i] == 's' && (t->kind == XT_T_ARRAY || (t->kind == XT_T_RECORD && t->btf_id)) &&
		    !(t = xt_sema_kval(s, a, t)))
			return NULL;
		/* %s takes any value and prints its text (bpftrace 0.26): tuples and
		 * struct copies too */
		bool str_ok = t->kind == XT_T_STR || t->kind == XT_T_PROBE || t->kind == XT_T_BUF ||
			      t->kind == XT_T_TUPLE || t->kind == XT_T_KVAL || xt_type_is_int(t) ||
			      (t->kind == XT_T_RENDERED && t->render->printf_s);
		bool int_ok = xt_type_is_int(t) || t->kind == XT_T_PTR;
		bool ok = convs[i] == 's' ? str_ok || int_ok :
			  convs[i] == 'r' ? (t->kind == XT_T_BUF && t->render == XT_R_NONE) || t->kind == XT_T_STR : int_ok;
		if (!ok) {
			xt_diag_error(dg, a->loc, "%s() %%%s cannot print a %s", n->name, convs[i] == 'g' ? "gr" : (char[]){ convs[i], 0 },
				      xt_type_name(xt_sema_arena(s), t));
			return NULL;
		}
	}
	n->aux = xt_sema_add_fmt(s, fmt, fmt->next);
	if (xt_sema_final(s))
		xt_sema_program(s)->fmts[n->aux]->loc = n->loc;
	return &xt_void;
}

static void fmt_event(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_fmt_info *f = cg->prog->fmts[n->aux];
	LLVMValueRef buf = xt_cg_buf(cg, 8 + f->size, "printf");
	int i = 0;
	for (struct xt_node *a = n->list->next; a; a = a->next, i++)
		xt_cg_store(cg, xt_cg_gep(cg, buf, xt_cg_i64(cg, 8 + f->arg_offsets[i])), f->arg_types[i],
			    xt_cg_expr(cg, a), a->type);
	xt_cg_event(cg, n->sym, (uint32_t)f->id, buf, f->size);
}

/* printf, cat and system: {format id, the arguments} */
static LLVMValueRef fmt_emit(struct xt_cg *cg, struct xt_node *n)
{
	fmt_event(cg, n);
	return NULL;
}

static void printf_event(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	const struct xt_rt_opts *o = xt_rt_options(rt);
	xt_rt_print_fmt(rt, o->out, o->format, id, payload, size);
}

/* The file a JSON record names: bpftrace 0.26 calls -e's and -'s program
 * "stdin" (xtrace's text diagnostics say <stdin>). */
static const char *json_file(const struct xt_program *prog)
{
	const char *file = prog->src ? prog->src->name : NULL;
	return !file || strcmp(file, "<stdin>") == 0 ? "stdin" : file;
}

/* errorf()/warnf(): the message under the call's location, on stderr as
 * bpftrace 0.26 prints them (only the location line, no source), or as a
 * JSON record {"type": "errorf", "msg", "filename", "line", "col"}. */
static void located_event(struct xt_rt *rt, const char *level, uint32_t id, const uint8_t *payload, size_t size)
{
	const struct xt_program *prog = xt_rt_program(rt);
	const struct xt_rt_opts *o = xt_rt_options(rt);
	char *msg = xt_rt_render_fmt(rt, id, payload, size);
	if (!msg || id >= (uint32_t)prog->nfmts)
		goto out;
	struct xt_loc loc = prog->fmts[id]->loc;
	const char *file = prog->src ? prog->src->name : "<stdin>";
	if (o->format == XT_FMT_JSON) {
		fprintf(o->out, "{\"type\": \"%s\", \"msg\": ", strcmp(level, "error") == 0 ? "errorf" : "warnf");
		xt_print_json_str(o->out, msg);
		fputs(", \"filename\": ", o->out);
		xt_print_json_str(o->out, json_file(prog));
		fprintf(o->out, ", \"line\": %d, \"col\": %d}\n", loc.first_line, loc.first_column);
	} else {
		fflush(o->out);
		fprintf(stderr, "%s:%d:%d-%d: %s: %s\n", file, loc.first_line, loc.first_column,
			loc.last_line == loc.first_line ? loc.last_column : loc.first_column, level, msg);
	}
out:
	free(msg);
}

static void errorf_event(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	located_event(rt, "error", id, payload, size);
}

static void warnf_event(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	if (xt_rt_options(rt)->no_warnings)
		return;
	located_event(rt, "warning", id, payload, size);
}

/* A text printed whole: as is, or as JSON {"type": TYPE, "data": "TEXT"}. */
static void print_text(struct xt_rt *rt, const char *type, const char *text)
{
	const struct xt_rt_opts *o = xt_rt_options(rt);
	if (o->format == XT_FMT_JSON) {
		fprintf(o->out, "{\"type\": \"%s\", \"data\": ", type);
		xt_print_json_str(o->out, text);
		fputs("}\n", o->out);
	} else {
		fputs(text, o->out);
	}
}

/* cat(): the file's contents, as bpftrace prints them (text as is), at most
 * cat_bytes_max of them. Opened without blocking and read with the signals in
 * view: neither /dev/zero nor a FIFO nobody writes to can hold xtrace. */
static void cat_event(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	char *path = xt_rt_render_fmt(rt, id, payload, size);
	if (!path)
		return;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "xtrace: cat(\"%s\"): %s\n", path, strerror(errno));
		free(path);
		return;
	}
	int limit = xt_rt_options(rt)->cat_bytes_max;
	size_t max = limit > 0 ? (size_t)limit : XT_CAT_BYTES_MAX, len = 0;
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
		print_text(rt, "cat", all);
	}
	free(all);
	free(path);
}

static bool unsafe_ok(struct xt_sema *s, struct xt_node *n)
{
	if (xt_sema_program(s)->opts.unsafe)
		return true;
	xt_diag_error(xt_sema_diags(s), n->loc, "%s() is unsafe: run xtrace with --unsafe to allow it", n->name);
	return false;
}

static const struct xt_type *system_type(struct xt_sema *s, struct xt_node *n)
{
	return unsafe_ok(s, n) ? printf_type(s, n) : NULL;
}

/* system(): runs the command with the shell and passes its output through
 * (with -f json, as one record once the command ends), reading it with the
 * signals in view (popen would not let Ctrl-C in). */
static void system_event(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	char *cmd = xt_rt_render_fmt(rt, id, payload, size);
	if (!cmd)
		return;
	FILE *out = xt_rt_options(rt)->out;
	fflush(out);
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
	/* JSON: the whole output in one {"type": "syscall"} record, as bpftrace's */
	bool json = xt_rt_options(rt)->format == XT_FMT_JSON;
	char buf[4096], *all = NULL;
	size_t len = 0;
	for (;;) {
		ssize_t n = xt_sig_wait(p[0], POLLIN, -1) == 1 ? read(p[0], buf, sizeof(buf)) : 0;
		if (n > 0 && !json) {
			fwrite(buf, 1, (size_t)n, out);
		} else if (n > 0) {
			char *more = realloc(all, len + (size_t)n + 1);
			if (!more)
				break;
			all = more;
			memcpy(all + len, buf, (size_t)n);
			len += (size_t)n;
		} else if (n == 0 || errno != EINTR) {
			break;
		}
	}
	close(p[0]);
	xt_rt_end_process(pid, 0, -1); /* waits for it; a stop signal kills it */
	if (json) {
		if (all)
			all[len] = 0;
		print_text(rt, "syscall", all ? all : "");
	}
	free(all);
	free(cmd);
}

/* time([fmt]): the wall-clock time, formatted by strftime in user space. */
static const struct xt_type *time_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *fmt = n->list;
	if (fmt && fmt->kind != XT_N_STR) {
		xt_diag_error(xt_sema_diags(s), fmt->loc, "time() needs a string literal as its format");
		return NULL;
	}
	if (!fmt) {
		fmt = xt_node_new(xt_sema_arena(s), XT_N_STR, n->loc);
		fmt->sval = "%H:%M:%S\n";
	}
	n->aux = xt_sema_add_fmt(s, fmt, NULL);
	return &xt_void;
}

static LLVMValueRef time_emit(struct xt_cg *cg, struct xt_node *n)
{
	xt_cg_event(cg, n->sym, (uint32_t)n->aux, xt_cg_buf(cg, 8, "time"), 0);
	return NULL;
}

/* {format id}: the format's text is the strftime format */
static void time_event(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	const struct xt_program *prog = xt_rt_program(rt);
	if (id >= (uint32_t)prog->nfmts)
		return;
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	char buf[512];
	size_t n = strftime(buf, sizeof(buf), prog->fmts[id]->fmt, &tm);
	buf[n] = 0;
	print_text(rt, "time", buf);
}

static const struct {
	const char *name;
	int num;
} signals[] = {
	{ "SIGHUP", 1 }, { "SIGINT", 2 }, { "SIGQUIT", 3 }, { "SIGILL", 4 }, { "SIGTRAP", 5 },
	{ "SIGABRT", 6 }, { "SIGBUS", 7 }, { "SIGFPE", 8 }, { "SIGKILL", 9 }, { "SIGUSR1", 10 },
	{ "SIGSEGV", 11 }, { "SIGUSR2", 12 }, { "SIGPIPE", 13 }, { "SIGALRM", 14 }, { "SIGTERM", 15 },
	{ "SIGCHLD", 17 }, { "SIGCONT", 18 }, { "SIGSTOP", 19 }, { "SIGTSTP", 20 },
};

/* signal(sig): sends sig to the current task (bpf_send_signal). */
static const struct xt_type *signal_type(struct xt_sema *s, struct xt_node *n)
{
	if (!unsafe_ok(s, n))
		return NULL;
	struct xt_node *a = n->list;
	const struct xt_type *t = xt_sema_expr(s, a);
	if (!t)
		return NULL;
	if (a->kind == XT_N_STR) {
		for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
			if (strcmp(a->sval, signals[i].name) == 0 || strcmp(a->sval, signals[i].name + 3) == 0) {
				a->kind = XT_N_INT;
				a->ival = (uint64_t)signals[i].num;
				return &xt_void;
			}
		xt_diag_error(xt_sema_diags(s), a->loc, "unknown signal \"%s\"", a->sval);
		return NULL;
	}
	if (!xt_type_is_int(t)) {
		xt_diag_error(xt_sema_diags(s), a->loc, "signal() needs a signal number or name");
		return NULL;
	}
	if (a->kind == XT_N_INT && (a->ival < 1 || a->ival > 64)) {
		xt_diag_error(xt_sema_diags(s), a->loc, "signal %llu is out of range (1 to 64)", (unsigned long long)a->ival);
		return NULL;
	}
	return &xt_void;
}

static LLVMValueRef signal_emit(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef sig = LLVMBuildTrunc(cg->b, xt_cg_expr(cg, n->list), cg->i32, "");
	xt_cg_helper(cg, XT_H_SEND_SIGNAL, false, &sig, 1);
	return NULL;
}

/* signal_thread(sig): as signal(), to the current thread only (bpf_send_signal_thread). */
static LLVMValueRef signal_thread_emit(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef sig = LLVMBuildTrunc(cg->b, xt_cg_expr(cg, n->list), cg->i32, "");
	xt_cg_helper(cg, XT_H_SEND_SIGNAL_THREAD, false, &sig, 1);
	return NULL;
}

/* Whether the kernel lets tracing programs call helper `id` (bpf_probe_write_user
 * needs CAP_SYS_ADMIN and no lockdown): a program calling it, loaded once, must
 * not be refused for the call itself. libbpf_probe_bpf_helper() misses the
 * refusal "program of this type cannot use helper". */
static bool helper_offered(int id)
{
	static int offered[256];
	if (id < 0 || id >= 256)
		return false;
	if (offered[id])
		return offered[id] > 0;
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3 },
		{ .code = BPF_JMP | BPF_CALL, .imm = id },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	char log[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log), .log_level = 1);
	int fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", insns, sizeof(insns) / sizeof(insns[0]), &o);
	if (fd >= 0)
		close(fd);
	offered[id] = fd >= 0 || !(strstr(log, "cannot use helper") || strstr(log, "unknown func") ||
				   strstr(log, "invalid func")) ? 1 : -1;
	return offered[id] > 0;
}

/* write_user(dst, src, len): copies len bytes of src (a string, buffer or
 * integer value of this program) to user address dst (bpf_probe_write_user,
 * bpftrace 0.26); true when the kernel wrote them. len is a literal, at most
 * src's size. */
static const struct xt_type *write_user_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_node *dst = n->list, *src = dst->next, *len = src->next;
	if (!unsafe_ok(s, n))
		return NULL;
	const struct xt_type *dt = xt_sema_expr(s, dst), *st = dt ? xt_sema_expr(s, src) : NULL,
			     *lt = st ? xt_sema_expr(s, len) : NULL;
	if (!lt)
		return NULL;
	if (dt->kind != XT_T_PTR && (!xt_type_is_int(dt) || dt->kind == XT_T_BOOL)) {
		xt_diag_error(dg, dst->loc, "write_user() needs a user address to write to, not %s",
			      xt_type_name(xt_sema_arena(s), dt));
		return NULL;
	}
	if (st->kind != XT_T_STR && st->kind != XT_T_BUF && !(xt_type_is_int(st) && st->kind != XT_T_BOOL)) {
		xt_diag_error(dg, src->loc, "write_user() writes a string, a buffer or an integer, not %s",
			      xt_type_name(xt_sema_arena(s), st));
		return NULL;
	}
	if (!helper_offered(XT_H_PROBE_WRITE_USER)) {
		xt_diag_error(dg, n->loc, "write_user(): this kernel does not let BPF programs write user memory "
			      "(it refuses bpf_probe_write_user: lockdown, or no CAP_SYS_ADMIN)");
		return NULL;
	}
	int have = st->kind == XT_T_BUF ? st->size - 8 : st->kind == XT_T_STR ? st->size : 8;
	if (len->kind != XT_N_INT || len->ival < 1 || len->ival > (uint64_t)have) {
		xt_diag_error(dg, len->loc, "write_user() needs a length literal from 1 to %d (the size of what it writes)", have);
		return NULL;
	}
	return &xt_bool;
}

static LLVMValueRef write_user_emit(struct xt_cg *cg, struct xt_node *n)
{
	struct xt_node *dst = n->list, *src = dst->next, *len = src->next;
	LLVMValueRef to = LLVMBuildIntToPtr(cg->b, xt_cg_expr(cg, dst), cg->ptr, "");
	LLVMValueRef from;
	if (xt_type_is_int(src->type)) { /* the integer's bytes, as stored in memory */
		from = xt_cg_buf(cg, 8, "wu");
		xt_cg_store(cg, from, &xt_u64, xt_cg_expr(cg, src), src->type);
	} else {
		from = xt_cg_expr(cg, src);
		if (src->type->kind == XT_T_BUF)
			from = xt_cg_gep(cg, from, xt_cg_i64(cg, 8));
	}
	LLVMValueRef args[] = { to, from, LLVMConstInt(cg->i32, len->ival, 0) };
	LLVMValueRef rc = xt_cg_helper(cg, XT_H_PROBE_WRITE_USER, false, args, 3);
	rc = LLVMBuildTrunc(cg->b, rc, cg->i32, "");
	return LLVMBuildZExt(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, rc, LLVMConstInt(cg->i32, 0, 0), ""), cg->i64, "written");
}

/* --- debugf(): bpf_trace_printk, to the kernel's trace buffer ------------------
 * As bpftrace has it (0.17 on, undocumented in 0.26): the format and at most
 * three integer or string arguments go to /sys/kernel/tracing/trace_pipe,
 * formatted by the kernel, with a warning that it is not for production. */
static const struct xt_type *debugf_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_node *fmt = n->list;
	if (fmt->kind != XT_N_STR) {
		xt_diag_error(dg, fmt->loc, "debugf() needs a string literal as its format");
		return NULL;
	}
	char convs[4];
	size_t bad = 0;
	int nconv = xt_printf_parse(fmt->sval, convs, 4, &bad);
	int nargs = xt_node_count(fmt->next);
	if (nconv < 0 || nconv != nargs || nargs > 3) {
		xt_diag_error(dg, n->loc, nconv < 0 ? "debugf(): invalid conversion in its format"
			      : nargs > 3 ? "debugf() takes at most 3 arguments (bpf_trace_printk's limit)"
			      : "debugf() format and arguments do not match");
		return NULL;
	}
	int i = 0;
	for (struct xt_node *a = fmt->next; a; a = a->next, i++) {
		const struct xt_type *t = xt_sema_expr(s, a);
		if (!t)
			return NULL;
		bool str = convs[i] == 's';
		if (str ? t->kind != XT_T_STR : !(xt_type_is_int(t) || t->kind == XT_T_PTR) || strchr("rg", convs[i])) {
			xt_diag_error(dg, a->loc, "debugf() %%%c cannot print a %s", convs[i], xt_type_name(xt_sema_arena(s), t));
			return NULL;
		}
	}
	if (xt_sema_final(s))
		xt_diag_warning(dg, n->loc, "The debugf() builtin is not recommended for production use. "
				"For more information see bpf_trace_printk in bpf-helpers(7).");
	return &xt_void;
}

static LLVMValueRef debugf_emit(struct xt_cg *cg, struct xt_node *n)
{
	struct xt_node *fmt = n->list;
	LLVMValueRef args[5] = { xt_cg_expr(cg, fmt), LLVMConstInt(cg->i32, fmt->slen + 1, 0) };
	int k = 2;
	for (struct xt_node *a = fmt->next; a; a = a->next, k++) {
		LLVMValueRef v = xt_cg_expr(cg, a);
		if (a->type->kind == XT_T_STR) {
			args[k] = LLVMBuildPtrToInt(cg->b, v, cg->i64, "");
		} else { /* widened as its type says, through memory as printf's values are */
			LLVMValueRef slot = xt_cg_buf(cg, 8, "debugf_arg");
			xt_cg_store(cg, slot, a->type->sign ? &xt_s64 : &xt_u64, v, a->type);
			args[k] = LLVMBuildLoad2(cg->b, cg->i64, slot, "");
		}
	}
	xt_cg_helper(cg, XT_H_TRACE_PRINTK, false, args, (unsigned)k);
	return NULL;
}

/* --- fail() and static_assert(): errors the compiler raises -------------------
 * fail(fmt, literals...) is an error where code generation reaches it: a
 * branch whose condition folds to false (`if ($1 < 2)` with $1 given as 5)
 * keeps it quiet, as bpftrace 0.25 has it. static_assert(cond, msg) is one
 * when cond, a constant, is false. */

/* The value of a constant expression (literals, operators on them); false if
 * it is not one. */
static bool const_value(const struct xt_node *e, int64_t *v)
{
	int64_t a, b;
	switch (e->kind) {
	case XT_N_INT:
	case XT_N_BOOL:
		*v = (int64_t)e->ival;
		return true;
	case XT_N_UNOP:
		if (!const_value(e->a, &a))
			return false;
		switch (e->op) {
		case XT_OP_NEG: *v = -a; return true;
		case XT_OP_LNOT: *v = !a; return true;
		case XT_OP_BNOT: *v = ~a; return true;
		default: return false;
		}
	case XT_N_BINOP:
		if (!const_value(e->a, &a) || !const_value(e->b, &b))
			return false;
		switch (e->op) {
		case XT_OP_ADD: *v = a + b; return true;
		case XT_OP_SUB: *v = a - b; return true;
		case XT_OP_MUL: *v = a * b; return true;
		case XT_OP_DIV: *v = b ? a / b : 1; return true;
		case XT_OP_MOD: *v = b ? a % b : 1; return true;
		case XT_OP_BAND: *v = a & b; return true;
		case XT_OP_BOR: *v = a | b; return true;
		case XT_OP_BXOR: *v = a ^ b; return true;
		case XT_OP_LAND: *v = a && b; return true;
		case XT_OP_LOR: *v = a || b; return true;
		case XT_OP_EQ: *v = a == b; return true;
		case XT_OP_NE: *v = a != b; return true;
		case XT_OP_LT: *v = a < b; return true;
		case XT_OP_LE: *v = a <= b; return true;
		case XT_OP_GT: *v = a > b; return true;
		case XT_OP_GE: *v = a >= b; return true;
		default: return false;
		}
	default:
		return false;
	}
}

/* fail's message, formatted now from its literal arguments; NULL after a diagnostic. */
static const char *fail_message(struct xt_sema *s, struct xt_node *n)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_node *fmt = n->list;
	if (fmt->kind != XT_N_STR) {
		xt_diag_error(dg, fmt->loc, "%s() needs a string literal as its format", n->name);
		return NULL;
	}
	struct xt_val args[64];
	int nargs = 0;
	for (struct xt_node *a = fmt->next; a; a = a->next) {
		if (!xt_sema_expr(s, a))
			return NULL;
		int64_t v;
		if (nargs == 64) {
			xt_diag_error(dg, a->loc, "%s() takes at most 64 arguments", n->name);
			return NULL;
		}
		if (a->kind == XT_N_STR) {
			args[nargs].kind = XT_VAL_STR;
			args[nargs++].s = a->sval;
		} else if (const_value(a, &v)) {
			args[nargs].kind = XT_VAL_INT;
			args[nargs++].i = v;
		} else {
			xt_diag_error(dg, a->loc, "%s() arguments must be literals: they are formatted when compiling", n->name);
			return NULL;
		}
	}
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	int rc = mem ? xt_print_printf(mem, XT_FMT_TEXT, fmt->sval, args, nargs) : -ENOMEM;
	if (mem)
		fclose(mem);
	const char *msg = rc == 0 && text ? xt_arena_strdup(xt_sema_arena(s), text) : NULL;
	free(text);
	if (!msg)
		xt_diag_error(dg, fmt->loc, "%s() format does not match its arguments", n->name);
	return msg;
}

static const struct xt_type *fail_type(struct xt_sema *s, struct xt_node *n)
{
	const char *msg = fail_message(s, n);
	if (!msg)
		return NULL;
	n->sval = msg;
	return &xt_void;
}

/* Whether control can reach `bb`: some edge into it is not the untaken side
 * of a branch on a constant (the builder folds `if (0)` conditions to one).
 * A block nothing jumps to is where the probe's body starts. */
static bool reachable(LLVMBasicBlockRef bb, LLVMBasicBlockRef *seen, int *nseen, int depth)
{
	for (int i = 0; i < *nseen; i++)
		if (seen[i] == bb)
			return false; /* on the path already: a loop's back edge */
	if (*nseen >= 256 || depth > 200)
		return true;
	seen[(*nseen)++] = bb;
	bool any = false;
	for (LLVMUseRef u = LLVMGetFirstUse(LLVMBasicBlockAsValue(bb)); u; u = LLVMGetNextUse(u)) {
		LLVMValueRef term = LLVMGetUser(u);
		if (!LLVMIsAInstruction(term) || !LLVMIsATerminatorInst(term))
			continue;
		any = true;
		bool live = true;
		if (LLVMIsABranchInst(term) && LLVMIsConditional(term) && LLVMIsAConstantInt(LLVMGetCondition(term))) {
			bool taken = LLVMConstIntGetZExtValue(LLVMGetCondition(term)) != 0;
			live = LLVMGetSuccessor(term, taken ? 0 : 1) == bb;
		}
		if (live && reachable(LLVMGetInstructionParent(term), seen, nseen, depth + 1)) {
			(*nseen)--;
			return true;
		}
	}
	(*nseen)--;
	return !any;
}

static LLVMValueRef fail_emit(struct xt_cg *cg, struct xt_node *n)
{
	LLVMBasicBlockRef seen[256];
	int nseen = 0;
	if (cg->dg && reachable(LLVMGetInsertBlock(cg->b), seen, &nseen, 0))
		xt_diag_error(cg->dg, n->loc, "%s", n->sval);
	return NULL;
}

static const struct xt_type *static_assert_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_node *cond = n->list, *msg = cond->next;
	if (!xt_sema_expr(s, cond))
		return NULL;
	int64_t v;
	if (!const_value(cond, &v)) {
		xt_diag_error(dg, cond->loc, "static_assert() needs a condition known when compiling");
		return NULL;
	}
	if (msg->kind != XT_N_STR) {
		xt_diag_error(dg, msg->loc, "static_assert() needs a string literal as its message");
		return NULL;
	}
	if (!v) {
		xt_diag_error(dg, n->loc, "%s", msg->sval);
		return NULL;
	}
	return &xt_void;
}

static LLVMValueRef nothing_emit(struct xt_cg *cg, struct xt_node *n)
{
	return NULL;
}

/* exit([code]): code (bpftrace 0.21) is xtrace's exit status. */
static const struct xt_type *exit_type(struct xt_sema *s, struct xt_node *n)
{
	const struct xt_type *t = n->list ? xt_sema_expr(s, n->list) : &xt_void;
	if (t && n->list && !xt_type_is_int(t)) {
		xt_diag_error(xt_sema_diags(s), n->list->loc, "exit() takes an integer exit status, not a %s",
			      xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	return t ? &xt_void : NULL;
}

/* exit() ends the probe too: statements after it never run, as in bpftrace.
 * Its record: {u64 exit status}. */
static LLVMValueRef exit_emit(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef buf = xt_cg_buf(cg, 16, "exit");
	if (n->list)
		xt_cg_store(cg, xt_cg_gep(cg, buf, xt_cg_i64(cg, 8)), &xt_s64, xt_cg_expr(cg, n->list), n->list->type);
	xt_cg_event(cg, n->sym, 0, buf, 8);
	xt_cg_stop(cg);
	return NULL;
}

/* assert(cond, msg) (bpftrace 0.24): when cond is false, the probe reports
 * "assert failed: MSG" under the call's location and xtrace exits with 1. */
static const struct xt_type *assert_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *cond = n->list, *msg = cond->next;
	const struct xt_type *t = xt_sema_expr(s, cond);
	if (!t)
		return NULL;
	if (!xt_type_is_int(t) && t->kind != XT_T_BOOL && t->kind != XT_T_PTR) {
		xt_diag_error(xt_sema_diags(s), cond->loc, "assert() needs a condition, not a %s",
			      xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	if (msg->kind != XT_N_STR) {
		xt_diag_error(xt_sema_diags(s), msg->loc, "assert() needs a string literal as its message");
		return NULL;
	}
	/* The message becomes a format without conversions: '%' doubled. */
	struct xt_arena *ar = xt_sema_arena(s);
	size_t len = strlen(msg->sval), k = 0;
	char *text = xt_arena_alloc(ar, 2 * len + 1);
	for (size_t i = 0; i < len; i++)
		if ((text[k++] = msg->sval[i]) == '%')
			text[k++] = '%';
	struct xt_node *fmt = xt_node_new(ar, XT_N_STR, msg->loc);
	fmt->sval = xt_arena_printf(ar, "assert failed: %s", text);
	n->aux = xt_sema_add_fmt(s, fmt, NULL);
	if (xt_sema_final(s))
		xt_sema_program(s)->fmts[n->aux]->loc = n->loc;
	return &xt_void;
}

static LLVMValueRef assert_emit(struct xt_cg *cg, struct xt_node *n)
{
	LLVMValueRef v = xt_cg_expr(cg, n->list);
	LLVMValueRef ok = LLVMBuildICmp(cg->b, LLVMIntNE, v, LLVMConstNull(LLVMTypeOf(v)), "");
	LLVMBasicBlockRef fail = xt_cg_block(cg, "assert_failed"), cont = xt_cg_block(cg, "assert_held");
	LLVMBuildCondBr(cg->b, ok, cont, fail);
	LLVMPositionBuilderAtEnd(cg->b, fail);
	xt_cg_event(cg, n->sym, (uint32_t)cg->prog->fmts[n->aux]->id, xt_cg_buf(cg, 8, "assert"), 0);
	xt_cg_stop(cg);
	LLVMBuildBr(cg->b, cont); /* from the dead block xt_cg_stop leaves the builder in */
	LLVMPositionBuilderAtEnd(cg->b, cont);
	return NULL;
}

static void assert_event(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	located_event(rt, "error", id, payload, size);
	xt_rt_exit(rt, 1);
}

static void exit_event(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	int64_t status = 0;
	if (size >= 8)
		memcpy(&status, payload, 8);
	xt_rt_exit(rt, (int)status);
}

/* join(argv[, sep]): prints the strings of a NULL-terminated char *[] (at
 * most 16, as bpftrace) separated by sep (default " "), then a newline. */
enum { JOIN_MAX = 16 };

static int join_slot(const struct xt_program *prog)
{
	return prog->opts.max_strlen < 1024 ? prog->opts.max_strlen : 1024;
}

static const struct xt_type *join_type(struct xt_sema *s, struct xt_node *n)
{
	struct xt_node *a = n->list, *sep = a->next;
	const struct xt_type *t = xt_sema_expr(s, a);
	if (!t)
		return NULL;
	if (!xt_type_is_int(t) && t->kind != XT_T_PTR) {
		xt_diag_error(xt_sema_diags(s), a->loc, "join() needs a char *[] (a pointer), not %s",
			      xt_type_name(xt_sema_arena(s), t));
		return NULL;
	}
	if (sep && sep->kind != XT_N_STR) {
		xt_diag_error(xt_sema_diags(s), sep->loc, "join() needs a string literal as its separator");
		return NULL;
	}
	if (!sep) {
		sep = xt_node_new(xt_sema_arena(s), XT_N_STR, n->loc);
		sep->sval = " ";
	}
	n->aux = xt_sema_add_fmt(s, sep, NULL);
	return &xt_void;
}

static LLVMValueRef join_emit(struct xt_cg *cg, struct xt_node *n)
{
	int slot = join_slot(cg->prog), size = 8 + JOIN_MAX * slot;
	LLVMValueRef argv = xt_cg_expr(cg, n->list);
	LLVMValueRef rec = xt_cg_buf(cg, 8 + size, "join");
	LLVMValueRef ptr = xt_cg_buf(cg, 8, "argp");
	LLVMBasicBlockRef done = xt_cg_block(cg, "joined");
	for (int i = 0; i < JOIN_MAX; i++) {
		LLVMValueRef at = LLVMBuildAdd(cg->b, argv, xt_cg_i64(cg, 8 * i), "");
		LLVMBuildStore(cg->b, xt_cg_i64(cg, 0), ptr);
		xt_cg_probe_read(cg, ptr, xt_cg_i64(cg, 8), at, false);
		LLVMValueRef s = LLVMBuildLoad2(cg->b, cg->i64, ptr, "");
		LLVMBasicBlockRef more = xt_cg_block(cg, "joinarg");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, s, xt_cg_i64(cg, 0), ""), done, more);
		LLVMPositionBuilderAtEnd(cg->b, more);
		LLVMBuildStore(cg->b, xt_cg_i64(cg, i + 1), xt_cg_gep(cg, rec, xt_cg_i64(cg, 8)));
		xt_cg_probe_read(cg, xt_cg_gep(cg, rec, xt_cg_i64(cg, 16 + i * slot)), xt_cg_i64(cg, slot), s, true);
	}
	LLVMBuildBr(cg->b, done);
	LLVMPositionBuilderAtEnd(cg->b, done);
	xt_cg_event(cg, n->sym, (uint32_t)n->aux, rec, size);
	return NULL;
}

/* {format id (its text is the separator), u64 n, 16 strings of join_slot bytes}:
 * the strings, separated, and a newline. */
static void join_event(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	const struct xt_program *prog = xt_rt_program(rt);
	size_t slot = (size_t)join_slot(prog);
	uint64_t n;
	if (id >= (uint32_t)prog->nfmts || size < 8)
		return;
	memcpy(&n, payload, 8);
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem)
		return;
	for (uint64_t i = 0; i < n && i < JOIN_MAX && 8 + (i + 1) * slot <= size; i++) {
		const char *s = (const char *)payload + 8 + i * slot;
		if (i)
			fputs(prog->fmts[id]->fmt, mem);
		fwrite(s, 1, strnlen(s, slot), mem);
	}
	fclose(mem);
	const struct xt_rt_opts *o = xt_rt_options(rt);
	if (o->format == XT_FMT_JSON)
		print_text(rt, "join", text ? text : "");
	else
		fprintf(o->out, "%s\n", text ? text : "");
	free(text);
}

const struct xt_builtin xt_bi_join = { .name = "join", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 2,
	.flags = XT_BIF_NOVALUE, .check = join_type, .emit = join_emit, .on_event = join_event,
	.help = "join(argv[, sep]): print the strings of a char *argv[] (at most 16) separated by sep (\" \")" };

/* The printf family: a format and up to 64 arguments in one record, which
 * each handles its own way in user space. */
#define FMTFN(sym, nm, chk, ev, hlp) \
	const struct xt_builtin sym = { .name = nm, .kind = XT_BI_FUNC, .min_args = 1, .max_args = 65, \
		.flags = XT_BIF_NOVALUE, .check = chk, .emit = fmt_emit, .on_event = ev, .help = hlp }
FMTFN(xt_bi_printf, "printf", printf_type, printf_event, "printf(fmt, ...): print formatted text");
FMTFN(xt_bi_errorf, "errorf", printf_type, errorf_event,
      "errorf(fmt, ...): report an error at this call, on stderr; tracing goes on");
FMTFN(xt_bi_warnf, "warnf", printf_type, warnf_event, "warnf(fmt, ...): report a warning at this call, on stderr");
FMTFN(xt_bi_cat, "cat", printf_type, cat_event, "cat(fmt, ...): print the contents of the file named by fmt");
FMTFN(xt_bi_system, "system", system_type, system_event, "system(fmt, ...): run a shell command (needs --unsafe)");
const struct xt_builtin xt_bi_time = { .name = "time", .kind = XT_BI_FUNC, .min_args = 0, .max_args = 1,
	.flags = XT_BIF_NOVALUE, .check = time_type, .emit = time_emit, .on_event = time_event,
	.help = "time([fmt]): print the time of day (strftime format, default \"%H:%M:%S\\n\")" };
const struct xt_builtin xt_bi_signal = { .name = "signal", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 1,
	.flags = XT_BIF_NOVALUE, .check = signal_type, .emit = signal_emit,
	.help = "signal(sig): send a signal to the current task (needs --unsafe)" };
const struct xt_builtin xt_bi_assert = { .name = "assert", .kind = XT_BI_FUNC, .min_args = 2, .max_args = 2,
	.flags = XT_BIF_NOVALUE, .check = assert_type, .emit = assert_emit, .on_event = assert_event,
	.help = "assert(cond, msg): when cond is false, report \"assert failed: msg\" and exit with status 1" };
const struct xt_builtin xt_bi_exit = { .name = "exit", .kind = XT_BI_FUNC, .min_args = 0, .max_args = 1,
	.flags = XT_BIF_NOVALUE | XT_BIF_ENDS, .check = exit_type, .emit = exit_emit, .on_event = exit_event,
	.help = "exit([status]): print the maps and quit (with exit status `status`)" };
const struct xt_builtin xt_bi_signal_thread = { .name = "signal_thread", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 1,
	.flags = XT_BIF_NOVALUE, .check = signal_type, .emit = signal_thread_emit,
	.help = "signal_thread(sig): send a signal to the current thread only (needs --unsafe)" };
const struct xt_builtin xt_bi_write_user = { .name = "write_user", .kind = XT_BI_FUNC, .min_args = 3, .max_args = 3,
	.check = write_user_type, .emit = write_user_emit,
	.help = "write_user(dst, src, len): write len bytes of src to user address dst; whether it worked (needs --unsafe)" };
const struct xt_builtin xt_bi_debugf = { .name = "debugf", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 65,
	.flags = XT_BIF_NOVALUE, .check = debugf_type, .emit = debugf_emit,
	.help = "debugf(fmt, ...): write to the kernel's trace buffer (trace_pipe) with bpf_trace_printk; at most 3 arguments" };
const struct xt_builtin xt_bi_fail = { .name = "fail", .kind = XT_BI_FUNC, .min_args = 1, .max_args = 65,
	.flags = XT_BIF_NOVALUE, .check = fail_type, .emit = fail_emit,
	.help = "fail(fmt, literals...): a compile error with this message where the code can be reached" };
const struct xt_builtin xt_bi_static_assert = { .name = "static_assert", .kind = XT_BI_FUNC, .min_args = 2, .max_args = 2,
	.flags = XT_BIF_NOVALUE, .check = static_assert_type, .emit = nothing_emit,
	.help = "static_assert(cond, msg): a compile error with msg when the constant cond is false" };

/* -k: a helper that failed, reported as bpftrace reports it (runtime warning
 * with its location, the helper and its result, the source line marked);
 * records {u64 helper, i64 result, u64 line << 40 | first column << 20 |
 * last column} come from xt_cg_helper_failed. The run-time errors of
 * bpftrace 0.26 that need no -k come the same way (xt_cg_runtime_error): a
 * divide or modulo by 0 (helper XT_RTE_DIVZERO), an index out of range
 * (XT_RTE_BOUNDS), a map update refused (a full map). --no-warnings silences them all. */
static void helper_error_event(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size)
{
	const struct xt_rt_opts *o = xt_rt_options(rt);
	const struct xt_program *prog = xt_rt_program(rt);
	if (size < 24 || o->no_warnings)
		return;
	uint64_t helper, where;
	int64_t ret;
	memcpy(&helper, payload, 8);
	memcpy(&ret, payload + 8, 8);
	memcpy(&where, payload + 16, 8);
	int line = (int)(where >> 40), first = (int)(where >> 20 & 0xfffff), last = (int)(where & 0xfffff);
	const char *name = helper == BPF_FUNC_map_lookup_elem ? "map_lookup_elem"
		: helper == BPF_FUNC_map_update_elem ? "map_update_elem" : helper == 112 ? "probe_read_user"
		: helper == 113 ? "probe_read_kernel" : helper == 114 ? "probe_read_user_str"
		: helper == 115 ? "probe_read_kernel_str" : "helper";
	bool divzero = helper == XT_RTE_DIVZERO, bounds = helper == XT_RTE_BOUNDS;
	char msg[256];
	if (divzero)
		snprintf(msg, sizeof(msg), "Divide or modulo by 0 detected. This can lead to unexpected results. "
			 "1 is being used as the result.");
	else if (bounds)
		snprintf(msg, sizeof(msg), "Array access out of bounds. This can lead to unexpected results.");
	else if (helper == BPF_FUNC_map_lookup_elem)
		snprintf(msg, sizeof(msg), "Can't lookup map element because it does not exist.");
	else if (helper == BPF_FUNC_map_update_elem && ret == -E2BIG)
		snprintf(msg, sizeof(msg), "Map full; can't update element. Try increasing max_map_keys config or "
			 "manually setting the max entries in a map declaration e.g. `let @a = hash(5000)`");
	else if (helper == BPF_FUNC_map_update_elem)
		snprintf(msg, sizeof(msg), "Can't update map element: %s", strerror((int)-ret));
	else
		snprintf(msg, sizeof(msg), "Failed to read memory: %s", strerror((int)-ret));
	fflush(o->out);
	if (o->format == XT_FMT_JSON) { /* bpftrace 0.26's runtime_error and helper_error records */
		if (divzero || bounds) {
			fputs("{\"type\": \"runtime_error\", \"msg\": ", o->out);
			xt_print_json_str(o->out, msg);
		} else {
			fputs("{\"type\": \"helper_error\", \"msg\": ", o->out);
			xt_print_json_str(o->out, helper == BPF_FUNC_map_lookup_elem ? msg : strerror((int)-ret));
			fputs(", \"helper\": ", o->out);
			xt_print_json_str(o->out, name);
			fprintf(o->out, ", \"retcode\": %lld", (long long)ret);
		}
		fputs(", \"filename\": ", o->out);
		xt_print_json_str(o->out, json_file(prog));
		fprintf(o->out, ", \"line\": %d, \"col\": %d}\n", line, first);
		return;
	}
	const char *file = prog->src ? prog->src->name : "<stdin>";
	if (line > 0)
		fprintf(stderr, "%s:%d:%d-%d: warning: %s\n", file, line, first, last, msg);
	else
		fprintf(stderr, "%s: warning: %s\n", file, msg);
	if (!divzero && !bounds)
		fprintf(stderr, "Additional Info - helper: %s, retcode: %lld\n", name, (long long)ret);
	const char *text = prog->src ? prog->src->text : NULL;
	for (int l = 1; text && l < line; l++) {
		text = strchr(text, '\n');
		text = text ? text + 1 : NULL;
	}
	if (text && line > 0 && first > 0 && last >= first) {
		int len = (int)strcspn(text, "\n");
		fprintf(stderr, "%.*s\n%*s", len, text, first - 1, "");
		for (int i = first; i <= last; i++)
			fputc('~', stderr);
		fputc('\n', stderr);
	}
}

static const struct xt_type *helper_error_type(struct xt_sema *s, struct xt_node *n)
{
	xt_diag_error(xt_sema_diags(s), n->loc, "%s is internal to -k", n->name);
	return NULL;
}

/* Not callable: its name is no identifier. */
const struct xt_builtin xt_bi_helper_error = { .name = "-k", .kind = XT_BI_FUNC, .flags = XT_BIF_HELPER_ERRORS | XT_BIF_NOVALUE,
	.check = helper_error_type, .on_event = helper_error_event,
	.help = "(not callable) run-time warnings: divides by 0, indexes out of range, full maps; with -k failed memory reads, lookups of missing map keys" };
