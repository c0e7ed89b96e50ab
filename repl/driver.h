/* The pipeline from program text to a compiled object, shared by one-liners,
 * script files and the REPL. */
#ifndef XT_DRIVER_H
#define XT_DRIVER_H

#include "codegen/codegen.h"
#include "lang/diag.h"
#include "lang/sema.h"
#include <sys/types.h>

/* -d STAGE: the preprocessed text, the AST as parsed, the AST after
 * semantic analysis, the LLVM IR */
enum { XT_DUMP_AST = 1, XT_DUMP_IR = 2, XT_DUMP_CPP = 4, XT_DUMP_TYPES = 8,
       XT_DUMP_CACHE = 16 /* -d cache: whether the compile cache served the object */ };

struct xt_unit {
	struct xt_arena *ar;       /* owns the AST and the program description */
	struct xt_source src;
	struct xt_program *prog;
	struct xt_compiled compiled;
	struct xt_node *stmts;     /* xt_unit_compile_entry: the XT_N_BLOCK of an entry without probes */
	struct xt_node *macros;    /* xt_unit_compile_entry: an entry of macro definitions only (XT_N_MACRO list) */
	struct xt_arena *extra_ar; /* xt_unit_load: the compiled program's options */
};

/* Parses, analyses and compiles `text`. 0, or -1 after diagnostics in dg
 * (whose source is u->src). The caller frees with xt_unit_free. */
int xt_unit_compile(struct xt_unit *u, const char *name, const char *text,
		    const struct xt_sema_opts *opts, unsigned dump, struct xt_diags *dg);
/* Parses and analyses `text` as xt_unit_compile does, without compiling
 * it (no LLVM): u->prog is the checked program. 0, or -1 after diagnostics
 * in dg. The caller frees with xt_unit_free. */
int xt_unit_check(struct xt_unit *u, const char *name, const char *text,
		  const struct xt_sema_opts *opts, struct xt_diags *dg);
/* Compiles a REPL entry: a program, or a statement list without probes,
 * which is parsed only and comes back as u->stmts with u->prog NULL (the
 * REPL runs it in user space), or macro definitions only, checked and
 * returned in u->macros (u->prog NULL). 0, or -1 after diagnostics in dg;
 * dg->incomplete tells an entry that needs more lines. */
int xt_unit_compile_entry(struct xt_unit *u, const char *name, const char *text,
			  const struct xt_sema_opts *opts, struct xt_diags *dg);
void xt_unit_free(struct xt_unit *u);

/* From now on xt_unit_compile takes programs' objects from the compile cache
 * (repl/cache.h) and puts them there (a one-liner or a script: never the
 * REPL's entries, nor programs under -p, -c or --probe-filter). */
void xt_unit_use_cache(bool on);
/* Writes u, compiled, to `path` as a compiled program (repl/progfile.h) that
 * xt_unit_load reads back. 0, or -1 after a diagnostic. */
int xt_unit_emit(const struct xt_unit *u, const char *path, struct xt_diags *dg);
/* A compiled program (`len` bytes at data, read from `name`) into u, as
 * xt_unit_compile would compile it, without LLVM: its text is analysed
 * again with its own options (those of `opts` that change code must be
 * unset or the same) and must come out as it did when compiled. 0, or -1
 * after diagnostics (a damaged or foreign file, another xtrace, another
 * kernel's types). The caller frees u with xt_unit_free either way. */
int xt_unit_load(struct xt_unit *u, const char *name, const void *data, size_t len,
		 const struct xt_sema_opts *opts, unsigned dump, struct xt_diags *dg);

/* --probe-filter: from now on xt_unit_compile keeps only the sites whose
 * name `re` matches (begin/end sites always stay); NULL: all. The regex
 * stays the caller's. */
#include <regex.h>
void xt_unit_probe_filter(const regex_t *re);

/* Lists the probes matching PATTERNS as `xtrace -l` does: a comma-separated
 * list of [TYPE:]SPEC patterns (NULL or "": all probes), each probe's name on
 * a line, with its arguments when verbose. Only probes this kernel can attach
 * are listed; verbose lists the others too, marked "[unavailable: WHY]".
 * 0 when every pattern matched; -1 after a message on stderr for each that
 * did not; -EINTR when a stop signal came (it stays pending). */
int xt_list_probes(FILE *out, const char *patterns, bool verbose);

/* repl/command.c: forks the -c command `cmd` (split into words as a shell
 * would, quotes grouping), held before its exec until *go_fd is written to or
 * closed. Its pid, or -1 after a message (not found, not executable). */
pid_t xt_cmd_spawn_held(const char *cmd, int *go_fd);
/* Reads a -p argument: a decimal process id of a process that exists. 0, or
 * -1 after a message. */
int xt_cmd_parse_pid(const char *arg, pid_t *pid);

/* The largest script xt_read_file reads. */
#define XT_READ_FILE_MAX (16u << 20)
/* The whole of a file ("-": standard input), NUL-terminated and malloc'd,
 * read with the stop signals in view (a FIFO or a terminal may make it wait).
 * NULL with errno set: open()'s and read()'s errors, and EISDIR (a directory),
 * EFBIG (more than XT_READ_FILE_MAX bytes), EINTR (SIGINT, SIGTERM or SIGHUP
 * came while waiting; the signal stays pending), ENOMEM. */
char *xt_read_file(const char *path);
/* The same, its length in *len (a compiled program holds NULs). */
char *xt_read_file_n(const char *path, size_t *len);

#endif
