/* Reading maps from the kernel: per-CPU values merged, histogram buckets
 * gathered per key, then handed to the printer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runtime/rt_int.h"

struct raw {
	uint8_t *key;
	int64_t v0, v1;      /* merged value: count/sum/min/max in v0; avg/stats total v0, count v1 */
	bool set;
	uint8_t *bytes;      /* plain values */
};

static int ncpus(void)
{
	static int n;
	if (!n)
		n = libbpf_num_possible_cpus();
	return n > 0 ? n : 1;
}

static void merge(const struct xt_map_info *m, const uint8_t *vals, struct raw *r)
{
	int stride = (m->value_size + 7) / 8 * 8;
	enum xt_agg_kind agg = m->val->agg;
	bool sign = true;
	for (int c = 0; c < ncpus(); c++) {
		const uint8_t *v = vals + (size_t)c * stride;
		int64_t a, b;
		memcpy(&a, v, 8);
		if (m->value_size >= 16)
			memcpy(&b, v + 8, 8);
		else
			b = 0;
		switch (agg) {
		case XT_A_MIN:
		case XT_A_MAX:
			if (!b)
				break;
			if (!r->set || (agg == XT_A_MIN ? (sign ? a < r->v0 : (uint64_t)a < (uint64_t)r->v0)
						      : (sign ? a > r->v0 : (uint64_t)a > (uint64_t)r->v0)))
				r->v0 = a;
			r->set = true;
			break;
		default:
			r->v0 += a;
			r->v1 += b;
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
	xt_rt_decode_key(prog, ar, m->key, key, kv);
	if (kv->kind == XT_VAL_TUPLE) {
		e->keys = kv->tuple.elems;
		e->nkeys = kv->tuple.n;
	} else {
		e->keys = kv;
		e->nkeys = 1;
	}
}

static int cmp_keys_len;
static int cmp_raw(const void *a, const void *b)
{
	return memcmp(((const struct raw *)a)->key, ((const struct raw *)b)->key, cmp_keys_len);
}

void xt_rt_print_map(struct xt_rt *rt, const struct xt_map_info *m, size_t top, uint64_t div)
{
	const struct xt_program *prog = rt->prog;
	struct bpf_map *bm = bpf_object__find_map_by_name(rt->obj, m->bpf_name);
	if (!bm)
		return;
	int fd = bpf_map__fd(bm);
	size_t vsize = m->percpu ? (size_t)(m->value_size + 7) / 8 * 8 * ncpus() : (size_t)m->value_size;
	struct xt_arena *ar = xt_arena_new();
	size_t n = 0, cap = 64;
	struct raw *raws = malloc(sizeof(*raws) * cap);
	uint8_t *prev = NULL, *key = xt_arena_alloc(ar, m->key_size), *vals = malloc(vsize);
	while (bpf_map_get_next_key(fd, prev, key) == 0) {
		if (bpf_map_lookup_elem(fd, key, vals) == 0) {
			if (n == cap)
				raws = realloc(raws, sizeof(*raws) * (cap *= 2));
			struct raw *r = &raws[n++];
			memset(r, 0, sizeof(*r));
			r->key = key;
			if (m->percpu) {
				merge(m, vals, r);
			} else {
				r->bytes = xt_arena_alloc(ar, m->value_size);
				memcpy(r->bytes, vals, m->value_size);
				r->set = true;
			}
		}
		prev = key;
		key = xt_arena_alloc(ar, m->key_size);
	}
	free(vals);

	enum xt_agg_kind agg = m->val->kind == XT_T_AGG ? m->val->agg : XT_A_NONE;
	struct xt_map_data d = { .name = m->name, .agg = (enum xt_agg)agg,
		.lmin = m->val->lmin, .lmax = m->val->lmax, .lstep = m->val->lstep,
		.hist_k = agg == XT_A_HIST ? (int)m->val->lstep : 0 };
	d.entries = xt_arena_alloc(ar, sizeof(*d.entries) * (n + 1));
	int ukey = agg == XT_A_HIST || agg == XT_A_LHIST ? m->key_size - 8 : m->key_size;
	if (agg == XT_A_HIST || agg == XT_A_LHIST) {
		/* Entries are (key, bucket) pairs: gather each key's buckets. */
		int nb = agg == XT_A_HIST ? XT_HIST_NBUCKETS((int)m->val->lstep) : (int)((m->val->lmax - m->val->lmin) / m->val->lstep) + 2;
		cmp_keys_len = ukey;
		qsort(raws, n, sizeof(*raws), cmp_raw);
		for (size_t i = 0; i < n;) {
			struct xt_map_entry *e = &d.entries[d.n++];
			uint64_t *b = xt_arena_alloc(ar, sizeof(*b) * nb);
			size_t j = i;
			for (; j < n && (ukey == 0 || memcmp(raws[j].key, raws[i].key, ukey) == 0); j++) {
				uint64_t bucket;
				memcpy(&bucket, raws[j].key + ukey, 8);
				if (bucket < (uint64_t)nb)
					b[bucket] += (uint64_t)raws[j].v0;
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
			struct xt_map_entry *e = &d.entries[d.n++];
			decode_key(prog, ar, m, r->key, e);
			if (!m->percpu) {
				xt_rt_decode(prog, ar, m->val, r->bytes, &e->value);
			} else if (agg == XT_A_AVG || agg == XT_A_STATS) {
				e->total = r->v0;
				e->count = (uint64_t)r->v1;
				e->value.kind = XT_VAL_INT;
				e->value.i = r->v1 ? r->v0 / r->v1 : 0;
			} else if (agg == XT_A_COUNT) {
				e->value.kind = XT_VAL_UINT;
				e->value.u = (uint64_t)r->v0;
			} else {
				e->value.kind = XT_VAL_INT;
				e->value.i = r->v0;
			}
		}
	}
	/* An empty map still prints (a blank line in text), as bpftrace does. */
	xt_print_map(rt->opts.out, rt->opts.format, &d, top, div);
	free(raws);
	xt_arena_free(ar);
}

void xt_rt_clear_map(struct xt_rt *rt, const struct xt_map_info *m, bool zero)
{
	struct bpf_map *bm = bpf_object__find_map_by_name(rt->obj, m->bpf_name);
	if (!bm)
		return;
	int fd = bpf_map__fd(bm);
	size_t vsize = m->percpu ? (size_t)(m->value_size + 7) / 8 * 8 * ncpus() : (size_t)m->value_size;
	uint8_t *key = calloc(1, m->key_size), *next = calloc(1, m->key_size), *vals = calloc(1, vsize);
	if (!key || !next || !vals)
		goto out;
	if (zero) {
		/* Keys stay: bpftrace's zero() keeps them and prints them with 0. */
		bool first = true;
		while (bpf_map_get_next_key(fd, first ? NULL : key, next) == 0) {
			first = false;
			bpf_map_update_elem(fd, next, vals, BPF_EXIST);
			memcpy(key, next, m->key_size);
		}
	} else {
		/* Deleting the key we stand on restarts the walk; always take the first. */
		while (bpf_map_get_next_key(fd, NULL, next) == 0)
			if (bpf_map_delete_elem(fd, next) < 0)
				break;
	}
out:
	free(key);
	free(next);
	free(vals);
}
