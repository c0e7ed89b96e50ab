/* The dot-commands: .help, .probes, .detach, .maps, .list, .watch, .load,
 * .save, .format, .flame, .quit, one row each in xt_repl_commands. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "repl/repl_int.h"
#include "stdlib/registry.h"

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
			char head[64];
			snprintf(head, sizeof(head), "%s%s", (*b)->name, (*b)->kind == XT_BI_FUNC ? "()" : "");
			printf("  %-22s %s\n", head, (*b)->help ? (*b)->help : "");
		}
		any = true;
	}
	const char *topic = arg[0] == '.' ? arg + 1 : arg;
	for (const struct xt_repl_command *c = xt_repl_commands; c->name; c++)
		if (strcmp(c->name + 1, topic) == 0) {
			printf("%s%s%s\n    %s\n", c->name, c->args ? " " : "", c->args ? c->args : "", c->help);
			any = true;
		}
	for (const struct xt_provider *const *p = xt_providers(); *p; p++)
		if (strcmp((*p)->name, arg) == 0 || ((*p)->alias && strcmp((*p)->alias, arg) == 0)) {
			printf("%s (probe type%s%s)\n    %s\n", (*p)->name, (*p)->alias ? ", alias " : "",
			       (*p)->alias ? (*p)->alias : "", (*p)->help ? (*p)->help : "");
			any = true;
		}
	for (const struct xt_builtin *const *b = xt_builtins(); *b; b++)
		if (strcmp((*b)->name, arg) == 0) {
			printf("%s%s (builtin %s)\n    %s\n", (*b)->name, (*b)->kind == XT_BI_FUNC ? "()" : "",
			       (*b)->kind == XT_BI_FUNC ? "function" : "variable", (*b)->help ? (*b)->help : "");
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

/* The script .save writes: the entries marked in `keep`, in order. A
 * detached one is there because a running one needs its maps. */
static char *save_text(const bool *keep)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fputs("#!/usr/bin/env xtrace\n", f);
	for (int i = 0; i < R->nentries; i++) {
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
			e->attached ? "" : " (detached in the session; kept for the maps it defines)", (int)n, t);
	}
	fclose(f);
	return buf;
}

/* Whether the script `text` compiles on its own and gives every session
 * map the kept entries use the type it has in the session. Otherwise marks
 * the entries that created the maps in question in `keep`; returns whether
 * it marked any. */
static bool save_needs_more(const char *text, bool *keep)
{
	struct xt_unit u;
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	struct xt_sema_opts so = xt_repl_sema_opts();
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
				more = keep[owner] = true;
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
	bool *keep = calloc((size_t)R->nentries + 1, sizeof(*keep));
	int n = 0, extra = 0;
	for (int i = 0; i < R->nentries; i++)
		keep[i] = R->entries[i]->attached;
	char *text = save_text(keep);
	for (int round = 0; text && round < R->nentries && save_needs_more(text, keep); round++) {
		free(text);
		text = save_text(keep);
	}
	for (int i = 0; i < R->nentries; i++) {
		n += keep[i];
		extra += keep[i] && !R->entries[i]->attached;
	}
	free(keep);
	FILE *f = text ? fopen(arg, "w") : NULL;
	bool written = f && fputs(text, f) >= 0;
	if (f && fclose(f) != 0)
		written = false;
	if (!written) {
		fprintf(stderr, "xtrace: cannot write %s: %s\n", arg, strerror(errno));
	} else if (extra) {
		printf("saved %d entr%s to %s (%d detached, kept for the maps the others use)\n", n,
		       n == 1 ? "y" : "ies", arg, extra);
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
			c->run(alen ? arg : NULL);
			fflush(stdout);
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

