/* The typing pass, maps: a map's key and value types are program-wide,
 * unified across its uses; a REPL session's earlier maps are known from
 * the start. */
#include <string.h>
#include "sema_int.h"

static const char *tname(struct xt_sema *s, const struct xt_type *t)
{
	return xt_type_name(s->ar, t);
}

static struct xt_map_info *map_get(struct xt_sema *s, struct xt_node *n)
{
	struct xt_program *prog = s->prog;
	for (int i = 0; i < prog->nmaps; i++)
		if (strcmp(prog->maps[i]->name, n->name) == 0)
			return prog->maps[i];
	if (prog->nmaps % 16 == 0) {
		struct xt_map_info **nm = xt_arena_alloc(s->ar, sizeof(*nm) * (prog->nmaps + 16));
		if (prog->nmaps)
			memcpy(nm, prog->maps, sizeof(*nm) * prog->nmaps);
		prog->maps = nm;
	}
	struct xt_map_info *m = xt_arena_alloc(s->ar, sizeof(*m));
	m->id = prog->nmaps;
	m->name = n->name;
	/* Named after the map alone, so REPL entries find each other's maps. */
	m->bpf_name = xt_arena_printf(s->ar, "m_%s", n->name);
	m->first = n;
	for (struct xt_node *d = prog->ast ? prog->ast->decls : NULL; d; d = d->next)
		if (d->aux > 0 && strcmp(d->name, n->name) == 0) { /* declared: its kind and size */
			m->decl = d;
			m->kind = (enum xt_map_kind)d->aux;
			m->max_entries = (int)d->a->ival;
		}
	prog->maps[prog->nmaps++] = m;
	return m;
}

static const struct xt_type *key_slot_type(struct xt_sema *s, const struct xt_type *t)
{
	if (t->kind == XT_T_BOOL)
		return &xt_bool64;
	if (t->kind == XT_T_INT)
		return xt_type_int_as(s->ar, t, 8);
	return t;
}

/* Types the keys of a map access; returns the key type (NULL: no key) or
 * sets *bad. */
static const struct xt_type *map_key(struct xt_sema *s, struct xt_node *n, bool *bad)
{
	int nk = xt_node_count(n->list);
	if (nk == 0)
		return NULL;
	const struct xt_type **el = xt_arena_alloc(s->ar, sizeof(*el) * nk);
	int i = 0;
	for (struct xt_node *k = n->list; k; k = k->next, i++) {
		const struct xt_type *t = xt_sema_expr(s, k);
		if (!t) {
			*bad = true;
			return NULL;
		}
		if (t->kind == XT_T_AGG || (t->kind == XT_T_RECORD && !t->btf_id) || (t->kind == XT_T_TUPLE && !t->size)) {
			xt_diag_error(s->dg, k->loc, "a %s cannot be a map key", tname(s, t));
			*bad = true;
			return NULL;
		}
		/* an array or a C struct: its copy, by value */
		if ((t->kind == XT_T_ARRAY || t->kind == XT_T_RECORD) && !(t = xt_sema_kval(s, k, t))) {
			*bad = true;
			return NULL;
		}
		el[i] = key_slot_type(s, t);
	}
	return nk == 1 ? el[0] : xt_type_tuple(s->ar, el, nk);
}

/* Whether map m is one of a REPL session's, known before this program. */
static bool session_map(struct xt_sema *s, const struct xt_map_info *m)
{
	for (int i = 0; i < s->prog->opts.nknown_maps; i++)
		if (strcmp(s->prog->opts.known_maps[i]->name, m->name) == 0)
			return true;
	return false;
}

/* Whether a key of type `from` is one of type `to` unchanged: any int, a
 * string no longer (a longer one would be cut into another key). */
static bool holds(const struct xt_type *to, const struct xt_type *from)
{
	if (to->kind == XT_T_TUPLE && from->kind == XT_T_TUPLE && to->n == from->n) {
		for (int i = 0; i < to->n; i++)
			if (!holds(to->elems[i], from->elems[i]))
				return false;
		return xt_type_fits(to, from);
	}
	if (to->kind == XT_T_STR && from->kind == XT_T_STR)
		return from->size <= to->size;
	return xt_type_fits(to, from);
}

static int map_set_key(struct xt_sema *s, struct xt_map_info *m, struct xt_node *n, const struct xt_type *key)
{
	if (!m->key && !m->val) {
		m->key = key;
		return 0;
	}
	/* A session's map keeps its key type: @m["sh", 42] at the REPL's prompt
	 * reads a map keyed (string[16], uint64) with those types. */
	if (key && m->key && session_map(s, m) && holds(m->key, key))
		return 0;
	if (!m->key != !key || (key && !xt_type_fits(m->key, key) && !xt_type_fits(key, m->key))) {
		xt_diag_error(s->dg, n->loc, "map @%s is used with key %s here, but with key %s before",
			      m->name, key ? tname(s, key) : "none", m->key ? tname(s, m->key) : "none");
		return -1;
	}
	if (key)
		m->key = xt_type_join(s->ar, m->key, key);
	return 0;
}

int xt_sema_map_set_val(struct xt_sema *s, struct xt_map_info *m, struct xt_node *at, const struct xt_type *val)
{
	if (val->kind == XT_T_TUPLE && !val->size) { /* the kernel's maps hold at least a byte */
		xt_diag_error(s->dg, at->loc, "an empty tuple () cannot be stored in a map");
		return -1;
	}
	if (val->kind == XT_T_BOOL)
		val = &xt_bool64;
	else if (val->kind == XT_T_INT)
		val = xt_type_int_as(s->ar, val, 8);
	if (!m->val) {
		m->val = val;
		return 0;
	}
	const struct xt_type *j = NULL;
	if (m->val->kind == XT_T_AGG || val->kind == XT_T_AGG)
		j = xt_type_eq(m->val, val) ? val : NULL;
	else
		j = xt_type_join(s->ar, m->val, val);
	if (!j) {
		xt_diag_error(s->dg, at->loc, "type mismatch for @%s: assigning %s, but it holds %s",
			      m->name, tname(s, val), tname(s, m->val));
		return -1;
	}
	m->val = j;
	return 0;
}

/* A use of map node n: types its keys, finds (or creates) the map, and checks
 * the keys against the map's key type when `keyed` (a whole-map argument such
 * as clear(@m) has none to check). NULL after a diagnostic. */
struct xt_map_info *xt_sema_map_use(struct xt_sema *s, struct xt_node *n, bool keyed)
{
	bool bad = false;
	const struct xt_type *key = map_key(s, n, &bad);
	if (bad)
		return NULL;
	struct xt_map_info *m = map_get(s, n);
	n->sym = m;
	if (keyed && map_set_key(s, m, n, key) < 0)
		return NULL;
	return m;
}

const struct xt_type *xt_sema_map_read(struct xt_sema *s, struct xt_node *n)
{
	struct xt_map_info *m = xt_sema_map_use(s, n, true);
	if (!m)
		return NULL;
	if (!m->val) {
		if (s->final) {
			xt_diag_error(s->dg, n->loc, "map @%s is read but never assigned", m->name);
			return NULL;
		}
		return &xt_s64;
	}
	if (m->val->kind == XT_T_AGG) {
		if (m->val->agg->readable)
			return &xt_s64;
		xt_diag_error(s->dg, n->loc, "the value of @%s, a %s, cannot be used in an expression",
			      m->name, m->val->agg->name);
		return NULL;
	}
	return m->val;
}

struct xt_map_info *xt_sema_map_arg(struct xt_sema *s, struct xt_node *n, bool key_ok)
{
	if (n->kind != XT_N_MAP) {
		xt_diag_error(s->dg, n->loc, "expected a map (@name), not this expression");
		return NULL;
	}
	if (n->list && !key_ok) {
		xt_diag_error(s->dg, n->loc, "expected a whole map here: write @%s without a key", n->name);
		return NULL;
	}
	struct xt_map_info *m = xt_sema_map_use(s, n, n->list != NULL);
	if (!m)
		return NULL;
	if (!m->val && s->final) {
		xt_diag_error(s->dg, n->loc, "map @%s is used but never assigned", m->name);
		return NULL;
	}
	n->type = m->val;
	return m;
}

void xt_sema_maps_seed(struct xt_sema *s)
{
	struct xt_program *prog = s->prog;
	for (int i = 0; i < prog->opts.nknown_maps; i++) {
		const struct xt_map_info *k = prog->opts.known_maps[i];
		struct xt_node *n = xt_node_new(s->ar, XT_N_MAP, k->first ? k->first->loc : (struct xt_loc){ 0 });
		n->name = xt_arena_strdup(s->ar, k->name);
		struct xt_map_info *m = map_get(s, n);
		m->key = k->key;
		m->val = k->val;
	}
}

/* --- map declarations (bpftrace 0.24) ----------------------------------------- */

static const char *const kind_names[] = {
	[XT_MAP_HASH] = "hash", [XT_MAP_LRUHASH] = "lruhash", [XT_MAP_PERCPUHASH] = "percpuhash",
	[XT_MAP_PERCPULRUHASH] = "percpulruhash", [XT_MAP_PERCPUARRAY] = "percpuarray",
};
#define NKINDS ((int)(sizeof(kind_names) / sizeof(kind_names[0])))
enum { DECL_MAX_ENTRIES = 1 << 24 };

/* Each declaration's kind and size, once before typing; d->aux takes its kind. */
int xt_sema_map_decls(struct xt_sema *s)
{
	int rc = 0;
	struct xt_node *ast = s->prog->ast;
	if (ast && ast->decls && !ast->list) { /* only declarations: the grammar's one way to no probe */
		xt_diag_error(s->dg, ast->decls->loc, "this program declares maps but has no probe to use them");
		return -1;
	}
	for (struct xt_node *d = s->prog->ast ? s->prog->ast->decls : NULL; d; d = d->next) {
		d->aux = 0;
		for (struct xt_node *e = s->prog->ast->decls; e != d; e = e->next)
			if (strcmp(e->name, d->name) == 0) {
				xt_diag_error(s->dg, d->loc, "map @%s is already declared", d->name);
				rc = -1;
			}
		int kind = 0;
		for (int k = 1; k < NKINDS; k++)
			if (strcmp(kind_names[k], d->sval) == 0)
				kind = k;
		if (!kind) {
			const char *near = xt_diag_closest(d->sval, kind_names + 1, NKINDS - 1);
			xt_diag_error(s->dg, d->b->loc, "invalid map type '%s'%s%s%s; a declaration takes hash, lruhash, "
				      "percpuhash, percpulruhash or percpuarray", d->sval, near ? " (did you mean '" : "",
				      near ? near : "", near ? "'?)" : "");
			rc = -1;
			continue;
		}
		if (d->a->kind == XT_N_POSPARAM)
			xt_sema_posparam(s, d->a);
		if (d->a->kind != XT_N_INT || d->a->ival < 1 || d->a->ival > DECL_MAX_ENTRIES) {
			xt_diag_error(s->dg, d->a->loc, "%s() takes the map's maximum number of entries, an integer from 1 to %d",
				      d->sval, DECL_MAX_ENTRIES);
			rc = -1;
			continue;
		}
		if (kind == XT_MAP_PERCPUARRAY && d->a->ival != 1) { /* one value: a map without keys */
			xt_diag_error(s->dg, d->a->loc, "max entries can only be 1 for map type percpuarray");
			rc = -1;
			continue;
		}
		d->aux = kind;
	}
	return rc;
}

int xt_sema_map_decls_check(struct xt_sema *s)
{
	int rc = 0;
	struct xt_program *prog = s->prog;
	for (int i = 0; i < prog->nmaps; i++) {
		struct xt_map_info *m = prog->maps[i];
		if (!m->decl || !m->val)
			continue;
		bool agg = m->val->kind == XT_T_AGG;
		bool percpu = m->kind != XT_MAP_HASH && m->kind != XT_MAP_LRUHASH;
		if (agg != percpu) {
			xt_diag_error(s->dg, m->first->loc, "incompatible map types: @%s is declared %s, which holds %s, but "
				      "it is given %s; declare it %s", m->name, kind_names[m->kind],
				      percpu ? "aggregations (count(), sum(), ...)" : "plain values (not aggregations)",
				      tname(s, m->val), percpu ? "hash or lruhash" : "percpuhash or percpulruhash");
			rc = -1;
		} else if (m->kind == XT_MAP_PERCPUARRAY && (m->key || m->val->agg->buckets)) {
			xt_diag_error(s->dg, m->first->loc, "@%s is declared percpuarray, which xtrace keeps for a map "
				      "without keys holding count(), sum(), min(), max(), avg() or stats(); declare it percpuhash",
				      m->name);
			rc = -1;
		}
	}
	for (struct xt_node *d = prog->ast ? prog->ast->decls : NULL; d && rc == 0; d = d->next) {
		bool used = false;
		for (int i = 0; i < prog->nmaps; i++)
			used |= prog->maps[i]->decl == d;
		if (!used)
			xt_diag_warning(s->dg, d->loc, "unused map: @%s", d->name);
	}
	return rc;
}
