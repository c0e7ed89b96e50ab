/* The -c command: started once everything is attached, traced to its exit
 * when its stacks are to be symbolised, reaped, and ended when tracing ends
 * first. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "runtime/rt_int.h"
#include "runtime/symbols.h"

/* A -c command's stacks are printed after it ended, when its mappings are
 * gone from /proc; polling them misses a command that lives a few
 * milliseconds. So when the program symbolises user addresses, the command
 * is traced (PTRACE_SEIZE: it does not stop) with PTRACE_O_TRACEEXIT: it stops
 * at its exit with its address space intact, the mappings and files are read
 * then, and it is let go. Signals it receives meanwhile stop it as well and
 * are passed on at once. */
static void trace_child(struct xt_rt *rt)
{
	pid_t pid = rt->opts.child;
	if (pid <= 0 || !xt_sym_watched(pid))
		return;
	if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)(long)PTRACE_O_TRACEEXIT) == 0)
		rt->child_traced = true;
	else if (rt->opts.verbose)
		fprintf(stderr, "xtrace: cannot trace the command's exit (%s); its stacks may print as addresses\n",
			strerror(errno));
}

/* Resumes the traced command from stop `st` (or lets it go for good when
 * `release`); at its exit stop its mappings are read first. */
static void child_stopped(struct xt_rt *rt, int st, bool release)
{
	pid_t pid = rt->opts.child;
	int event = st >> 16, sig = WSTOPSIG(st);
	if (event == PTRACE_EVENT_EXIT) {
		xt_sym_capture(pid);
		release = true;
		sig = 0;
	} else if (event == PTRACE_EVENT_STOP) {
		/* A group-stop (SIGSTOP, SIGTSTP...) stays a stop; our PTRACE_INTERRUPT does not. */
		bool group = sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
		if (!release) {
			ptrace(group ? PTRACE_LISTEN : PTRACE_CONT, pid, NULL, NULL);
			return;
		}
		sig = 0;
	}
	/* A signal-delivery stop: the signal goes on to the command. */
	if (release) {
		ptrace(PTRACE_DETACH, pid, NULL, (void *)(long)sig);
		rt->child_traced = false;
	} else {
		ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
	}
}

/* Lets the traced command go when tracing ends before it does (exit(), a
 * signal): it is interrupted, and whatever stop comes first releases it. */
void xt_rt_child_untrace(struct xt_rt *rt)
{
	pid_t pid = rt->opts.child;
	if (!rt->child_traced || pid <= 0 || ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0) {
		rt->child_traced = false;
		return;
	}
	while (rt->child_traced) {
		int st;
		pid_t r = waitpid(pid, &st, __WALL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != pid || !WIFSTOPPED(st)) { /* gone meanwhile */
			rt->child_traced = false;
			rt->opts.child = 0;
			break;
		}
		child_stopped(rt, st, true);
	}
}

void xt_rt_child_start(struct xt_rt *rt)
{
	if (rt->opts.child_go_fd < 0)
		return;
	trace_child(rt);
	if (write(rt->opts.child_go_fd, "g", 1) != 1)
		fprintf(stderr, "xtrace: cannot start the command: %s\n", strerror(errno));
	close(rt->opts.child_go_fd);
	rt->opts.child_go_fd = -1;
}

void xt_rt_child_changed(struct xt_rt *rt)
{
	/* One SIGCHLD may stand for several changes: take them all. */
	int st;
	while (rt->opts.child > 0 && waitpid(rt->opts.child, &st, WNOHANG | __WALL) == rt->opts.child) {
		if (WIFSTOPPED(st)) {
			if (rt->child_traced)
				child_stopped(rt, st, false);
			continue;
		}
		rt->opts.child = 0;
		rt->child_traced = false;
		rt->done = true;
	}
}

void xt_rt_end_process(pid_t pid, int sig, int grace_ms)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (sig)
		kill(pid, sig);
	if (pfd < 0 || xt_sig_wait(pfd, POLLIN, grace_ms) != 1)
		kill(pid, SIGKILL);
	if (pfd >= 0)
		close(pfd);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

/* Ends the -c command when tracing ended first (exit(), a signal), as
 * bpftrace does: SIGTERM, and SIGKILL if it is still there 500 ms later. */
void xt_rt_child_end(struct xt_rt *rt)
{
	pid_t pid = rt->opts.child;
	if (pid <= 0 || rt->opts.child_go_fd >= 0) /* none, or never started */
		return;
	xt_rt_end_process(pid, SIGTERM, 500);
	rt->opts.child = 0;
}
