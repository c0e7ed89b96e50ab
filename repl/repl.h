/* The interactive session: readline in callback mode on the runtime's event
 * loop, entries compiled and attached one at a time, session-wide maps,
 * dot-commands, completion and history. */
#ifndef XT_REPL_H
#define XT_REPL_H

#include <stdbool.h>
#include <sys/types.h>
#include "runtime/print.h"

struct xt_repl_opts {
	enum xt_format format;  /* how maps and printf records are printed */
	bool verbose;           /* libbpf's and the verifier's messages on stderr */
	pid_t target_pid;       /* -p: 0 when none */
};

/* Runs a session on stdin/stdout until Ctrl-D, .quit, SIGTERM or SIGHUP:
 * with readline when stdin is a terminal, line by line otherwise. Prints the
 * maps and detaches everything at the end. Returns the exit status. */
int xt_repl(const struct xt_repl_opts *opts);

#endif
