/* What a live session does to running programs besides printing: counting,
 * clearing and zeroing map entries, reading site hit counts, and the rights check. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "runtime/rt_int.h"

static bool is_hist(const struct xt_map_info *m)
{
	return m->val->kind == XT_T_AGG && m->val->agg->buckets;
}

/* The bytes of a key that say which user key it is: a histogram's keys end
 * in a bucket number, the rest is the user's key padded to 8. */
static size_t user_key_len(const struct xt_map_info *m)
{
	if (!is_hist(m))
		return (size_t)m->key_size;
	return m->key ? (size_t)m->key->size : 0;
}

long xt_rt_map_count(struct xt_rt *rt, const struct xt_map_info *m)
{
	struct xt_rt_snap snap;
	int fd = xt_rt_map_snapshot(rt, m, &snap);
	if (fd < 0)
		return fd;
	long count = 0;
	size_t ks = snap.ksize, uk = user_key_len(m);
	for (size_t i = 0; i < snap.n; i++) {
		bool seen = false;
		/* A histogram key counts once however many buckets it has. */
		for (size_t j = 0; is_hist(m) && j < i && !seen; j++)
			seen = memcmp(snap.keys + i * ks, snap.keys + j * ks, uk) == 0;
		count += !seen;
	}
	xt_rt_snap_free(&snap);
	return count;
}

/* Deletes the snapshot's keys: 0 or -errno. Keys the probes add meanwhile
 * stay, so this ends however busy the map is. */
static int delete_keys(int fd, const struct xt_rt_snap *snap)
{
	for (size_t i = 0; i < snap->n; i++)
		if (bpf_map_delete_elem(fd, snap->keys + i * snap->ksize) < 0 && errno != ENOENT)
			return -errno;
	return 0;
}

int xt_rt_map_clear(struct xt_rt *rt, const struct xt_map_info *m)
{
	struct xt_rt_snap snap;
	int fd = xt_rt_map_snapshot(rt, m, &snap);
	if (fd < 0)
		return fd;
	int err = delete_keys(fd, &snap);
	xt_rt_snap_free(&snap);
	return err;
}

int xt_rt_map_zero(struct xt_rt *rt, const struct xt_map_info *m)
{
	struct xt_rt_snap snap;
	int fd = xt_rt_map_snapshot(rt, m, &snap);
	if (fd < 0)
		return fd;
	/* Keys stay: bpftrace's zero() keeps them and prints them with 0. */
	memset(snap.vals, 0, snap.vsize);
	int err = 0;
	for (size_t i = 0; i < snap.n && err == 0; i++)
		if (bpf_map_update_elem(fd, snap.keys + i * snap.ksize, snap.vals, BPF_EXIST) < 0 && errno != ENOENT)
			err = -errno;
	xt_rt_snap_free(&snap);
	return err;
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

bool xt_rt_have_rights(void)
{
	if (geteuid() == 0)
		return true;
	/* Capabilities (CAP_BPF...) instead of root: try what they allow. */
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xt_probe", 4, 4, 1, NULL);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}
