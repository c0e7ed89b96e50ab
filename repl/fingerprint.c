/* xt_prog_fingerprint (repl/progfile.h): what an object compiled for a
 * program depends on, hashed, so that a compiled program run on another
 * kernel (or a cache entry after a binary changed) is refused rather than
 * read with layouts that are no longer true. */
#include <string.h>
#include <sys/stat.h>
#include "repl/progfile.h"
#include "stdlib/registry.h"

struct fp {
	uint64_t h;
	bool reads_aggs; /* a probe reads an aggregation's value: the code loops over opts.ncpus */
};

static void mix(struct fp *f, const void *p, size_t n)
{
	f->h = xt_fnv(f->h, p, n);
}

static void mix_int(struct fp *f, int64_t v)
{
	mix(f, &v, sizeof(v));
}

static void mix_str(struct fp *f, const char *s)
{
	if (s)
		mix(f, s, strlen(s) + 1);
	else
		mix_int(f, -1);
}

/* A type and what it holds, `depth` levels down (kernel structs point at
 * themselves: the fields reached deeper have nodes of their own). */
static void mix_type(struct fp *f, const struct xt_type *t, int depth)
{
	if (!t) {
		mix_int(f, -1);
		return;
	}
	int64_t head[] = { t->kind, t->size, t->sign, t->lmin, t->lmax, t->lstep, t->n, t->btf_id != 0, t->space };
	mix(f, head, sizeof(head));
	mix_str(f, t->agg ? t->agg->name : NULL);
	mix_str(f, t->render ? t->render->name : NULL);
	mix_str(f, t->rfmt);
	if (depth <= 0)
		return;
	mix_type(f, t->pointee, depth - 1);
	for (int i = 0; i < t->n; i++) {
		if (t->offsets)
			mix_int(f, t->offsets[i]);
		if (t->elems)
			mix_type(f, t->elems[i], depth - 1);
		if (t->fields) {
			const struct xt_field *fd = &t->fields[i];
			int64_t at[] = { fd->offset, fd->bitoff, fd->bits };
			mix(f, at, sizeof(at));
			mix_str(f, fd->name);
			mix_type(f, fd->type, depth - 1);
		}
	}
}

static bool is_agg_map(const struct xt_node *n)
{
	const struct xt_map_info *m = n->kind == XT_N_MAP ? n->sym : NULL;
	return m && m->val && m->val->kind == XT_T_AGG;
}

static void mix_node(struct fp *f, const struct xt_node *n, const struct xt_node *parent)
{
	for (; n; n = n->next) {
		int64_t head[] = { n->kind, n->op, (int64_t)n->ival, n->aux, (int64_t)n->slen };
		mix(f, head, sizeof(head));
		mix_str(f, n->name);
		if (n->sval)
			mix(f, n->sval, n->slen);
		mix_type(f, n->type, 2);
		if ((n->kind == XT_N_FIELD || n->kind == XT_N_ARROW) && n->sym) {
			const struct xt_field *fd = n->sym;
			int64_t at[] = { fd->offset, fd->bitoff, fd->bits };
			mix(f, at, sizeof(at));
		}
		/* an aggregation read where its value is used (not assigned, not handed to a function) */
		if (is_agg_map(n) && parent && parent->kind != XT_N_CALL && !(parent->kind == XT_N_ASSIGN && parent->a == n))
			f->reads_aggs = true;
		mix_node(f, n->a, n);
		mix_node(f, n->b, n);
		mix_node(f, n->c, n);
		mix_node(f, n->list, n);
	}
}

/* The files a site names (uprobe:/bin/x:f, usdt:/bin/x:p:n): their size, so
 * that another build of the binary (other offsets, other USDT argument
 * places) does not pass. */
static void mix_site_files(struct fp *f, const char *name)
{
	for (const char *p = strchr(name, ':'); p; p = strchr(p + 1, ':')) {
		if (p[1] != '/')
			continue;
		char path[4096];
		size_t n = strcspn(p + 1, ":");
		if (n >= sizeof(path))
			continue;
		memcpy(path, p + 1, n);
		path[n] = 0;
		struct stat st;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			mix_int(f, st.st_size);
	}
}

uint64_t xt_prog_fingerprint(const struct xt_program *prog)
{
	struct fp f = { .h = XT_FNV_INIT };
	mix_node(&f, prog->ast, NULL);
	const struct xt_sema_opts *o = &prog->opts;
	int64_t opts[] = { o->target_pid, o->cpid, o->max_strlen, o->max_map_keys, o->unsafe, o->no_map_dump,
			   o->site_base, o->count_hits, o->bool_as_int, o->enum_as_int, o->str_count_017, o->probe_names_017,
			   o->missing_probes, o->helper_errors,
			   f.reads_aggs ? o->ncpus : -1, prog->has_end, prog->nmap_loops };
	mix(&f, opts, sizeof(opts));
	for (int i = 0; i < o->nparams; i++)
		mix_str(&f, o->params[i]);
	mix_int(&f, prog->nprobes);
	for (int i = 0; i < prog->nprobes; i++) {
		const struct xt_probe_info *p = &prog->probes[i];
		int64_t head[] = { p->index, p->mode, p->has_map_loop, p->nvars, p->nsites };
		mix(&f, head, sizeof(head));
		mix_str(&f, p->prov ? p->prov->name : NULL);
		mix_str(&f, p->fn_name);
		mix_type(&f, p->args_type, 3);
		for (int j = 0; j < p->nvars; j++)
			mix_type(&f, p->var_types ? p->var_types[j] : NULL, 2);
		for (int j = 0; j < p->nsites; j++) {
			const struct xt_site *s = &p->sites[j];
			int64_t at[] = { s->id, s->num };
			mix(&f, at, sizeof(at));
			mix_str(&f, s->name);
			mix_site_files(&f, s->name);
		}
	}
	mix_int(&f, prog->nmaps);
	for (int i = 0; i < prog->nmaps; i++) {
		const struct xt_map_info *m = prog->maps[i];
		int64_t head[] = { m->id, m->key_size, m->value_size, m->percpu, m->kind, m->max_entries };
		mix(&f, head, sizeof(head));
		mix_str(&f, m->name);
		mix_str(&f, m->bpf_name);
		mix_type(&f, m->key, 3);
		mix_type(&f, m->val, 3);
	}
	mix_int(&f, prog->nfmts);
	for (int i = 0; i < prog->nfmts; i++) {
		const struct xt_fmt_info *m = prog->fmts[i];
		int64_t head[] = { m->id, m->nargs, m->size };
		mix(&f, head, sizeof(head));
		mix_str(&f, m->fmt);
		for (int j = 0; j < m->nargs; j++) {
			mix_int(&f, m->arg_offsets ? m->arg_offsets[j] : -1);
			mix_type(&f, m->arg_types ? m->arg_types[j] : NULL, 3);
		}
	}
	return f.h;
}
