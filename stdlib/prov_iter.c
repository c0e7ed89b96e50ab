/* iter:NAME[:PIN] (it:): a BPF iterator over the kernel's objects (task,
 * task_file, task_vma, ...; any `bpf_iter_NAME` the kernel's BTF has). An
 * iterator is a BPF_PROG_TYPE_TRACING program (BPF_TRACE_ITER), which this
 * kernel may refuse to load, as it refuses fentry; xtrace exercises that once
 * and, when refused, says so. Where the kernel loads them, xtrace still does
 * not run iterators (it would read the iterator's file and take its
 * ctx->task); the check says that too. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "stdlib/btf_args.h"
#include "stdlib/registry.h"

/* The BTF id of the kernel's bpf_iter_NAME function; -1 when it has none. */
static int iter_btf_id(const char *name)
{
	const struct btf *btf = xt_btf_get(NULL);
	char fn[128];
	snprintf(fn, sizeof(fn), "bpf_iter_%s", name);
	return btf ? btf__find_by_name_kind(btf, fn, BTF_KIND_FUNC) : -1;
}

/* NULL when this kernel loads iterator programs, else why not (asked once). */
static const char *iter_missing(void)
{
	static char why[160];
	static int known = -1;
	if (known >= 0)
		return known ? NULL : why;
	int id = iter_btf_id("task");
	if (id < 0) {
		snprintf(why, sizeof(why), "this kernel has no BTF for its iterators (bpf_iter_task)");
		known = 0;
		return why;
	}
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_ITER, .attach_btf_id = (uint32_t)id);
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "xt_iter_test", "GPL", insns, 2, &o);
	if (fd >= 0) {
		close(fd);
		known = 1;
		return NULL;
	}
	snprintf(why, sizeof(why), "this kernel refuses to load BPF iterator programs (%s)", strerror(errno));
	known = 0;
	return why;
}

/* iter:NAME or iter:NAME:PIN; NAME must be a kernel iterator. */
static int iter_expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	const char *colon = strchr(spec, ':');
	char name[64];
	size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
	if (n == 0 || n >= sizeof(name) || strchr(spec, '*')) {
		xt_diag_error(xt_sema_diags(s), at->loc, "iter takes one iterator's name, as in iter:task or iter:task_file");
		return -1;
	}
	memcpy(name, spec, n);
	name[n] = 0;
	if (iter_btf_id(name) < 0)
		return xt_probe_missing(s, p, at, "this kernel has no iterator '%s' (no bpf_iter_%s in its BTF)", name, name);
	/* refused here, before the body is typed: its ctx->task would only
	 * add an error about ctx */
	const char *why = iter_missing();
	xt_diag_error(xt_sema_diags(s), at->loc, "iter:%s: %s", spec,
		      why ? why : "xtrace does not run BPF iterators (it loads no iterator programs yet)");
	return -1;
}

static int iter_list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	static const char *const names[] = { "task", "task_file", "task_vma", "bpf_map", "bpf_prog", "bpf_link",
		"tcp", "udp", "unix", "ksym", "cgroup", "bpf_map_elem", "bpf_sk_storage_map", "sockmap" };
	char full[80];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((!*spec || fnmatch(spec, names[i], 0) == 0) && iter_btf_id(names[i]) >= 0) {
			snprintf(full, sizeof(full), "iter:%s", names[i]);
			cb(full, NULL, ctx);
		}
	return 0;
}

const struct xt_provider xt_prov_iter = {
	.name = "iter", .alias = "it", .section = "iter",
	.help = "iter:NAME[:PIN]: a BPF iterator over kernel objects (task, task_file, ...): refused where the kernel refuses them",
	.expand = iter_expand, .list = iter_list, .unavailable = iter_missing,
};
