/* The REPL: every entry is compiled, loaded and attached at once and keeps
 * running while the user adds, inspects and removes others. This file sets
 * the session up, runs the loop and handles signals; the rest of repl/ holds
 * one concern a file (repl_int.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include "repl/repl_int.h"

struct repl *xt_repl_cur;

/* Reaps the children nobody else waits for: the processes that release a
 * closed entry's links in the background. The -c command is on_child_exit's;
 * system()'s children are waited for before the loop runs again. */
static void reap(void)
{
	for (;;) {
		siginfo_t si = { 0 };
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid <= 0 || si.si_pid == R->child)
			return;
		waitpid(si.si_pid, NULL, WNOHANG);
	}
}

static void on_signal(void *ctx, const struct signalfd_siginfo *si)
{
	if (si->ssi_signo == SIGINT || si->ssi_signo == SIGTERM || si->ssi_signo == SIGHUP) {
		bool taken = R->interrupted;
		R->interrupted = false;
		if (taken && si->ssi_signo == SIGINT)
			return; /* it cancelled the entry being attached, and that is all */
	}
	switch (si->ssi_signo) {
	case SIGINT:
		if (R->watch) {
			xt_repl_watch_stop();
			return;
		}
		if (!xt_repl_flood_interrupt())
			xt_repl_input_interrupt();
		return;
	case SIGWINCH:
		xt_repl_watch_resize();
		xt_repl_input_resize();
		return;
	case SIGTERM:
	case SIGHUP:
		R->quit = true;
		return;
	case SIGCHLD:
		reap();
		return;
	default:
		return;
	}
}

int xt_repl(const struct xt_opts *opts)
{
	if (!xt_rt_have_rights()) {
		fprintf(stderr, "xtrace: loading BPF programs needs root (or the CAP_BPF and CAP_PERFMON capabilities); run it with sudo\n");
		return 1;
	}
	struct repl r = { .opts = *opts, .watch_fd = -1, .out = stdout, .child_go_fd = -1, .child_fd = -1,
			  .target_fd = -1 };
	R = &r;
	int status = 1;
	r.tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (opts->outpath) {
		int fd = open(opts->outpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		r.out = fd < 0 ? NULL : xt_out_open(fd, opts->outpath, true);
		if (!r.out) {
			fprintf(stderr, "xtrace: cannot write %s: %s\n", opts->outpath, strerror(errno));
			if (fd >= 0)
				close(fd);
			r.out = stdout;
			goto out;
		}
	}
	int err = xt_repl_membuf_open(&r.res);
	if (!err && r.out != stdout)
		err = xt_repl_membuf_open(&r.own);
	r.mem = r.res.f;
	r.talk = r.own.f ? r.own.f : r.res.f;
	r.loop = err ? NULL : xt_loop_new();
	if (!err)
		err = r.loop ? xt_loop_add(r.loop, STDIN_FILENO, xt_repl_on_stdin, NULL) : -ENOMEM;
	/* A regular file or /dev/null is always readable, and epoll refuses it. */
	if (err == -EPERM && !r.tty) {
		r.direct = true;
		err = 0;
	}
	if (err < 0) {
		fprintf(stderr, "xtrace: cannot start the session: %s\n", strerror(-err));
		goto out;
	}
	xt_loop_on_signal(r.loop, on_signal, NULL);
	if (xt_repl_session_start() < 0)
		goto out;
	xt_repl_input_start();

	while (!r.quit) {
		/* A file is read a piece at a time, and what probes sent
		 * meanwhile is handled between pieces; during .watch it waits.
		 * Lines read but not taken yet (an interrupted attach held them
		 * back) are taken once the loop has handled the signal. */
		if (r.interrupted && !xt_sig_stop_pending())
			r.interrupted = false; /* handled meanwhile */
		bool now = !r.tty && !r.watch && !r.interrupted && (xt_repl_lines_waiting() || r.in_end);
		if (now)
			xt_repl_take_input();
		else if ((now = r.direct && !r.watch))
			xt_repl_on_stdin(NULL);
		if (!r.quit && xt_loop_once(r.loop, now ? 0 : -1) < 0)
			break;
	}
	xt_repl_session_end();
	status = 0;
out:
	xt_repl_session_free();
	xt_repl_input_fini();
	xt_loop_free(r.loop);
	xt_repl_membuf_close(&r.res);
	xt_repl_membuf_close(&r.own);
	if (r.out != stdout) {
		int werr = xt_out_error(r.out); /* reported once already */
		if (fclose(r.out) != 0 || werr)
			status = 1;
	}
	R = NULL;
	return status;
}
