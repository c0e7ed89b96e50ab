/* The -c command and the -p process: started, held and checked before
 * anything is compiled, so that a mistake costs no time and leaves nothing. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "repl/driver.h"
#include "runtime/runtime.h"

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

/* Whether path is a file we may run; errno says why not. */
static bool runnable(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return false;
	if (!S_ISREG(st.st_mode)) {
		errno = S_ISDIR(st.st_mode) ? EISDIR : EACCES;
		return false;
	}
	return access(path, X_OK) == 0;
}

/* The executable the shell would run for `name` (malloc'd), or NULL with
 * errno set (ENOENT: not found in $PATH). */
static char *resolve_command(const char *name)
{
	if (strchr(name, '/'))
		return runnable(name) ? strdup(name) : NULL;
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *end = strchrnul(path, ':');
		char *cand = NULL;
		if (asprintf(&cand, "%.*s/%s", (int)(end - path), end == path ? "." : path, name) < 0)
			return NULL;
		if (runnable(cand))
			return cand;
		free(cand);
		path = *end ? end + 1 : end;
	}
	errno = ENOENT;
	return NULL;
}

pid_t xt_cmd_spawn_held(const char *cmd, int *go_fd)
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
		if (errno == ENOENT && !strchr(argv[0], '/'))
			fprintf(stderr, "xtrace: cannot run %s: command not found\n", argv[0]);
		else
			fprintf(stderr, "xtrace: cannot run %s: %s\n", argv[0], strerror(errno));
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
		xt_sig_restore_child();
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

int xt_cmd_parse_pid(const char *arg, pid_t *pid)
{
	char *end;
	errno = 0;
	long n = strtol(arg, &end, 10);
	if (!*arg || *end || errno || n <= 0) {
		fprintf(stderr, "xtrace: -p: '%s' is not a process id (a positive decimal number)\n", arg);
		return -1;
	}
	long max = 4194304; /* the kernel's PID_MAX_LIMIT, when pid_max cannot be read */
	FILE *f = fopen("/proc/sys/kernel/pid_max", "re");
	if (f) {
		if (fscanf(f, "%ld", &max) != 1)
			max = 4194304;
		fclose(f);
	}
	if (n >= max) {
		fprintf(stderr, "xtrace: -p %s: process ids on this system are below %ld\n", arg, max);
		return -1;
	}
	if (kill((pid_t)n, 0) < 0 && errno == ESRCH) {
		fprintf(stderr, "xtrace: -p %s: no such process\n", arg);
		return -1;
	}
	*pid = (pid_t)n;
	return 0;
}
