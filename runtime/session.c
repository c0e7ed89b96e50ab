/* What a live session does to running programs besides printing: counting,
 * clearing, zeroing and deleting map entries, and reading probe run and hit counts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runtime/rt_int.h"

static bool is_hist(const struct xt_map_info *m)
{
	return m->val->kind == XT_T_AGG && (m->val->agg == XT_A_HIST || m->val->agg == XT_A_LHIST);
}

/* The bytes of a key that say which user key it is: a histogram's keys end
 * in a bucket number, the rest is the user's key padded to 8. */
static size_t user_key_len(const struct xt_map_info *m)
{
	if (!is_hist(m))
		return (size_t)m->key_size;
	return m->key ? (size_t)m->key->size : 0;
}

static size_t value_bytes(const struct xt_map_info *m)
{
	if (!m->percpu)
		return (size_t)m->value_size;
	int n = libbpf_num_possible_cpus();
	return (size_t)(m->value_size + 7) / 8 * 8 * (size_t)(n > 0 ? n : 1);
}

/* Reads every key of the map into one array of key_size-byte slots. */
static int all_keys(int fd, const struct xt_map_info *m, uint8_t **out, size_t *n)
{
	size_t cap = 64, ks = (size_t)m->key_size;
	uint8_t *keys = malloc(cap * ks);
	if (!keys)
		return -ENOMEM;
	*n = 0;
	const uint8_t *prev = NULL;
	for (;;) {
		if (*n == cap) {
			uint8_t *nk = realloc(keys, (cap *= 2) * ks);
			if (!nk) {
				free(keys);
				return -ENOMEM;
			}
			keys = nk;
		}
		if (bpf_map_get_next_key(fd, prev, keys + *n * ks) != 0)
			break;
		prev = keys + *n * ks;
		(*n)++;
	}
	*out = keys;
	return 0;
}

static int map_fd(struct xt_rt *rt, const struct xt_map_info *m)
{
	int fd = xt_rt_map_fd(rt, m->bpf_name);
	return fd < 0 ? -ENOENT : fd;
}

/* The map's fd and all its keys (free *keys); the fd, or -errno. */
static int map_keys(struct xt_rt *rt, const struct xt_map_info *m, uint8_t **keys, size_t *n)
{
	int fd = map_fd(rt, m);
	if (fd < 0)
		return fd;
	int err = all_keys(fd, m, keys, n);
	return err < 0 ? err : fd;
}

long xt_rt_map_count(struct xt_rt *rt, const struct xt_map_info *m)
{
	uint8_t *keys;
	size_t n;
	int fd = map_keys(rt, m, &keys, &n);
	if (fd < 0)
		return fd;
	long count = 0;
	size_t ks = (size_t)m->key_size, uk = user_key_len(m);
	for (size_t i = 0; i < n; i++) {
		bool seen = false;
		/* A histogram key counts once however many buckets it has. */
		for (size_t j = 0; is_hist(m) && j < i && !seen; j++)
			seen = memcmp(keys + i * ks, keys + j * ks, uk) == 0;
		count += !seen;
	}
	free(keys);
	return count;
}

int xt_rt_map_clear(struct xt_rt *rt, const struct xt_map_info *m)
{
	uint8_t *keys;
	size_t n;
	int fd = map_keys(rt, m, &keys, &n);
	if (fd < 0)
		return fd;
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, keys + i * (size_t)m->key_size);
	free(keys);
	return 0;
}

int xt_rt_map_zero(struct xt_rt *rt, const struct xt_map_info *m)
{
	uint8_t *keys;
	size_t n;
	int fd = map_keys(rt, m, &keys, &n);
	if (fd < 0)
		return fd;
	void *zero = calloc(1, value_bytes(m));
	if (!zero) {
		free(keys);
		return -ENOMEM;
	}
	int err = 0;
	for (size_t i = 0; i < n && err == 0; i++)
		if (bpf_map_update_elem(fd, keys + i * (size_t)m->key_size, zero, BPF_EXIST) < 0 && errno != ENOENT)
			err = -errno;
	free(zero);
	free(keys);
	return err;
}

int xt_rt_map_delete(struct xt_rt *rt, const struct xt_map_info *m, const void *key)
{
	int fd = map_fd(rt, m);
	if (fd < 0)
		return fd;
	if (!is_hist(m)) {
		uint8_t *k = calloc(1, (size_t)m->key_size);
		if (!k)
			return -ENOMEM;
		if (key && m->key)
			memcpy(k, key, (size_t)m->key->size);
		int err = bpf_map_delete_elem(fd, k) < 0 ? -errno : 0;
		free(k);
		return err;
	}
	uint8_t *keys;
	size_t n, ks = (size_t)m->key_size, uk = user_key_len(m);
	int err = all_keys(fd, m, &keys, &n);
	if (err < 0)
		return err;
	int found = 0;
	for (size_t i = 0; i < n; i++)
		if (uk == 0 || memcmp(keys + i * ks, key, uk) == 0)
			found += bpf_map_delete_elem(fd, keys + i * ks) == 0;
	free(keys);
	return found ? 0 : -ENOENT;
}

int xt_rt_possible_cpus(void)
{
	int n = libbpf_num_possible_cpus();
	return n > 0 ? n : 1;
}

int xt_rt_enable_stats(void)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	return fd < 0 ? -errno : fd;
}

int xt_rt_probe_runs(struct xt_rt *rt, int i, uint64_t *runs)
{
	if (i < 0 || i >= rt->nprobes || rt->probes[i].prog_fd < 0)
		return -EINVAL;
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(rt->probes[i].prog_fd, &info, &len) < 0)
		return -errno;
	*runs = info.run_cnt;
	return 0;
}

int xt_rt_site_hits(struct xt_rt *rt, int site, uint64_t *hits)
{
	int fd = xt_rt_map_fd(rt, "hits");
	if (fd < 0)
		return fd;
	int idx = site - rt->prog->opts.site_base;
	if (idx < 0 || idx >= rt->prog->nsites)
		return -EINVAL;
	int ncpus = xt_rt_possible_cpus();
	uint64_t *v = calloc((size_t)ncpus, sizeof(*v)); /* a per-CPU u64: 8 bytes a CPU */
	if (!v)
		return -ENOMEM;
	uint32_t key = (uint32_t)idx;
	int err = bpf_map_lookup_elem(fd, &key, v) < 0 ? -errno : 0;
	*hits = 0;
	for (int i = 0; !err && i < ncpus; i++)
		*hits += v[i];
	free(v);
	return err;
}
