/* Tab completion: commands, probe types and probes (through the providers'
 * list hooks), builtins, the session's maps, entry numbers, file names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	} else if (strchr(text, ':')) {
		complete_probes(text);
	} else {
		complete_words(text);
	}
	char **m = rl_completion_matches(text, cand_next);
	/* "tracepoint:" or "tracepoint:syscalls:": more is to come, no space yet. */
	if (m && !m[1] && m[0][0] && m[0][strlen(m[0]) - 1] == ':')
		rl_completion_append_character = '\0';
	return m;
}


void xt_repl_complete_free(void)
{
	cands_clear();
	free(C.v);
	C = (struct cands){ 0 };
}
