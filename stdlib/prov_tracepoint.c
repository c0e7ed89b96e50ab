/* tracepoint:CATEGORY:NAME (alias t), `*` and `?` in both parts.
 *
 * The cheapest attachment the program allows, decided once its analysis is
 * done (check):
 * - syscall tracepoints are served by the raw tracepoints sys_enter/sys_exit
 *   when the whole probe is syscall entries (or exits): one raw-tracepoint
 *   attachment filtered by syscall number in BPF, arguments read from
 *   pt_regs;
 * - other tracepoints run as raw tracepoints of their own name when every
 *   field the program reads is one of the tracepoint's C arguments (same
 *   name, size, signedness and pointer-ness in BTF), or raw_syscalls' id,
 *   args and ret: no record is built for the program, and attaching and
 *   detaching take microseconds. When the program reads no field, the
 *   syscall tracepoints among them (tracepoint:*:* has 720) join the same
 *   program: one attachment to sys_enter and one to sys_exit, told apart
 *   from the others by their cookie and filtered by syscall number;
 * - the rest attach as perf events, one link per match with its site id as
 *   the BPF cookie. Detaching one costs ~73 ms here.
 * XTRACE_NO_RAW_SYSCALLS=1 turns the first off, XTRACE_NO_RAW_TP=1 the
 * second (the tests use them to reach the perf-event path). */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "codegen/cg.h"
#include "runtime/runtime.h"
#include "stdlib/raw_tp.h"
#include "stdlib/registry.h"
#include "stdlib/tracefs.h"

enum { TP_PERF, TP_SYS_ENTER, TP_SYS_EXIT, TP_RAW };
enum { SYSF_ENTRIES = 1024 };

/* The cookies of a raw-tracepoint probe's attachments to sys_enter and
 * sys_exit that serve its syscall sites (the others carry their site id). */
#define SYS_ENTER_COOKIE (1ULL << 62)
#define SYS_EXIT_COOKIE ((1ULL << 62) | 1)

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
	bool raw_looked_up;
	struct xt_raw_tp *raw;     /* the raw tracepoint's arguments; NULL: none (or not looked up) */
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
			return xt_probe_missing(s, p, at, "unknown tracepoint '%s'; did you mean '%s'?", spec, near);
		return xt_probe_missing(s, p, at, "unknown tracepoint '%s'", spec);
	}
	update_mode(p);
	return 0;
}

static const char *section_of(const struct xt_probe_info *p)
{
	return p->mode == TP_PERF ? "tracepoint" : "raw_tp"; /* TP_RAW too */
}

/* The C type of a field without qualifiers and with single spaces, so that
 * `const char *` and `char *` compare equal: "char *", "struct foo **". */
static void plain_ctype(const char *ctype, char *out, size_t size)
{
	size_t o = 0;
	for (const char *c = ctype; *c && o + 2 < size;) {
		while (*c == ' ' || *c == '\t')
			c++;
		size_t n = strcspn(c, " \t*");
		if (n == 0 && *c == '*') {
			if (o && out[o - 1] != ' ' && out[o - 1] != '*')
				out[o++] = ' ';
			out[o++] = *c++;
			continue;
		}
		if ((n == 5 && strncmp(c, "const", 5) == 0) || (n == 8 && strncmp(c, "volatile", 8) == 0)) {
			c += n;
			continue;
		}
		if (o && o + 1 < size)
			out[o++] = ' ';
		for (size_t i = 0; i < n && o + 1 < size; i++)
			out[o++] = c[i];
		c += n;
	}
	out[o] = 0;
}

/* The type of a pointer field, spelled `ctype` (qualifiers dropped): a
 * kernel struct or union is typed from BTF (`struct __kernel_timespec *rqtp`,
 * so args.rqtp->tv_sec reads the field, from user memory when the pointer is
 * a user address); a pointer to a pointer points to that pointer (`const
 * char *const *argv`, so *args.argv is a `char *`); anything else points to
 * something unknown (a `char *` is a string for str()). */
static const struct xt_type *pointer_type(struct xt_arena *ar, const char *ctype)
{
	char plain[256];
	plain_ctype(ctype, plain, sizeof(plain));
	size_t len = strlen(plain);
	if (len < 2 || plain[len - 1] != '*')
		return NULL;
	size_t bl = len - 1; /* the pointee's spelling: "struct foo", "char *" */
	while (bl > 0 && plain[bl - 1] == ' ')
		bl--;
	const char *to = xt_arena_strndup(ar, plain, bl);
	const char *sp = strchr(to, ' ');
	const struct xt_type *pointee = NULL;
	if (bl && to[bl - 1] == '*') {
		pointee = pointer_type(ar, to);
	} else if (sp && !strchr(sp + 1, ' ') && (strncmp(to, "struct ", 7) == 0 || strncmp(to, "union ", 6) == 0) &&
		   xt_ktypes()->find) {
		const char *near, *why;
		pointee = xt_ktypes()->find(to, &near, &why);
	}
	return xt_type_ptr(ar, pointee, xt_arena_strdup(ar, ctype));
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
		return pointer_type(ar, f->ctype);
	if (strncmp(f->ctype, "enum ", 5) == 0 && xt_ktypes()->find) { /* prints by name (bpftrace 0.22) */
		const char *near, *why;
		const struct xt_type *e = xt_ktypes()->find(f->ctype, &near, &why);
		if (xt_type_is_enum(e) && (f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8))
			return xt_type_int_as(ar, e, f->size);
	}
	return xt_type_int(f->size, f->is_signed);
}

/* Whether two tracepoints' fields of one name have one type (qualifiers aside). */
static bool same_field_type(const struct xt_tp_field *a, const struct xt_tp_field *b)
{
	if (a->size != b->size || a->data_loc != b->data_loc || a->array_len != b->array_len ||
	    a->is_signed != b->is_signed)
		return false;
	char pa[256], pb[256];
	plain_ctype(a->ctype, pa, sizeof(pa));
	plain_ctype(b->ctype, pb, sizeof(pb));
	return strcmp(pa, pb) == 0;
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

/* `args`: the fields every matched tracepoint has with one type; where they
 * sit may differ (sys_enter_open's filename is its first argument,
 * sys_enter_openat's its second): emit_ctx then picks the offset by site. */
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
			common = g && same_field_type(f, g);
		}
		if (!common)
			continue;
		fields[nf] = (struct xt_field){ .name = f->name, .type = t, .offset = f->offset, .index = nf };
		nf++;
	}
	return xt_probe_args_record(ar, p, fields, nf, p->nsites == 1 ? NULL
				: xt_arena_printf(ar, "args (the fields all %d matched tracepoints have with one type)", p->nsites));
}

/* Where a field is when the probe runs as a raw tracepoint: the index of
 * the raw argument that holds it (>= 0), or one of these. */
enum { RAW_NONE = -1, RAW_SYS_ARGS = -2, RAW_SYS_NR = -3 };

static const struct xt_raw_tp *site_raw(struct xt_site *site)
{
	struct tp_site *ts = (struct tp_site *)site->data;
	if (!ts->raw_looked_up) {
		struct xt_raw_tp r;
		ts->raw_looked_up = true;
		if (xt_raw_tp_args(ts->name, &r) == 0) {
			ts->raw = xt_arena_alloc(ts->ar, sizeof(*ts->raw));
			*ts->raw = r;
		}
	}
	return ts->raw;
}

/* raw_syscalls:sys_enter(struct pt_regs *regs, long id) and sys_exit(regs,
 * long ret) record what their arguments hold: id and ret as they are, the
 * syscall's arguments and number from pt_regs. */
static int raw_syscalls_source(const struct tp_site *ts, const char *field)
{
	if (!HAVE_RAW_SYSCALLS || strcmp(ts->cat, "raw_syscalls") != 0)
		return RAW_NONE;
	bool enter = strcmp(ts->name, "sys_enter") == 0;
	if (!enter && strcmp(ts->name, "sys_exit") != 0)
		return RAW_NONE;
	if (strcmp(field, enter ? "id" : "ret") == 0)
		return 1;
	if (enter && strcmp(field, "args") == 0)
		return RAW_SYS_ARGS;
	if (!enter && strcmp(field, "id") == 0)
		return RAW_SYS_NR;
	return RAW_NONE;
}

/* Where field f of site's record is among the raw tracepoint's arguments:
 * the argument of its name, when it has the field's size, signedness and
 * pointer-ness (a value the tracepoint computes, such as sched_switch's
 * `long prev_state` from `unsigned int prev_state`, differs in one of them). */
static int raw_source(struct xt_site *site, const struct xt_tp_field *f)
{
	const struct tp_site *ts = site->data;
	int src = raw_syscalls_source(ts, f->name);
	if (src != RAW_NONE)
		return src;
	const struct xt_raw_tp *raw = site_raw(site);
	if (!raw || f->data_loc || f->array_len > 0)
		return RAW_NONE;
	bool ptr = strchr(f->ctype, '*') != NULL;
	for (int i = 0; i < raw->nargs; i++) {
		const struct xt_btf_arg *a = &raw->args[i];
		if (strcmp(a->name, f->name) != 0)
			continue;
		if (a->ptr != ptr || a->size != f->size || (!ptr && a->sign != f->is_signed))
			return RAW_NONE;
		return i;
	}
	return RAW_NONE;
}

struct used_ctx {
	const struct xt_probe_info *p;
	const char *fields[64];
	int n;
	bool whole;                /* `args` used other than as args.FIELD, or too many fields */
};

static void note_uses(struct used_ctx *u, const struct xt_node *n)
{
	for (; n; n = n->next) {
		const struct xt_type *rec = u->p->args_type;
		if ((n->kind == XT_N_FIELD || n->kind == XT_N_ARROW) && rec && n->a && n->a->type == rec && n->sym) {
			const struct xt_field *f = n->sym;
			if (u->n < (int)(sizeof(u->fields) / sizeof(u->fields[0])))
				u->fields[u->n++] = f->name;
			else
				u->whole = true;
			continue; /* n->a is `args` itself */
		}
		if (n->kind == XT_N_IDENT && n->name && strcmp(n->name, "args") == 0)
			u->whole = true;
		note_uses(u, n->a);
		note_uses(u, n->b);
		note_uses(u, n->c);
		note_uses(u, n->list);
	}
}

static bool env_set(const char *name)
{
	const char *v = getenv(name);
	return v && *v == '1';
}

/* Runs once sema knows every field the probe reads: makes it a raw
 * tracepoint when each of them is a raw argument at the same place in every
 * match (a context load cannot take a variable offset). */
static int check(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *spec)
{
	(void)s, (void)at, (void)spec;
	if (p->mode != TP_PERF || env_set("XTRACE_NO_RAW_TP") || !xt_btf_get(NULL))
		return 0;
	struct used_ctx u = { .p = p };
	note_uses(&u, p->node->a);
	note_uses(&u, p->node->b);
	if (u.whole)
		return 0;
	bool sys_sites = false;
	for (int i = 0; i < p->nsites; i++) {
		const struct tp_site *ts = p->sites[i].data;
		int64_t num = p->sites[i].num;
		if (num >= 0) { /* syscalls:sys_enter_NAME or sys_exit_NAME of a known number */
			if (!HAVE_RAW_SYSCALLS || env_set("XTRACE_NO_RAW_SYSCALLS") || (num & 0xffffffff) >= SYSF_ENTRIES)
				return 0;
			sys_sites = true;
			continue;
		}
		if (!site_raw(&p->sites[i]) && !(HAVE_RAW_SYSCALLS && strcmp(ts->cat, "raw_syscalls") == 0))
			return 0;
		if (strcmp(ts->cat, "raw_syscalls") == 0 && env_set("XTRACE_NO_RAW_SYSCALLS"))
			return 0;
	}
	/* their fields are in pt_regs, the others' in the raw arguments */
	if (sys_sites && u.n > 0)
		return 0;
	for (int k = 0; k < u.n; k++) {
		int first = RAW_NONE;
		for (int i = 0; i < p->nsites; i++) {
			const struct xt_tp_format *fmt = site_format(&p->sites[i]);
			const struct xt_tp_field *f = fmt ? find_field(fmt, u.fields[k]) : NULL;
			int src = f ? raw_source(&p->sites[i], f) : RAW_NONE;
			if (src == RAW_NONE || (i > 0 && src != first))
				return 0;
			first = src;
		}
	}
	p->mode = TP_RAW;
	return 0;
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

/* The offset of field `name` in each site's record into off[]; whether they
 * all agree. */
static bool site_offsets(const struct xt_probe_info *p, const char *name, int *off)
{
	bool same = true;
	for (int i = 0; i < p->nsites; i++) {
		const struct xt_tp_format *fmt = site_format(&p->sites[i]);
		const struct xt_tp_field *g = fmt ? find_field(fmt, name) : NULL;
		off[i] = g ? g->offset : -1; /* sema found it in every site */
		same = same && off[i] == off[0];
	}
	return same;
}

/* vals[i] for site i of the probe, chosen by the site that fired: the most
 * common value, replaced by a select for each run of consecutive site ids
 * that has another. A handful of instructions; only emitted where the
 * matched tracepoints disagree. */
static LLVMValueRef per_site(struct xt_cg *cg, const int *vals)
{
	const struct xt_probe_info *p = cg->probe;
	int common = vals[0], best = 0;
	for (int i = 0; i < p->nsites; i++) {
		int n = 0;
		for (int j = 0; j < p->nsites; j++)
			n += vals[j] == vals[i];
		if (n > best) {
			best = n;
			common = vals[i];
		}
	}
	LLVMValueRef site = xt_cg_site(cg), v = xt_cg_i64(cg, common);
	for (int i = 0; i < p->nsites;) {
		int j = i + 1;
		while (j < p->nsites && vals[j] == vals[i] && p->sites[j].id == p->sites[j - 1].id + 1)
			j++;
		if (vals[i] != common) {
			int lo = p->sites[i].id, hi = p->sites[j - 1].id;
			LLVMValueRef in = LLVMBuildICmp(cg->b, LLVMIntULE, LLVMBuildSub(cg->b, site, xt_cg_i64(cg, lo), ""),
							xt_cg_i64(cg, hi - lo), "");
			v = LLVMBuildSelect(cg->b, in, xt_cg_i64(cg, vals[i]), v, "");
		}
		i = j;
	}
	return v;
}

#if HAVE_RAW_SYSCALLS
static LLVMValueRef regs_read_at(struct xt_cg *cg, LLVMValueRef off)
{
	LLVMValueRef regs = LLVMBuildIntToPtr(cg->b, ctx_slot(cg, 0), cg->ptr, "regs");
	return read_kernel(cg, xt_cg_gep(cg, regs, off), 8);
}

static LLVMValueRef regs_read(struct xt_cg *cg, int off)
{
	return regs_read_at(cg, xt_cg_i64(cg, off));
}

static LLVMValueRef sys_nr_value(struct xt_cg *cg)
{
	if (cg->probe->mode == TP_SYS_ENTER)
		return ctx_slot(cg, 1);
	return LLVMBuildLoad2(cg->b, cg->i64, regs_read(cg, SYS_NR_OFF), "");
}

/* A syscall argument (at `off` in the sys_enter_* record) in pt_regs. */
static int sys_arg_reg(int off)
{
	int i = (off - 16) / 8;
	return sys_arg_off[i < 6 ? i : 5];
}
#endif

/* A field of a probe run as a raw tracepoint (check made sure every site
 * has it at the same place). */
static LLVMValueRef raw_field(struct xt_cg *cg, const struct xt_field *f)
{
	const struct xt_probe_info *p = cg->probe;
	const struct xt_tp_field *tf = find_field(site_format(&p->sites[0]), f->name);
	int src = raw_source(&p->sites[0], tf);
	const struct xt_type *t = f->type;
#if HAVE_RAW_SYSCALLS
	if (src == RAW_SYS_NR)
		return LLVMBuildLoad2(cg->b, cg->i64, regs_read(cg, SYS_NR_OFF), "");
	if (src == RAW_SYS_ARGS) { /* unsigned long args[6], in syscall order */
		LLVMValueRef buf = xt_cg_buf(cg, 48, "sysargs");
		LLVMValueRef regs = LLVMBuildIntToPtr(cg->b, ctx_slot(cg, 0), cg->ptr, "regs");
		for (int i = 0; i < 6; i++) {
			LLVMValueRef args[] = { xt_cg_gep(cg, buf, xt_cg_i64(cg, 8 * i)), xt_cg_i64(cg, 8),
						xt_cg_gep(cg, regs, xt_cg_i64(cg, sys_arg_off[i])) };
			xt_cg_helper(cg, XT_H_READ_KERNEL, false, args, 3);
		}
		return buf;
	}
#endif
	LLVMValueRef v = ctx_slot(cg, src);
	if (t->kind == XT_T_INT && t->size < 8) {
		v = LLVMBuildTrunc(cg->b, v, LLVMIntTypeInContext(cg->ctx, (unsigned)t->size * 8), "");
		v = t->sign ? LLVMBuildSExt(cg->b, v, cg->i64, "") : LLVMBuildZExt(cg->b, v, cg->i64, "");
	}
	return v;
}

/* A field at a constant offset of the record: loaded with its natural
 * alignment where it has it (an unaligned load is eight byte loads). */
static LLVMValueRef record_load(struct xt_cg *cg, LLVMValueRef at, int off, const struct xt_type *t)
{
	bool whole = t->kind == XT_T_INT || t->kind == XT_T_BOOL;
	int size = whole ? t->size : 8;
	if ((!whole && t->kind != XT_T_PTR) || off % size != 0)
		return xt_cg_load(cg, at, t);
	LLVMValueRef v = LLVMBuildLoad2(cg->b, LLVMIntTypeInContext(cg->ctx, (unsigned)size * 8), at, "");
	LLVMSetAlignment(v, (unsigned)size);
	if (size == 8)
		return v;
	return t->kind == XT_T_INT && t->sign ? LLVMBuildSExt(cg->b, v, cg->i64, "") : LLVMBuildZExt(cg->b, v, cg->i64, "");
}

static LLVMValueRef emit_ctx(struct xt_cg *cg, struct xt_node *n)
{
	const struct xt_field *f = n->sym;
	const struct xt_type *t = f->type;
	const struct xt_probe_info *p = cg->probe;
	if (p->mode == TP_RAW)
		return raw_field(cg, f);
	int *offs = xt_arena_alloc(cg->prog->ar, sizeof(int) * (size_t)p->nsites);
	bool same = site_offsets(p, f->name, offs);
#if HAVE_RAW_SYSCALLS
	if (p->mode != TP_PERF) {
		if (strcmp(f->name, "__syscall_nr") == 0)
			return sys_nr_value(cg);
		if (p->mode == TP_SYS_EXIT)
			return record_load(cg, xt_cg_gep(cg, cg->ctxarg, xt_cg_i64(cg, 8)), 8, t); /* ret */
		if (same)
			return xt_cg_load(cg, regs_read(cg, sys_arg_reg(f->offset)), t);
		for (int i = 0; i < p->nsites; i++)
			offs[i] = sys_arg_reg(offs[i]);
		return xt_cg_load(cg, regs_read_at(cg, per_site(cg, offs)), t);
	}
#endif
	/* Where the sites disagree, the offset is a value: the verifier refuses a
	 * context load at a variable offset ("variable ctx access var_off=...
	 * disallowed"), so the field's bytes are copied out with a helper. */
	LLVMValueRef at = xt_cg_gep(cg, cg->ctxarg, same ? xt_cg_i64(cg, f->offset) : per_site(cg, offs));
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
		LLVMValueRef loc = LLVMBuildLoad2(cg->b, cg->i32, same ? at : read_kernel(cg, at, 4), "");
		LLVMValueRef off = LLVMBuildZExt(cg->b, LLVMBuildAnd(cg->b, loc, xt_cg_i32(cg, 0xffff), ""), cg->i64, "");
		return LLVMBuildAdd(cg->b, LLVMBuildPtrToInt(cg->b, cg->ctxarg, cg->i64, ""), off, "");
	}
	default:
		return same ? record_load(cg, at, f->offset, t) : xt_cg_load(cg, read_kernel(cg, at, t->size), t);
	}
}

/* Which kinds of syscall sites probe p has: 1 entries, 2 exits, 3 both. */
static int sys_kinds(const struct xt_probe_info *p)
{
	int k = 0;
	for (int i = 0; i < p->nsites; i++)
		if (p->sites[i].num >= 0)
			k |= (p->sites[i].num >> 32) ? 2 : 1;
	return k;
}

/* The map that filters probe p's syscall entries (or exits): an array from
 * syscall number to site id + 1 (0: not one of the probe's). A raw-tracepoint
 * probe may have both, in two maps. */
static void filter_name(const struct xt_probe_info *p, bool exit, char *name, size_t size)
{
	snprintf(name, size, "%s_%d", p->mode == TP_RAW && exit ? "sysx" : "sysf", p->index);
}

#if HAVE_RAW_SYSCALLS
/* The site of syscall number nr through the probe's filter; branches to
 * skip when the syscall is none of the probe's, and leaves the builder where
 * the site is known. */
static LLVMValueRef filter_site(struct xt_cg *cg, bool exit, LLVMValueRef nr, LLVMBasicBlockRef skip)
{
	char name[32];
	filter_name(cg->probe, exit, name, sizeof(name));
	LLVMValueRef map = xt_cg_declare_map(cg, name, BPF_MAP_TYPE_ARRAY, SYSF_ENTRIES, 4, 8);
	LLVMValueRef key = xt_cg_buf(cg, 8, "nr");
	LLVMBuildStore(cg->b, LLVMBuildTrunc(cg->b, nr, cg->i32, ""), key);
	LLVMValueRef args[] = { map, key };
	LLVMValueRef v = xt_cg_helper(cg, XT_H_MAP_LOOKUP, true, args, 2);
	LLVMBasicBlockRef have = xt_cg_block(cg, "known_nr"), ours = xt_cg_block(cg, "our_syscall");
	LLVMBuildCondBr(cg->b, LLVMBuildIsNull(cg->b, v, ""), skip, have);
	LLVMPositionBuilderAtEnd(cg->b, have);
	LLVMValueRef id1 = LLVMBuildLoad2(cg->b, cg->i64, v, "");
	LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, id1, xt_cg_i64(cg, 0), ""), skip, ours);
	LLVMPositionBuilderAtEnd(cg->b, ours);
	return LLVMBuildSub(cg->b, id1, xt_cg_i64(cg, 1), "site");
}

/* A raw-tracepoint probe with syscall sites: the attachments to sys_enter
 * and sys_exit carry SYS_ENTER_COOKIE and SYS_EXIT_COOKIE and find the site
 * by syscall number; every other attachment's cookie is its site. The
 * number is read with a helper, never loaded from the context: a load of
 * ctx[1] would raise the program's context size to two arguments, and the
 * kernel refuses to attach it to a tracepoint of one (EINVAL). */
static void raw_sys_prologue(struct xt_cg *cg, int kinds)
{
	LLVMValueRef cookie = xt_cg_helper(cg, XT_H_ATTACH_COOKIE, false, &cg->ctxarg, 1);
	LLVMBasicBlockRef skip = xt_cg_block(cg, "other_syscall"), go = xt_cg_block(cg, "site_known");
	LLVMValueRef site[3];
	LLVMBasicBlockRef from[3];
	int n = 0;
	for (int exit = 0; exit < 2; exit++) {
		if (!(kinds & (1 << exit)))
			continue;
		LLVMBasicBlockRef sys = xt_cg_block(cg, exit ? "sys_exit" : "sys_enter"), next = xt_cg_block(cg, "not_it");
		LLVMValueRef mark = xt_cg_i64(cg, (int64_t)(exit ? SYS_EXIT_COOKIE : SYS_ENTER_COOKIE));
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, cookie, mark, ""), sys, next);
		LLVMPositionBuilderAtEnd(cg->b, sys);
		LLVMValueRef nr;
		if (exit) { /* sys_exit(regs, ret): the number is regs->orig_ax */
			LLVMValueRef regs = LLVMBuildLoad2(cg->b, cg->i64, read_kernel(cg, cg->ctxarg, 8), "");
			LLVMValueRef at = xt_cg_gep(cg, LLVMBuildIntToPtr(cg->b, regs, cg->ptr, "regs"), xt_cg_i64(cg, SYS_NR_OFF));
			nr = LLVMBuildLoad2(cg->b, cg->i64, read_kernel(cg, at, 8), "");
		} else { /* sys_enter(regs, id) */
			nr = LLVMBuildLoad2(cg->b, cg->i64, read_kernel(cg, xt_cg_gep(cg, cg->ctxarg, xt_cg_i64(cg, 8)), 8), "");
		}
		site[n] = filter_site(cg, exit, nr, skip);
		from[n++] = LLVMGetInsertBlock(cg->b);
		LLVMBuildBr(cg->b, go);
		LLVMPositionBuilderAtEnd(cg->b, next);
	}
	site[n] = cookie;
	from[n++] = LLVMGetInsertBlock(cg->b);
	LLVMBuildBr(cg->b, go);
	LLVMPositionBuilderAtEnd(cg->b, skip);
	xt_cg_return(cg);
	LLVMPositionBuilderAtEnd(cg->b, go);
	cg->site = LLVMBuildPhi(cg->b, cg->i64, "site");
	LLVMAddIncoming(cg->site, site, from, (unsigned)n);
}
#endif

static void emit_prologue(struct xt_cg *cg)
{
#if HAVE_RAW_SYSCALLS
	const struct xt_probe_info *p = cg->probe;
	if (p->mode == TP_RAW && sys_kinds(p))
		raw_sys_prologue(cg, sys_kinds(p));
	if (p->mode == TP_PERF || p->mode == TP_RAW)
		return;
	LLVMValueRef nr = sys_nr_value(cg);
	LLVMBasicBlockRef go, skip = xt_cg_block(cg, "other_syscall");
	if (p->nsites == 1) {
		go = xt_cg_block(cg, "syscall");
		LLVMBuildCondBr(cg->b, LLVMBuildICmp(cg->b, LLVMIntEQ, nr,
				xt_cg_i64(cg, p->sites[0].num & 0xffffffff), ""), go, skip);
	} else {
		cg->site = filter_site(cg, p->mode == TP_SYS_EXIT, nr, skip);
		go = LLVMGetInsertBlock(cg->b);
	}
	LLVMPositionBuilderAtEnd(cg->b, skip);
	xt_cg_return(cg);
	LLVMPositionBuilderAtEnd(cg->b, go);
#else
	(void)cg;
#endif
}

/* Fills probe p's filter of syscall entries (or exits). 0 or -errno after a message. */
static int fill_filter(struct xt_rt *rt, const struct xt_probe_info *p, bool exit)
{
	char name[32];
	filter_name(p, exit, name, sizeof(name));
	struct bpf_map *m = bpf_object__find_map_by_name(xt_rt_object(rt), name);
	int fd = m ? bpf_map__fd(m) : -1;
	for (int i = 0; i < p->nsites && fd >= 0; i++) {
		int64_t num = p->sites[i].num;
		if (num < 0 || (p->mode == TP_RAW && ((num >> 32) != 0) != exit))
			continue;
		uint32_t nr = (uint32_t)(num & 0xffffffff);
		uint64_t id1 = (uint64_t)p->sites[i].id + 1;
		if (nr < SYSF_ENTRIES && bpf_map_update_elem(fd, &nr, &id1, 0) < 0)
			fd = -1;
	}
	if (fd < 0) {
		xt_rt_attach_error(rt, p->sites[0].name, "cannot fill the syscall filter: %s", strerror(errno));
		return -EINVAL;
	}
	return 0;
}

static int attach(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	const struct xt_probe_info *p = rp->info;
	if (p->mode == TP_RAW) {
		for (int i = 0; i < p->nsites; i++) {
			const struct tp_site *ts = p->sites[i].data;
			if (p->sites[i].num >= 0) /* served below, through sys_enter or sys_exit */
				continue;
			if (i % 16 == 15 && xt_sig_stop_pending()) /* tracepoint:*:* takes seconds */
				return -EINTR;
			int fd = xt_raw_tp_open(rp->prog_fd, ts->name, (uint64_t)p->sites[i].id);
			if (fd < 0) {
				xt_rt_attach_error(rt, p->sites[i].name, "raw tracepoint %s: %s", ts->name, strerror(-fd));
				return fd;
			}
			int rc = xt_rt_add_fd(rp, fd);
			if (rc < 0)
				return rc;
		}
		int kinds = sys_kinds(p);
		for (int exit = 0; exit < 2; exit++) {
			if (!(kinds & (1 << exit)))
				continue;
			const char *tp = exit ? "sys_exit" : "sys_enter";
			int rc = fill_filter(rt, p, exit);
			int fd = rc < 0 ? rc : xt_raw_tp_open(rp->prog_fd, tp, exit ? SYS_EXIT_COOKIE : SYS_ENTER_COOKIE);
			if (rc == 0 && fd < 0)
				xt_rt_attach_error(rt, p->sites[0].name, "raw tracepoint %s: %s", tp, strerror(-fd));
			if (fd < 0 || (rc = xt_rt_add_fd(rp, fd)) < 0)
				return fd < 0 ? fd : rc;
		}
		return 0;
	}
	if (p->mode != TP_PERF) {
		if (p->nsites > 1) {
			int rc = fill_filter(rt, p, p->mode == TP_SYS_EXIT);
			if (rc < 0)
				return rc;
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
		if (i % 16 == 15 && xt_sig_stop_pending())
			return -EINTR;
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
	.expand = expand, .check = check, .ctx_type = ctx_type, .emit_ctx = emit_ctx, .emit_prologue = emit_prologue,
	.attach = attach, .list = list,
};
