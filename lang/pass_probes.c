/* The probes pass: attach points to probe sites, through each provider's
 * expand hook; and, once the program is typed, the check pass: what the
 * kernel lacks for them (kprobes, fentry), through each provider's check hook. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sema_int.h"
#include "stdlib/registry.h"

struct xt_site *xt_probe_add_site(struct xt_sema *s, struct xt_probe_info *p,
				  const char *name, const char *target, int64_t num, const void *data)
{
	struct xt_program *prog = s->prog;
	/* The same place named twice (a stub library's function and its
	 * library's: uprobe:libpthread:pthread_create, uprobe:libc:pthread_create)
	 * is attached once, so each hit is one event. */
	for (int i = 0; i < p->nsites; i++)
		if (p->sites[i].num == num && strcmp(p->sites[i].name, name) == 0)
			return &p->sites[i];
	if (p->nsites % 16 == 0) {
		struct xt_site *ns = xt_arena_alloc(s->ar, sizeof(*ns) * (p->nsites + 16));
		if (p->nsites)
			memcpy(ns, p->sites, sizeof(*ns) * p->nsites);
		p->sites = ns;
	}
	struct xt_site *site = &p->sites[p->nsites++];
	site->id = prog->opts.site_base + prog->nsites++;
	site->name = xt_arena_strdup(s->ar, name);
	site->target = xt_arena_strdup(s->ar, target);
	site->num = num;
	site->data = data;
	return site;
}

/* The probe being expanded: its attach points that name nothing here. The
 * first is reported with the provider's words once the probe is expanded (a
 * warning when other attach points remain, else an error), the others are
 * named in a note (sslsnoop.bt lists nine libcrypto functions, seven of
 * which a stripped libcrypto does not export). */
static struct {
	const struct xt_probe_info *p;
	int n;
	const char *first;
	struct xt_loc loc;
	const char *names;
} missing;

int xt_probe_missing(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	int mode = s->prog->opts.missing_probes;
	if ((!p->node->list->next && mode == XT_MISSING_DEFAULT) || s->prog->opts.listing || mode == XT_MISSING_ERROR) {
		xt_diag_error(s->dg, at->loc, "%s", msg);
		return -1;
	}
	if (missing.p != p)
		missing = (typeof(missing)){ .p = p, .first = xt_arena_strdup(s->ar, msg), .loc = at->loc };
	else
		missing.names = !missing.names ? at->name : xt_arena_printf(s->ar, "%s, %s", missing.names, at->name);
	missing.n++;
	return 0;
}

/* After probe p's attach points: what they named that is missing. Returns
 * 1 when p is left with nothing and is to be removed (config missing_probes
 * = warn or ignore, bpftrace 0.26), -1 after an error. */
static int report_missing(struct xt_sema *s, struct xt_probe_info *p)
{
	if (missing.p != p)
		return 0;
	missing.p = NULL;
	int mode = s->prog->opts.missing_probes;
	if (mode == XT_MISSING_IGNORE)
		return p->nsites ? 0 : 1;
	if (!p->nsites && mode == XT_MISSING_WARN) { /* bpftrace 0.26's two warnings */
		xt_diag_warning(s->dg, missing.loc, "%s. Skipping.", missing.first);
		if (missing.n > 1)
			xt_diag_note(s->dg, (struct xt_loc){ 0 }, "the same holds for %d more of them: %s", missing.n - 1, missing.names);
		struct xt_loc all = p->node->list->loc; /* from its first attach point to its last */
		for (const struct xt_node *at = p->node->list; at; at = at->next) {
			all.last_line = at->loc.last_line;
			all.last_column = at->loc.last_column;
		}
		xt_diag_warning(s->dg, all, "probe has no valid attach points. It is being removed which may "
				"cause issues with program behavior.");
		return 1;
	}
	if (p->nsites)
		xt_diag_warning(s->dg, missing.loc, "%s; the probe attaches to its other attach points", missing.first);
	else
		xt_diag_error(s->dg, missing.loc, "%s; and none of the probe's attach points exists here", missing.first);
	if (missing.n > 1)
		xt_diag_note(s->dg, (struct xt_loc){ 0 }, "the same holds for %d more of them: %s", missing.n - 1, missing.names);
	return p->nsites ? 0 : -1;
}

static void index_sites(struct xt_program *prog)
{
	prog->sites = xt_arena_alloc(prog->ar, sizeof(*prog->sites) * (prog->nsites + 1));
	for (int i = 0; i < prog->nprobes; i++)
		for (int j = 0; j < prog->probes[i].nsites; j++)
			prog->sites[prog->probes[i].sites[j].id - prog->opts.site_base] = &prog->probes[i].sites[j];
}

/* The attach point's text with positional parameters substituted
 * (uprobe:$1:main, interval:ms:$2), or NULL after a diagnostic. */
static const char *attach_params(struct xt_sema *s, struct xt_node *at)
{
	const char *text = at->name;
	if (!strchr(text, '$'))
		return text;
	const struct xt_sema_opts *o = &s->prog->opts;
	char *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);
	if (!mem)
		return text;
	for (const char *c = text; *c; c++) {
		if (*c != '$' || !(c[1] >= '0' && c[1] <= '9')) {
			fputc(*c, mem);
			continue;
		}
		char *end;
		long n = strtol(c + 1, &end, 10);
		if (n < 1 || n > o->nparams) {
			fclose(mem);
			free(out);
			xt_diag_error(s->dg, at->loc, "attach point %s uses $%ld, but %d positional parameter%s given",
				      text, n, o->nparams, o->nparams == 1 ? " was" : "s were");
			return NULL;
		}
		fputs(o->params[n - 1], mem);
		c = end - 1;
	}
	fclose(mem);
	const char *r = xt_arena_strdup(s->ar, out ? out : "");
	free(out);
	return r;
}

static int expand_attach(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at)
{
	const char *text = attach_params(s, at);
	if (!text)
		return -1;
	const char *colon = strchr(text, ':');
	char *type = xt_arena_strndup(s->ar, text, colon ? (size_t)(colon - text) : strlen(text));
	const struct xt_provider *prov = xt_provider_find(type);
	if (!prov) {
		const char *names[64];
		size_t n = 0;
		for (const struct xt_provider *const *q = xt_providers(); *q && n < 62; q++) {
			names[n++] = (*q)->name;
			if ((*q)->alias)
				names[n++] = (*q)->alias;
		}
		const char *near = xt_diag_closest(type, names, n);
		struct xt_loc loc = xt_loc_prefix(at->loc, (int)strlen(type));
		if (near)
			xt_diag_error(s->dg, loc, "unknown probe type '%s'; did you mean '%s'?", type, near);
		else
			xt_diag_error(s->dg, loc, "unknown probe type '%s'", type);
		return -1;
	}
	if ((prov->flags & XT_PROVF_NOTARGET) && colon) {
		xt_diag_error(s->dg, at->loc, "%s takes no arguments", prov->name);
		return -1;
	}
	if (!(prov->flags & XT_PROVF_NOTARGET) && (!colon || !colon[1])) {
		xt_diag_error(s->dg, at->loc, "%s probe needs a target, as in %s:...", prov->name, prov->name);
		return -1;
	}
	if (p->prov && p->prov != prov) {
		xt_diag_error(s->dg, at->loc, "one probe cannot mix %s and %s attach points; write two probes",
			      p->prov->name, prov->name);
		return -1;
	}
	p->prov = prov;
	int before = p->nsites, nmissing = missing.p == p ? missing.n : 0;
	if (prov->expand(s, p, at, colon ? colon + 1 : "") < 0)
		return -1;
	if (p->nsites == before && !s->prog->opts.listing && (missing.p != p || missing.n == nmissing))
		return xt_probe_missing(s, p, at, "no probe matches '%s'", text);
	return 0;
}

int xt_pass_probes(struct xt_sema *s)
{
	struct xt_program *prog = s->prog;
	prog->nprobes = xt_node_count(prog->ast->list);
	prog->probes = xt_arena_alloc(s->ar, sizeof(*prog->probes) * (prog->nprobes + 1));
	int i = 0, rc = 0;
	struct xt_node **link = &prog->ast->list, *next;
	for (struct xt_node *pn = *link; pn; pn = next) {
		next = pn->next;
		struct xt_probe_info *p = &prog->probes[i];
		p->node = pn;
		p->index = i;
		p->fn_name = xt_arena_printf(s->ar, "probe_%d", i);
		for (struct xt_node *at = pn->list; at; at = at->next)
			if (expand_attach(s, p, at) < 0) {
				rc = -1;
				break;
			}
		int gone = rc == 0 ? report_missing(s, p) : 0;
		if (gone < 0)
			rc = -1;
		if (gone > 0) { /* out of the program, as if it was never written */
			missing.p = NULL;
			*link = next;
			memset(p, 0, sizeof(*p));
			continue;
		}
		if (rc == 0 && pn->name) { /* a named probe: its sites go by its name */
			for (const char *c = pn->name; *c; c++)
				if (!(*c == '_' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (c > pn->name && *c >= '0' && *c <= '9'))) {
					xt_diag_error(s->dg, xt_loc_prefix(pn->loc, (int)strlen(pn->name)),
						      "a probe's name is an identifier, not '%s'", pn->name);
					rc = -1;
					break;
				}
			for (int j = 0; rc == 0 && j < p->nsites; j++)
				p->sites[j].name = pn->name;
		}
		missing.p = NULL;
		if (p->prov && (p->prov->flags & XT_PROVF_END))
			prog->has_end = true;
		link = &pn->next;
		i++;
	}
	prog->nprobes = i;
	index_sites(prog);
	if (rc == 0 && prog->opts.max_probes && prog->nsites > prog->opts.max_probes && !prog->opts.listing) {
		/* config max_probes (bpftrace 0.26: each attach point is a program) */
		xt_diag_plain(s->dg, "the program attaches %d probes, more than max_probes (%d); raise it with "
			      "config = { max_probes = N } or BPFTRACE_MAX_PROBES", prog->nsites, prog->opts.max_probes);
		rc = -1;
	}
	return rc;
}

/* After the error for attach point `at` of probe i: a note naming the
 * attach points after it that need the same missing `feature`. */
static void note_others(struct xt_sema *s, int i, struct xt_node *at, const char *(*feature)(void))
{
	struct xt_program *prog = s->prog;
	char *others = NULL;
	size_t len = 0;
	int n = 0;
	FILE *mem = open_memstream(&others, &len);
	if (!mem)
		return;
	for (int j = i; j < prog->nprobes; j++) {
		const struct xt_probe_info *q = &prog->probes[j];
		if (!q->prov || q->prov->unavailable != feature)
			continue;
		for (struct xt_node *o = j == i ? at->next : q->node->list; o; o = o->next)
			if (n++ < 4)
				fprintf(mem, "%s%s", n > 1 ? ", " : "", o->name);
	}
	fclose(mem);
	if (n)
		xt_diag_note(s->dg, (struct xt_loc){ 0 }, "the same holds for %d more attach point%s: %s%s", n,
			     n > 1 ? "s" : "", others, n > 4 ? ", ..." : "");
	free(others);
}

/* One error per missing kernel feature: the first attach point that needs it
 * says why, a note names the others (biolatency.bt's four kprobes are one
 * problem, not four). Features are told apart by the providers' unavailable
 * hooks (kprobe and kretprobe share one). */
int xt_pass_probes_check(struct xt_sema *s)
{
	struct xt_program *prog = s->prog;
	const char *(*said[8])(void); /* the features reported */
	int nsaid = 0, rc = 0;
	for (int i = 0; i < prog->nprobes; i++) {
		struct xt_probe_info *p = &prog->probes[i];
		const char *(*feature)(void) = p->prov ? p->prov->unavailable : NULL;
		if (!p->prov || !p->prov->check)
			continue;
		bool reported = false;
		for (int k = 0; k < nsaid; k++)
			reported = reported || said[k] == feature;
		if (reported) /* its note named this probe's attach points */
			continue;
		for (struct xt_node *at = p->node->list; at; at = at->next) {
			const char *text = attach_params(s, at);
			if (!text || p->prov->check(s, p, at, strchr(text, ':') + 1) == 0)
				continue;
			rc = -1;
			if (feature && nsaid < 8) {
				said[nsaid++] = feature;
				note_others(s, i, at, feature);
				break;
			}
		}
	}
	return rc;
}
