/* rawtracepoint:[MODULE:]NAME (alias rt), `*` in NAME: a tracepoint's C
 * arguments (TP_PROTO), typed from BTF: the btf_trace_<name> typedef gives
 * the types, the __bpf_trace_<name> function the names. Attached with
 * BPF_RAW_TRACEPOINT_OPEN, whose cookie field (kernel >= 6.10) tells the
 * matches apart; libbpf 1.1 has no API for it, so the syscall is made here.
 * Attaching and detaching take microseconds, unlike perf-event tracepoints. */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include "codegen/cg.h"
#include "runtime/runtime.h"
#include "stdlib/btf_args.h"
#include "stdlib/ctx.h"
#include "stdlib/raw_tp.h"

enum { RT_MAX_ARGS = XT_RAW_TP_MAX_ARGS };

struct rt_site {
	const char *tp;          /* the tracepoint's name */
	int nargs;
	struct xt_btf_arg args[RT_MAX_ARGS];
};

/* vmlinux's raw tracepoints by name: the ids of their btf_trace_<name>
 * typedefs and __bpf_trace_<name> functions, found in one pass over the
 * types. btf__find_by_name_kind scans every type at each call: the 2,305
 * matches of tracepoint:*:* took 1.7 s of CPU that way. */
struct tp_ent {
	unsigned name_off;       /* btf_trace_<name>'s, by offset: libbpf may move its strings (see xt_btf_user) */
	int tid, fid;
};
static struct tp_index {
	const struct btf *btf;
	unsigned ntypes;         /* btf's type count when indexed */
	struct tp_ent *e;        /* sorted by name */
	int n;
} tpx;

/* The raw tracepoint's name: btf_trace_<name> without its prefix. */
static const char *ent_name(const struct tp_ent *e)
{
	return btf__name_by_offset(tpx.btf, e->name_off) + 10;
}

static int cmp_ent(const void *a, const void *b)
{
	return strcmp(ent_name(a), ent_name(b));
}

static int cmp_name(const void *name, const void *e)
{
	return strcmp(name, ent_name(e));
}

static struct tp_ent *index_find(const char *name)
{
	return tpx.n ? bsearch(name, tpx.e, (size_t)tpx.n, sizeof(*tpx.e), cmp_name) : NULL;
}

static void index_build(const struct btf *btf)
{
	free(tpx.e);
	unsigned cnt = btf__type_cnt(btf);
	tpx = (struct tp_index){ .btf = btf, .ntypes = cnt };
	int cap = 0;
	for (unsigned id = 1; id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *nm = t && btf_is_typedef(t) ? btf__name_by_offset(btf, t->name_off) : NULL;
		if (!nm || strncmp(nm, "btf_trace_", 10) != 0)
			continue;
		if (tpx.n == cap) {
			cap = cap ? 2 * cap : 1024;
			struct tp_ent *e = realloc(tpx.e, sizeof(*e) * (size_t)cap);
			if (!e) {
				tpx.n = 0;
				return;
			}
			tpx.e = e;
		}
		tpx.e[tpx.n++] = (struct tp_ent){ t->name_off, (int)id, -1 };
	}
	qsort(tpx.e, (size_t)tpx.n, sizeof(*tpx.e), cmp_ent);
	for (unsigned id = 1; id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *nm = t && btf_is_func(t) ? btf__name_by_offset(btf, t->name_off) : NULL;
		struct tp_ent *e = nm && strncmp(nm, "__bpf_trace_", 12) == 0 ? index_find(nm + 12) : NULL;
		if (e)
			e->fid = (int)id;
	}
}

/* The ids of btf_trace_<name> (the typedef; < 0: none) and __bpf_trace_<name> (the function, or < 0). */
static int trace_ids(const struct btf *btf, const char *name, int *fid)
{
	if (btf == xt_btf_get(NULL)) {
		if (tpx.btf != btf || tpx.ntypes != btf__type_cnt(btf))
			index_build(btf);
		const struct tp_ent *e = index_find(name);
		*fid = e ? e->fid : -1;
		return e ? e->tid : -1;
	}
	char tn[256];
	snprintf(tn, sizeof(tn), "__bpf_trace_%s", name);
	*fid = btf__find_by_name_kind(btf, tn, BTF_KIND_FUNC);
	snprintf(tn, sizeof(tn), "btf_trace_%s", name);
	return btf__find_by_name_kind(btf, tn, BTF_KIND_TYPEDEF);
}

/* Reads the arguments of raw tracepoint `name` from btf; -1 when it has none. */
static int tp_args(const struct btf *btf, const char *name, struct rt_site *rs)
{
	int fid, id = trace_ids(btf, name, &fid);
	if (id < 0)
		return -1;
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_type *ptr = t ? btf__type_by_id(btf, t->type) : NULL;
	if (!ptr || !btf_is_ptr(ptr))
		return -1;
	/* the first parameter is the tracepoint's private data, not an argument */
	rs->nargs = xt_btf_proto_args(btf, (int)ptr->type, 1, rs->args, RT_MAX_ARGS);
	if (rs->nargs < 0)
		return -1;
	const struct btf_type *f = fid > 0 ? btf__type_by_id(btf, fid) : NULL;
	struct xt_btf_arg named[RT_MAX_ARGS];
	if (f && xt_btf_proto_args(btf, (int)f->type, 1, named, RT_MAX_ARGS) == rs->nargs)
		for (int i = 0; i < rs->nargs; i++)
			memcpy(rs->args[i].name, named[i].name, sizeof(named[i].name));
	for (int i = 0; i < rs->nargs; i++)
		if (!rs->args[i].name[0])
			snprintf(rs->args[i].name, sizeof(rs->args[i].name), "arg%d", i);
	return 0;
}

int xt_raw_tp_args(const char *name, struct xt_raw_tp *out)
{
	const struct btf *btf = xt_btf_get(NULL);
	struct rt_site rs;
	if (!btf || tp_args(btf, name, &rs) < 0)
		return -ENOENT;
	out->nargs = rs.nargs;
	memcpy(out->args, rs.args, sizeof(rs.args[0]) * (size_t)rs.nargs);
	return 0;
}

typedef int (*tp_cb)(const struct btf *btf, const char *mod, const char *name, void *arg);

/* Calls cb for every raw tracepoint of mod (NULL: vmlinux) matching glob,
 * until cb returns < 0. How many matched, or cb's -errno. */
static int each_tp(const char *mod, const char *glob, tp_cb cb, void *arg)
{
	const struct btf *btf = xt_btf_get(mod);
	if (!btf)
		return -ENOENT;
	int n = 0;
	if (!strpbrk(glob, "*?[")) {
		char tn[256];
		snprintf(tn, sizeof(tn), "btf_trace_%s", glob);
		if (btf__find_by_name_kind(btf, tn, BTF_KIND_TYPEDEF) > 0) {
			int rc = cb(btf, mod, glob, arg);
			n = rc < 0 ? rc : 1;
		}
		return n;
	}
	unsigned cnt = btf__type_cnt(btf);
	/* module BTF ids continue vmlinux's: start after them */
	unsigned first = mod && *mod ? btf__type_cnt(xt_btf_get(NULL)) : 1;
	for (unsigned id = first; id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!t || !btf_is_typedef(t))
			continue;
		const char *nm = btf__name_by_offset(btf, t->name_off);
		if (!nm || strncmp(nm, "btf_trace_", 10) != 0 || fnmatch(glob, nm + 10, 0) != 0)
			continue;
		int rc = cb(btf, mod, nm + 10, arg);
		if (rc < 0)
			return rc;
		n++;
	}
	return n;
}

/* each_tp over vmlinux (mod NULL for it) and every module with BTF whose
 * name matches glob mods (rawtracepoint:*:NAME, bpftrace 0.24); a module's
 * name is copied into ar when cb keeps it (NULL: cb uses it at once). The
 * matches, or the first error (a module without BTF has none). */
static int each_tp_in(const char *mods, const char *glob, tp_cb cb, void *arg, struct xt_arena *ar)
{
	int n = fnmatch(mods, "vmlinux", 0) == 0 ? each_tp(NULL, glob, cb, arg) : 0;
	DIR *d = opendir("/sys/kernel/btf");
	struct dirent *de;
	while (d && n >= 0 && (de = readdir(d)))
		if (de->d_name[0] != '.' && strcmp(de->d_name, "vmlinux") != 0 && fnmatch(mods, de->d_name, 0) == 0) {
			int k = each_tp(ar ? xt_arena_strdup(ar, de->d_name) : de->d_name, glob, cb, arg);
			n = k == -ENOENT ? n : k < 0 ? k : n + k;
		}
	if (d)
		closedir(d);
	return n;
}

struct expand_ctx { struct xt_sema *s; struct xt_probe_info *p; };

static int add_match(const struct btf *btf, const char *mod, const char *name, void *arg)
{
	struct expand_ctx *e = arg;
	struct xt_arena *ar = xt_sema_arena(e->s);
	struct rt_site *rs = xt_arena_alloc(ar, sizeof(*rs));
	if (tp_args(btf, name, rs) < 0)
		return 0;
	rs->tp = xt_arena_strdup(ar, name);
	const char *full = mod && *mod ? xt_arena_printf(ar, "%s:%s", mod, name) : name;
	xt_probe_add_site(e->s, e->p, xt_arena_printf(ar, "rawtracepoint:%s", full), full, rs->nargs, rs);
	return 0;
}

static int expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_arena *ar = xt_sema_arena(s);
	const char *colon = strchr(spec, ':');
	const char *mod = colon ? xt_arena_strndup(ar, spec, colon - spec) : NULL;
	const char *name = colon ? colon + 1 : spec;
	if (!*name || (colon && strchr(name, ':'))) {
		xt_diag_error(dg, at->loc, "rawtracepoint probes are written rawtracepoint:[MODULE:]NAME");
		return -1;
	}
	if (!xt_btf_get(NULL)) {
		xt_diag_error(dg, at->loc, "rawtracepoint probes need kernel BTF (/sys/kernel/btf/vmlinux), which this kernel lacks");
		return -1;
	}
	if (mod && strpbrk(mod, "*?[")) { /* rawtracepoint:*:NAME: vmlinux and every module with BTF */
		struct expand_ctx e = { s, p };
		int n = each_tp_in(mod, name, add_match, &e, ar);
		if (n == 0 && !strpbrk(name, "*?["))
			return xt_probe_missing(s, p, at, "no raw tracepoint '%s' in vmlinux or a module matching '%s'", name, mod);
		return n < 0 ? -1 : 0;
	}
	if (mod && strcmp(mod, "vmlinux") != 0 && !xt_btf_get(mod)) {
		xt_diag_error(dg, at->loc, "no kernel module '%s' with BTF (see /sys/kernel/btf/)", mod);
		return -1;
	}
	struct expand_ctx e = { s, p };
	int n = each_tp(mod && strcmp(mod, "vmlinux") != 0 ? mod : NULL, name, add_match, &e);
	if (n == 0 && !strpbrk(name, "*?[")) {
		xt_diag_error(dg, at->loc, "unknown raw tracepoint '%s' (no btf_trace_%s in the kernel's BTF)", name, name);
		return -1;
	}
	return 0;
}

/* argN and args.NAME: the argument's type where every match agrees. */
static const struct xt_type *arg_type(struct xt_arena *ar, const struct xt_probe_info *p, int i)
{
	const struct xt_type *t = NULL;
	for (int j = 0; j < p->nsites; j++) {
		const struct rt_site *rs = p->sites[j].data;
		if (i >= rs->nargs)
			return NULL;
		const struct xt_type *u = xt_btf_arg_type(ar, &rs->args[i]);
		t = !t || xt_type_eq(t, u) ? u : &xt_u64;
	}
	return t;
}

static const struct xt_type *ctx_type(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *n)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_arena *ar = xt_sema_arena(s);
	int i = xt_ctx_argn(n);
	if (i >= 0) {
		const struct xt_type *t = arg_type(ar, p, i);
		if (!t)
			xt_diag_error(dg, n->loc, "%s has fewer than %d arguments", p->nsites == 1 ? p->sites[0].name
				      : "one of the matched raw tracepoints", i + 1);
		return t;
	}
	if (n->kind != XT_N_IDENT || strcmp(n->name, "args") != 0) {
		xt_diag_error(dg, n->loc, "rawtracepoint probes have args and arg0.., not %s", n->name);
		return NULL;
	}
	if (p->args_type)
		return p->args_type;
	/* args: the arguments every match has, by the first match's names */
	const struct rt_site *first = p->sites[0].data;
	struct xt_field *fields = xt_arena_alloc(ar, sizeof(*fields) * (first->nargs + 1));
	int nf = 0;
	for (int k = 0; k < first->nargs; k++) {
		const struct xt_type *t = arg_type(ar, p, k);
		bool same = t != NULL;
		for (int j = 1; j < p->nsites && same; j++)
			same = strcmp(((const struct rt_site *)p->sites[j].data)->args[k].name, first->args[k].name) == 0;
		if (!same)
			break;
		fields[nf] = (struct xt_field){ .name = first->args[k].name, .type = t, .offset = 8 * k, .index = nf };
		nf++;
	}
	return xt_probe_args_record(ar, p, fields, nf, NULL);
}

static LLVMValueRef emit_ctx(struct xt_cg *cg, struct xt_node *n)
{
	int i = xt_ctx_argn(n);
	const struct xt_type *t = n->type;
	if (i < 0) {
		const struct xt_field *f = n->sym;
		i = f->offset / 8;
		t = f->type;
	}
	LLVMValueRef v = LLVMBuildLoad2(cg->b, cg->i64, xt_cg_gep(cg, cg->ctxarg, xt_cg_i64(cg, 8 * i)), "");
	if (t->kind == XT_T_INT && t->size < 8) {
		LLVMTypeRef it = LLVMIntTypeInContext(cg->ctx, (unsigned)t->size * 8);
		v = LLVMBuildTrunc(cg->b, v, it, "");
		v = t->sign ? LLVMBuildSExt(cg->b, v, cg->i64, "") : LLVMBuildZExt(cg->b, v, cg->i64, "");
	}
	return v;
}

int xt_raw_tp_open(int prog_fd, const char *name, uint64_t cookie)
{
	union {
		union bpf_attr attr;
		struct { uint64_t name; uint32_t prog_fd, pad; uint64_t cookie; } rt;
		char bytes[256];
	} a;
	memset(&a, 0, sizeof(a));
	a.rt.name = (uint64_t)(uintptr_t)name;
	a.rt.prog_fd = (uint32_t)prog_fd;
	a.rt.cookie = cookie;
	int fd = (int)syscall(__NR_bpf, BPF_RAW_TRACEPOINT_OPEN, &a, sizeof(a.attr) > 24 ? sizeof(a.attr) : 24);
	if (fd < 0 && errno == E2BIG) /* a kernel older than the cookie field */
		fd = (int)syscall(__NR_bpf, BPF_RAW_TRACEPOINT_OPEN, &a, 16);
	return fd < 0 ? -errno : fd;
}

static int attach(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	const struct xt_probe_info *p = rp->info;
	for (int i = 0; i < p->nsites; i++) {
		const struct rt_site *rs = p->sites[i].data;
		int fd = xt_raw_tp_open(rp->prog_fd, rs->tp, (uint64_t)p->sites[i].id);
		if (fd < 0) {
			xt_rt_attach_error(rt, p->sites[i].name, "%s", strerror(-fd));
			return fd;
		}
		int rc = xt_rt_add_fd(rp, fd);
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct list_ctx {
	void (*cb)(const char *, const char *, void *);
	void *ctx;
	bool verbose;
};

static int list_one(const struct btf *btf, const char *mod, const char *name, void *arg)
{
	struct list_ctx *l = arg;
	char full[512], detail[2048] = "";
	if (xt_sig_stop_pending())
		return -EINTR;
	snprintf(full, sizeof(full), "rawtracepoint:%s%s%s", mod ? mod : "", mod ? ":" : "", name);
	if (l->verbose) {
		struct rt_site rs;
		if (tp_args(btf, name, &rs) == 0) {
			size_t off = 0;
			for (int i = 0; i < rs.nargs && off < sizeof(detail); i++) {
				int w = snprintf(detail + off, sizeof(detail) - off, "    %s %s\n", rs.args[i].ctype, rs.args[i].name);
				if (w < 0)
					break;
				off += (size_t)w;
			}
		}
	}
	l->cb(full, detail, l->ctx);
	return 0;
}

static int list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	struct list_ctx l = { cb, ctx, verbose };
	const char *colon = spec ? strchr(spec, ':') : NULL;
	if (colon) {
		char mod[64];
		snprintf(mod, sizeof(mod), "%.*s", (int)(colon - spec), spec);
		const char *glob = colon[1] ? colon + 1 : "*";
		if (!strpbrk(mod, "*?[")) {
			int n = each_tp(strcmp(mod, "vmlinux") == 0 ? NULL : mod, glob, list_one, &l);
			return n == -ENOENT ? 0 : n < 0 ? n : 0; /* a module without BTF has none */
		}
		/* a module glob: vmlinux's (listed without a module, as always), then each module's */
		int n = each_tp_in(mod, glob, list_one, &l, NULL);
		return n < 0 ? n : 0;
	}
	int n = each_tp(NULL, spec && *spec ? spec : "*", list_one, &l);
	return n < 0 ? n : 0;
}

const struct xt_provider xt_prov_rawtracepoint = {
	.name = "rawtracepoint", .alias = "rt", .section = "raw_tp", .flags = XT_PROVF_CTX_ARGN,
	.help = "rawtracepoint:[MODULE:]NAME: a tracepoint's C arguments (args.NAME, arg0..), typed from BTF",
	.expand = expand, .ctx_type = ctx_type, .emit_ctx = emit_ctx, .attach = attach, .list = list,
};
