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
#include "lang/import.h"
#include "lang/cpp.h"
#include "lang/parser.h"
#include "repl/driver.h"
#include "runtime/runtime.h"
#include "stdlib/registry.h"
#include "util/file.h"

static const regex_t *probe_filter;

/* -d types: each typed node's type */
static const char *type_note(const struct xt_node *n, void *ar)
{
	return n->type ? xt_type_name(ar, n->type) : NULL;
}

void xt_unit_probe_filter(const regex_t *re)
{
	probe_filter = re;
}

/* Drops the sites --probe-filter does not match; a probe left without
 * sites attaches nothing (bpftrace 0.25). */
static void filter_sites(struct xt_program *prog)
{
	for (int i = 0; i < prog->nprobes; i++) {
		struct xt_probe_info *p = &prog->probes[i];
		if (p->prov->flags & (XT_PROVF_BEGIN | XT_PROVF_END))
			continue;
		int k = 0;
		for (int j = 0; j < p->nsites; j++)
			if (regexec(probe_filter, p->sites[j].name, 0, NULL, 0) == 0) {
				p->sites[k] = p->sites[j];
				prog->sites[p->sites[k].id - prog->opts.site_base] = &p->sites[k];
				k++;
			}
		p->nsites = k;
	}
}

static int compile(struct xt_unit *u, const char *name, const char *text, enum xt_parse_mode mode,
		   const struct xt_sema_opts *opts, unsigned dump, struct xt_diags *dg)
{
	memset(u, 0, sizeof(*u));
	u->ar = xt_arena_new();
	u->src.name = xt_arena_strdup(u->ar, name);
	u->src.text = xt_arena_strdup(u->ar, text);
	u->src.len = strlen(text);
	dg->src = &u->src;
	struct xt_cpp_opts co = { 0 };
	if (opts->cpp)
		co = *opts->cpp;
	/* bpftrace's scripts take their BTF branch where the kernel has BTF */
	co.have_btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	/* imported files, read after the program (bpftrace 0.26's import) */
	if (xt_import(u->ar, &u->src, dg, &co.append_files, &co.nappend_files) < 0)
		return -1;
	if (xt_cpp(u->ar, &u->src, &co, dg) < 0)
		return -1;
	if ((dump & XT_DUMP_CPP) && u->src.lines)
		fputs(u->src.text, stderr);
	struct xt_node *ast = xt_parse(u->ar, &u->src, mode, dg);
	if (!ast)
		return -1;
	if (mode == XT_PARSE_ENTRY && !ast->list && ast->b && ast->b->kind == XT_N_CDEFS)
		return xt_ktypes()->define(ast->b, dg); /* C definitions only: kept for later entries */
	if (mode == XT_PARSE_ENTRY && !ast->list) {
		u->stmts = ast->b;
		return 0;
	}
	if (dump & XT_DUMP_AST)
		xt_ast_dump(stderr, ast);
	u->prog = xt_sema(u->ar, &u->src, ast, opts, dg);
	if (!u->prog)
		return -1;
	if (dump & XT_DUMP_TYPES)
		xt_ast_dump_noted(stderr, ast, type_note, u->ar);
	if (probe_filter)
		filter_sites(u->prog);
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

/* --- listing ------------------------------------------------------------------
 * A pattern is TYPE:SPEC, TYPE a probe type (name or alias) or a glob over
 * type names; without a type it is *:PATTERN, as bpftrace 0.17 has it: each
 * type matches PATTERN against its own probe names (-l '*sys_enter_read' is
 * tracepoint:syscalls:sys_enter_read, not sys_enter_readv). Each provider
 * matches names before it computes details, so -lv is as quick as -l for a
 * pattern that matches little. */

struct list_state {
	FILE *out;                /* NULL: count only */
	const char *why;          /* the listed type is unavailable: why */
	size_t n;                 /* probes listed */
	char first[256];          /* the first of them */
};

static void list_cb(const char *name, const char *detail, void *arg)
{
	struct list_state *ls = arg;
	if (ls->n++ == 0)
		snprintf(ls->first, sizeof(ls->first), "%s", name);
	if (!ls->out)
		return;
	if (ls->why)
		fprintf(ls->out, "%s [unavailable: %s]\n", name, ls->why);
	else
		fprintf(ls->out, "%s\n", name);
	fputs(detail ? detail : "", ls->out);
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* How long the form that opens a provider's help is ("uprobe:BINARY:FUNCTION
 * (or ...): entry to a user function"). */
static int form_len(const char *help)
{
	const char *end = strstr(help, ": ");
	return (int)(end ? (size_t)(end - help) : strlen(help));
}

/* Lists the probes of one pattern. 0 when some matched; -EINTR when a stop
 * signal came; -1 after a message on stderr. With out NULL: quietly, into ls. */
static int list_pattern(FILE *out, const char *pattern, bool verbose, struct list_state *ls)
{
	const char *colon = strchr(pattern, ':');
	char type[64] = "*";
	const char *spec = pattern;
	if (colon) {
		snprintf(type, sizeof(type), "%.*s", (int)(colon - pattern), pattern);
		spec = colon + 1;
	}
	const struct xt_provider *named = has_glob(type) ? NULL : xt_provider_find(type);
	if (!has_glob(type) && !named) {
		if (!out)
			return -1;
		/* `sched:sched_switch`: the pattern of some probe without its type? */
		char any[1024];
		struct list_state found = { 0 };
		snprintf(any, sizeof(any), "*:%s", pattern);
		if (list_pattern(NULL, any, false, &found) == -EINTR)
			return -EINTR;
		const char *names[64];
		size_t n = 0;
		for (const struct xt_provider *const *p = xt_providers(); *p && n < 62; p++) {
			names[n++] = (*p)->name;
			if ((*p)->alias)
				names[n++] = (*p)->alias;
		}
		const char *near = xt_diag_closest(type, names, n);
		if (found.n)
			fprintf(stderr, "xtrace: '%s': unknown probe type '%s'; did you mean '%s'?\n", pattern, type, found.first);
		else if (near)
			fprintf(stderr, "xtrace: '%s': unknown probe type '%s'; did you mean '%s'?\n", pattern, type, near);
		else
			fprintf(stderr, "xtrace: '%s': unknown probe type '%s'\n", pattern, type);
		return -1;
	}
	char skipped[512] = "";
	for (const struct xt_provider *const *pp = xt_providers(); *pp; pp++) {
		const struct xt_provider *p = *pp;
		if (named ? p != named : fnmatch(type, p->name, 0) != 0)
			continue;
		if (!p->list) {
			if (out && named)
				fprintf(stderr, "xtrace: '%s': %s probes are not listed (%s)\n", pattern, p->name, p->help);
			if (named)
				return -1;
			continue;
		}
		const char *why = p->unavailable ? p->unavailable() : NULL;
		if (why && !verbose) {
			if (named) {
				/* Whether -lv would list some (kprobes need ftrace's list of functions). */
				struct list_state some = { 0 };
				if (out && p->list(spec, false, list_cb, &some) == -EINTR)
					return -EINTR;
				if (out)
					fprintf(stderr, "xtrace: '%s': %s probes are unavailable: %s%s\n", pattern, p->name,
						why, some.n ? "; xtrace -lv lists them anyway" : "");
				return -1;
			}
			size_t len = strlen(skipped);
			snprintf(skipped + len, sizeof(skipped) - len, "%s%s", len ? ", " : "", p->name);
			continue;
		}
		ls->why = why;
		int rc = p->list(spec, verbose, list_cb, ls);
		if (rc == -EINTR || xt_sig_stop_pending())
			return -EINTR;
		if (rc < 0 && named) {
			if (!out)
				return -1;
			if (why)
				fprintf(stderr, "xtrace: '%s': %s probes are unavailable: %s\n", pattern, p->name, why);
			else if (rc == -EINVAL)
				fprintf(stderr, "xtrace: '%s': %s probes are written %.*s\n", pattern, p->name,
					form_len(p->help), p->help);
			else
				fprintf(stderr, "xtrace: cannot list '%s': %s\n", pattern, strerror(-rc));
			return -1;
		}
		/* Without a type, a type's probes may not have the pattern's form
		 * (uprobe:BINARY:FUNCTION); a type that cannot list at all says so. */
		if (rc < 0 && !why && rc != -EINVAL && rc != -ENOENT && out)
			fprintf(stderr, "xtrace: cannot list %s probes: %s\n", p->name, strerror(-rc));
	}
	if (ls->n)
		return 0;
	if (!out)
		return -1;
	const struct xt_provider *is_type = colon ? NULL : xt_provider_find(pattern);
	if (is_type)
		fprintf(stderr, "xtrace: no probe matches '%s'; xtrace -l '%s:*' lists the %s probes\n",
			pattern, pattern, is_type->name);
	else if (skipped[0])
		fprintf(stderr, "xtrace: no probe matches '%s' (not searched, unavailable here: %s; xtrace -lv searches them too)\n",
			pattern, skipped);
	else
		fprintf(stderr, "xtrace: no probe matches '%s'\n", pattern);
	return -1;
}

int xt_list_probes(FILE *out, const char *patterns, bool verbose)
{
	char *copy = strdup(patterns && *patterns ? patterns : "*");
	if (!copy) {
		fprintf(stderr, "xtrace: cannot list probes: %s\n", strerror(errno));
		return -1;
	}
	int rc = 0;
	bool any = false;
	char *save = NULL;
	for (char *pat = strtok_r(copy, ",", &save); pat && rc != -EINTR; pat = strtok_r(NULL, ",", &save)) {
		pat += strspn(pat, " \t");
		size_t len = strlen(pat);
		while (len && (pat[len - 1] == ' ' || pat[len - 1] == '\t'))
			pat[--len] = 0;
		if (!*pat)
			continue;
		any = true;
		struct list_state ls = { .out = out };
		int r = list_pattern(out, pat, verbose, &ls);
		if (r < 0 && rc != -EINTR)
			rc = r;
	}
	if (!any && rc == 0) { /* only commas: everything */
		struct list_state ls = { .out = out };
		rc = list_pattern(out, "*", verbose, &ls);
	}
	free(copy);
	fflush(out);
	return rc == -EINTR ? -EINTR : rc < 0 ? -1 : 0;
}

void xt_unit_free(struct xt_unit *u)
{
	xt_compiled_free(&u->compiled);
	if (u->ar)
		xt_arena_free(u->ar);
	memset(u, 0, sizeof(*u));
}

/* A script is waited for with the stop signals in view: a FIFO or a
 * terminal may keep us waiting for ever, and signals are blocked, so a
 * blocking read() would make Ctrl-C useless. */
static int wait_readable(int fd)
{
	return xt_sig_wait(fd, POLLIN, -1);
}

static char *read_all(int fd)
{
	return xt_file_read_fd(fd, XT_READ_FILE_MAX, wait_readable, NULL);
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
