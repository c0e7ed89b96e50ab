/* The interactive session: readline in callback mode on the runtime's event
 * loop, entries compiled and attached one at a time, session-wide maps,
 * dot-commands, completion and history. */
#ifndef XT_REPL_H
#define XT_REPL_H

#include <stdbool.h>
#include <sys/types.h>
#include "runtime/print.h"

/* The command line's options, as a one-liner takes them; zero means "none". */
struct xt_repl_opts {
	enum xt_format format;  /* how maps and printf records are printed */
	bool verbose;           /* libbpf's and the verifier's messages on stderr */
	bool quiet;             /* -q: no greeting, no "[N] attached ..." lines */
	bool unsafe;            /* --unsafe: entries may call system() and signal() */
	pid_t target_pid;       /* -p: entries trace only this process; its exit ends the session */
	const char *cmd;        /* -c: started at once, held before its exec until the first
				 * entry is attached (`cpid` is its pid); its exit ends the session */
	const char *outpath;    /* -o: maps and printf output go to this file; the prompt,
				 * replies and diagnostics stay on the terminal */
	const char *const *params; /* positional parameters: params[0] is $1 (the caller's) */
	int nparams;
};

/* Runs a session on stdin/stdout until Ctrl-D, .quit, the end of input,
 * SIGTERM or SIGHUP: with readline when stdin is a terminal, line by line
 * otherwise. Prints the maps and detaches everything at the end. Returns the
 * exit status. */
int xt_repl(const struct xt_repl_opts *opts);

#endif
