/* The dot-commands: .help, .probes, .detach, .maps, .list, .watch, .load,
 * .save, .format, .flame, .quit, one row each in xt_repl_commands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include "repl/repl_int.h"
#include "stdlib/registry.h"

/* Whether a builtin can be written in a program: the prompt's own (`@m[key]`)
 * and -k's records have names no one can type. */
static bool typable(const struct xt_builtin *b)
{
	return (b->name[0] >= 'a' && b->name[0] <= 'z') || (b->name[0] >= 'A' && b->name[0] <= 'Z') || b->name[0] == '_';
}

/* What a builtin's record says of it, beyond its help line. */
static void help_builtin(const struct xt_builtin *b)
{
	printf("%s%s (builtin %s)\n    %s\n", b->name, b->kind == XT_BI_FUNC ? "()" : "",
	       b->kind == XT_BI_FUNC ? "function" : "variable", b->help ? b->help : "");
	if (b->kind == XT_BI_FUNC) {
		if (b->max_args < 0 || b->max_args > 16)
			printf("    takes %d or more arguments\n", b->min_args);
		else if (b->min_args == b->max_args)
			printf("    takes %d argument%s\n", b->min_args, b->min_args == 1 ? "" : "s");
		else
			printf("    takes %d %s %d arguments\n", b->min_args, b->max_args == b->min_args + 1 ? "or" : "to",
			       b->max_args);
	}
	if (b->flags & XT_BIF_AGG)
		printf("    an aggregation: @map[key] = %s(...); printed with the map\n", b->name);
	else if (b->flags & XT_BIF_NOVALUE)
		puts("    a statement: it has no value");
	if (b->flags & XT_BIF_CTX)
		puts("    reads the probe's context: its meaning depends on the probe type");
	if (b->on_event)
		puts("    acts in user space, when its record arrives (after the probe ran)");
}

/* What a probe type's record says of it. */
static void help_provider(const struct xt_provider *p)
{
	printf("%s (probe type%s%s)\n    %s\n", p->name, p->alias ? ", alias " : "", p->alias ? p->alias : "",
	       p->help ? p->help : "");
	static const struct { unsigned flag; const char *what; } ctx[] = {
		{ XT_PROVF_CTX_ARGN, "arg0, arg1, ..." }, { XT_PROVF_CTX_RETVAL, "retval" },
		{ XT_PROVF_CTX_FUNC, "func" }, { XT_PROVF_CTX_REGS, "reg()" }, { XT_PROVF_CTX_CTX, "ctx" },
	};
	int n = 0;
	for (size_t i = 0; i < sizeof(ctx) / sizeof(ctx[0]); i++)
		if (p->flags & ctx[i].flag)
			printf("%s%s", n++ ? ", " : "    offers ", ctx[i].what);
	if (n)
		putchar('\n');
	if (p->flags & XT_PROVF_RUNONCE)
		puts("    runs once, never attached");
	if (p->flags & XT_PROVF_ANYTASK)
		puts("    fires in whatever task runs: -p does not filter it");
	if (p->list && !(p->flags & XT_PROVF_NOTARGET))
		printf("    .list %s:* lists its probes\n", p->name);
	const char *why = p->unavailable ? p->unavailable() : NULL;
	if (why)
		printf("    not on this machine: %s\n", why);
}

static void cmd_help(const char *arg)
{
	bool all = !arg || !*arg;
	bool any = false;
	if (all || strcmp(arg, "commands") == 0) {
		puts("Commands:");
		for (const struct xt_repl_command *c = xt_repl_commands; c->name; c++) {
			char head[64];
			snprintf(head, sizeof(head), "%s%s%s", c->name, c->args ? " " : "", c->args ? c->args : "");
			printf("  %-22s %s\n", head, c->help);
		}
		any = true;
	}
	if (all) {
		puts("\nAn entry with probes is attached at once and keeps running. Statements without a");
		puts("probe run at once on the session's maps, as in BEGIN: @x, @x[k], len(@x), print(@x, N),");
		puts("clear(@x), delete(@x[k]), $v = 3; printf(...); a bare value is printed.");
		puts("'.help probes' and '.help builtins' list the language; '.help NAME' one item.");
		return;
	}
	if (strcmp(arg, "probes") == 0) {
		puts("Probe types:");
		for (const struct xt_provider *const *p = xt_providers(); *p; p++)
			printf("  %-22s %s\n", (*p)->name, (*p)->help ? (*p)->help : "");
		any = true;
	}
	if (strcmp(arg, "builtins") == 0) {
		puts("Builtins:");
		for (const struct xt_builtin *const *b = xt_builtins(); *b; b++) {
			if (!typable(*b))
				continue;
			char head[64];
			snprintf(head, sizeof(head), "%s%s", (*b)->name, (*b)->kind == XT_BI_FUNC ? "()" : "");
			printf("  %-22s %s\n", head, (*b)->help ? (*b)->help : "");
		}
		any = true;
	}
	const char *topic = arg[0] == '.' ? arg + 1 : arg;
	size_t tl = strlen(topic);
	if (tl > 2 && strcmp(topic + tl - 2, "()") == 0) /* .help count() */
		tl -= 2;
	for (const struct xt_repl_command *c = xt_repl_commands; c->name; c++)
		if (strcmp(c->name + 1, topic) == 0) {
			printf("%s%s%s\n    %s\n", c->name, c->args ? " " : "", c->args ? c->args : "", c->help);
			any = true;
		}
	char word[64];
	snprintf(word, sizeof(word), "%.*s", (int)(tl < 63 ? tl : 63), topic);
	const struct xt_provider *prov = xt_provider_find(word); /* BEGIN is begin, u is uprobe */
	if (prov) {
		help_provider(prov);
		any = true;
	}
	for (const struct xt_builtin *const *b = xt_builtins(); *b; b++)
		if (typable(*b) && strlen((*b)->name) == tl && strncmp((*b)->name, topic, tl) == 0) {
			help_builtin(*b);
			any = true;
		}
	if (!any)
		fprintf(stderr, "xtrace: no help on '%s'; try .help, .help probes or .help builtins\n", arg);
}

static const char *hits_text(struct entry *e, int site, char *buf, size_t len)
{
	uint64_t n;
	if (xt_rt_site_hits(e->rt, site, &n) < 0)
		return "?";
	snprintf(buf, len, "%llu", (unsigned long long)n);
	return buf;
}

/* Every entry, each probe with how often it fired: the sum of its sites'
 * counters, and for a probe of many sites each site that fired. */
static void cmd_probes(const char *arg)
{
	for (int i = 0; i < R->nentries; i++) {
		struct entry *e = R->entries[i];
		const struct xt_program *prog = e->unit.prog;
		for (int j = 0; j < prog->nprobes; j++) {
			const struct xt_probe_info *p = &prog->probes[j];
			char where[512] = "", num[16] = "", hits[32];
			if (p->nsites == 1) {
				snprintf(where, sizeof(where), "%s", p->sites[0].name);
			} else {
				size_t off = 0;
				for (struct xt_node *a = p->node->list; a && off < sizeof(where); a = a->next)
					off += (size_t)snprintf(where + off, sizeof(where) - off, "%s%s", off ? ", " : "", a->name);
				if (off < sizeof(where))
					snprintf(where + off, sizeof(where) - off, " (%d)", p->nsites);
			}
			uint64_t sum = 0, n;
			bool known = true;
			for (int k = 0; k < p->nsites && known; k++) {
				known = xt_rt_site_hits(e->rt, p->sites[k].id, &n) == 0;
				sum += known ? n : 0;
			}
			snprintf(hits, sizeof(hits), known ? "%llu" : "?", (unsigned long long)sum);
			if (j == 0)
				snprintf(num, sizeof(num), "[%d]", e->id);
			printf("%-5s %-50s %10s hit%s%s\n", num, where, hits, known && sum == 1 ? "" : "s",
			       e->attached ? "" : " (detached)");
			for (int k = 0; p->nsites > 1 && known && k < p->nsites; k++) {
				char one[32];
				const char *h = hits_text(e, p->sites[k].id, one, sizeof(one));
				if (strcmp(h, "0") != 0)
					printf("        %-48s %10s\n", p->sites[k].name, h);
			}
		}
		xt_repl_flood_probes_entry(e, stdout);
	}
	if (!R->nentries)
		puts("no entry has been attached yet");
	xt_repl_flood_probes_end(stdout);
}

static void cmd_detach(const char *arg)
{
	if (arg && strcmp(arg, "all") == 0) {
		for (int i = 0; i < R->nentries; i++)
			xt_repl_entry_stop(R->entries[i], "detached", false);
		return;
	}
	char *end;
	long n = arg ? strtol(arg, &end, 10) : 0;
	if (!arg || end == arg || *end) {
		fprintf(stderr, "usage: .detach N (an entry's number, see .probes) or .detach all\n");
		return;
	}
	if (n < 1 || n > R->nentries) {
		fprintf(stderr, "xtrace: no entry %s (.probes lists them)\n", arg);
		return;
	}
	struct entry *e = R->entries[n - 1];
	if (!e->attached)
		fprintf(stderr, "xtrace: entry %ld is not attached\n", n);
	xt_repl_entry_stop(e, "detached", false);
}

static void cmd_maps(const char *arg)
{
	if (!R->nmaps) {
		puts("no maps yet");
		return;
	}
	struct xt_arena *ar = xt_arena_new();
	const struct xt_map_info **order = xt_repl_sorted_maps();
	for (int i = 0; i < R->nmaps; i++) {
		const struct xt_map_info *m = order[i];
		long n = xt_rt_map_count(xt_repl_map_find(m->name)->owner->rt, m);
		char name[256];
		snprintf(name, sizeof(name), "@%s", m->name);
		printf("%-16s key %-24s value %-16s %ld entr%s\n", name, m->key ? xt_type_name(ar, m->key) : "-",
		       xt_type_name(ar, m->val), n, n == 1 ? "y" : "ies");
	}
	free(order);
	xt_arena_free(ar);
}

static void cmd_list(const char *arg)
{
	xt_list_probes(stdout, arg && *arg ? arg : NULL, false);
}


/* Runs $VISUAL or $EDITOR (vi) on path, with the terminal as it is between
 * lines; whether it exited with status 0. */
static bool run_editor(const char *path)
{
	const char *ed = getenv("VISUAL");
	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	fflush(stdout);
	if (setenv("XT_EDITOR", ed, 1) < 0)
		return false;
	pid_t pid = fork();
	if (pid == 0) {
		xt_sig_restore_child();
		execl("/bin/sh", "sh", "-c", "exec $XT_EDITOR \"$1\"", "sh", path, (char *)NULL);
		_exit(127);
	}
	int st = 0;
	if (pid < 0)
		return false;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Whether `text` compiles as an entry with probes against the session's
 * maps; prints the diagnostics when not. */
static bool edit_compiles(const char *text)
{
	struct entry e = { 0 };
	struct xt_sema_opts so = xt_repl_sema_opts();
	const struct xt_map_info **known = calloc((size_t)R->nmaps + 1, sizeof(*known));
	for (int i = 0; i < R->nmaps; i++)
		known[i] = R->maps[i].info;
	so.known_maps = known;
	so.nknown_maps = R->nmaps;
	so.count_hits = true;
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	int rc = xt_unit_compile_entry(&e.unit, "<edit>", text, &so, &dg);
	if (rc == 0 && !e.unit.prog)
		xt_diag_plain(&dg, "the edited entry has no probe: an entry keeps its probes (statements run at the prompt)");
	else if (rc == 0)
		rc = xt_repl_check_maps(&e, &dg);
	if (dg.len)
		fputs(dg.buf, stderr);
	bool ok = rc == 0 && !dg.errors;
	xt_diags_fini(&dg);
	xt_unit_free(&e.unit);
	free(known);
	return ok;
}

/* .edit N: entry N's text in $EDITOR; a changed text that compiles replaces
 * the entry: the old one is detached (its maps stay) and the new one
 * attached under the next number. */
static void cmd_edit(const char *arg)
{
	char *end;
	long n = arg ? strtol(arg, &end, 10) : 0;
	if (!arg || end == arg || *end) {
		fprintf(stderr, "usage: .edit N (an entry's number, see .probes)\n");
		return;
	}
	if (n < 1 || n > R->nentries) {
		fprintf(stderr, "xtrace: no entry %s (.probes lists them)\n", arg);
		return;
	}
	struct entry *e = R->entries[n - 1];
	char path[] = "/tmp/xtrace-edit-XXXXXX.xt";
	int fd = mkstemps(path, 3);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f || fprintf(f, "%s%s", e->text, e->text[0] && e->text[strlen(e->text) - 1] == '\n' ? "" : "\n") < 0 ||
	    fclose(f) != 0) {
		fprintf(stderr, "xtrace: cannot write %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			unlink(path);
		return;
	}
	bool edited = run_editor(path);
	char *text = edited ? xt_read_file(path) : NULL;
	unlink(path);
	if (!edited) {
		fprintf(stderr, "xtrace: the editor failed; entry %ld is unchanged\n", n);
	} else if (!text) {
		fprintf(stderr, "xtrace: cannot read %s back: %s\n", path, strerror(errno));
	} else if (strspn(text, " \t\n") == strlen(text) || strcmp(text, e->text) == 0 ||
		   (strncmp(text, e->text, strlen(e->text)) == 0 && strcmp(text + strlen(e->text), "\n") == 0)) {
		printf("[%ld] unchanged\n", n);
	} else if (edit_compiles(text)) {
		size_t len = strlen(text);
		while (len && text[len - 1] == '\n')
			text[--len] = 0;
		xt_repl_entry_stop(e, "detached: replaced by the edit", false);
		xt_repl_run_entry("<edit>", text, false);
	} else {
		fprintf(stderr, "xtrace: entry %ld is unchanged\n", n);
	}
	free(text);
}

static void cmd_load(const char *arg)
{
	if (!arg || !*arg) {
		fprintf(stderr, "usage: .load FILE.xt\n");
		return;
	}
	char *text = xt_read_file(arg);
	if (!text) {
		fprintf(stderr, "xtrace: cannot read %s: %s\n", arg, strerror(errno));
		return;
	}
	xt_repl_run_entry(arg, text, true);
	free(text);
}

/* Whether entry e defines macros (`macro`, #define) later entries may use. */
static bool defines_macros(const struct entry *e)
{
	if (e->unit.prog && e->unit.prog->ast && e->unit.prog->ast->c)
		return true;
	for (const char *l = e->text; l && *l; l += strcspn(l, "\n"), l += *l == '\n') {
		const char *p = l + strspn(l, " \t");
		if (*p == '#' && p[1] != '!')
			return true;
	}
	return false;
}

/* The script .save writes: the entries marked in `keep`, in order, with
 * the definitions made between them. A detached one is there because a
 * running one needs its maps, or may need its macros. */
static char *save_text(const char *keep)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fputs("#!/usr/bin/env xtrace\n", f);
	for (int i = 0, d = 0; i <= R->nentries; i++) {
		/* what entries without probes defined for the later ones */
		for (; d < R->ndefs && R->defs[d].before <= i; d++) {
			const char *t = R->defs[d].text;
			size_t n = strlen(t);
			while (n && (t[n - 1] == '\n' || t[n - 1] == ' '))
				n--;
			fprintf(f, "\n// definitions\n%.*s\n", (int)n, t);
		}
		if (i == R->nentries)
			break;
		struct entry *e = R->entries[i];
		if (!keep[i])
			continue;
		const char *t = e->text;
		if (t[0] == '#' && t[1] == '!') /* a loaded script's own #! line */
			t += strcspn(t, "\n");
		while (*t == '\n')
			t++;
		size_t n = strlen(t);
		while (n && (t[n - 1] == '\n' || t[n - 1] == ' '))
			n--;
		fprintf(f, "\n// entry %d%s\n%.*s\n", e->id,
			e->attached ? "" : keep[i] == 2 ? " (detached in the session; kept for the macros it defines)"
			: " (detached in the session; kept for the maps it defines)", (int)n, t);
	}
	fclose(f);
	return buf;
}

/* Whether the script `text` compiles on its own and gives every session
 * map the kept entries use the type it has in the session. Otherwise marks
 * the entries that created the maps in question in `keep`; returns whether
 * it marked any. */
static bool save_needs_more(const char *text, char *keep)
{
	struct xt_unit u;
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	struct xt_sema_opts so = xt_repl_sema_opts();
	so.cpp = &R->opts.cpp; /* the script alone, without the session's definitions */
	so.known_macros = NULL;
	so.nknown_macros = 0;
	bool ok = xt_unit_compile(&u, "<save>", text, &so, 0, &dg) == 0;
	bool more = false;
	for (int i = 0; i < R->nentries; i++) {
		const struct xt_program *prog = R->entries[i]->unit.prog;
		for (int j = 0; keep[i] && j < prog->nmaps; j++) {
			/* prog->maps holds every session map the entry was checked
			 * against; only those its own text names tie it to their owner. */
			if (!xt_repl_first_use(prog->ast, prog->maps[j]->name))
				continue;
			struct smap *sm = xt_repl_map_find(prog->maps[j]->name);
			int owner = sm ? sm->owner->id - 1 : -1;
			if (owner < 0 || keep[owner])
				continue;
			bool same = false;
			for (int k = 0; ok && k < u.prog->nmaps && !same; k++) {
				const struct xt_map_info *m = u.prog->maps[k], *w = sm->info;
				same = strcmp(m->name, w->name) == 0 && xt_type_eq(m->val, w->val) &&
				       (m->key == w->key || (m->key && w->key && xt_type_eq(m->key, w->key)));
			}
			if (!same)
				keep[owner] = 1, more = true;
		}
	}
	xt_diags_fini(&dg);
	xt_unit_free(&u);
	return more;
}

/* Writes the attached entries as a script, and the detached ones whose maps
 * they need: without the entry that defines @x, `print(@x)` alone has no type. */
static void cmd_save(const char *arg)
{
	if (!arg || !*arg) {
		fprintf(stderr, "usage: .save FILE.xt\n");
		return;
	}
	/* 1: kept; 2: detached, but later entries may use the macros it defines */
	char *keep = calloc((size_t)R->nentries + 1, sizeof(*keep));
	int n = 0, extra = 0;
	for (int i = 0; i < R->nentries; i++)
		keep[i] = R->entries[i]->attached ? 1 : defines_macros(R->entries[i]) ? 2 : 0;
	char *text = save_text(keep);
	for (int round = 0; text && round < R->nentries && save_needs_more(text, keep); round++) {
		free(text);
		text = save_text(keep);
	}
	int for_macros = 0;
	for (int i = 0; i < R->nentries; i++) {
		n += keep[i] != 0;
		extra += keep[i] && !R->entries[i]->attached;
		for_macros += keep[i] == 2;
	}
	free(keep);
	FILE *f = text ? fopen(arg, "w") : NULL;
	bool written = f && fputs(text, f) >= 0;
	if (f && fclose(f) != 0)
		written = false;
	if (!written) {
		fprintf(stderr, "xtrace: cannot write %s: %s\n", arg, strerror(errno));
	} else if (extra) {
		printf("saved %d entr%s to %s (%d detached, kept for the %s the others use)\n", n,
		       n == 1 ? "y" : "ies", arg, extra, !for_macros ? "maps" : for_macros == extra ? "macros" : "maps and macros");
	} else {
		printf("saved %d entr%s to %s\n", n, n == 1 ? "y" : "ies", arg);
	}
	free(text);
}

static void cmd_format(const char *arg)
{
	if (arg && strcmp(arg, "text") == 0)
		R->opts.format = XT_FMT_TEXT;
	else if (arg && strcmp(arg, "json") == 0)
		R->opts.format = XT_FMT_JSON;
	else {
		fprintf(stderr, "usage: .format text|json (now %s)\n", R->opts.format == XT_FMT_JSON ? "json" : "text");
		return;
	}
	for (int i = 0; i < R->nentries; i++)
		xt_rt_set_output(R->entries[i]->rt, R->mem, R->opts.format);
}

/* .flame @MAP FILE: the map's SVG flame graph, as --flamegraph writes it. */
static void cmd_flame(const char *arg)
{
	char name[256];
	int at = 0;
	if (!arg || sscanf(arg, " @%255s %n", name, &at) != 1 || !at || !arg[at]) {
		fprintf(stderr, "usage: .flame @MAP FILE.svg\n");
		return;
	}
	const char *path = arg + at;
	struct smap *sm = xt_repl_map_find(name);
	if (!sm) {
		fprintf(stderr, "xtrace: unknown map @%s\n", name);
		return;
	}
	int err = xt_rt_map_flamegraph(sm->owner->rt, sm->info, path);
	if (err == -ENODATA)
		fprintf(stderr, "xtrace: @%s has no entry keyed by a stack (kstack, ustack)\n", name);
	else if (err < 0)
		fprintf(stderr, "xtrace: .flame: %s: %s\n", path, strerror(-err));
	else
		printf("wrote the flame graph of @%s to %s\n", name, path);
}

static void cmd_quit(const char *arg)
{
	R->quit = true;
}

const struct xt_repl_command xt_repl_commands[] = {
	{ ".help", "[TOPIC]", "this help; TOPIC: probes, builtins, a command, a probe type or a builtin", cmd_help, XT_REPL_ARG_TOPIC },
	{ ".probes", NULL, "the entries: numbers, attach points, how often each probe ran", cmd_probes, XT_REPL_ARG_NONE },
	{ ".detach", "N|all", "detach entry N (or all); its maps stay", cmd_detach, XT_REPL_ARG_ENTRY },
	{ ".maps", NULL, "the session's maps: key and value types, number of entries", cmd_maps, XT_REPL_ARG_NONE },
	{ ".list", "[PATTERN]", "list probes matching PATTERN, as xtrace -l", cmd_list, XT_REPL_ARG_PROBE },
	{ ".watch", "@MAP... [SECONDS]", "a dashboard of the maps, redrawn every SECONDS (default 1) until a key or Ctrl-C", xt_repl_cmd_watch, XT_REPL_ARG_MAP },
	{ ".load", "FILE.xt", "run a script's probes in the session", cmd_load, XT_REPL_ARG_FILE },
	{ ".save", "FILE.xt", "write the running entries as a script for 'xtrace FILE.xt'", cmd_save, XT_REPL_ARG_FILE },
	{ ".pager", "[on|off]", "long output through $PAGER (default less -FRX) on a terminal; on at first", xt_repl_cmd_pager, XT_REPL_ARG_NONE },
	{ ".edit", "N", "edit entry N in $EDITOR; saving replaces it (its maps stay)", cmd_edit, XT_REPL_ARG_ENTRY },
	{ ".format", "text|json", "how maps and events are printed", cmd_format, XT_REPL_ARG_FORMAT },
	{ ".flame", "@MAP FILE.svg", "write @MAP (keyed by a stack) as an SVG flame graph", cmd_flame, XT_REPL_ARG_MAP },
	{ ".quit", NULL, "print the maps, detach everything and leave (also Ctrl-D)", cmd_quit, XT_REPL_ARG_NONE },
	{ ".resume", NULL, "show the records held since Ctrl-C paused the output, and go on", xt_repl_cmd_resume, XT_REPL_ARG_NONE },
	{ ".mute", "N", "count entry N's printed records without printing them", xt_repl_cmd_mute, XT_REPL_ARG_ENTRY },
	{ ".unmute", "N", "print entry N's records again", xt_repl_cmd_unmute, XT_REPL_ARG_ENTRY },
	{ 0 },
};

void xt_repl_run_command(char *line)
{
	char *p = line + strspn(line, " \t");
	size_t n = strcspn(p, " \t");
	char *arg = p + n;
	arg += strspn(arg, " \t");
	size_t alen = strlen(arg);
	while (alen && (arg[alen - 1] == ' ' || arg[alen - 1] == '\t'))
		arg[--alen] = 0;
	for (const struct xt_repl_command *c = xt_repl_commands; c->name; c++)
		if (strlen(c->name) == n && strncmp(c->name, p, n) == 0) {
			/* long output (.list, .help builtins) through the pager; not
			 * what takes the terminal itself, nor .resume, after which
			 * the records stream on */
			bool page = c->run != xt_repl_cmd_watch && c->run != cmd_edit && c->run != xt_repl_cmd_resume;
			if (page)
				xt_repl_page_begin();
			c->run(alen ? arg : NULL);
			fflush(stdout);
			if (page)
				xt_repl_page_end();
			return;
		}
	const char *names[16];
	int k = 0;
	for (const struct xt_repl_command *c = xt_repl_commands; c->name && k < 16; c++)
		names[k++] = c->name;
	char word[64];
	snprintf(word, sizeof(word), "%.*s", (int)(n < 63 ? n : 63), p);
	const char *near = xt_diag_closest(word, names, (size_t)k);
	if (near)
		fprintf(stderr, "xtrace: unknown command '%s'; did you mean '%s'?\n", word, near);
	else
		fprintf(stderr, "xtrace: unknown command '%s'; .help lists the commands\n", word);
}

