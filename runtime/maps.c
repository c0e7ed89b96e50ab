/* Reading maps from the kernel: per-CPU values merged, histogram buckets
 * gathered per key, then handed to the printer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runtime/flame.h"
#include "runtime/rt_int.h"

struct raw {
	uint8_t *key;
	int64_t acc[2];      /* merged value, as the aggregation keeps it */
	bool set;
	uint8_t *bytes;      /* plain values; per-CPU values: every CPU's (agg->merge_cpus) */
};

static int ncpus(void)
{
	return xt_rt_possible_cpus();
}

int xt_rt_possible_cpus(void)
{
	static int n;
	if (!n)
		n = libbpf_num_possible_cpus();
	return n > 0 ? n : 1;
}

size_t xt_rt_value_bytes(const struct xt_map_info *m)
{
	return m->percpu ? (size_t)(m->value_size + 7) / 8 * 8 * (size_t)ncpus() : (size_t)m->value_size;
}

void xt_rt_snap_free(struct xt_rt_snap *s)
{
	free(s->keys);
	free(s->vals);
	memset(s, 0, sizeof(*s));
}

/* Room for `cap` entries; 0 or -ENOMEM. */
static int snap_grow(struct xt_rt_snap *s, size_t cap)
{
	uint8_t *k = realloc(s->keys, cap * s->ksize), *v = k ? realloc(s->vals, cap * s->vsize) : NULL;
	if (k)
		s->keys = k;
	if (v)
		s->vals = v;
	if (!k || !v)
		return -ENOMEM;
	s->cap = cap;
	return 0;
}

/* The kernel's batch lookup walks the hash table bucket by bucket, so it ends
 * however fast the probes insert and delete. 0, -errno, or -ENOTSUP when the
 * map has no batch operations. */
static int snap_batch(int fd, struct xt_rt_snap *s)
{
	uint64_t batch[8] = { 0 }; /* an opaque cursor: a bucket number for hash maps */
	bool first = true;
	for (;;) {
		if (s->cap - s->n < 64 && snap_grow(s, s->cap * 2 + 64) < 0)
			return -ENOMEM;
		__u32 count = (__u32)(s->cap - s->n);
		int err = bpf_map_lookup_batch(fd, first ? NULL : batch, batch, s->keys + s->n * s->ksize,
					       s->vals + s->n * s->vsize, &count, NULL);
		err = err < 0 ? -errno : 0;
		first = false;
		if (err == 0 || err == -ENOENT)
			s->n += count;
		if (err == -ENOENT)
			return 0;
		if (err == -ENOSPC && count == 0) { /* one bucket holds more than there is room for */
			if (snap_grow(s, s->cap * 2) < 0)
				return -ENOMEM;
			continue;
		}
		if (err == -EINVAL || err == -EOPNOTSUPP || err == -524 /* ENOTSUPP */)
			return s->n ? err : -ENOTSUP;
		if (err < 0)
			return err;
	}
}

/* Without batch operations: a key-by-key walk. A key deleted under it
 * restarts it from the start, so it takes at most as many steps as the map
 * holds keys. */
static int snap_walk(int fd, size_t limit, struct xt_rt_snap *s)
{
	const uint8_t *prev = NULL;
	for (size_t step = 0; step < limit; step++) {
		if (s->n == s->cap && snap_grow(s, s->cap * 2 + 64) < 0)
			return -ENOMEM;
		uint8_t *key = s->keys + s->n * s->ksize;
		if (bpf_map_get_next_key(fd, prev, key) != 0)
			break;
		prev = key; /* the kernel reads it before it writes the next one */
		if (bpf_map_lookup_elem(fd, key, s->vals + s->n * s->vsize) == 0)
			s->n++;
	}
	return 0;
}

int xt_rt_map_snapshot(struct xt_rt *rt, const struct xt_map_info *m, struct xt_rt_snap *s)
{
	memset(s, 0, sizeof(*s));
	int fd = xt_rt_map_fd(rt, m->bpf_name);
	if (fd < 0)
		return fd;
	s->ksize = (size_t)m->key_size;
	s->vsize = xt_rt_value_bytes(m);
	int err = snap_batch(fd, s);
	if (err == -ENOTSUP) {
		struct bpf_map *bm = bpf_object__find_map_by_name(rt->obj, m->bpf_name);
		s->n = 0;
		err = snap_walk(fd, bm ? bpf_map__max_entries(bm) : 1u << 20, s);
	}
	if (err < 0)
		xt_rt_snap_free(s);
	return err < 0 ? err : fd;
}

/* Folds every CPU's {a, b} into r, as the aggregation merges (by default: adds). */
static void merge(const struct xt_map_info *m, const uint8_t *vals, struct raw *r)
{
	int stride = (m->value_size + 7) / 8 * 8;
	const struct xt_agg *agg = m->val->agg;
	for (int c = 0; c < ncpus(); c++) {
		const uint8_t *v = vals + (size_t)c * stride;
		int64_t a, b;
		memcpy(&a, v, 8);
		if (m->value_size >= 16)
			memcpy(&b, v + 8, 8);
		else
			b = 0;
		if (agg->merge) {
			agg->merge(r->acc, &r->set, a, b);
		} else {
			/* sums wrap as the kernel's do (no signed overflow here) */
			r->acc[0] = (int64_t)((uint64_t)r->acc[0] + (uint64_t)a);
			r->acc[1] = (int64_t)((uint64_t)r->acc[1] + (uint64_t)b);
			r->set = true;
		}
	}
}

/* A multi-key map's tuple key prints as its elements: @m[a, b]. */
static void decode_key(const struct xt_program *prog, struct xt_arena *ar, const struct xt_map_info *m,
		       const uint8_t *key, struct xt_map_entry *e)
{
	if (!m->key)
		return;
	struct xt_val *kv = xt_arena_alloc(ar, sizeof(*kv));
	xt_rt_decode(prog, ar, m->key, key, kv); /* keys print as values do */
	if (kv->kind == XT_VAL_TUPLE) {
		e->keys = kv->tuple.elems;
		e->nkeys = kv->tuple.n;
	} else {
		e->keys = kv;
		e->nkeys = 1;
	}
}

/* Orders entries by their first *len key bytes (the user's key before a bucket number). */
static int cmp_raw(const void *a, const void *b, void *len)
{
	return memcmp(((const struct raw *)a)->key, ((const struct raw *)b)->key, *(const int *)len);
}

/* Keys whose render has a canonical form (dw_ustack): rewritten in a copy
 * of the keys, which the raws then point into (returned, to be freed); the
 * raws with equal keys merged, as the CPUs' values merge, unless the map's
 * values cannot merge (plain values keep one; tseries keeps them apart).
 * Bucket maps gather equal keys by themselves. */
static bool has_canon(const struct xt_type *t)
{
	for (int i = 0; t->kind == XT_T_TUPLE && i < t->n; i++)
		if (has_canon(t->elems[i]))
			return true;
	return t->kind != XT_T_TUPLE && t->render && t->render->canon;
}

static void canon(const struct xt_type *t, uint8_t *p)
{
	for (int i = 0; t->kind == XT_T_TUPLE && i < t->n; i++)
		canon(t->elems[i], p + t->offsets[i]);
	if (t->kind != XT_T_TUPLE && t->render && t->render->canon)
		t->render->canon(t, p);
}

static uint8_t *canon_keys(const struct xt_map_info *m, const struct xt_agg *agg, struct raw *raws, size_t *n,
			   size_t ksize)
{
	if (!m->key || !has_canon(m->key) || *n == 0)
		return NULL;
	uint8_t *keys = malloc(*n * ksize);
	if (!keys)
		return NULL;
	for (size_t i = 0; i < *n; i++) {
		memcpy(keys + i * ksize, raws[i].key, ksize);
		raws[i].key = keys + i * ksize;
		canon(m->key, raws[i].key);
	}
	if (agg && (agg->buckets || agg->merge_cpus))
		return keys;
	int len = m->key->size;
	qsort_r(raws, *n, sizeof(*raws), cmp_raw, &len);
	size_t out = 0;
	for (size_t i = 0; i < *n; i++) {
		struct raw *r = &raws[i], *last = out ? &raws[out - 1] : NULL;
		if (!last || memcmp(last->key, r->key, (size_t)len) != 0) {
			raws[out++] = *r;
			continue;
		}
		if (!agg) /* a plain value: one of them */
			continue;
		merge(m, r->bytes, last); /* every CPU's value of r, as merge() folded last's own */
	}
	*n = out;
	return keys;
}

int xt_rt_map_read(struct xt_rt *rt, const struct xt_map_info *m, struct xt_arena *ar,
		   struct xt_rt_snap *snap, struct xt_map_data *d)
{
	const struct xt_program *prog = rt->prog;
	int err = xt_rt_map_snapshot(rt, m, snap);
	if (err < 0)
		return err;
	size_t n = 0;
	struct raw *raws = calloc(snap->n + 1, sizeof(*raws));
	if (!raws) {
		xt_rt_snap_free(snap);
		return -ENOMEM;
	}
	for (size_t i = 0; i < snap->n; i++) {
		struct raw *r = &raws[n++];
		r->key = snap->keys + i * snap->ksize;
		if (m->percpu) {
			merge(m, snap->vals + i * snap->vsize, r);
			r->bytes = snap->vals + i * snap->vsize;
		} else {
			r->bytes = snap->vals + i * snap->vsize;
			r->set = true;
		}
	}

	const struct xt_agg *agg = m->val->kind == XT_T_AGG ? m->val->agg : NULL;
	uint8_t *ckeys = canon_keys(m, agg, raws, &n, snap->ksize);
	*d = (struct xt_map_data){ .name = m->name, .agg = agg,
		.lmin = m->val->lmin, .lmax = m->val->lmax, .lstep = m->val->lstep };
	d->entries = xt_arena_alloc(ar, sizeof(*d->entries) * (n + 1));
	int ukey = agg && agg->buckets ? m->key_size - 8 : m->key_size;
	if (agg && agg->buckets) {
		/* Entries are (key, bucket) pairs: gather each key's buckets. The
		 * value's second word sums the values counted (--metrics' _sum):
		 * the entry's count and total. */
		int nb = agg->nbuckets(d);
		qsort_r(raws, n, sizeof(*raws), cmp_raw, &ukey);
		for (size_t i = 0; i < n;) {
			struct xt_map_entry *e = &d->entries[d->n++];
			uint64_t *b = xt_arena_alloc(ar, sizeof(*b) * nb);
			size_t j = i;
			for (; j < n && (ukey == 0 || memcmp(raws[j].key, raws[i].key, ukey) == 0); j++) {
				uint64_t bucket;
				memcpy(&bucket, raws[j].key + ukey, 8);
				if (bucket < (uint64_t)nb) {
					b[bucket] += (uint64_t)raws[j].acc[0];
					e->count += (uint64_t)raws[j].acc[0];
					e->total = (int64_t)((uint64_t)e->total + (uint64_t)raws[j].acc[1]);
				}
			}
			e->buckets = b;
			e->nbuckets = nb;
			decode_key(prog, ar, m, raws[i].key, e);
			i = j;
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			struct raw *r = &raws[i];
			if (!r->set)
				continue;
			struct xt_map_entry *e = &d->entries[d->n++];
			decode_key(prog, ar, m, r->key, e);
			if (!m->percpu) {
				xt_rt_decode(prog, ar, m->val, r->bytes, &e->value);
			} else if (agg->merge_cpus) {
				agg->merge_cpus(ar, e, d, r->bytes, ncpus(), (size_t)(m->value_size + 7) / 8 * 8);
			} else if (agg->value) {
				agg->value(e, r->acc);
			} else {
				e->value.kind = XT_VAL_INT;
				e->value.i = r->acc[0];
			}
		}
	}
	/* An empty map prints nothing (bpftrace 0.26; a blank line in text with
	 * XTRACE_TEXT_LAYOUT=0.17); a count without keys that never counted
	 * prints 0, as in bpftrace. */
	if (d->n == 0 && !m->key && agg && agg->zero_when_empty) {
		d->entries[d->n].value.kind = XT_VAL_UINT;
		d->entries[d->n++].value.u = 0;
	}
	free(raws);
	free(ckeys);
	return 0;
}

/* -f folded: a map keyed by stacks as folded stacks (an empty one: nothing),
 * any other map in the text layout. */
static void print_data(struct xt_rt *rt, struct xt_map_data *d, size_t top, uint64_t div)
{
	if (rt->opts.format == XT_FMT_FOLDED) {
		struct xt_folded f;
		if (d->n == 0 || (xt_flame_has_stacks(d) && xt_flame_fold(d, &f) == 0)) {
			if (d->n) {
				xt_flame_write_folded(rt->opts.out, &f);
				xt_flame_folded_free(&f);
			}
			return;
		}
	}
	xt_print_map(rt->opts.out, rt->opts.format == XT_FMT_FOLDED ? XT_FMT_TEXT : rt->opts.format, d, top, div);
}

void xt_rt_print_map(struct xt_rt *rt, const struct xt_map_info *m, size_t top, uint64_t div)
{
	struct xt_arena *ar = xt_arena_new();
	struct xt_rt_snap snap;
	struct xt_map_data d;
	if (xt_rt_map_read(rt, m, ar, &snap, &d) == 0) {
		xt_out_hold(); /* a map's lines leave in a few large writes, not one each */
		print_data(rt, &d, top, div);
		xt_out_release();
		xt_rt_snap_free(&snap);
	}
	xt_arena_free(ar);
}

int xt_rt_map_flamegraph(struct xt_rt *rt, const struct xt_map_info *m, const char *path)
{
	struct xt_arena *ar = xt_arena_new();
	struct xt_rt_snap snap;
	struct xt_map_data d;
	int err = ar ? xt_rt_map_read(rt, m, ar, &snap, &d) : -ENOMEM;
	if (err == 0) {
		err = xt_flame_svg_file(path, &d);
		xt_rt_snap_free(&snap);
	}
	xt_arena_free(ar);
	return err;
}

/* A decoded key as it prints: what two entries' keys are compared by. */
static char *key_text(const struct xt_map_entry *e)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	for (int i = 0; i < e->nkeys; i++) {
		fputs(i ? ", " : "", f);
		xt_print_val(f, XT_FMT_TEXT, &e->keys[i]);
	}
	fclose(f);
	return buf;
}

int xt_rt_print_key(struct xt_rt *rt, const struct xt_map_info *m, const uint8_t *key)
{
	struct xt_arena *ar = xt_arena_new();
	struct xt_rt_snap snap;
	struct xt_map_data d;
	int err = xt_rt_map_read(rt, m, ar, &snap, &d);
	if (err < 0) {
		xt_arena_free(ar);
		return err;
	}
	struct xt_map_entry want = { 0 };
	decode_key(rt->prog, ar, m, key, &want);
	char *wtext = key_text(&want);
	size_t k = 0;
	for (size_t i = 0; wtext && i < d.n; i++) {
		char *t = key_text(&d.entries[i]);
		if (t && strcmp(t, wtext) == 0)
			d.entries[k++] = d.entries[i];
		free(t);
	}
	d.n = k;
	if (k)
		print_data(rt, &d, 0, 0);
	else if (wtext && rt->opts.format == XT_FMT_TEXT)
		fprintf(rt->opts.out, "@%s[%s]: no such key\n", m->name, wtext);
	free(wtext);
	xt_rt_snap_free(&snap);
	xt_arena_free(ar);
	return k ? 1 : 0;
}
