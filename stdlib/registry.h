/* The language's library: every builtin and every probe type is one record,
 * listed once in builtins.def / providers.def. Core stages read the flags and
 * call the hooks; none of them compares builtin or probe names. */
#ifndef XT_REGISTRY_H
#define XT_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include "lang/ast.h"
#include "lang/types.h"
#include "lang/sema.h"

struct LLVMOpaqueValue;  /* LLVMValueRef, without including llvm-c here */
struct xt_cg;            /* codegen/cg.h */
struct xt_rt;            /* runtime/runtime.h */
struct xt_rt_probe;

enum xt_bi_kind { XT_BI_VAR, XT_BI_FUNC };

#define XT_BIF_AGG     (1u << 0) /* an aggregation: only as `@m[...] = f(...)` */
#define XT_BIF_NOVALUE (1u << 1) /* a statement: has no value */
#define XT_BIF_CTX     (1u << 2) /* reads the probe's context through the provider (args, argN, retval) */
#define XT_BIF_HELPER_ERRORS (1u << 4) /* receives -k's records of failed helpers (not callable) */
#define XT_BIF_PRINTER (1u << 3) /* prints any value it is given, or a whole map: what the REPL's prompt wraps a bare value in */
#define XT_BIF_LOOKUP  (1u << 9) /* prints one map entry with its key: what the REPL's prompt wraps a bare @m[key] in */
/* its value may go unused without `Return value discarded.` (delete: bpftrace
 * 0.24 made it say whether it removed something), and the REPL's prompt does
 * not print it */
#define XT_BIF_DISCARD (1u << 6)
/* ends the probe where it is called (exit): what follows is unreachable */
#define XT_BIF_ENDS    (1u << 7)

struct xt_builtin {
	const char *name;
	enum xt_bi_kind kind;
	int min_args, max_args;
	unsigned flags;
	const struct xt_agg *agg; /* XT_BIF_AGG: the aggregation it is */
	const char *help;        /* one line for .help */
	/* lang facet: checks arguments (typing them with xt_sema_expr) and returns
	 * the node's type, or NULL after reporting an error. */
	const struct xt_type *(*check)(struct xt_sema *s, struct xt_node *n);
	/* codegen facet: emits the value (NULL for XT_BIF_NOVALUE). */
	struct LLVMOpaqueValue *(*emit)(struct xt_cg *cg, struct xt_node *n);
	/* codegen facet of aggregations: updates map `m` at the key built in
	 * `key` (a pointer to key_size bytes, bucket slot included) with call `n`. */
	void (*emit_agg)(struct xt_cg *cg, const struct xt_map_info *m,
			 struct LLVMOpaqueValue *key, struct xt_node *n);
	/* runtime facet of builtins that speak through the ring buffer: handles
	 * one of the records their code sends with xt_cg_event, {u32 kind (the
	 * builtin's xt_builtin_index), u32 id, payload}. */
	void (*on_event)(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size);
};

#define XT_PROVF_BEGIN   (1u << 0) /* runs once before everything else */
#define XT_PROVF_END     (1u << 1) /* runs once at exit */
#define XT_PROVF_NOTARGET (1u << 2) /* written without ':' (BEGIN, END) */
#define XT_PROVF_ANYTASK (1u << 3) /* fires in whatever task runs (timers): -p does not filter it */
#define XT_PROVF_SELF    (1u << 5) /* run by the runtime when xtrace gets SIGUSR1 (self:signal:SIGUSR1), never attached */
#define XT_PROVF_TEST    (1u << 6) /* test:NAME, run by --test (runtime/rt_test.c) */
#define XT_PROVF_BENCH   (1u << 7) /* bench:NAME, run by --bench */
#define XT_PROVF_RUNONCE (1u << 4) /* run once by the runtime, never attached: a program of
				    * only such probes ends after running them (bpftrace 0.24) */
#define XT_PROVF_CTX_ARGN   (1u << 8)  /* offers arg0, arg1, ... */
#define XT_PROVF_CTX_RETVAL (1u << 9)  /* offers retval */
#define XT_PROVF_CTX_FUNC   (1u << 10) /* offers func */
#define XT_PROVF_CTX_REGS   (1u << 11) /* the context is (or starts with) struct pt_regs: offers reg() */
#define XT_PROVF_CTX_CTX    (1u << 12) /* offers ctx, the context as a kernel struct pointer (iter: struct bpf_iter__NAME *) */

struct xt_provider {
	const char *name;
	const char *alias;
	unsigned flags;
	const char *help;
	/* lang facet: expands `spec` (the text after "name:") into sites with
	 * xt_probe_add_site(); 0, or -1 after a diagnostic at `attach`. */
	int (*expand)(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *attach, const char *spec);
	/* lang facet: the type of a context builtin (args, argN, retval) in this
	 * probe, or NULL after a diagnostic. */
	const struct xt_type *(*ctx_type)(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *n);
	/* codegen facet */
	const char *section;     /* ELF section of the program: "tracepoint", "raw_tp", "perf_event" */
	/* the section when it depends on the probe's sites; may be NULL */
	const char *(*section_of)(const struct xt_probe_info *p);
	struct LLVMOpaqueValue *(*emit_ctx)(struct xt_cg *cg, struct xt_node *n);
	/* codegen facet: sends the record of builtin b (xt_cg_event's: kind and
	 * id in buf's 8-byte header, `size` bytes in all) where this provider's
	 * runtime facet reads it, instead of the ring buffer (an iterator's
	 * seq_file). May report an error at cg->at. May be NULL. */
	void (*emit_record)(struct xt_cg *cg, const struct xt_builtin *b, uint32_t id,
			    struct LLVMOpaqueValue *buf, int size);
	/* emits code run before the probe body (e.g. a syscall-number filter);
	 * may set cg->site when the BPF cookie does not tell the site; may be NULL */
	void (*emit_prologue)(struct xt_cg *cg);
	/* runtime facet: attaches every site of the probe; 0 or -errno (after
	 * printing what failed). NULL for BEGIN/END, which are run, not attached. */
	int (*attach)(struct xt_rt *rt, struct xt_rt_probe *rp);
	/* runtime facet of probes the runtime drives itself once BEGIN has run
	 * (an iterator: reading it runs the program); a program of only such
	 * probes and run-once ones ends after them. 0 or -errno after a message.
	 * May be NULL. */
	int (*run)(struct xt_rt *rt, struct xt_rt_probe *rp);
	/* runtime facet, before the object is loaded: settles how rp->prog
	 * loads (its expected attach type, for uprobe-multi links). May be NULL. */
	void (*prepare)(struct xt_rt *rt, struct xt_rt_probe *rp);
	/* listing: calls cb for every probe matching `spec` (the part after
	 * "name:"), matching names before computing details (with verbose: the
	 * arguments, one indented line each). Stops early when a stop signal is
	 * pending (xt_sig_stop_pending). 0, -EINVAL when `spec` is not of this
	 * type's form, or another -errno. */
	int (*list)(const char *spec, bool verbose, void (*cb)(const char *name, const char *detail, void *ctx), void *ctx);
	/* lang facet, run once the whole program has been analysed (so a missing
	 * kernel feature never hides the program's own mistakes): reports at
	 * `attach` what keeps it from attaching on this kernel; 0, or -1 after a
	 * diagnostic. `spec` as for expand. May be NULL. */
	int (*check)(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *attach, const char *spec);
	/* listing: NULL when this kernel can attach probes of this type, else
	 * why not, as a phrase ("this kernel has no kprobes ..."). Found out once
	 * per process by exercising the feature. NULL hook: always available. */
	const char *(*unavailable)(void);
};

/* The tables. */
#define XT_BUILTIN(sym) extern const struct xt_builtin sym;
#include "stdlib/builtins.def"
#include "stdlib/builtins_probe.def"
#undef XT_BUILTIN
#define XT_PROVIDER(sym) extern const struct xt_provider sym;
#include "stdlib/providers.def"
#undef XT_PROVIDER

const struct xt_builtin *xt_builtin_find(const char *name, enum xt_bi_kind kind);
/* The first builtin, or provider, whose flags include `flag`; NULL if none
 * (for core code that needs "the printer" or "the BEGIN probe" without naming it). */
const struct xt_builtin *xt_builtin_with(unsigned flag);
const struct xt_provider *xt_provider_with(unsigned flag);
/* By name or alias; failing that, by either in any case (bpftrace 0.24:
 * BEGIN is begin, Tracepoint is tracepoint), so the aliases u (uprobe) and
 * U (usdt) still differ. */
const struct xt_provider *xt_provider_find(const char *name);
/* NULL-terminated lists, for "did you mean", .help and completion. */
const struct xt_builtin *const *xt_builtins(void);
/* A builtin's place in the registry (the kind of its ring-buffer records) and back; NULL past the end. */
uint32_t xt_builtin_index(const struct xt_builtin *b);
const struct xt_builtin *xt_builtin_at(uint32_t index);
const struct xt_provider *const *xt_providers(void);

/* string[size] as str() makes it (stdlib/bi_str.c): printed with the ".."
 * trailer when its characters fill it; the type `string` is one. */
const struct xt_type *xt_str_read_type(struct xt_sema *s, int size);

/* A provider's `args`: the record of n fields, named cname (NULL: "args of
 * SITE", its first site), kept as p->args_type. */
const struct xt_type *xt_probe_args_record(struct xt_arena *ar, struct xt_probe_info *p, const struct xt_field *fields,
					   int n, const char *cname);

/* Kernel types, the lang facet of stdlib/btf_types.c: how sema resolves
 * `struct NAME` and the fields of kernel structs from vmlinux BTF, and
 * reads the program's own C definitions, without including libbpf. The types live as long as the process. */
struct xt_ktype_hooks {
	/* The type spelled `name` ("struct task_struct", "union bpf_attr",
	 * "enum pid_type"), or NULL with *why set to the reason and *near to the
	 * closest known name of that kind (or NULL). */
	const struct xt_type *(*find)(const char *name, const char **near, const char **why);
	/* Field `name` of a kernel record (members of anonymous structs and
	 * unions included), or NULL with *near set as above. A NULL field type
	 * means xtrace cannot read it (floats, ...). */
	const struct xt_field *(*field)(const struct xt_type *rec, const char *name, const char **near);
	/* Whether `name` is an enumerator of a kernel enum (PIDTYPE_PID), and
	 * then its value. */
	bool (*enumerator)(const char *name, int64_t *value);
	/* The enum type (xt_type_enum) that enumerator `name` belongs to, as
	 * enumerator() finds it; NULL for a constant of no enum (TASK_RUNNING). */
	const struct xt_type *(*enum_type)(const char *name);
	/* Reads a program's C definitions -- the XT_N_CDEFS list `cdefs`, its
	 * headers' and its own, located in dg->src -- as one translation unit
	 * whose types (struct, union, enum, typedef) and enumerators win over
	 * the kernel's from now on. 0, or -1 after diagnostics in dg. */
	int (*define)(const struct xt_node *cdefs, struct xt_diags *dg);
	/* Calls cb with the name of every kernel struct that starts with
	 * `prefix` (for the REPL's completion). */
	void (*struct_names)(const char *prefix, void (*cb)(const char *name, void *ctx), void *ctx);
};
const struct xt_ktype_hooks *xt_ktypes(void);

/* ntop()'s result, an address printed as text (stdlib/bi_net.c): also
 * the type `let $a: inet` declares. */
extern const struct xt_render xt_render_inet;

#endif
