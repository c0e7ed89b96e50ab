/* A large compilation runs in a child process: LLVM cannot be interrupted,
 * and a program of thousands of statements keeps it busy for seconds, deaf
 * to Ctrl-C. The parent waits with the stop signals in view and, when one
 * comes, kills the child and returns at once (nothing is loaded yet). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "codegen/cg_int.h"

/* A program of more AST nodes than this (about 500 map statements, a tenth
 * of a second of LLVM's time) is compiled apart. The fork costs a few
 * milliseconds: the child writes little of what the parent had. */
#define APART_NODES 2000

static struct xt_codegen_stop stop_hooks;

void xt_codegen_set_stop(const struct xt_codegen_stop *stop)
{
	stop_hooks = *stop;
}

bool xt_cg_stop_pending(void)
{
	return stop_hooks.pending && stop_hooks.pending();
}

bool xt_cg_apart_wanted(const struct xt_program *prog)
{
	return stop_hooks.wait && prog->ast && xt_cg_count_nodes(prog->ast, APART_NODES + 1) > APART_NODES;
}

static int write_all(int fd, const void *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

/* The child: compiles, then sends {rc, errors, diagnostics, IR, object}. */
static void child(int fd, const struct xt_program *prog, unsigned flags, struct xt_compiled *out, struct xt_diags *dg)
{
	stop_hooks = (struct xt_codegen_stop){ 0 }; /* the parent is the one that hears signals */
	size_t len0 = dg ? dg->len : 0;
	int errors0 = dg ? dg->errors : 0;
	int rc = xt_cg_compile(prog, flags, out, dg); /* LLVM's fatal errors: a message, exit 1 */
	uint64_t head[5] = { (uint64_t)(int64_t)rc, dg ? (uint64_t)(dg->errors - errors0) : 0,
			     dg ? dg->len - len0 : 0, out->ir ? strlen(out->ir) : 0, out->elf_size };
	bool ok = write_all(fd, head, sizeof(head)) == 0 && write_all(fd, dg ? dg->buf + len0 : "", head[2]) == 0 &&
		  write_all(fd, out->ir, head[3]) == 0 && write_all(fd, out->elf, head[4]) == 0;
	_exit(ok ? 0 : 2);
}

/* Appends the child's rendered diagnostics to dg. */
static void diags_append(struct xt_diags *dg, const char *text, size_t n, int errors)
{
	if (!dg)
		return;
	dg->errors += errors;
	if (n == 0)
		return;
	if (dg->len + n + 1 > dg->cap) {
		size_t cap = dg->len + n + 1;
		char *b = realloc(dg->buf, cap);
		if (!b)
			return;
		dg->buf = b;
		dg->cap = cap;
	}
	memcpy(dg->buf + dg->len, text, n);
	dg->len += n;
	dg->buf[dg->len] = 0;
}

int xt_cg_compile_apart(const struct xt_program *prog, unsigned flags, struct xt_compiled *out, struct xt_diags *dg)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return xt_cg_compile(prog, flags, out, dg);
	fflush(NULL); /* nothing buffered is written twice */
	pid_t parent = getpid(), pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return xt_cg_compile(prog, flags, out, dg);
	}
	if (pid == 0) {
		close(fds[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* with the parent gone (SIGKILL), the work is moot */
		if (getppid() != parent)
			_exit(2);
		child(fds[1], prog, flags, out, dg);
	}
	close(fds[1]);
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int err = 0;
	for (;;) {
		if (stop_hooks.wait(fds[0]) == 0) {
			err = -EINTR;
			kill(pid, SIGKILL);
			break;
		}
		if (len == cap) {
			cap = cap ? 2 * cap : 1 << 16;
			char *nb = realloc(buf, cap);
			if (!nb) {
				err = -ENOMEM;
				kill(pid, SIGKILL);
				break;
			}
			buf = nb;
		}
		ssize_t r = read(fds[0], buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fds[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	uint64_t head[5] = { 0 };
	if (!err && len >= sizeof(head))
		memcpy(head, buf, sizeof(head));
	if (!err && (len < sizeof(head) || len != sizeof(head) + head[2] + head[3] + head[4]))
		err = -EIO; /* the child died before it said everything */
	if (err == -EIO && WIFEXITED(st) && WEXITSTATUS(st) == 1) {
		/* LLVM's fatal error: the child said why and, as it would have
		 * here, that ends xtrace (codegen/emit_obj.c, on_fatal) */
		fflush(NULL);
		_exit(1);
	}
	if (err) {
		free(buf);
		if (err == -EINTR)
			return err;
		if (WIFSIGNALED(st))
			xt_diag_plain(dg, "internal error in code generation: the compiling process ended by signal %d (%s)",
				      WTERMSIG(st), strsignal(WTERMSIG(st)));
		else
			xt_diag_plain(dg, "internal error in code generation: no object from the compiling process (%s)",
				      strerror(-err));
		return -1;
	}
	const char *p = buf + sizeof(head);
	diags_append(dg, p, head[2], (int)head[1]);
	p += head[2];
	if (head[3])
		out->ir = strndup(p, head[3]);
	p += head[3];
	if (head[4] && (out->elf = malloc(head[4]))) {
		memcpy(out->elf, p, head[4]);
		out->elf_size = head[4];
	}
	free(buf);
	int rc = (int)(int64_t)head[0];
	if (rc == 0 && !out->elf) {
		xt_diag_plain(dg, "internal error in code generation: %s", strerror(ENOMEM));
		return -1;
	}
	return rc;
}
