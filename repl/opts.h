/* The command line, read once by main() and handed to every mode: the
 * one-liner or script, and the REPL. */
#ifndef XT_OPTS_H
#define XT_OPTS_H

#include <stdbool.h>
#include <sys/types.h>
#include "lang/cpp.h"
#include "runtime/print.h"

/* Zero means "not given" throughout. */
struct xt_opts {
	const char *program;       /* -e: the program's text */
	const char *cmd;           /* -c: run and trace this command (`cpid` is its pid) */
	pid_t pid;                 /* -p: trace only this process; its exit ends the run */
	pid_t dwarf_pid;           /* --dwarf-pid: the process dw_ustack unwinds (without -p/-c) */
	const char *debuginfo;     /* --debuginfo DIR[:DIR]: where dw_ustack looks for separate debug files */
	const char *outpath;       /* -o: results go to this file */
	enum xt_format format;     /* -f: how maps and events are printed */
	const char *flamegraph;    /* --flamegraph: the SVG flame graph of the stack maps, written at exit */
	bool quiet;                /* -q: no "Attached N probes" (REPL: no greeting, no "[N] attached") */
	bool verbose;              /* -v: libbpf's and the verifier's messages on stderr */
	bool unsafe;               /* --unsafe: system() and signal() allowed */
	int buffering;             /* -B: _IOLBF (default), _IOFBF or _IONBF */
	unsigned dumps;            /* -d: XT_DUMP_* (repl/driver.h) */
	bool verifier_log;         /* -d verifier (or all) */
	bool dry_run;              /* --dry-run: load and attach, then quit */
	int run_mode;              /* 0; 1 --test (test: probes); 2 --bench (bench: probes) */
	bool no_warnings;          /* --no-warnings */
	bool helper_errors;        /* -k, --warnings: failed reads and missing map keys warn at run time */
	bool attaching_line;       /* --attach-line 0.17, XTRACE_ATTACH_LINE=0.17: 0.17's line */
	const char *metrics;       /* --metrics: serve the maps for Prometheus there (ADDR:PORT or PORT) */
	struct xt_cpp_opts cpp;    /* -I, --include; -v */
	const char *const *params; /* positional parameters: params[0] is $1 (argv's) */
	int nparams;
	const char *const *named;  /* after `--`: the program's options --name[=value], without "--" */
	int nnamed;
	/* from the environment */
	int max_strlen;            /* XTRACE_MAX_STRLEN */
	int max_map_keys;          /* XTRACE_MAX_MAP_KEYS */
	int cat_bytes_max;         /* XTRACE_CAT_BYTES_MAX */
	bool no_map_dump;          /* XTRACE_PRINT_MAPS_ON_EXIT=0 */
	const char *emit;          /* --emit: write the compiled program to this file instead of running it */
	bool no_cache;             /* --no-cache: compile, neither reading nor filling the compile cache */
};

#endif
