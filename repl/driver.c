/* Text -> AST -> checked program -> BPF object. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "lang/parser.h"
#include "repl/driver.h"
#include "runtime/runtime.h"
#include "stdlib/registry.h"

static int compile(struct xt_unit *u, const char *name, const char *text, enum xt_parse_mode mode,
		   const struct xt_sema_opts *opts, unsigned dump, struct xt_diags *dg)
{
	memset(u, 0, sizeof(*u));
	u->ar = xt_arena_new();
	u->src.name = xt_arena_strdup(u->ar, name);
	u->src.text = xt_arena_strdup(u->ar, text);
	u->src.len = strlen(text);
	dg->src = &u->src;
	struct xt_node *ast = xt_parse(u->ar, &u->src, mode, dg);
	if (!ast)
		return -1;
	if (mode == XT_PARSE_ENTRY && !ast->list) {
		u->stmts = ast->b;
		return 0;
	}
	if (dump & XT_DUMP_AST)
		xt_ast_dump(stderr, ast);
	u->prog = xt_sema(u->ar, &u->src, ast, opts, dg);
	if (!u->prog)
		return -1;
	if (opts->listing)
		return 0;
	if (xt_codegen(u->prog, (dump & XT_DUMP_IR) ? XT_CG_DUMP_IR : 0, &u->compiled, dg) < 0)
		return -1;
	if (u->compiled.ir)
		fputs(u->compiled.ir, stderr);
	return 0;
}

int xt_unit_compile(struct xt_unit *u, const char *name, const char *text,
		    const struct xt_sema_opts *opts, unsigned dump, struct xt_diags *dg)
{
	return compile(u, name, text, XT_PARSE_PROGRAM, opts, dump, dg);
}

int xt_unit_compile_entry(struct xt_unit *u, const char *name, const char *text,
			  const struct xt_sema_opts *opts, struct xt_diags *dg)
{
	return compile(u, name, text, XT_PARSE_ENTRY, opts, 0, dg);
}

struct list_state { FILE *out; const char *pattern; };

static void list_cb(const char *name, const char *detail, void *arg)
{
	struct list_state *ls = arg;
	if (ls->pattern && fnmatch(ls->pattern, name, 0) != 0)
		return;
	fprintf(ls->out, "%s\n%s", name, detail ? detail : "");
}

void xt_list_probes(FILE *out, const char *pattern, bool verbose)
{
	/* A pattern without a probe type matches anywhere in a probe's name: -l sched_switch. */
	char anywhere[512];
	if (pattern && !strchr(pattern, ':')) {
		snprintf(anywhere, sizeof(anywhere), "*%s%s", pattern,
			 pattern[0] && pattern[strlen(pattern) - 1] == '*' ? "" : "*");
		pattern = anywhere;
	}
	struct list_state ls = { out, pattern };
	const char *colon = pattern ? strchr(pattern, ':') : NULL;
	for (const struct xt_provider *const *p = xt_providers(); *p; p++) {
		if (!(*p)->list)
			continue;
		const char *spec = "";
		if (colon) {
			size_t n = (size_t)(colon - pattern);
			bool named = (strlen((*p)->name) == n && strncmp((*p)->name, pattern, n) == 0) ||
				     ((*p)->alias && strlen((*p)->alias) == n && strncmp((*p)->alias, pattern, n) == 0);
			char type[64];
			snprintf(type, sizeof(type), "%.*s", (int)n, pattern);
			if (!named && fnmatch(type, (*p)->name, 0) != 0)
				continue;
			spec = colon + 1;
			ls.pattern = NULL;
		}
		(*p)->list(spec, verbose, list_cb, &ls);
		ls.pattern = colon ? NULL : pattern;
	}
}

void xt_unit_free(struct xt_unit *u)
{
	xt_compiled_free(&u->compiled);
	if (u->ar)
		xt_arena_free(u->ar);
	memset(u, 0, sizeof(*u));
}

/* Reads fd to its end into a NUL-terminated malloc'd buffer. Every read
 * waits with the stop signals in view first (a FIFO or a terminal may keep us
 * waiting for ever; signals are blocked, so a blocking read() would make
 * Ctrl-C useless). NULL with errno set. */
static char *read_all(int fd)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	for (;;) {
		int ready = xt_sig_wait(fd, POLLIN, -1);
		if (ready <= 0) {
			free(buf);
			errno = ready == 0 ? EINTR : -ready;
			return NULL;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			if (n < 0) {
				int err = errno;
				free(buf);
				errno = err;
				return NULL;
			}
			break;
		}
		len += (size_t)n;
		if (len > XT_READ_FILE_MAX) {
			free(buf);
			errno = EFBIG;
			return NULL;
		}
		if (cap - len < 2) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	buf[len] = 0;
	return buf;
}

char *xt_read_file(const char *path)
{
	if (strcmp(path, "-") == 0)
		return read_all(STDIN_FILENO);
	/* O_NONBLOCK: opening a FIFO would otherwise wait for a writer right here, deaf to signals. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return NULL;
	struct stat st;
	char *text = NULL;
	int err = fstat(fd, &st) < 0 ? errno
		: S_ISDIR(st.st_mode) ? EISDIR
		: S_ISREG(st.st_mode) && st.st_size > XT_READ_FILE_MAX ? EFBIG : 0;
	if (!err) {
		text = read_all(fd);
		err = errno;
	}
	close(fd);
	errno = err;
	return text;
}
