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
#include "repl/cache.h"
#include "repl/driver.h"
#include "repl/progfile.h"
#include "runtime/runtime.h"
#include "stdlib/btf_types.h"
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

/* Text to checked program: the preprocessor (unless `preprocessed`, the
 * text of a compiled program), the parser, semantic analysis. */
static int analyse(struct xt_unit *u, const char *name, const char *text, bool preprocessed, enum xt_parse_mode mode,
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
	/* bpftrace's scripts take their BTF branch where the kernel has BTF
	 * (asked once: kernel BTF does not come or go while xtrace runs) */
	static int have_btf = -1;
	if (have_btf < 0)
		have_btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	co.have_btf = have_btf;
	/* imported files, read after the program (bpftrace 0.26's import) */
	if (!preprocessed && xt_import(u->ar, &u->src, dg, &co.append_files, &co.nappend_files) < 0)
		return -1;
	if (!preprocessed && xt_cpp(u->ar, &u->src, &co, dg) < 0)
		return -1;
	if ((dump & XT_DUMP_CPP) && u->src.lines)
		fputs(u->src.text, stderr);
	struct xt_node *ast = xt_parse(u->ar, &u->src, mode, dg);
	if (!ast)
		return -1;
	if (mode == XT_PARSE_ENTRY && !ast->list && ast->c) { /* macros only: kept for later entries */
		if (ast->b && xt_ktypes()->define(ast->b, dg) < 0)
			return -1;
		u->macros = ast->c;
		return xt_sema_check_macros(ast->c, dg);
	}
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
	return 0;
}

/* --- the compile cache (repl/cache.h) ------------------------------------- */

static bool use_cache;

void xt_unit_use_cache(bool on)
{
	use_cache = on;
}

/* The fields of a compiled program for u (its object not yet in them). */
static void unit_fields(const struct xt_unit *u, const char *fields[XT_PF_NFIELDS], uint32_t lens[XT_PF_NFIELDS],
			char *opts, uint32_t opts_len, unsigned char fp[8])
{
	for (int i = 0; i < XT_PF_NFIELDS; i++) /* the strlen loop below reaches every field */
		fields[i] = NULL;
	fields[XT_PF_XTRACE] = XT_VERSION;
	fields[XT_PF_BUILD] = xt_build_id();
	fields[XT_PF_KERNEL] = xt_kernel_id();
	fields[XT_PF_NAME] = u->src.name;
	fields[XT_PF_TEXT] = u->src.text;
	for (int i = XT_PF_XTRACE; i <= XT_PF_TEXT; i++) /* the strings */
		lens[i] = (uint32_t)strlen(fields[i]) + 1;
	fields[XT_PF_OPTS] = opts;
	lens[XT_PF_OPTS] = opts_len;
	uint64_t h = xt_prog_fingerprint(u->prog);
	for (int i = 0; i < 8; i++)
		fp[i] = (unsigned char)(h >> (8 * i));
	fields[XT_PF_FINGERPRINT] = (const char *)fp;
	lens[XT_PF_FINGERPRINT] = 8;
	fields[XT_PF_OBJECT] = u->compiled.elf;
	lens[XT_PF_OBJECT] = (uint32_t)u->compiled.elf_size;
}

/* Looks u up in the cache, or compiles it and stores it there. 0, or -1
 * after diagnostics. -d cache says which it was. */
static int compile_cached(struct xt_unit *u, unsigned dump, struct xt_diags *dg)
{
	const char *dir = xt_cache_dir();
	uint32_t opts_len;
	char *opts = dir ? xt_progfile_opts(&u->prog->opts, &opts_len) : NULL;
	if (!opts) {
		if (dump & XT_DUMP_CACHE)
			fprintf(stderr, "cache: none (no $XDG_CACHE_HOME or $HOME to keep it in)\n");
		return xt_codegen(u->prog, 0, &u->compiled, dg);
	}
	const char *fields[XT_PF_NFIELDS];
	uint32_t lens[XT_PF_NFIELDS];
	unsigned char fp[8];
	unit_fields(u, fields, lens, opts, opts_len, fp);
	/* the key: every field but the object; the fingerprint covers what the
	 * program's analysis read besides its text (tracepoint formats, binaries) */
	uint64_t key[2] = { XT_FNV_INIT, 0x6c62272e07bb0142ull };
	for (int i = 0; i < XT_PF_OBJECT; i++)
		for (int k = 0; k < 2; k++) {
			key[k] = xt_fnv(key[k], &lens[i], sizeof(lens[i]));
			key[k] = xt_fnv(key[k], fields[i], lens[i]);
		}
	char path[4096];
	xt_cache_path(dir, key, path, sizeof(path));
	size_t len = 0;
	void *data = xt_cache_get(path, &len);
	struct xt_progfile pf;
	char why[256] = "";
	const char *what = "miss";
	if (data && xt_progfile_parse(data, len, &pf, why, sizeof(why)) == 0) {
		bool same = true;
		for (int i = 0; i < XT_PF_OBJECT && same; i++)
			same = pf.len[i] == lens[i] && memcmp(pf.field[i], fields[i], lens[i]) == 0;
		if (same && (u->compiled.elf = malloc(pf.len[XT_PF_OBJECT]))) {
			memcpy(u->compiled.elf, pf.field[XT_PF_OBJECT], pf.len[XT_PF_OBJECT]);
			u->compiled.elf_size = pf.len[XT_PF_OBJECT];
			u->compiled.prog = u->prog;
			if (dump & XT_DUMP_CACHE)
				fprintf(stderr, "cache: hit %s\n", path);
			free(data);
			free(opts);
			return 0;
		}
		what = "stale";
	} else if (data) {
		what = "corrupt";
	}
	free(data);
	int rc = xt_codegen(u->prog, 0, &u->compiled, dg);
	if (rc == 0) {
		fields[XT_PF_OBJECT] = u->compiled.elf;
		lens[XT_PF_OBJECT] = (uint32_t)u->compiled.elf_size;
		size_t size;
		void *file = xt_progfile_build(fields, lens, &size);
		int err = file ? xt_cache_put(dir, path, file, size) : -ENOMEM;
		if (dump & XT_DUMP_CACHE)
			fprintf(stderr, "cache: %s%s%s%s, %s %s%s%s\n", what, why[0] ? " (" : "", why, why[0] ? ")" : "",
				err ? "not stored" : "stored", path, err ? ": " : "", err ? strerror(-err) : "");
		free(file);
	}
	free(opts);
	return rc;
}

/* Whether the object compiled for u may come from the cache, or go there:
 * not for what the cache cannot key (sites dropped by --probe-filter), nor
 * what codegen does besides compiling (start following -p's and -c's
 * processes' mappings), nor when the IR is asked for. */
static bool cacheable(const struct xt_unit *u, unsigned dump)
{
	const struct xt_sema_opts *o = &u->prog->opts;
	return use_cache && !probe_filter && !(dump & XT_DUMP_IR) && !o->target_pid && !o->cpid && !o->count_hits &&
	       !o->nknown_maps && !o->site_base;
}

static int compile(struct xt_unit *u, const char *name, const char *text, enum xt_parse_mode mode,
		   const struct xt_sema_opts *opts, unsigned dump, struct xt_diags *dg)
{
	int rc = analyse(u, name, text, false, mode, opts, dump, dg);
	if (rc < 0 || !u->prog)
		return rc;
	if (probe_filter)
		filter_sites(u->prog);
	if (opts->listing)
		return 0;
	if (mode == XT_PARSE_PROGRAM && cacheable(u, dump))
		return compile_cached(u, dump, dg);
	if (mode == XT_PARSE_PROGRAM && use_cache && (dump & XT_DUMP_CACHE))
		fprintf(stderr, "cache: not used\n");
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

int xt_unit_check(struct xt_unit *u, const char *name, const char *text, const struct xt_sema_opts *opts,
		  struct xt_diags *dg)
{
	int rc = analyse(u, name, text, false, XT_PARSE_PROGRAM, opts, 0, dg);
	if (rc == 0 && u->prog && probe_filter)
		filter_sites(u->prog);
	return rc;
}

int xt_unit_compile_entry(struct xt_unit *u, const char *name, const char *text,
			  const struct xt_sema_opts *opts, struct xt_diags *dg)
{
	return compile(u, name, text, XT_PARSE_ENTRY, opts, 0, dg);
}

/* --- compiled programs (repl/progfile.h) ---------------------------------- */

int xt_unit_emit(const struct xt_unit *u, const char *path, struct xt_diags *dg)
{
	uint32_t opts_len;
	char *opts = xt_progfile_opts(&u->prog->opts, &opts_len);
	const char *fields[XT_PF_NFIELDS];
	uint32_t lens[XT_PF_NFIELDS];
	unsigned char fp[8];
	size_t size = 0;
	void *file = NULL;
	if (opts) {
		unit_fields(u, fields, lens, opts, opts_len, fp);
		file = xt_progfile_build(fields, lens, &size);
	}
	free(opts);
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	FILE *f = file ? fopen(tmp, "we") : NULL;
	int err = !file ? ENOMEM : !f ? errno : 0;
	if (f) {
		if (fwrite(file, 1, size, f) != size)
			err = errno ? errno : EIO;
		if (fclose(f) != 0 && !err)
			err = errno;
		if (!err && rename(tmp, path) < 0)
			err = errno;
		if (err)
			unlink(tmp);
	}
	free(file);
	if (err) {
		xt_diag_plain(dg, "cannot write %s: %s", path, strerror(err));
		return -1;
	}
	return 0;
}

/* A run-time option that would change the compiled code differs from the
 * one it was compiled with: which, or NULL. Unset ones take the file's. */
static const char *changed_option(const struct xt_sema_opts *run, const struct xt_sema_opts *file)
{
	if (run->target_pid && run->target_pid != file->target_pid)
		return "-p";
	if (run->cpid && run->cpid != file->cpid)
		return "-c";
	if (run->max_strlen && run->max_strlen != file->max_strlen)
		return "XTRACE_MAX_STRLEN";
	if (run->max_map_keys && run->max_map_keys != file->max_map_keys)
		return "XTRACE_MAX_MAP_KEYS";
	if (run->unsafe && !file->unsafe)
		return "--unsafe";
	if (run->helper_errors && !file->helper_errors)
		return "-k";
	if (run->no_map_dump && !file->no_map_dump)
		return "XTRACE_PRINT_MAPS_ON_EXIT";
	if (run->nparams && run->nparams != file->nparams)
		return "the positional parameters";
	for (int i = 0; i < run->nparams; i++)
		if (strcmp(run->params[i], file->params[i]) != 0)
			return "the positional parameters";
	return NULL;
}

/* The checked program and object of compiled program pf into u, with the
 * options in so; 0, or -1 after a diagnostic. */
static int rebuild(struct xt_unit *u, const char *name, const struct xt_progfile *pf, const struct xt_sema_opts *so,
		   unsigned dump, struct xt_diags *dg)
{
	if (analyse(u, pf->field[XT_PF_NAME], pf->field[XT_PF_TEXT], true, XT_PARSE_PROGRAM, so, dump, dg) < 0) {
		xt_diag_note(dg, (struct xt_loc){ 0 }, "in %s, compiled on %s", name, pf->field[XT_PF_KERNEL]);
		return -1;
	}
	dg->src = NULL; /* what follows is about the file, not about a place in its text */
	if (xt_prog_fingerprint(u->prog) != pf->fingerprint) {
		xt_diag_plain(dg, "%s: compiled against other kernel types (or other binaries) than this machine's: recompile it",
			      name);
		return -1;
	}
	if (!(u->compiled.elf = malloc(pf->len[XT_PF_OBJECT]))) {
		xt_diag_plain(dg, "%s: %s", name, strerror(ENOMEM));
		return -1;
	}
	dg->src = &u->src;
	memcpy(u->compiled.elf, pf->field[XT_PF_OBJECT], pf->len[XT_PF_OBJECT]);
	u->compiled.elf_size = pf->len[XT_PF_OBJECT];
	u->compiled.prog = u->prog;
	if (probe_filter) /* after the fingerprint: a probe compiled for many sites serves fewer */
		filter_sites(u->prog);
	if (dump & XT_DUMP_CACHE)
		fprintf(stderr, "cache: compiled program %s, fingerprint %016llx\n", name, (unsigned long long)pf->fingerprint);
	return 0;
}

int xt_unit_load(struct xt_unit *u, const char *name, const void *data, size_t len,
		 const struct xt_sema_opts *opts, unsigned dump, struct xt_diags *dg)
{
	memset(u, 0, sizeof(*u));
	struct xt_progfile pf;
	char why[256];
	if (xt_progfile_parse(data, len, &pf, why, sizeof(why)) < 0) {
		xt_diag_plain(dg, "%s: %s", name, why);
		return -1;
	}
	if (strcmp(pf.field[XT_PF_XTRACE], XT_VERSION) != 0 || strcmp(pf.field[XT_PF_BUILD], xt_build_id()) != 0) {
		xt_diag_plain(dg, "%s: compiled by another xtrace (v%s, build %.12s; this is v%s, build %.12s): recompile it",
			      name, pf.field[XT_PF_XTRACE], pf.field[XT_PF_BUILD], XT_VERSION, xt_build_id());
		return -1;
	}
	/* the file's options (their strings in ar, which lives as long as u) */
	struct xt_arena *ar = xt_arena_new();
	struct xt_sema_opts so = *opts;
	so.target_pid = so.cpid = so.max_strlen = so.max_map_keys = so.no_map_dump = 0;
	so.unsafe = so.helper_errors = false;
	const char *changed = NULL;
	int rc = xt_progfile_read_opts(pf.field[XT_PF_OPTS], pf.len[XT_PF_OPTS], ar, &so, why, sizeof(why));
	if (rc < 0)
		xt_diag_plain(dg, "%s: %s", name, why);
	else if ((changed = changed_option(opts, &so)))
		xt_diag_plain(dg, "%s: %s would change the compiled code: give it when compiling with --emit", name, changed);
	else
		rc = rebuild(u, name, &pf, &so, dump, dg);
	if (!u->ar)
		u->ar = ar;
	else
		u->extra_ar = ar;
	return changed ? -1 : rc;
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
		static const char *const kinds[] = { "struct", "union", "enum" };
		const char *kind = NULL;
		for (int k = 0; k < 3; k++)
			if (strncmp(pat, kinds[k], strlen(kinds[k])) == 0 && pat[strlen(kinds[k])] == ' ')
				kind = kinds[k];
		int r = kind ? xt_btf_list_types(out, kind, pat + strlen(kind) + strspn(pat + strlen(kind), " "), verbose)
			     : list_pattern(out, pat, verbose, &ls);
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
	if (u->extra_ar)
		xt_arena_free(u->extra_ar);
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

static char *read_all(int fd, size_t *len)
{
	return xt_file_read_fd(fd, XT_READ_FILE_MAX, wait_readable, len);
}

char *xt_read_file(const char *path)
{
	return xt_read_file_n(path, NULL);
}

char *xt_read_file_n(const char *path, size_t *len)
{
	if (strcmp(path, "-") == 0)
		return read_all(STDIN_FILENO, len);
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
		text = read_all(fd, len);
		err = errno;
	}
	close(fd);
	errno = err;
	return text;
}
