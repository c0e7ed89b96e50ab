/* Tab completion: commands, probe types and probes (through the providers'
 * list hooks), builtins, the session's maps, entry numbers, file names; paths
 * after uprobe:, struct names and fields after (struct, a live map's keys
 * after @m[. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <readline/readline.h>
#include "repl/repl_int.h"
#include "stdlib/registry.h"

struct cands {
	char **v;
	int n, cap;
};

static struct cands C;

static void cand_add(const char *s, size_t len)
{
	for (int i = 0; i < C.n; i++)
		if (strlen(C.v[i]) == len && strncmp(C.v[i], s, len) == 0)
			return;
	if (C.n == C.cap) {
		C.cap = C.cap ? C.cap * 2 : 64;
		C.v = realloc(C.v, sizeof(*C.v) * C.cap);
	}
	C.v[C.n++] = strndup(s, len);
}

static void cands_clear(void)
{
	for (int i = 0; i < C.n; i++)
		free(C.v[i]);
	C.n = 0;
}

static char *cand_next(const char *text, int state)
{
	static int i;
	if (state == 0)
		i = 0;
	size_t len = strlen(text);
	while (i < C.n) {
		const char *c = C.v[i++];
		if (strncmp(c, text, len) == 0)
			return strdup(c);
	}
	return NULL;
}

struct probe_ctx {
	const char *typed;         /* what the user typed, e.g. "t:syscalls:sys_enter_op" */
	size_t typelen;            /* length of the probe type as typed ("t") */
	const char *prov;          /* the provider's name ("tracepoint") */
};

/* A listed probe, as the user spells its type, cut after the next ':' past
 * what was typed: "tracepoint:sys" offers "tracepoint:syscalls:". */
static void probe_cand(const char *name, const char *detail, void *arg)
{
	struct probe_ctx *pc = arg;
	size_t plen = strlen(pc->prov);
	if (strncmp(name, pc->prov, plen) != 0 || name[plen] != ':')
		return;
	char full[1024];
	snprintf(full, sizeof(full), "%.*s%s", (int)pc->typelen, pc->typed, name + plen);
	size_t tl = strlen(pc->typed);
	if (strncmp(full, pc->typed, tl) != 0) {
		/* The provider may spell the target otherwise (uprobe:/bin/bash lists as
		 * /usr/bin/bash): keep what was typed up to its last ':' and offer the
		 * listed names' last part. */
		const char *tcolon = strrchr(pc->typed, ':'), *ncolon = strrchr(name, ':');
		size_t keep = tcolon ? (size_t)(tcolon - pc->typed) + 1 : 0;
		if (!tcolon || !ncolon || tcolon == strchr(pc->typed, ':') ||
		    strncmp(ncolon + 1, tcolon + 1, strlen(tcolon + 1)) != 0)
			return;
		snprintf(full, sizeof(full), "%.*s%s", (int)keep, pc->typed, ncolon + 1);
		cand_add(full, strlen(full));
		return;
	}
	const char *colon = strchr(full + tl, ':');
	cand_add(full, colon ? (size_t)(colon - full) + 1 : strlen(full));
}

static void complete_probes(const char *text)
{
	const char *colon = strchr(text, ':');
	char type[64];
	snprintf(type, sizeof(type), "%.*s", (int)(colon - text < 63 ? colon - text : 63), text);
	const struct xt_provider *p = xt_provider_find(type);
	if (!p || !p->list)
		return;
	char spec[1024];
	snprintf(spec, sizeof(spec), "%s*", colon + 1);
	struct probe_ctx pc = { text, (size_t)(colon - text), p->name };
	p->list(spec, false, probe_cand, &pc);
}

static void complete_words(const char *text)
{
	for (const struct xt_provider *const *p = xt_providers(); *p; p++) {
		char buf[80];
		bool bare = (*p)->flags & XT_PROVF_NOTARGET;
		snprintf(buf, sizeof(buf), "%s%s", (*p)->name, bare ? "" : ":");
		cand_add(buf, strlen(buf));
	}
	for (const struct xt_builtin *const *b = xt_builtins(); *b; b++)
		if (((*b)->name[0] | 0x20) >= 'a' && ((*b)->name[0] | 0x20) <= 'z') /* not the prompt's own @m[key] nor -k */
			cand_add((*b)->name, strlen((*b)->name));
	for (int i = 0; i < R->nmaps; i++) {
		char buf[256];
		snprintf(buf, sizeof(buf), "@%s", R->maps[i].info->name);
		cand_add(buf, strlen(buf));
	}
}

/* uprobe:/usr/bi, usdt:./bin/ap: the paths there, whatever the probe type (no
 * other kind of target starts with '/' or '.'): a directory ends in '/', a
 * file in ':' (its function or probe comes next). */
static bool complete_path(const char *text)
{
	const char *path = strchr(text, ':') + 1;
	if (strchr(path, ':') || (path[0] != '/' && path[0] != '.'))
		return false;
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path + 1) : 0, path);
	const char *base = slash ? slash + 1 : path;
	size_t blen = strlen(base);
	DIR *d = opendir(*dir ? dir : ".");
	for (struct dirent *de; d && (de = readdir(d));) {
		if (strncmp(de->d_name, base, blen) != 0 || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    (de->d_name[0] == '.' && base[0] != '.'))
			continue;
		char full[PATH_MAX * 2], cand[PATH_MAX * 3];
		struct stat st;
		snprintf(full, sizeof(full), "%s%s", *dir ? dir : "./", de->d_name);
		if (stat(full, &st) < 0 || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
			continue;
		snprintf(cand, sizeof(cand), "%.*s%s%s%s", (int)(path - text), text, dir, de->d_name,
			 S_ISDIR(st.st_mode) ? "/" : ":");
		cand_add(cand, strlen(cand));
	}
	if (d)
		closedir(d);
	return true;
}

static void name_cand(const char *name, void *ctx)
{
	cand_add(name, strlen(name));
}

/* Whether line[0..at) ends with the word `word` and blanks. */
static bool after_word(const char *line, int at, const char *word)
{
	size_t wl = strlen(word);
	while (at > 0 && (line[at - 1] == ' ' || line[at - 1] == '\t'))
		at--;
	if (at < (int)wl || strncmp(line + at - wl, word, wl) != 0)
		return false;
	char c = at > (int)wl ? line[at - wl - 1] : ' ';
	return !(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
}

/* `(struct task_s`: kernel struct names; `(struct task_struct *)curtask)->pi`:
 * that struct's fields (the last struct named before the cursor). */
static bool complete_struct(const char *text, int start)
{
	const char *line = rl_line_buffer;
	const struct xt_ktype_hooks *kt = xt_ktypes();
	if (after_word(line, start, "struct")) {
		if (kt->struct_names)
			kt->struct_names(text, name_cand, NULL);
		return true;
	}
	if (start < 2 || strncmp(line + start - 2, "->", 2) != 0)
		return false;
	const char *last = NULL;
	for (const char *p = line; (p = strstr(p, "struct ")) && p < line + start; p++)
		if (after_word(line, (int)(p - line) + 6, "struct")) /* not task_struct's */
			last = p;
	if (!last)
		return false;
	char spelled[160];
	const char *name = last + 7;
	name += strspn(name, " \t");
	snprintf(spelled, sizeof(spelled), "struct %.*s", (int)strspn(name, "abcdefghijklmnopqrstuvwxyz"
		 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"), name);
	const char *near, *why;
	const struct xt_type *t = kt->find ? kt->find(spelled, &near, &why) : NULL;
	if (t && kt->field)
		kt->field(t, "", &near); /* a kernel record reads its fields at the first look */
	for (int i = 0; t && t->fields && i < t->n; i++)
		if (t->fields[i].name && strncmp(t->fields[i].name, text, strlen(text)) == 0)
			cand_add(t->fields[i].name, strlen(t->fields[i].name));
	return true;
}

/* One key of a map as printed (`1, bash`) as a literal (`1, "bash"`) of its
 * type `k`; false for a key without a literal (a probe, a symbol). */
static bool key_literal(const struct xt_type *k, const char *printed, size_t len, FILE *out)
{
	int n = k->kind == XT_T_TUPLE ? k->n : 1;
	for (int i = 0; i < n; i++) {
		const struct xt_type *e = k->kind == XT_T_TUPLE ? k->elems[i] : k;
		const char *comma = i + 1 < n ? memmem(printed, len, ", ", 2) : NULL;
		size_t el = comma ? (size_t)(comma - printed) : len;
		if (i + 1 < n && !comma)
			return false;
		if (e->kind == XT_T_STR)
			fprintf(out, "%s\"%.*s\"", i ? ", " : "", (int)el, printed);
		else if (e->kind == XT_T_INT || e->kind == XT_T_BOOL)
			fprintf(out, "%s%.*s", i ? ", " : "", (int)el, printed);
		else
			return false;
		printed += el + (comma ? 2 : 0);
		len -= el + (comma ? 2 : 0);
	}
	return true;
}

/* `@m[` (or `@m["`, where the quote ends the word): the keys the live map
 * holds now, as literals. */
static bool complete_key(const char *text, int start)
{
	const char *line = rl_line_buffer, *open;
	bool quoted = start > 0 && line[start - 1] == '"';
	int from = quoted ? start - 1 : start;
	if (quoted) { /* @m["ba: the word is `ba` */
		int at = from;
		if (at < 1 || line[at - 1] != '[')
			return false;
		at--;
		while (at > 0 && line[at - 1] != '@' && line[at - 1] != ' ')
			at--;
		if (at < 1 || line[at - 1] != '@')
			return false;
		open = line + at - 1;
	} else if (text[0] == '@' && strchr(text, '[')) {
		open = text;
	} else {
		return false;
	}
	char name[256];
	snprintf(name, sizeof(name), "%.*s", (int)(strchr(open, '[') - open - 1), open + 1);
	struct smap *sm = xt_repl_map_find(name);
	if (!sm || !sm->info->key)
		return true;
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	if (!f)
		return true;
	xt_rt_set_output(sm->owner->rt, f, XT_FMT_TEXT);
	xt_rt_print_one(sm->owner->rt, sm->info, 0, 0);
	xt_rt_set_output(sm->owner->rt, R->mem, R->opts.format);
	fclose(f);
	char head[260];
	snprintf(head, sizeof(head), "@%s[", name);
	size_t hl = strlen(head);
	for (char *l = buf, *nl; l && *l; l = nl ? nl + 1 : NULL) {
		nl = strchr(l, '\n');
		size_t ll = nl ? (size_t)(nl - l) : strlen(l);
		const char *end = ll > hl ? memmem(l + hl, ll - hl, "]: ", 3) : NULL;
		if (!end && ll > hl + 1 && l[ll - 2] == ']' && l[ll - 1] == ':') /* a histogram's `@h[x]:` */
			end = l + ll - 2;
		if (strncmp(l, head, hl) != 0 || !end)
			continue;
		char *lit = NULL;
		size_t litlen = 0;
		FILE *lf = open_memstream(&lit, &litlen);
		if (!quoted)
			fputs(head, lf);
		bool ok = key_literal(sm->info->key, l + hl, (size_t)(end - l) - hl, lf);
		fputc(']', lf);
		fclose(lf);
		if (ok && quoted && sm->info->key->kind == XT_T_STR) /* readline closes the quote */
			cand_add(lit + 1, litlen - 3);
		else if (ok && !quoted)
			cand_add(lit, litlen);
		free(lit);
	}
	free(buf);
	return true;
}

char **xt_repl_complete(const char *text, int start, int end)
{
	rl_attempted_completion_over = 1;
	cands_clear();
	const char *line = rl_line_buffer;
	size_t lead = strspn(line, " \t");
	const char *cmd = line + lead;
	size_t cmdlen = strcspn(cmd, " \t");
	if (!R->pending && cmd[0] == '.' && (size_t)start <= lead) {
		for (const struct xt_repl_command *c = xt_repl_commands; c->name; c++)
			cand_add(c->name, strlen(c->name));
	} else if (!R->pending && cmd[0] == '.') {
		const struct xt_repl_command *c = xt_repl_commands;
		while (c->name && (strlen(c->name) != cmdlen || strncmp(c->name, cmd, cmdlen) != 0))
			c++;
		switch (c->arg) {
		case XT_REPL_ARG_FILE:
			rl_filename_completion_desired = 1;
			return rl_completion_matches(text, rl_filename_completion_function);
		case XT_REPL_ARG_TOPIC:
			cand_add("probes", 6);
			cand_add("builtins", 8);
			for (const struct xt_repl_command *h = xt_repl_commands; h->name; h++)
				cand_add(h->name + 1, strlen(h->name + 1));
			complete_words(text);
			break;
		case XT_REPL_ARG_FORMAT:
			cand_add("text", 4);
			cand_add("json", 4);
			break;
		case XT_REPL_ARG_ENTRY:
			cand_add("all", 3);
			for (int i = 0; i < R->nentries; i++)
				if (R->entries[i]->attached) {
					char buf[16];
					snprintf(buf, sizeof(buf), "%d", R->entries[i]->id);
					cand_add(buf, strlen(buf));
				}
			break;
		case XT_REPL_ARG_PROBE: /* before a ':', a probe type or a word anywhere in a name */
			if (strchr(text, ':')) {
				complete_probes(text);
				break;
			}
			/* fall through */
		case XT_REPL_ARG_MAP:
			complete_words(text);
			break;
		case XT_REPL_ARG_NONE:
			break;
		}
	} else if (complete_key(text, start) || complete_struct(text, start)) {
		/* a map's keys, a struct's name or fields */
	} else if (strchr(text, ':')) {
		if (!complete_path(text))
			complete_probes(text);
	} else {
		complete_words(text);
	}
	char **m = rl_completion_matches(text, cand_next);
	/* "tracepoint:", "tracepoint:syscalls:", "uprobe:/usr/": more is to come, no space yet. */
	if (m && !m[1] && m[0][0] && (m[0][strlen(m[0]) - 1] == ':' || m[0][strlen(m[0]) - 1] == '/'))
		rl_completion_append_character = '\0';
	return m;
}


void xt_repl_complete_free(void)
{
	cands_clear();
	free(C.v);
	C = (struct cands){ 0 };
}
