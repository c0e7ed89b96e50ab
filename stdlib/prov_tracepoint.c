/* tracepoint:CATEGORY:NAME (alias t), `*` and `?` in both parts.
 *
 * Syscall tracepoints are served by the raw tracepoints sys_enter/sys_exit
 * when the whole probe is syscall entries (or exits): one raw-tracepoint
 * attachment filtered by syscall number in BPF, arguments read from pt_regs.
 * Detaching a perf-event tracepoint costs ~73 ms here, a raw tracepoint
 * microseconds, so `syscalls:sys_enter_*` starts and exits at once. Other
 * tracepoints attach as perf events, one link per match with its site id as
 * the BPF cookie. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "codegen/cg.h"
#include "runtime/runtime.h"
#include "stdlib/registry.h"
#include "stdlib/tracefs.h"

enum { TP_PERF, TP_SYS_ENTER, TP_SYS_EXIT };
enum { SYSF_ENTRIES = 1024 };

#if defined(__x86_64__)
/* struct pt_regs offsets of the syscall arguments and of orig_ax. */
static const int sys_arg_off[6] = { 112, 104, 96, 56, 72, 64 };
#define SYS_NR_OFF 120
#define HAVE_RAW_SYSCALLS 1
#else
#define HAVE_RAW_SYSCALLS 0
#endif

struct tp_site {
	struct xt_arena *ar;       /* the compilation's: the format is copied into it */
	char *cat, *name;
	struct xt_tp_format fmt;
	bool have_fmt;
};

struct expand_ctx {
	struct xt_sema *s;
	struct xt_probe_info *p;
};

static int sys_nr(const char *cat, const char *name, bool *exit)
{
	if (strcmp(cat, "syscalls") != 0)
		return -1;
	if (strncmp(name, "sys_enter_", 10) == 0) {
		*exit = false;
		return xt_syscall_nr(name + 10);
	}
	if (strncmp(name, "sys_exit_", 9) == 0) {
		*exit = true;
		return xt_syscall_nr(name + 9);
	}
	return -1;
}

static int add_match(const char *cat, const char *name, void *arg)
{
	struct expand_ctx *e = arg;
	struct xt_arena *ar = xt_sema_arena(e->s);
	struct tp_site *ts = xt_arena_alloc(ar, sizeof(*ts));
	ts->ar = ar;
	ts->cat = xt_arena_strdup(ar, cat);
	ts->name = xt_arena_strdup(ar, name);
	bool exit = false;
	int nr = sys_nr(cat, name, &exit);
	xt_probe_add_site(e->s, e->p, xt_arena_printf(ar, "tracepoint:%s:%s", cat, name),
			  xt_arena_printf(ar, "%s:%s", cat, name), nr < 0 ? -1 : (exit ? 1LL << 32 : 0) | nr, ts);
	return 0;
}

struct near_ctx { const char **names; size_t n, cap; struct xt_arena *ar; };

static int collect(const char *cat, const char *name, void *arg)
{
	struct near_ctx *c = arg;
	if (c->n < c->cap)
		c->names[c->n++] = xt_arena_printf(c->ar, "%s:%s", cat, name);
	return 0;
}

static void update_mode(struct xt_probe_info *p)
{
	int mode = -1;
	const char *env = getenv("XTRACE_NO_RAW_SYSCALLS");
	for (int i = 0; i < p->nsites; i++) {
		int64_t num = p->sites[i].num;
		int m = num < 0 || !HAVE_RAW_SYSCALLS || (env && *env == '1') ? TP_PERF
			: (num >> 32) ? TP_SYS_EXIT : TP_SYS_ENTER;
		mode = mode < 0 || mode == m ? m : TP_PERF;
	}
	p->mode = mode < 0 ? TP_PERF : mode;
}

static int expand(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	struct xt_diags *dg = xt_sema_diags(s);
	struct xt_arena *ar = xt_sema_arena(s);
	const char *colon = strchr(spec, ':');
	if (!colon || strchr(colon + 1, ':') || colon == spec || !colon[1]) {
		xt_diag_error(dg, at->loc, "tracepoint probes are written tracepoint:CATEGORY:NAME");
		return -1;
	}
	char *cat = xt_arena_strndup(ar, spec, colon - spec);
	const char *name = colon + 1;
	struct expand_ctx e = { s, p };
	int n = xt_tp_glob(cat, name, add_match, &e);
	if (n < 0) {
		xt_diag_error(dg, at->loc, "cannot read the tracepoints from tracefs: %s", strerror(-n));
		return -1;
	}
	if (n == 0 && !strpbrk(spec, "*?[")) {
		struct near_ctx c = { .cap = 4096, .ar = ar };
		c.names = xt_arena_alloc(ar, sizeof(*c.names) * c.cap);
		xt_tp_glob("*", "*", collect, &c);
		const char *near = xt_diag_closest(spec, c.names, c.n);
		if (near)
			xt_diag_error(dg, at->loc, "unknown tracepoint '%s'; did you mean '%s'?", spec, near);
		else
			xt_diag_error(dg, at->loc, "unknown tracepoint '%s'", spec);
		return -1;
	}
	update_mode(p);
	return 0;
}

static const char *section_of(const struct xt_probe_info *p)
{
	return p->mode == TP_PERF ? "tracepoint" : "raw_tp";
}

/* What a pointer field of C type `ctype` points to: a struct or union
 * (`struct __kernel_timespec * rqtp`: args.rqtp->tv_sec) from kernel BTF, or
 * NULL (opaque: `const char *`, `void *`, ...). */
static const struct xt_type *pointee(struct xt_arena *ar, const char *ctype)
{
	const char *t = ctype, *near, *why;
	if (strncmp(t, "const ", 6) == 0)
		t += 6;
	if (strncmp(t, "struct ", 7) != 0 && strncmp(t, "union ", 6) != 0)
		return NULL;
	const char *star = strchr(t, '*');
	if (strchr(star + 1, '*')) /* struct T **: a pointer to a pointer, left opaque */
		return NULL;
	size_t n = (size_t)(star - t);
	while (n > 0 && t[n - 1] == ' ')
		n--;
	return xt_ktypes()->find(xt_arena_strndup(ar, t, n), &near, &why);
}

static const struct xt_type *field_type(struct xt_arena *ar, const struct xt_tp_field *f)
{
	if (f->data_loc)
		return &xt_dataloc;
	if (f->array_len > 0) {
		if (strstr(f->ctype, "char"))
			return xt_type_str(ar, f->array_len);
		/* byte arrays (__u8 daddr_v6[16]): buffers, for ntop(), macaddr() and %r */
		if (f->size == f->array_len)
			return xt_type_buf(ar, f->array_len, XT_R_NONE);
		/* other int arrays (unsigned long args[6]): a copy of the array, read from the record */
		int esz = f->size / f->array_len;
		if (f->size % f->array_len || (esz != 2 && esz != 4 && esz != 8))
			return NULL;
		return xt_type_kval(ar, xt_type_array(ar, xt_type_int(esz, f->is_signed), f->array_len));
	}
	if (strchr(f->ctype, '*'))
		return xt_type_ptr(ar, pointee(ar, f->ctype), f->ctype);
	return xt_type_int(f->size, f->is_signed);
}

static const struct xt_tp_format *site_format(struct xt_site *site)
{
	struct tp_site *ts = (struct tp_site *)site->data;
	if (!ts->have_fmt) {
		struct xt_tp_format f;
		if (xt_tp_format_read(ts->cat, ts->name, &f) < 0)
			return NULL;
		ts->fmt = f;
		ts->fmt.category = ts->cat;
		ts->fmt.name = ts->name;
		ts->fmt.fields = xt_arena_alloc(ts->ar, sizeof(*f.fields) * (f.nfields + 1));
		for (int i = 0; i < f.nfields; i++) {
			ts->fmt.fields[i] = f.fields[i];
			ts->fmt.fields[i].name = xt_arena_strdup(ts->ar, f.fields[i].name);
			ts->fmt.fields[i].ctype = xt_arena_strdup(ts->ar, f.fields[i].ctype);
		}
		xt_tp_format_free(&f);
		ts->have_fmt = true;
	}
	return &ts->fmt;
}

static const struct xt_tp_field *find_field(const struct xt_tp_format *f, const char *name)
{
	for (int i = 0; i < f->nfields; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}

/* `args`: the fields every matched tracepoint has, at the same place. */
static const struct xt_type *ctx_type(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *n)
{
	if (p->args_type)
		return p->args_type;
	struct xt_arena *ar = xt_sema_arena(s);
	const struct xt_tp_format *first = site_format(&p->sites[0]);
	if (!first) {
		xt_diag_error(xt_sema_diags(s), n->loc, "cannot read the format of %s", p->sites[0].name);
		return NULL;
	}
	struct xt_field *fields = xt_arena_alloc(ar, sizeof(*fields) * (first->nfields + 1));
	int nf = 0;
	for (int i = 0; i < first->nfields; i++) {
		const struct xt_tp_field *f = &first->fields[i];
		const struct xt_type *t = field_type(ar, f);
		bool common = t != NULL;
		for (int j = 1; j < p->nsites && common; j++) {
			const struct xt_tp_format *o = site_format(&p->sites[j]);
			const struct xt_tp_field *g = o ? find_field(o, f->name) : NULL;
			common = g && g->offset == f->offset && g->size == f->size && g->data_loc == f->data_loc;
		}
		if (!common)
			continue;
		fields[nf] = (struct xt_field){ .name = f->name, .type = t, .offset = f->offset, .index = nf };
		nf++;
	}
	struct xt_type *rec = xt_arena_alloc(ar, sizeof(*rec));
	rec->kind = XT_T_RECORD;
	rec->n = nf;
	rec->fields = fields;
	rec->cname = p->nsites == 1 ? xt_arena_printf(ar, "args of %s", p->sites[0].name)
				    : xt_arena_printf(ar, "args (common to the %d matched tracepoints)", p->nsites);
	p->args_type = rec;
	return rec;
}

static LLVMValueRef read_kernel(struct xt_cg *cg, LLVMValueRef src, int size)
{
	LLVMValueRef buf = xt_cg_buf(cg, size < 8 ? 8 : size, "tpread");
	LLVMValueRef args[] = { buf, xt_cg_i64(cg, size), src };
	xt_cg_helper(cg, XT_H_READ_KERNEL, false, args, 3);
	return buf;
}

static LLVMValueRef ctx_slot(struct xt_cg *cg, int i)
{
	return LLVMBuildLoad2(cg->b, cg->i64, xt_cg_gep(cg, cg->ctxarg, xt_cg_i64(cg, 8 * i)), "");
}

#if HAVE_RAW_SYSCALLS
static LLVMValueRef regs_read(struct xt_cg *cg, int off)
{
	LLVMValueRef regs = LLVMBuildIntToPtr(cg->b, ctx_slot(cg, 0), cg->ptr, "regs");
	return read_kernel(cg, xt_cg_gep(cg, regs, xt_cg_i64(cg, off)), 8);
}

static LLVMValueRef sys_nr_value(struct xt_cg *cg)
{
	if (cg->probe->mode == TP_SYS_ENTER)
		return ctx_slot(cg, 1);
	return LLVMBuildLoad2(cg->b, cg->i64, regs_read(cg, SYS_NR_OFF), "");
}
#endif

static LLVMValueRef emit_ctx(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_field *f = n->sym;
	const struct xt_type *t = f->type;
#if HAVE_RAW_SYSCALLS
	if (cg->probe->mode != TP_PERF) {
		if (strcmp(f->name, "__syscall_nr") == 0)
			return sys_nr_value(cg);
		if (cg->probe->mode == TP_SYS_EXIT)
			return xt_cg_load(cg, xt_cg_gep(cg, cg->ctxarg, xt_cg_i64(cg, 8)), t); /* ret */
		int i = (f->offset - 16) / 8;
		return xt_cg_load(cg, regs_read(cg, sys_arg_off[i < 6 ? i : 5]), t);
	}
#endif
	LLVMValueRef at = xt_cg_gep(cg, cg->ctxarg, xt_cg_i64(cg, f->offset));
	switch (t->kind) {
	case XT_T_STR:
	case XT_T_KVAL:
		return read_kernel(cg, at, t->size);
	case XT_T_BUF: { /* {length, bytes} */
		LLVMValueRef buf = xt_cg_buf(cg, t->size, "tpbuf");
		LLVMBuildStore(cg->b, xt_cg_i64(cg, t->size - 8), buf);
		LLVMValueRef args[] = { xt_cg_gep(cg, buf, xt_cg_i64(cg, 8)), xt_cg_i64(cg, t->size - 8), at };
		xt_cg_helper(cg, XT_H_READ_KERNEL, false, args, 3);
		return buf;
	}
	case XT_T_DATALOC: {
		LLVMValueRef loc = LLVMBuildLoad2(cg->b, cg->i32, at, "");
		LLVMValueRef off = LLVMBuildZExt(cg->b, LLVMBuildAnd(cg->b, loc, xt_cg_i32(cg, 0xffff), ""), cg->i64, "");
		return LLVMBuildAdd(cg->b, LLVMBuildPtrToInt(cg->b, cg->ctxarg, cg->i64, ""), off, "");
	}
	default:
		return xt_cg_load(cg, at, t);
	}
}

static void emit_prologue(struct xt_cg *cg)
{
#if HAVE_RAW_SYSCALLS
	const struct xt_probe_info *p = cg->probe;
	if (p->mode == TP_PERF)
		return;
	LLVMValueRef nr = sys_nr_value(cg);
	LLVMBasicBlockRef go = xt_cg_block(cg, "syscall"), skip = xt_cg_block(cg, "other_syscall");
	if (p->nsites == 1) {
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, nr,
				xt_cg_i64(cg, p->sites[0].num & 0xffffffff), ""), go, skip);
	} else {
		char name[32];
		snprintf(name, sizeof(name), "sysf_%d", p->index);
		LLVMValueRef map = xt_cg_declare_map(cg, name, BPF_MAP_TYPE_ARRAY, SYSF_ENTRIES, 4, 8);
		LLVMValueRef key = xt_cg_buf(cg, 8, "nr");
		LLVMBuildStore(cg->b, LLVMBuildTrunc(cg->b, nr, cg->i32, ""), key);
		LLVMValueRef args[] = { map, key };
		LLVMValueRef v = xt_cg_helper(cg, XT_H_MAP_LOOKUP, true, args, 2);
		LLVMBasicBlockRef have = xt_cg_block(cg, "known_nr");
		LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, v, ""), skip, have);
		LLVMPositionBuilderAtEnd(cg->b, have);
		LLVMValueRef id1 = LLVMBuildLoad2(cg->b, cg->i64, v, "");
		cg->site = LLVMBuildSub(cg->b, id1, xt_cg_i64(cg, 1), "site");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, id1, xt_cg_i64(cg, 0), ""), skip, go);
	}
	LLVMPositionBuilderAtEnd(cg->b, skip);
	xt_cg_return(cg);
	LLVMPositionBuilderAtEnd(cg->b, go);
#else
	(void)cg;
#endif
}

static int attach(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	const struct xt_probe_info *p = rp->info;
	if (p->mode != TP_PERF) {
		if (p->nsites > 1) {
			char name[32];
			snprintf(name, sizeof(name), "sysf_%d", p->index);
			struct bpf_map *m = bpf_object__find_map_by_name(xt_rt_object(rt), name);
			int fd = m ? bpf_map__fd(m) : -1;
			for (int i = 0; i < p->nsites && fd >= 0; i++) {
				uint32_t nr = (uint32_t)(p->sites[i].num & 0xffffffff);
				uint64_t id1 = (uint64_t)p->sites[i].id + 1;
				if (nr < SYSF_ENTRIES && bpf_map_update_elem(fd, &nr, &id1, 0) < 0)
					fd = -1;
			}
			if (fd < 0) {
				xt_rt_attach_error(rt, p->sites[0].name, "cannot fill the syscall filter: %s", strerror(errno));
				return -EINVAL;
			}
		}
		const char *tp = p->mode == TP_SYS_ENTER ? "sys_enter" : "sys_exit";
		struct bpf_link *l = bpf_program__attach_raw_tracepoint(rp->prog, tp);
		if (!l) {
			int err = -errno;
			xt_rt_attach_error(rt, p->sites[0].name, "raw tracepoint %s: %s", tp, strerror(-err));
			return err;
		}
		return xt_rt_add_link(rp, l);
	}
	for (int i = 0; i < p->nsites; i++) {
		const struct tp_site *ts = p->sites[i].data;
		LIBBPF_OPTS(bpf_tracepoint_opts, opts, .bpf_cookie = (uint64_t)p->sites[i].id);
		struct bpf_link *l = bpf_program__attach_tracepoint_opts(rp->prog, ts->cat, ts->name, &opts);
		int rc = xt_rt_keep_link(rt, rp, p->sites[i].name, l);
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct list_ctx {
	void (*cb)(const char *, const char *, void *);
	void *ctx;
	bool verbose;
	const char *skip_cat;    /* a category glob whose tracepoints are listed already */
};

static int list_one(const char *cat, const char *name, void *arg)
{
	struct list_ctx *l = arg;
	char full[512], detail[4096] = "";
	if (xt_sig_stop_pending())
		return -EINTR;
	if (l->skip_cat && fnmatch(l->skip_cat, cat, 0) == 0)
		return 0;
	snprintf(full, sizeof(full), "tracepoint:%s:%s", cat, name);
	if (l->verbose) {
		struct xt_tp_format f;
		if (xt_tp_format_read(cat, name, &f) == 0) {
			size_t off = 0;
			for (int i = 0; i < f.nfields && off < sizeof(detail) - 1; i++) {
				const struct xt_tp_field *fl = &f.fields[i];
				int w;
				if (fl->data_loc)
					w = snprintf(detail + off, sizeof(detail) - off, "    __data_loc %s %s\n", fl->ctype, fl->name);
				else if (fl->array_len)
					w = snprintf(detail + off, sizeof(detail) - off, "    %s %s[%d]\n", fl->ctype, fl->name, fl->array_len);
				else
					w = snprintf(detail + off, sizeof(detail) - off, "    %s %s\n", fl->ctype, fl->name);
				if (w < 0)
					break;
				off += (size_t)w;
			}
			xt_tp_format_free(&f);
		}
	}
	l->cb(full, detail, l->ctx);
	return 0;
}

/* CATEGORY:NAME; or one word, matched against names as bpftrace does
 * (tracepoint:*sys_enter_read is syscalls:sys_enter_read only) and against
 * categories (tracepoint:sched lists sched:*; Tab completes categories so). */
static int list(const char *spec, bool verbose, void (*cb)(const char *, const char *, void *), void *ctx)
{
	struct list_ctx l = { cb, ctx, verbose, NULL };
	const char *colon = spec ? strchr(spec, ':') : NULL;
	int n;
	if (colon) {
		char cat[256];
		snprintf(cat, sizeof(cat), "%.*s", (int)(colon - spec), spec);
		n = xt_tp_glob(cat, colon[1] ? colon + 1 : "*", list_one, &l);
	} else if (!spec || !*spec || strcmp(spec, "*") == 0) {
		n = xt_tp_glob("*", "*", list_one, &l);
	} else {
		n = xt_tp_glob(spec, "*", list_one, &l);
		if (n >= 0 || n == -ENOENT) {
			l.skip_cat = spec;
			n = xt_tp_glob("*", spec, list_one, &l);
		}
	}
	return n == -ENOENT ? 0 : n < 0 ? n : 0;
}

const struct xt_provider xt_prov_tracepoint = {
	.name = "tracepoint", .alias = "t", .section = "tracepoint", .section_of = section_of,
	.help = "tracepoint:CATEGORY:NAME: a kernel tracepoint; args.FIELD reads its record",
	.expand = expand, .ctx_type = ctx_type, .emit_ctx = emit_ctx, .emit_prologue = emit_prologue,
	.attach = attach, .list = list,
};
