/* xtrace's command line: one-liners (-e), script files, listing (-l). */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <regex.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include "lang/fmt.h"
#include "repl/driver.h"
#include "repl/opts.h"
#include "repl/progfile.h"
#include "repl/repl.h"
#include "runtime/metrics.h"
#include "runtime/runtime.h"
#include "runtime/symbols.h"
#include "stdlib/dw_unwind.h"
#include "stdlib/registry.h"

/* The usage text, laid out as bpftrace 0.26's: sections in capitals, one
 * option a line, its words from column 21 (scripts read it). */
static void usage(FILE *f)
{
	fputs("USAGE:\n"
	      "    xtrace [options] FILE [ARG...]\n"
	      "    xtrace [options] - <stdin input>\n"
	      "    xtrace [options] -e 'PROGRAM' [ARG...] [-- ARG...]\n"
	      "    xtrace -l [PATTERN] | -l -e 'PROGRAM'\n"
	      "    xtrace [-i]\n"
	      "\n"
	      "OPTIONS:\n"
	      "    -e PROGRAM       run the program given on the command line\n"
	      "    -B MODE          output buffering: line (default), full or none\n"
	      "    -c, --cmd CMD    run CMD, trace until it exits (cpid is its pid)\n"
	      "    -d, --debug STAGE[,STAGE...]\n"
	      "                     dump a stage to stderr: parse, ast, types, codegen,\n"
	      "                     codegen-opt, libbpf, verifier, all (also cpp, ir, cache)\n"
	      "    --debuginfo DIR[:DIR]\n"
	      "                     where dw_ustack looks for separate debug files first\n"
	      "    --dry-run        compile, load and attach, then quit without running\n"
	      "    --dwarf-pid PID  the process dw_ustack unwinds, when neither -p nor -c names it\n"
	      "    --emit FILE      compile the program into FILE, which `xtrace FILE` runs without LLVM\n"
	      "    -f FORMAT        output format: text (default), json, or folded (stack maps as folded stacks)\n"
	      "    --flamegraph FILE\n"
	      "                     at exit, write the maps keyed by stacks as an SVG flame graph\n"	      "    --fmt            print the program formatted (to -o FILE if given); nothing runs\n"
	      "    -h, --help       this help, on standard output\n"
	      "    -i               interactive session (the default with no program on a terminal)\n"
	      "    -I DIR           search DIR for #include files (before the system's folders)\n"
	      "    --include FILE   #include FILE before the program\n"
	      "    --info           what this kernel and this build support\n"
	      "    -l, --list [PATTERN]\n"
	      "                     list probes matching PATTERN, or those of -e PROGRAM; -lv adds arguments\n"
	      "    -k, --warnings   warn at run time of failed memory reads and lookups of missing map keys\n"
	      "    --no-cache       compile, neither reading nor filling the compile cache\n"
	      "    --no-warnings    no warnings (the compiler's, warnf()'s; -k prints nothing)\n"
	      "    --no-feature FEATURE[,FEATURE...]\n"
	      "                     do not use uprobe_multi (kprobe_multi, kprobe_session: never used)\n"
	      "    --mode test|bench|format\n"
	      "                     as --test, --bench, --fmt\n"
	      "    -b, --btf        accepted and ignored: BTF is always used (as bpftrace 0.26)\n"
	      "    -o, --output FILE\n"
	      "                     write results to FILE\n"
	      "    -p, --pid PID    trace only process PID\n"
	      "    --probe-filter REGEX\n"
	      "                     attach only probes whose name REGEX matches (begin/end always)\n"
	      "    -q, --quiet      no \"Attached N probes\" line\n"
	      "    --metrics [ADDR:]PORT\n"
	      "                     serve the maps to Prometheus at http://ADDR:PORT/metrics while the\n"
	      "                     program runs (ADDR 127.0.0.1 unless given)\n"
	      "    --test           run the program's test:NAME probes and report them (exit 1 on a failure)\n"
	      "    --bench          run the program's bench:NAME probes repeatedly and print their times\n"
	      "    --unsafe         allow unsafe builtins (system, signal, signal_thread, write_user)\n"
	      "    --usdt-file-activation\n"
	      "                     arm USDT semaphores in every process that maps the file (always on)\n"
	      "    -v, --verbose    libbpf's and the verifier's messages\n"
	      "    -V, --version    \"xtrace vX.Y.Z\", on standard output\n"
	      "    --attach-line 0.17|0.26\n"
	      "                     0.17: \"Attaching N probes...\" on the output instead of 0.26's\n"
	      "                     \"Attached N probes\" on stderr (also XTRACE_ATTACH_LINE)\n"
	      "\n"
	      "ENVIRONMENT:\n"
	      "    XTRACE_MAX_STRLEN           [default: 1024] characters of a str() string\n"
	      "    XTRACE_MAX_MAP_KEYS         [default: 4096] entries of a map\n"
	      "    XTRACE_CAT_BYTES_MAX        [default: 10240] bytes cat() reads\n"
	      "    XTRACE_PRINT_MAPS_ON_EXIT   [default: 1] 0: no map dump at exit\n"
	      "    XTRACE_COMPAT               0.17: every 0.17 form below at once (each variable set still decides)\n"
	      "    XTRACE_BOOL_AS_INT          [default: 0] 1: bools print 1/0 (bpftrace 0.17)\n"
	      "    XTRACE_STR_TRUNC_TRAILER    [default: '..'] ends a string str() cut short ('': 0.17)\n"
	      "    XTRACE_STR_COUNT            [default: 0.26] 0.17: str() keeps max_strlen - 1 characters, str(p, n) n\n"
	      "    XTRACE_ATTACH_LINE          [default: 0.26] 0.17: \"Attaching N probes...\" on the output\n"
	      "    XTRACE_STATS_LAYOUT         [default: 0.26] 0.17: stats as \"count N, average A, total T\"\n"
	      "    XTRACE_TEXT_LAYOUT          [default: 0.26] 0.17: \"@h: \" hist headers, blank lines for empty maps\n"
	      "    XTRACE_PROBE_NAMES          [default: 0.26] 0.17: probe in BEGIN/END prints BEGIN/END\n"
	      "    XTRACE_JSON_LAYOUT          [default: 0.26] 0.17: \", \" between JSON hist buckets, 2 empty lines at exit\n"
	      "    XTRACE_PRINTF_LAYOUT        [default: 0.26] 0.17: a printf precision acts as in C (%.3s cuts)\n"
	      "    XTRACE_CACHE_MAX_KB         [default: 65536] the compile cache's size ($XDG_CACHE_HOME/xtrace)\n"
	      "    BPFTRACE_<KEY>              any config key (BPFTRACE_MAX_STRLEN, BPFTRACE_STACK_MODE, ...); beats the config block\n"
	      "    BPFTRACE_COLOR              [default: auto] always, never: colour in diagnostics\n"
	      "\n"
	      "EXAMPLES:\n"
	      "xtrace -l '*sleep*'\n"
	      "    list probes containing \"sleep\"\n"
	      "xtrace -e 'tracepoint:syscalls:sys_enter_nanosleep { printf(\"%d sleeps\\n\", pid); }'\n"
	      "    trace processes calling sleep\n"
	      "xtrace -e 'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }'\n"
	      "    count syscalls by process name\n", f);
}

/* -d STAGE[,STAGE...]: the dumps asked for, or -1 after a message for an
 * unknown stage. libbpf and verifier set *verbose / *verifier. */
static int debug_stages(const char *arg, unsigned *dumps, bool *verbose, bool *verifier)
{
	static const struct {
		const char *name;
		unsigned dumps;
		bool verbose, verifier;
	} stages[] = {
		{ .name = "parse", .dumps = XT_DUMP_AST }, { .name = "ast", .dumps = XT_DUMP_AST },
		{ .name = "types", .dumps = XT_DUMP_TYPES }, { .name = "codegen", .dumps = XT_DUMP_IR },
		{ .name = "codegen-opt", .dumps = XT_DUMP_IR }, { .name = "ir", .dumps = XT_DUMP_IR },
		{ .name = "cpp", .dumps = XT_DUMP_CPP }, { .name = "libbpf", .verbose = true },
		{ .name = "verifier", .verifier = true }, { .name = "cache", .dumps = XT_DUMP_CACHE },
		{ .name = "all", .dumps = XT_DUMP_AST | XT_DUMP_TYPES | XT_DUMP_IR | XT_DUMP_CPP, .verbose = true, .verifier = true },
	};
	char *copy = strdup(arg), *save = NULL;
	int rc = 0;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t i = 0;
		while (i < sizeof(stages) / sizeof(stages[0]) && strcmp(stages[i].name, w) != 0)
			i++;
		if (i == sizeof(stages) / sizeof(stages[0])) {
			fprintf(stderr, "xtrace: unknown -d stage '%s' (stages: parse, ast, types, codegen, codegen-opt, "
				"libbpf, verifier, all; also cpp, ir, cache)\n", w);
			rc = -1;
			break;
		}
		*dumps |= stages[i].dumps;
		*verbose |= stages[i].verbose;
		*verifier |= stages[i].verifier;
	}
	if (!copy || (rc == 0 && !*dumps && !*verbose && !*verifier)) {
		fprintf(stderr, "xtrace: -d needs a stage (parse, ast, types, codegen, codegen-opt, libbpf, verifier, all)\n");
		rc = -1;
	}
	free(copy);
	return rc;
}

/* --info: the system, this build, and what this kernel lets xtrace attach. */
static int print_info(void)
{
	struct utsname u;
	uname(&u);
	printf("System\n  OS: %s %s %s\n  Arch: %s\n\n", u.sysname, u.release, u.version, u.machine);
	printf("Build\n  version: v%s\n  language: bpftrace 0.26 (0.17 programs run unchanged)\n\n", XT_VERSION);
	printf("Kernel features\n  btf: %s\n  root or CAP_BPF: %s\n  possible CPUs: %d\n\n",
	       access("/sys/kernel/btf/vmlinux", R_OK) == 0 ? "yes" : "no", xt_rt_have_rights() ? "yes" : "no",
	       xt_rt_possible_cpus());
	printf("Probe types\n");
	for (const struct xt_provider *const *p = xt_providers(); *p; p++) {
		const char *why = (*p)->unavailable ? (*p)->unavailable() : NULL;
		printf("  %s: %s%s%s\n", (*p)->name, why ? "no (" : "yes", why ? why : "", why ? ")" : "");
	}
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}

/* An XTRACE_* variable as a positive int; 0 when unset; -1 (after a message) when bad. */
static int env_int(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return 0;
	char *end;
	long n = strtol(v, &end, 10);
	if (*end || n < 0 || n > 100000000) {
		fprintf(stderr, "xtrace: %s must be a number from 0 to 100000000, not '%s'\n", name, v);
		return -1;
	}
	return (int)n;
}

/* Where results go: standard output, or the -o file. NULL after a message. */
static FILE *open_output(const char *path, FILE *term)
{
	if (!path)
		return term;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	FILE *f = fd < 0 ? NULL : xt_out_open(fd, path, true);
	if (!f) {
		fprintf(stderr, "xtrace: cannot write %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

/* The words after the program: positional parameters, and after `--` the
 * program's named options --name[=value] (bpftrace 0.24), kept without their
 * dashes; the other words after `--` stay positional. pos and named hold n. */
static void split_params(struct xt_opts *o, char **w, int n, bool after_dashdash, const char **pos, const char **named)
{
	o->params = pos;
	o->named = named;
	o->nparams = o->nnamed = 0;
	for (int i = 0; i < n; i++) {
		if (!after_dashdash && strcmp(w[i], "--") == 0)
			after_dashdash = true;
		else if (after_dashdash && strncmp(w[i], "--", 2) == 0 && w[i][2])
			named[o->nnamed++] = w[i] + 2;
		else
			pos[o->nparams++] = w[i];
	}
}

/* --no-feature a,b (bpftrace 0.20): kernel features not to use. uprobe_multi
 * is XTRACE_NO_UPROBE_MULTI=1; xtrace attaches no kprobe through
 * kprobe_multi or kprobe sessions, so those need nothing. -1 after a message. */
static int no_features(const char *list)
{
	static const char *const known[] = { "kprobe_multi", "uprobe_multi", "kprobe_session" };
	char *copy = strdup(list), *save = NULL;
	int rc = copy ? 0 : -1;
	for (char *f = copy ? strtok_r(copy, ",", &save) : NULL; f && rc == 0; f = strtok_r(NULL, ",", &save)) {
		size_t k = 0;
		while (k < 3 && strcmp(f, known[k]) != 0)
			k++;
		if (k == 3) {
			fprintf(stderr, "xtrace: --no-feature: unknown feature '%s' (kprobe_multi, uprobe_multi, kprobe_session)\n", f);
			rc = -1;
		} else if (k == 1) {
			setenv("XTRACE_NO_UPROBE_MULTI", "1", 1);
		}
	}
	free(copy);
	return rc;
}

static int read_env(struct xt_opts *o);
static int run(const struct xt_opts *o, const char *name, char *text, size_t text_len);
static int list_program(struct xt_opts *o, const char *name, char *text);
static int format_program(const struct xt_opts *o, const char *name, char *text, size_t text_len);

/* A long compilation waits with the stop signals in view (codegen/codegen.h). */
static int wait_readable(int fd)
{
	return xt_sig_wait(fd, POLLIN, -1);
}

/* --probe-filter's regex, for the process's life */
static regex_t filter_re;
static void free_filter(void)
{
	regfree(&filter_re);
}

/* XTRACE_COMPAT=0.17: every output form of bpftrace 0.17 where xtrace prints
 * 0.26's by default (docs/output-format.md, the choices), for scripts that
 * parse 0.17's output; a choice's own variable, when set, still decides it.
 * Before the constructors that read those variables (priority 101 runs
 * before every constructor without one). */
__attribute__((constructor(101))) static void compat_017(void)
{
	const char *c = getenv("XTRACE_COMPAT");
	if (!c || strcmp(c, "0.17") != 0)
		return;
	static const char *const forms[][2] = {
		{ "XTRACE_BOOL_AS_INT", "1" }, { "XTRACE_ENUM_AS_INT", "1" }, { "XTRACE_PROBE_NAMES", "0.17" },
		{ "XTRACE_ATTACH_LINE", "0.17" }, { "XTRACE_STATS_LAYOUT", "0.17" }, { "XTRACE_STR_COUNT", "0.17" },
		{ "XTRACE_STR_TRUNC_TRAILER", "" }, { "XTRACE_TEXT_LAYOUT", "0.17" }, { "XTRACE_JSON_LAYOUT", "0.17" },
		{ "XTRACE_PRINTF_LAYOUT", "0.17" },
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		setenv(forms[i][0], forms[i][1], 0);
}

int main(int argc, char **argv)
{
	/* First of all: from here on a signal waits for the next safe point
	 * (between compile steps, attachments, records, maps) instead of killing
	 * xtrace with something half attached or half printed. */
	if (xt_sig_init() < 0) {
		fprintf(stderr, "xtrace: cannot set up signal handling: %s\n", strerror(errno));
		return 1;
	}
	xt_codegen_set_stop(&(struct xt_codegen_stop){ .pending = xt_sig_stop_pending, .wait = wait_readable });
	xt_diag_set_colour(xt_repl_colour_fd(STDERR_FILENO)); /* error: and ~~~ in colour on a terminal */
	struct xt_opts o = { .buffering = _IOLBF };
	bool list = false, interactive = false, fmt = false;
	enum { OPT_UNSAFE = 256, OPT_INCLUDE, OPT_DRY_RUN, OPT_INFO, OPT_NO_WARNINGS, OPT_USDT_FILE,
	       OPT_PROBE_FILTER, OPT_ATTACH_LINE, OPT_FMT, OPT_FLAMEGRAPH, OPT_EMIT, OPT_NO_CACHE, OPT_TEST, OPT_BENCH,
	       OPT_NO_FEATURE, OPT_MODE, OPT_DWARF_PID, OPT_DEBUGINFO };
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ "unsafe", no_argument, NULL, OPT_UNSAFE }, { "include", required_argument, NULL, OPT_INCLUDE },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN }, { "info", no_argument, NULL, OPT_INFO },
		{ "test", no_argument, NULL, OPT_TEST }, { "bench", no_argument, NULL, OPT_BENCH },
		{ "no-warnings", no_argument, NULL, OPT_NO_WARNINGS },
		{ "usdt-file-activation", no_argument, NULL, OPT_USDT_FILE },
		{ "probe-filter", required_argument, NULL, OPT_PROBE_FILTER },
		{ "attach-line", required_argument, NULL, OPT_ATTACH_LINE }, { "fmt", no_argument, NULL, OPT_FMT },
		{ "cmd", required_argument, NULL, 'c' }, { "pid", required_argument, NULL, 'p' },
		{ "output", required_argument, NULL, 'o' }, { "list", no_argument, NULL, 'l' },
		{ "quiet", no_argument, NULL, 'q' }, { "verbose", no_argument, NULL, 'v' },
		{ "debug", required_argument, NULL, 'd' }, { "warnings", no_argument, NULL, 'k' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "flamegraph", required_argument, NULL, OPT_FLAMEGRAPH },
		{ "emit", required_argument, NULL, OPT_EMIT }, { "no-cache", no_argument, NULL, OPT_NO_CACHE },
		{ "no-feature", required_argument, NULL, OPT_NO_FEATURE }, { "mode", required_argument, NULL, OPT_MODE },
		{ "btf", no_argument, NULL, 'b' },
		{ "dwarf-pid", required_argument, NULL, OPT_DWARF_PID }, { "debuginfo", required_argument, NULL, OPT_DEBUGINFO },
		{ 0 },
	};
	const char *attach_line = getenv("XTRACE_ATTACH_LINE"), *probe_filter = NULL;
	bool info = false;
	/* -I and --include, in the order given (at most one per argument); they
	 * live as long as main(), on its stack */
	const char *dirs[argc + 1], *files[argc + 1];
	o.cpp.include_dirs = dirs;
	o.cpp.include_files = files;
	int c;
	/* getopt's order: options may follow the script and its parameters, as in
	 * bpftrace (`xtrace script.bt -q`); a `--` ends them, and a parameter that
	 * starts with '-' comes after it */
	while ((c = getopt_long(argc, argv, "e:c:p:o:f:d:B:I:qvilhVkb", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_UNSAFE: o.unsafe = true; break;
		case 'M': o.metrics = optarg; break;
		case OPT_FLAMEGRAPH: o.flamegraph = optarg; break;
		case OPT_EMIT: o.emit = optarg; break;
		case OPT_NO_CACHE: o.no_cache = true; break;
		case 'I': dirs[o.cpp.ninclude_dirs++] = optarg; break;
		case OPT_INCLUDE: files[o.cpp.ninclude_files++] = optarg; break;
		case OPT_DRY_RUN: o.dry_run = true; break;
		case 'b': break; /* --btf: BTF is always used (bpftrace 0.26 ignores it too) */
		case OPT_NO_FEATURE:
			if (no_features(optarg) < 0)
				return 1;
			break;
		case OPT_MODE: /* bpftrace 0.25's --mode: the run modes xtrace has */
			if (strcmp(optarg, "test") == 0) {
				o.run_mode = 1;
			} else if (strcmp(optarg, "bench") == 0) {
				o.run_mode = 2;
			} else if (strcmp(optarg, "format") == 0) {
				fmt = true;
			} else {
				fprintf(stderr, "xtrace: --mode is test, bench or format (as --test, --bench, --fmt), not '%s'\n", optarg);
				return 1;
			}
			break;
		case OPT_TEST: o.run_mode = 1; break;
		case OPT_BENCH: o.run_mode = 2; break;
		case OPT_INFO: info = true; break;
		case OPT_NO_WARNINGS: o.no_warnings = true; break;
		case 'k':
			if (o.helper_errors) { /* bpftrace 0.26 removed -kk */
				fprintf(stderr, "xtrace: -kk is gone (bpftrace 0.26); -k reports failed reads and map lookups\n");
				return 1;
			}
			o.helper_errors = true;
			break;
		case OPT_USDT_FILE: break; /* always so: the kernel arms semaphores by file (ref_ctr_offset) */
		case OPT_PROBE_FILTER: probe_filter = optarg; break;
		case OPT_ATTACH_LINE: attach_line = optarg; break;
		case OPT_FMT: fmt = true; break;
		case 'B':
			if (strcmp(optarg, "line") == 0)
				o.buffering = _IOLBF;
			else if (strcmp(optarg, "full") == 0)
				o.buffering = _IOFBF;
			else if (strcmp(optarg, "none") == 0)
				o.buffering = _IONBF;
			else {
				fprintf(stderr, "xtrace: unknown buffering mode '%s' (line, full or none)\n", optarg);
				return 1;
			}
			break;
		case 'e': o.program = optarg; break;
		case 'c': o.cmd = optarg; break;
		case 'p':
			if (xt_cmd_parse_pid(optarg, &o.pid) < 0)
				return 1;
			break;
		case OPT_DWARF_PID: {
			char *end;
			errno = 0;
			long n = strtol(optarg, &end, 10);
			if (!*optarg || *end || errno || n <= 0 || n > 4194304) { /* PID_MAX_LIMIT */
				fprintf(stderr, "xtrace: --dwarf-pid: '%s' is not a process id (a positive decimal number)\n", optarg);
				return 1;
			}
			o.dwarf_pid = (pid_t)n;
			/* its mappings now, should it end before its stacks print */
			xt_sym_watch(o.dwarf_pid);
			xt_sym_remember(o.dwarf_pid);
			break;
		}
		case OPT_DEBUGINFO:
			o.debuginfo = optarg;
			xt_dw_set_debuginfo(optarg);
			break;
		case 'o': o.outpath = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				o.format = XT_FMT_JSON;
			else if (strcmp(optarg, "folded") == 0)
				o.format = XT_FMT_FOLDED;
			else if (strcmp(optarg, "text") != 0) {
				/* bpftrace 0.26's words, and the third format xtrace has */
				fprintf(stderr, "xtrace: Invalid output format \"%s\"\nValid formats: 'text', 'json', 'folded'\n", optarg);
				return 1;
			}
			break;
		case 'd':
			if (debug_stages(optarg, &o.dumps, &o.verbose, &o.verifier_log) < 0)
				return 1;
			break;
		case 'q': o.quiet = true; break;
		case 'v': o.verbose = o.cpp.verbose = true; break;
		case 'i': interactive = true; break;
		case 'l': list = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("xtrace v%s\n", XT_VERSION); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (info)
		return print_info();
	if (fmt && (list || interactive || (!o.program && optind >= argc))) {
		fprintf(stderr, "xtrace: --fmt formats a program: give a FILE, - (standard input) or -e PROGRAM\n");
		return 1;
	}
	if (o.helper_errors && o.no_warnings) {
		fprintf(stderr, "xtrace: -k and --no-warnings cannot go together\n");
		return 1;
	}
	if (o.cmd && o.pid > 0) {
		fprintf(stderr, "xtrace: -c and -p cannot go together: trace a command xtrace starts, or a running process\n");
		return 1;
	}
	if (attach_line && strcmp(attach_line, "0.17") == 0)
		o.attaching_line = true;
	else if (attach_line && *attach_line && strcmp(attach_line, "0.26") != 0) {
		fprintf(stderr, "xtrace: --attach-line is 0.17 (\"Attaching N probes...\") or 0.26 (\"Attached N probes\"), not '%s'\n",
			attach_line);
		return 1;
	}
	if (probe_filter) {
		int err = regcomp(&filter_re, probe_filter, REG_EXTENDED | REG_NOSUB);
		if (err) {
			char why[256];
			regerror(err, &filter_re, why, sizeof(why));
			fprintf(stderr, "xtrace: Invalid --probe-filter regex '%s': %s\n", probe_filter, why);
			return 255;
		}
		xt_unit_probe_filter(&filter_re);
		atexit(free_filter); /* main returns on many paths */
	}
	const char *program = o.program; /* as the listing and the script reading below name them */
	bool verbose = o.verbose;
	if (list && (program || (optind < argc && access(argv[optind], F_OK) == 0 && !strchr(argv[optind], ':')))) {
		/* -l with a program: the probes it would attach (bpftrace 0.21) */
		const char *name = program ? "<stdin>" : argv[optind];
		char *text = program ? strdup(program) : xt_read_file(name);
		if (!text) {
			fprintf(stderr, "xtrace: cannot read %s: %s\n", name, strerror(errno));
			return 1;
		}
		return list_program(&o, name, text);
	}
	if (list) {
		if (argc - optind > 1) {
			fprintf(stderr, "xtrace: -l takes one pattern; list several as 'A,B'\n");
			return 1;
		}
		/* Writes that wait with the signals in view: Ctrl-C or a reader gone stops the listing. */
		FILE *term = xt_out_open(STDOUT_FILENO, "standard output", false);
		if (!term) {
			fprintf(stderr, "xtrace: cannot write to standard output: %s\n", strerror(errno));
			return 1;
		}
		int rc = xt_list_probes(term, optind < argc ? argv[optind] : NULL, verbose);
		if (xt_out_error(term))
			rc = -1;
		fclose(term);
		return rc < 0;
	}

	if (interactive || (!program && optind >= argc && isatty(STDIN_FILENO))) {
		if (o.metrics) {
			fprintf(stderr, "xtrace: --metrics serves a program's maps: give one with -e or a file\n");
			return 1;
		}
		o.params = (const char *const *)argv + optind;
		o.nparams = argc - optind;
		return read_env(&o) < 0 ? 1 : xt_repl(&o);
	}

	const char *name = "<stdin>";
	char *text = NULL;
	/* getopt took a `--` (it moves the words it skipped after it) */
	bool dashdash = optind > 1 && strcmp(argv[optind - 1], "--") == 0;
	size_t text_len = 0;
	if (program) {
		text = strdup(program);
		text_len = text ? strlen(text) : 0;
	} else if (optind < argc) {
		name = argv[optind++];
		text = xt_read_file_n(name, &text_len);
		if (!text) {
			if (errno == EFBIG)
				fprintf(stderr, "xtrace: %s is larger than %u MB: not a script\n", name, XT_READ_FILE_MAX >> 20);
			else if (errno == EINTR)
				fprintf(stderr, "xtrace: stopped while reading %s\n", name);
			else
				fprintf(stderr, "xtrace: cannot read %s: %s\n", name, strerror(errno));
			return 1;
		}
	} else {
		usage(stderr);
		return 1;
	}
	if (fmt)
		return format_program(&o, name, text, text_len);
	const char *pos[argc + 1], *named[argc + 1]; /* main()'s, as dirs and files */
	split_params(&o, argv + optind, argc - optind, dashdash, pos, named);
	if (read_env(&o) < 0) {
		free(text);
		return 1;
	}
	xt_unit_use_cache(!o.no_cache);
	return run(&o, name, text, text_len);
}

/* -l with a program: compiles it as far as its attach points and lists the
 * probes it would attach, one a line, in program order. */
static int list_program(struct xt_opts *o, const char *name, char *text)
{
	struct xt_sema_opts so = { .listing = true, .unsafe = true, .params = o->params, .nparams = o->nparams,
		.cpp = &o->cpp, .ncpus = 1 };
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	struct xt_unit u;
	int rc = xt_unit_compile(&u, name, text, &so, o->dumps & XT_DUMP_AST, &dg); /* -d ast: the tree first */
	if (dg.len)
		fputs(dg.buf, stderr);
	if (rc == 0) {
		for (int i = 0; i < u.prog->nprobes; i++)
			for (int j = 0; j < u.prog->probes[i].nsites; j++)
				printf("%s\n", u.prog->probes[i].sites[j].name);
		rc = fflush(stdout) == 0 ? 0 : -1;
	}
	xt_diags_fini(&dg);
	xt_unit_free(&u);
	free(text);
	return rc < 0;
}

/* The XTRACE_* variables into o; -1 after a message when one is bad. */
static int read_env(struct xt_opts *o)
{
	o->max_strlen = env_int("XTRACE_MAX_STRLEN");
	o->max_map_keys = env_int("XTRACE_MAX_MAP_KEYS");
	o->cat_bytes_max = env_int("XTRACE_CAT_BYTES_MAX");
	const char *dump = getenv("XTRACE_PRINT_MAPS_ON_EXIT");
	o->no_map_dump = dump && strcmp(dump, "0") == 0;
	return o->max_strlen < 0 || o->max_map_keys < 0 || o->cat_bytes_max < 0 ? -1 : 0;
}

/* A one-liner or a script: compiles `text` (named `name`; freed here), loads
 * and attaches it, runs it until it ends, prints the maps. The exit status. */
/* A NUL byte in a script would end its text there, silently: one diagnostic
 * marks the first (shown as a space in the quoted line) instead. */
static bool nul_in_program(const char *name, const char *text, size_t len)
{
	const char *nul = memchr(text, '\0', len);
	if (!nul)
		return false;
	char *shown = malloc(len + 1);
	if (!shown) {
		fprintf(stderr, "xtrace: %s: a NUL byte at offset %zu: a program is text\n", name, (size_t)(nul - text));
		return true;
	}
	for (size_t i = 0; i < len; i++)
		shown[i] = text[i] ? text[i] : ' ';
	shown[len] = '\0';
	struct xt_loc at = { 1, 1, 1, 1, 0 };
	for (const char *c = text; c < nul; c++) {
		if (*c == '\n')
			at.first_line++, at.first_column = 1;
		else
			at.first_column++;
	}
	at.last_line = at.first_line, at.last_column = at.first_column;
	struct xt_source src = { .name = name, .text = shown, .len = len };
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	xt_diag_error(&dg, at, "a NUL byte: a program is text (is this a binary file?)");
	fputs(dg.buf, stderr);
	xt_diags_fini(&dg);
	free(shown);
	return true;
}

static int run(const struct xt_opts *o, const char *name, char *text, size_t text_len)
{
	if (!xt_progfile_is(text, text_len) && nul_in_program(name, text, text_len)) {
		free(text);
		return 1;
	}
	if (o->emit && o->cmd) {
		fprintf(stderr, "xtrace: --emit and -c cannot go together: the command's pid is part of the code\n");
		free(text);
		return 1;
	}
	if (!o->emit && !xt_rt_have_rights()) {
		fprintf(stderr, "xtrace: loading BPF programs needs root (or the CAP_BPF and CAP_PERFMON capabilities); run it with sudo\n");
		free(text);
		return 1;
	}
	FILE *term = xt_out_open(STDOUT_FILENO, "standard output", false);
	FILE *out = term ? open_output(o->outpath, term) : NULL;
	if (!out) {
		if (term)
			fclose(term);
		free(text);
		return 1;
	}
	setvbuf(out, NULL, o->buffering, 0);
	setvbuf(term, NULL, o->buffering, 0);

	int go_fd = -1;
	pid_t child = 0;
	if (o->cmd) {
		child = xt_cmd_spawn_held(o->cmd, &go_fd);
		if (child < 0) { /* xt_cmd_spawn_held said why */
			if (out != term)
				fclose(out);
			fclose(term);
			free(text);
			return 1;
		}
	}

	struct xt_sema_opts so = { .target_pid = o->pid, .dwarf_pid = o->dwarf_pid, .cpid = child, .cmd = o->cmd, .max_strlen = o->max_strlen,
		.max_map_keys = o->max_map_keys, .unsafe = o->unsafe, .ncpus = xt_rt_possible_cpus(),
		.no_map_dump = o->no_map_dump, .params = o->params, .nparams = o->nparams, .cpp = &o->cpp,
		.named = o->named, .nnamed = o->nnamed,
		.helper_errors = o->helper_errors };
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	dg.no_warnings = o->no_warnings; /* bpftrace 0.26: compile warnings too */
	struct xt_unit u;
	unsigned dumps = o->dumps;
	int status = 1;
	struct xt_rt *rt = NULL;
	struct xt_metrics *mx = NULL;
	/* a compiled program (--emit) runs without compiling */
	if (xt_progfile_is(text, text_len) ? xt_unit_load(&u, name, text, text_len, &so, dumps, &dg) < 0
					    : xt_unit_compile(&u, name, text, &so, dumps, &dg) < 0) {
		if (!dg.errors && xt_sig_take_stop()) /* stopped while compiling: nothing ran, nothing to print */
			status = 0;
		goto out;
	}
	if (o->emit) {
		status = xt_unit_emit(&u, o->emit, &dg) < 0;
		goto out;
	}
	int nsites = 0;
	for (int i = 0; i < u.prog->nprobes; i++)
		nsites += u.prog->probes[i].nsites;
	if (nsites == 0) { /* --probe-filter left nothing: as bpftrace 0.26 says it, on the output */
		fputs("No probes to attach\n", out);
		goto out;
	}
	if (dg.len) { /* notes (-v: headers skipped) before what the program prints */
		fputs(dg.buf, stderr);
		xt_diags_clear(&dg);
	}
	if (xt_sig_take_stop()) { /* stopped while compiling: nothing ran, nothing to print */
		status = 0;
		goto out;
	}
	if (o->metrics && !(mx = xt_metrics_open(o->metrics, o->quiet, o->verbose)))
		goto out;
	struct xt_rt_opts ro = { .out = out, .format = o->format, .verbose = o->verbose,
				 .quiet = o->quiet || o->dry_run || o->run_mode, .child = child, .child_go_fd = go_fd,
				 .release_in_background = true, .term = term,
				 .cat_bytes_max = u.prog->opts.cat_bytes_max ? u.prog->opts.cat_bytes_max : o->cat_bytes_max,
				 .attaching_line = o->attaching_line, .verifier_log = o->verifier_log,
				 .no_warnings = o->no_warnings, .metrics = mx };
	/* The kernel refusing to load or attach a program that compiled exits
	 * 255, as bpftrace (0.17 and 0.26) does (docs/probes.md, "When the kernel
	 * refuses"). */
	rt = xt_rt_open(&u.compiled, &ro, &dg);
	if (!rt) {
		status = 255;
		goto out;
	}
	go_fd = -1; /* the runtime owns it now */
	int err = xt_rt_attach(rt, &dg);
	if (err < 0 && err != -EINTR) {
		status = 255;
		goto out;
	}
	if (o->dry_run) { /* loaded and attached: that was all */
		xt_sig_take_stop();
		status = 0;
		goto out;
	}
	if (err == -EINTR) { /* stopped while attaching: the results so far, as a stop after it */
		xt_sig_take_stop();
		status = 0;
	} else if (o->run_mode) { /* --test, --bench: their report, no maps */
		status = xt_rt_run_tests(rt, o->run_mode == 2);
		goto out;
	} else {
		status = xt_rt_run(rt);
	}
	xt_metrics_close(mx); /* before the maps print, and before a child can inherit the socket */
	mx = NULL;
	int werr = xt_out_error(out);
	if (werr && werr != EPIPE) /* reported once already; the results still reach someone */
		xt_rt_set_output(rt, stderr, o->format);
	if (!u.prog->opts.no_map_dump && werr != EPIPE)
		xt_rt_print_maps(rt);
	if (o->flamegraph)
		xt_rt_write_flamegraphs(rt, o->flamegraph);
	xt_rt_print_lost(rt);
	if (werr || xt_out_error(term))
		status = 1;
	child = 0;
out:
	if (dg.len)
		fputs(dg.buf, stderr);
	xt_metrics_close(mx);
	xt_rt_close(rt);
	if (go_fd >= 0)
		close(go_fd);
	if (child > 0) { /* never started: it exits when go_fd closes */
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	xt_diags_fini(&dg);
	xt_unit_free(&u);
	free(text);
	if (out != term)
		fclose(out);
	fclose(term);
	return status;
}

/* --fmt (bpftrace 0.25): the program formatted, on standard output or in the
 * -o file; nothing runs. 0, 1 after a syntax error, 2 after an internal one. */
static int format_program(const struct xt_opts *o, const char *name, char *text, size_t text_len)
{
	if (nul_in_program(name, text, text_len)) {
		free(text);
		return 1;
	}
	struct xt_arena *ar = xt_arena_new();
	struct xt_source src = { .name = name, .text = text, .len = text_len };
	struct xt_cpp_opts co = o->cpp;
	co.have_btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0; /* as a compile preprocesses it */
	struct xt_diags dg;
	xt_diags_init(&dg, &src);
	char *out = NULL;
	size_t len = 0;
	int rc = xt_fmt(ar, &src, &co, &out, &len, &dg);
	if (dg.len)
		fputs(dg.buf, stderr);
	int status = rc == 0 ? 0 : rc == -1 ? 1 : 2;
	if (rc == 0) {
		FILE *f = o->outpath ? fopen(o->outpath, "w") : stdout;
		if (!f || fwrite(out, 1, len, f) != len || (f == stdout ? fflush(f) : fclose(f)) != 0) {
			fprintf(stderr, "xtrace: cannot write %s: %s\n", o->outpath ? o->outpath : "standard output",
				strerror(errno));
			status = 1;
		}
	}
	xt_diags_fini(&dg);
	xt_arena_free(ar);
	free(text);
	return status;
}
