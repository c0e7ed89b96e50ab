/* The interactive session: readline in callback mode on the runtime's event
 * loop, entries compiled and attached one at a time, session-wide maps,
 * dot-commands, completion and history. */
#ifndef XT_REPL_H
#define XT_REPL_H

#include <stdbool.h>
#include "repl/opts.h"

/* Runs a session on stdin/stdout with the command line's options (those of
 * a one-liner; opts->program and opts->dump are not used) until Ctrl-D,
 * .quit, the end of input, SIGTERM or SIGHUP: with readline when stdin is a
 * terminal, line by line otherwise. Prints the maps and detaches everything
 * at the end. Returns the exit status. */
int xt_repl(const struct xt_opts *opts);

/* Whether fd is a terminal to colour: not with NO_COLOR set, nor TERM=dumb
 * (repl/colour.c). main() colours diagnostics when stderr is one. */
bool xt_repl_colour_fd(int fd);

#endif
