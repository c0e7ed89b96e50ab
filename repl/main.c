/* xtrace's command line: one-liners (-e), script files, listing (-l). */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "repl/driver.h"
#include "repl/opts.h"
#include "repl/repl.h"
#include "runtime/metrics.h"
#include "runtime/runtime.h"
#include "stdlib/registry.h"

static void usage(FILE *f)
{
	fputs("usage: xtrace [options] -e 'PROGRAM' [ARG...]\n"
	      "       xtrace [options] FILE.xt [ARG...]\n"
	      "       xtrace -l [PATTERN]\n"
	      "       xtrace [-i]       an interactive session\n"
	      "\n"
	      "  -e PROGRAM   run the program given on the command line\n"
	      "  -c 'CMD'     run CMD, trace until it exits (cpid is its pid)\n"
	      "  -p PID       trace only process PID\n"
	      "  -o FILE      write results to FILE\n"
	      "  -f FORMAT    output format: text (default) or json\n"
	      "  -i           interactive session (the default with no program on a terminal)\n"
	      "  -l [PATTERN] list probes matching PATTERN; -lv adds their arguments\n"
	      "  -q           quiet: no \"Attaching N probes...\" line\n"
	      "  -v           verbose: libbpf's and the verifier's messages\n"
	      "  -d STAGE     dump the preprocessed text (cpp), the AST (ast) or the LLVM IR (ir) to stderr\n"
	      "  -B MODE      output buffering: line (default), full or none\n"
	      "  -I DIR       search DIR for #include files (before the system's folders)\n"
	      "  --include FILE  #include FILE before the program\n"
	      "  --unsafe     allow system() and signal()\n"
	      "  --metrics [ADDR:]PORT  serve the maps to Prometheus at http://ADDR:PORT/metrics\n"
	      "               (ADDR 127.0.0.1 unless given) while the program runs\n"
	      "  -h, --help   this help\n"
	      "  -V, --version\n"
	      "  ARG...       positional parameters $1, $2, ... ($# is their count)\n"
	      "\n"
	      "environment: XTRACE_MAX_STRLEN, XTRACE_MAX_MAP_KEYS, XTRACE_CAT_BYTES_MAX,\n"
	      "             XTRACE_PRINT_MAPS_ON_EXIT=0, XTRACE_BOOL_AS_INT=1\n", f);
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
		fprintf(stderr, "xtrace: %s must be a non-negative number, not '%s'\n", name, v);
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

static int read_env(struct xt_opts *o);
static int run(const struct xt_opts *o, const char *name, char *text);

int main(int argc, char **argv)
{
	/* First of all: from here on a signal waits for the next safe point
	 * (between compile steps, attachments, records, maps) instead of killing
	 * xtrace with something half attached or half printed. */
	if (xt_sig_init() < 0) {
		fprintf(stderr, "xtrace: cannot set up signal handling: %s\n", strerror(errno));
		return 1;
	}
	struct xt_opts o = { .buffering = _IOLBF };
	bool list = false, interactive = false;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ "unsafe", no_argument, NULL, 'U' }, { "include", required_argument, NULL, 'H' },
		{ "metrics", required_argument, NULL, 'M' },
		{ 0 },
	};
	/* -I and --include, in the order given (at most one per argument); they
	 * live as long as main(), on its stack */
	const char *dirs[argc + 1], *files[argc + 1];
	o.cpp.include_dirs = dirs;
	o.cpp.include_files = files;
	int c;
	while ((c = getopt_long(argc, argv, "+e:c:p:o:f:d:B:I:qvilhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'U': o.unsafe = true; break;
		case 'M': o.metrics = optarg; break;
		case 'I': dirs[o.cpp.ninclude_dirs++] = optarg; break;
		case 'H': files[o.cpp.ninclude_files++] = optarg; break;
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
		case 'o': o.outpath = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				o.format = XT_FMT_JSON;
			else if (strcmp(optarg, "text") != 0) {
				fprintf(stderr, "xtrace: unknown output format '%s' (text or json)\n", optarg);
				return 1;
			}
			break;
		case 'd': o.dump = optarg; break;
		case 'q': o.quiet = true; break;
		case 'v': o.verbose = o.cpp.verbose = true; break;
		case 'i': interactive = true; break;
		case 'l': list = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("xtrace %s\n", XT_VERSION); return 0;
		default: usage(stderr); return 1;
		}
	}
	const char *program = o.program; /* as the listing and the script reading below name them */
	bool verbose = o.verbose;
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
	if (program) {
		text = strdup(program);
	} else if (optind < argc) {
		name = argv[optind++];
		text = xt_read_file(name);
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
	o.params = (const char *const *)argv + optind;
	o.nparams = argc - optind;
	if (read_env(&o) < 0) {
		free(text);
		return 1;
	}
	return run(&o, name, text);
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
static int run(const struct xt_opts *o, const char *name, char *text)
{
	if (!xt_rt_have_rights()) {
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

	struct xt_sema_opts so = { .target_pid = o->pid, .cpid = child, .max_strlen = o->max_strlen,
		.max_map_keys = o->max_map_keys, .unsafe = o->unsafe, .ncpus = xt_rt_possible_cpus(),
		.no_map_dump = o->no_map_dump, .params = o->params, .nparams = o->nparams, .cpp = &o->cpp };
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	struct xt_unit u;
	const char *dump = o->dump;
	unsigned dumps = dump ? (strstr(dump, "ast") ? XT_DUMP_AST : 0) | (strstr(dump, "ir") ? XT_DUMP_IR : 0) |
		(strstr(dump, "cpp") ? XT_DUMP_CPP : 0) : 0;
	int status = 1;
	struct xt_rt *rt = NULL;
	struct xt_metrics *mx = NULL;
	if (xt_unit_compile(&u, name, text, &so, dumps, &dg) < 0)
		goto out;
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
				 .quiet = o->quiet, .child = child, .child_go_fd = go_fd,
				 .release_in_background = true, .term = term, .cat_bytes_max = o->cat_bytes_max,
				 .metrics = mx };
	rt = xt_rt_open(&u.compiled, &ro, &dg);
	if (!rt)
		goto out;
	go_fd = -1; /* the runtime owns it now */
	int err = xt_rt_attach(rt, &dg);
	if (err < 0 && err != -EINTR)
		goto out;
	if (err == -EINTR) { /* stopped while attaching: the results so far, as a stop after it */
		xt_sig_take_stop();
		status = 0;
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
