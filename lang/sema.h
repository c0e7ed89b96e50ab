/* Semantic analysis: resolves names against the stdlib registry, expands
 * attach points, infers and checks types, and describes the program's maps,
 * printf formats and probe sites for codegen and the runtime. Everything here
 * lives in the compilation's arena. */
#ifndef XT_SEMA_H
#define XT_SEMA_H

#include <stdint.h>
#include <sys/types.h>
#include "ast.h"
#include "diag.h"
#include "types.h"

struct xt_provider;
struct xt_builtin;

/* One concrete place a probe attaches to (a wildcard expands to many). */
struct xt_site {
	int id;                    /* global site id: the BPF cookie, the `probe` value */
	const char *name;          /* full name as `probe` prints it: "tracepoint:syscalls:sys_enter_openat" */
	const char *target;        /* provider-specific: "syscalls:sys_enter_openat", "ms:300", ... */
	int64_t num;               /* provider-specific number (syscall nr, period, ...) */
	const void *data;          /* provider-specific (e.g. a tracepoint's format) */
};

struct xt_probe_info {
	struct xt_node *node;      /* XT_N_PROBE */
	const struct xt_provider *prov;
	struct xt_site *sites;
	int nsites;
	int index;                 /* position in the program */
	const char *fn_name;       /* the BPF function's name */
	int mode;                  /* provider-specific variant (e.g. served by raw syscall tracepoints) */
	const struct xt_type *args_type; /* the `args` record, or NULL */
	bool has_map_loop;         /* has a for ($kv : @m) loop: variables live in one frame */
	int nvars;                 /* scratch variables, indexed by node->aux */
	const struct xt_type **var_types;
};

/* A map's kind as declared (`let @m = lruhash(N);`, bpftrace 0.24);
 * XT_MAP_AUTO: undeclared, a hash or per-CPU hash as its values need. */
enum xt_map_kind {
	XT_MAP_AUTO, XT_MAP_HASH, XT_MAP_LRUHASH, XT_MAP_PERCPUHASH, XT_MAP_PERCPULRUHASH, XT_MAP_PERCPUARRAY,
};

struct xt_map_info {
	int id;
	const char *name;          /* without '@' */
	const char *bpf_name;      /* the kernel map's name */
	const struct xt_type *key; /* NULL for @x without key; a tuple for multi-key maps */
	const struct xt_type *val; /* XT_T_AGG for aggregations */
	int key_size, value_size;  /* as laid out in the kernel map (hist/lhist: key + 8 for the bucket) */
	bool percpu;
	struct xt_node *first;     /* first use, for diagnostics */
	enum xt_map_kind kind;     /* as declared */
	int max_entries;           /* as declared; 0: opts.max_map_keys */
	struct xt_node *decl;      /* its XT_N_MAPDECL, or NULL */
};

struct xt_fmt_info {
	int id;
	const char *fmt;
	int nargs;
	const struct xt_type **arg_types;
	int *arg_offsets;          /* in the record after its 8-byte header */
	int size;                  /* payload bytes */
	struct xt_loc loc;         /* the call that sends it (errorf/warnf print it) */
};

struct xt_cpp_opts;

/* bpftrace 0.26's unstable features, each behind config unstable_NAME */
enum xt_unstable { XT_UNSTABLE_TSERIES, XT_UNSTABLE_DW_USTACK, XT_UNSTABLE_N };

/* config missing_probes: the word's place in pass_config.c's list, plus one */
enum xt_missing { XT_MISSING_DEFAULT, XT_MISSING_WARN, XT_MISSING_ERROR, XT_MISSING_IGNORE };

struct xt_sema_opts {
	pid_t target_pid;          /* -p: every probe but BEGIN/END filters on it; 0 when none */
	pid_t cpid;                /* -c: the command's pid (the `cpid` builtin); 0 when none */
	const char *cmd;           /* -c: the command, not started yet (uprobe:*: and usdt:*: look at its files) */
	int max_strlen;            /* string size for str() and string values (default 1024) */
	int max_map_keys;          /* entries per map (default 4096) */
	bool listing;              /* expand attach points only */
	/* maps an earlier REPL entry defined: they keep their key and value types */
	const struct xt_map_info *const *known_maps;
	int nknown_maps;
	/* positional parameters: params[0] is $1 (strings owned by the caller) */
	const char *const *params;
	int nparams;
	bool unsafe;               /* --unsafe: system() and signal() allowed */
	int ncpus;                 /* possible CPUs (per-CPU map slots); the driver sets it, 0: 1 */
	/* 0: dump every map at exit (default); 1: do not (config print_maps_on_exit = 0) */
	int no_map_dump;
	/* the first site id (REPL: ids stay unique across the session's entries) */
	int site_base;
	/* emit the per-site hit counter (map "hits"), read by the REPL's .probes */
	bool count_hits;
	/* bools print as 1/0, as bpftrace 0.17 printed comparisons (config
	 * bool_as_int = 1, XTRACE_BOOL_AS_INT=1); otherwise true/false */
	bool bool_as_int;
	/* enum values print as numbers, as bpftrace 0.17 printed them (config
	 * enum_as_int = 1, XTRACE_ENUM_AS_INT=1); otherwise by name */
	bool enum_as_int;
	/* strings count characters as bpftrace 0.17 did (config str_count =
	 * "0.17", XTRACE_STR_COUNT=0.17): str() keeps max_strlen - 1 characters
	 * and str(p, n) n; otherwise as 0.26, max_strlen and n - 1 (n counts the
	 * NUL). xt_sema_str_size() says what a string of max_strlen takes. */
	bool str_count_017;
	/* begin/end sites spelt BEGIN/END keep that name, as `probe` printed it in
	 * bpftrace 0.17 (XTRACE_PROBE_NAMES=0.17); otherwise begin/end, as 0.26 */
	bool probe_names_017;
	/* an attach point that names nothing here (config missing_probes):
	 * XT_MISSING_DEFAULT warns when the probe keeps other attach points and
	 * fails when it keeps none; WARN warns and removes a probe left with
	 * none; ERROR fails; IGNORE removes what is missing silently */
	int missing_probes;
	/* -k: a failed memory read or a lookup of a missing map key warns at run
	 * time, with its location (bpftrace's helper error reporting) */
	bool helper_errors;
	/* the preprocessor's options (-I, --include, -v); NULL: none. The
	 * driver decides have_btf itself. */
	const struct xt_cpp_opts *cpp;
	/* config keys of bpftrace 0.26 (lang/pass_config.c); zero/NULL: default */
	int stack_mode;            /* kstack/ustack without a mode: enum xt_stack_mode (0: bpftrace) */
	const char *license;       /* the BPF object's license; NULL: "GPL" */
	const char *str_trunc_trailer; /* after a string str() cut short; NULL: ".." (or the env's) */
	int cat_bytes_max;         /* cat()'s limit; 0: the driver's */
	int max_probes;            /* attach points at most; 0: no limit */
	/* config unstable_FEATURE: 0 warn (bpftrace 0.26's default), 1 enable, 2 error */
	int unstable[XT_UNSTABLE_N];
	pid_t dwarf_pid;           /* --dwarf-pid: dw_ustack may be used without -p/-c; 0 when none */
	/* the program's named options (bpftrace 0.24's getopt), given after `--`
	 * as --name[=value]: "name" or "name=value" (strings owned by the caller) */
	const char *const *named;
	int nnamed;
	/* macros earlier REPL entries defined (XT_N_MACRO nodes, kept alive by
	 * the caller); the program's own of the same signature win. Their
	 * expansions are placed at the call. */
	const struct xt_node *const *known_macros;
	int nknown_macros;
};

/* The bytes of a string of max_strlen, NUL included: str()'s buffer and the
 * type `string`. bpftrace 0.26 keeps max_strlen characters (max_strlen + 1
 * bytes); 0.17 counted the NUL in max_strlen. */
static inline int xt_sema_str_size(const struct xt_sema_opts *o)
{
	return o->str_count_017 ? o->max_strlen : o->max_strlen + 1;
}

struct xt_program {
	struct xt_arena *ar;
	const struct xt_source *src;
	struct xt_node *ast;
	struct xt_sema_opts opts;
	struct xt_probe_info *probes;
	int nprobes;
	struct xt_map_info **maps;
	int nmaps;
	struct xt_fmt_info **fmts;
	int nfmts;
	struct xt_site **sites;    /* by id - opts.site_base */
	int nsites;
	bool has_end;
	bool kernel_symbols;       /* kstack or ksym() values: the runtime reads kallsyms while it traces */
	int nmap_loops;            /* for ($kv : @m) loops: callbacks to emit */
	/* getopt("name", default, "help") calls: the options the program takes */
	struct xt_getopt { const char *name, *help; } *getopts;
	int ngetopts;
	bool warned_unstable[XT_UNSTABLE_N]; /* unstable_FEATURE = warn: said once */
};

/* Analyses `ast` (from xt_parse). Returns a program description allocated in
 * `ar`, or NULL after reporting errors to `dg`. */
struct xt_program *xt_sema(struct xt_arena *ar, const struct xt_source *src,
			   struct xt_node *ast, const struct xt_sema_opts *opts,
			   struct xt_diags *dg);
/* Checks macro definitions (XT_N_MACRO list) as the macro pass does: no two
 * of one signature, no parameter twice, no break/continue/return. 0, or -1
 * after a diagnostic. (A REPL entry of definitions only.) */
int xt_sema_check_macros(const struct xt_node *defs, struct xt_diags *dg);

/* --- for stdlib's checkers ------------------------------------------------ */
struct xt_sema;
struct xt_arena *xt_sema_arena(struct xt_sema *s);
/* bpftrace's bool words, for config values and getopt(): true/1/on/yes is 1,
 * false/0/off/no is 0 (any case), anything else -1. */
int xt_sema_bool_word(const char *t);
struct xt_diags *xt_sema_diags(struct xt_sema *s);
struct xt_program *xt_sema_program(struct xt_sema *s);
struct xt_probe_info *xt_sema_probe(struct xt_sema *s); /* the probe being checked */
/* Types an expression (and its children); returns its type or NULL after an error. */
const struct xt_type *xt_sema_expr(struct xt_sema *s, struct xt_node *n);
/* The copy (XT_T_KVAL) of kernel struct or array type t, expression e, kept
 * in a variable, map value or print record; NULL after a diagnostic when it
 * is too big (over XT_KVAL_MAX bytes) or has no size. */
#define XT_KVAL_MAX 8192
const struct xt_type *xt_sema_kval(struct xt_sema *s, struct xt_node *e, const struct xt_type *t);
/* An argument that takes an address (uptr(arr), kptr(arr), printf("%p",
 * arr)): an array in memory at *slot, of type t, decays to a pointer to its
 * first element, as in C (*slot is replaced by &arr[0]); anything else is
 * left as it is. Returns the argument's type, NULL after a diagnostic. */
const struct xt_type *xt_sema_addr_arg(struct xt_sema *s, struct xt_node **slot, const struct xt_type *t);
/* Registers a printf-style format with its (already typed) arguments; returns its id or -1. */
int xt_sema_add_fmt(struct xt_sema *s, struct xt_node *fmt_node, struct xt_node *args);
/* Resolves a map argument of a map function (print(@m), delete(@m[k]), ...)
 * without reading its value: types its keys and unifies them with the map's.
 * `n` must be an XT_N_MAP; with `key_ok` false a key is an error. Returns the
 * map (its value type may still be NULL in the first, quiet round) or NULL
 * after a diagnostic. */
struct xt_map_info *xt_sema_map_arg(struct xt_sema *s, struct xt_node *n, bool key_ok);
/* pass_probes.c: adds a site to probe p, for a provider's expand hook (name:
 * the full probe name; target/num/data per provider); a site of p with the
 * same name and num is not added again (returned instead). */
struct xt_site *xt_probe_add_site(struct xt_sema *s, struct xt_probe_info *p,
				  const char *name, const char *target, int64_t num, const void *data);
/* pass_probes.c: for a provider's expand hook, attach point `at` names
 * nothing that exists here (a function a library does not have). Alone in
 * its probe that is an error: -1 after the diagnostic `fmt`. Among other
 * attach points it is a warning and the attach point is left out, as
 * bpftrace leaves out missing functions of a probe list: 0. */
int xt_probe_missing(struct xt_sema *s, struct xt_probe_info *p, struct xt_node *at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* pass_types.c: types variable node v (XT_N_VAR) as assigned a value of
 * type t by a builtin (find(@m, k, $v)), as `$v = ...` would: declared when
 * new, else widened or checked. 0, or -1 after a diagnostic. */
int xt_sema_assign_var(struct xt_sema *s, struct xt_node *v, const struct xt_type *t);
/* Whether the analysis is in its final round (diagnostics are shown). */
bool xt_sema_final(struct xt_sema *s);
/* Unstable feature f used at `at`: true after bpftrace 0.26's error when
 * config unstable_NAME = error refuses it. */
bool xt_sema_unstable_refused(struct xt_sema *s, struct xt_node *at, enum xt_unstable f);
/* ... and its warning, once a program, unless config unstable_NAME = enable. */
void xt_sema_unstable_warn(struct xt_sema *s, struct xt_node *at, enum xt_unstable f);
/* Whether the statement being checked runs in a for ($kv : @m) body. */
bool xt_sema_in_map_loop(struct xt_sema *s);

#endif
