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
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "repl/driver.h"
#include "repl/repl.h"
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
	      "  -d STAGE     dump the AST (ast) or the LLVM IR (ir) to stderr\n"
	      "  -B MODE      output buffering: line (default), full or none\n"
	      "  --unsafe     allow system() and signal()\n"
	      "  -h, --help   this help\n"
	      "  -V, --version\n"
	      "  ARG...       positional parameters $1, $2, ... ($# is their count)\n"
	      "\n"
	      "environment: XTRACE_MAX_STRLEN, XTRACE_MAX_MAP_KEYS, XTRACE_PRINT_MAPS_ON_EXIT=0\n", f);
}


/* Splits a -c command into argv: whitespace separates, quotes group. */
static char **split_command(const char *cmd)
{
	size_t cap = 8, n = 0;
	char **argv = calloc(cap, sizeof(*argv));
	const char *p = cmd;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		char *word = malloc(strlen(p) + 1), *w = word;
		char quote = 0;
		for (; *p && (quote || (*p != ' ' && *p != '\t')); p++) {
			if (quote && *p == quote)
				quote = 0;
			else if (!quote && (*p == '"' || *p == '\''))
				quote = *p;
			else if (*p == '\\' && p[1] && quote != '\'')
				*w++ = *++p;
			else
				*w++ = *p;
		}
		*w = 0;
		if (n + 2 > cap)
			argv = realloc(argv, sizeof(*argv) * (cap *= 2));
		argv[n++] = word;
		argv[n] = NULL;
	}
	return argv;
}

static void free_argv(char **argv)
{
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

/* The executable the shell would run for `name` (malloc'd), or NULL. */
static char *resolve_command(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0 ? strdup(name) : NULL;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *end = strchrnul(path, ':');
		char *cand = NULL;
		if (asprintf(&cand, "%.*s/%s", (int)(end - path), end == path ? "." : path, name) < 0)
			return NULL;
		if (access(cand, X_OK) == 0)
			return cand;
		free(cand);
		path = *end ? end + 1 : end;
	}
	return NULL;
}

/* Forks the -c command, held before exec until *go_fd is written to. */
static pid_t spawn_held(const char *cmd, int *go_fd)
{
	char **argv = split_command(cmd);
	if (!argv[0]) {
		fprintf(stderr, "xtrace: -c needs a command\n");
		free_argv(argv);
		return -1;
	}
	/* Resolved here, so the traced command starts with exactly one execve. */
	char *path = resolve_command(argv[0]);
	if (!path) {
		fprintf(stderr, "xtrace: cannot run %s: command not found\n", argv[0]);
		free_argv(argv);
		return -1;
	}
	int fds[2];
	pid_t pid = pipe2(fds, O_CLOEXEC) < 0 ? -1 : fork();
	if (pid < 0) {
		fprintf(stderr, "xtrace: cannot start '%s': %s\n", cmd, strerror(errno));
		free(path);
		free_argv(argv);
		return -1;
	}
	if (pid == 0) {
		close(fds[1]);
		char c;
		if (read(fds[0], &c, 1) != 1)
			_exit(127); /* xtrace gave up before starting us */
		close(fds[0]);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execv(path, argv);
		fprintf(stderr, "xtrace: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	free(path);
	free_argv(argv);
	*go_fd = fds[1];
	return pid;
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

static bool have_bpf_rights(void)
{
	if (geteuid() == 0)
		return true;
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xt_probe", 4, 4, 1, NULL);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int main(int argc, char **argv)
{
	const char *program = NULL, *cmd = NULL, *outpath = NULL, *dump = NULL;
	bool quiet = false, verbose = false, list = false, json = false, unsafe = false, interactive = false;
	int buffering = _IOLBF;
	pid_t pid = 0;
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' }, { "version", no_argument, NULL, 'V' },
		{ "unsafe", no_argument, NULL, 'U' }, { 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "+e:c:p:o:f:d:B:qvilhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'U': unsafe = true; break;
		case 'B':
			if (strcmp(optarg, "line") == 0)
				buffering = _IOLBF;
			else if (strcmp(optarg, "full") == 0)
				buffering = _IOFBF;
			else if (strcmp(optarg, "none") == 0)
				buffering = _IONBF;
			else {
				fprintf(stderr, "xtrace: unknown buffering mode '%s' (line, full or none)\n", optarg);
				return 1;
			}
			break;
		case 'e': program = optarg; break;
		case 'c': cmd = optarg; break;
		case 'p': pid = (pid_t)atoi(optarg);
			if (pid <= 0) {
				fprintf(stderr, "xtrace: -p needs a process id, not '%s'\n", optarg);
				return 1;
			}
			break;
		case 'o': outpath = optarg; break;
		case 'f':
			if (strcmp(optarg, "json") == 0)
				json = true;
			else if (strcmp(optarg, "text") != 0) {
				fprintf(stderr, "xtrace: unknown output format '%s' (text or json)\n", optarg);
				return 1;
			}
			break;
		case 'd': dump = optarg; break;
		case 'q': quiet = true; break;
		case 'v': verbose = true; break;
		case 'i': interactive = true; break;
		case 'l': list = true; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("xtrace %s\n", XT_VERSION); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (list) {
		xt_list_probes(stdout, optind < argc ? argv[optind] : NULL, verbose);
		return 0;
	}

	if (interactive || (!program && optind >= argc && isatty(STDIN_FILENO)))
		return xt_repl(&(struct xt_repl_opts){ .format = json ? XT_FMT_JSON : XT_FMT_TEXT,
						       .verbose = verbose, .target_pid = pid });

	const char *name = "<stdin>";
	char *text = NULL;
	if (program) {
		text = strdup(program);
	} else if (optind < argc) {
		name = argv[optind++];
		text = xt_read_file(name);
		if (!text) {
			fprintf(stderr, "xtrace: cannot read %s: %s\n", name, strerror(errno));
			return 1;
		}
	} else {
		usage(stderr);
		return 1;
	}
	if (!have_bpf_rights()) {
		fprintf(stderr, "xtrace: loading BPF programs needs root (or the CAP_BPF and CAP_PERFMON capabilities); run it with sudo\n");
		free(text);
		return 1;
	}
	FILE *out = stdout;
	if (outpath && !(out = fopen(outpath, "w"))) {
		fprintf(stderr, "xtrace: cannot write %s: %s\n", outpath, strerror(errno));
		free(text);
		return 1;
	}
	setvbuf(out, NULL, buffering, 0);
	int max_strlen = env_int("XTRACE_MAX_STRLEN"), max_keys = env_int("XTRACE_MAX_MAP_KEYS");
	const char *dump_env = getenv("XTRACE_PRINT_MAPS_ON_EXIT");
	if (max_strlen < 0 || max_keys < 0) {
		free(text);
		return 1;
	}
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);
	int ncpus_possible = libbpf_num_possible_cpus();
	if (ncpus_possible > 0)
		ncpus = ncpus_possible;

	int go_fd = -1;
	pid_t child = 0;
	if (cmd) {
		child = spawn_held(cmd, &go_fd);
		if (child < 0) { /* spawn_held said why */
			free(text);
			return 1;
		}
	}

	struct xt_sema_opts so = { .target_pid = pid, .cpid = child, .max_strlen = max_strlen,
		.max_map_keys = max_keys, .unsafe = unsafe, .ncpus = ncpus > 0 ? (int)ncpus : 1,
		.no_map_dump = dump_env && strcmp(dump_env, "0") == 0,
		.params = (const char *const *)argv + optind, .nparams = argc - optind };
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	struct xt_unit u;
	unsigned dumps = dump ? (strstr(dump, "ast") ? XT_DUMP_AST : 0) | (strstr(dump, "ir") ? XT_DUMP_IR : 0) : 0;
	int status = 1;
	struct xt_rt *rt = NULL;
	if (xt_unit_compile(&u, name, text, &so, dumps, &dg) < 0)
		goto out;
	struct xt_rt_opts ro = { .out = out, .format = json ? XT_FMT_JSON : XT_FMT_TEXT, .verbose = verbose,
				 .quiet = quiet, .child = child, .child_go_fd = go_fd,
				 .release_in_background = true };
	rt = xt_rt_open(&u.compiled, &ro, &dg);
	if (!rt)
		goto out;
	go_fd = -1; /* the runtime owns it now */
	if (xt_rt_attach(rt, &dg) < 0)
		goto out;
	status = xt_rt_run(rt);
	if (!u.prog->opts.no_map_dump)
		xt_rt_print_maps(rt);
	xt_rt_print_lost(rt);
	child = 0;
out:
	if (dg.len)
		fputs(dg.buf, stderr);
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
	if (out != stdout)
		fclose(out);
	return status;
}
