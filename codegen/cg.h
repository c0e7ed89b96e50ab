/* The code generator's internal interface, shared with the codegen facets of
 * stdlib/ (builtins and providers emit their own IR through it). */
#ifndef XT_CG_H
#define XT_CG_H

#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>
#include <llvm-c/TargetMachine.h>
#include "codegen/codegen.h"

/* BPF helper ids (include/uapi/linux/bpf.h). */
enum {
	XT_H_MAP_LOOKUP = 1, XT_H_MAP_UPDATE = 2, XT_H_MAP_DELETE = 3, XT_H_KTIME = 5,
	XT_H_PRANDOM = 7, XT_H_CPU = 8, XT_H_PID_TGID = 14, XT_H_UID_GID = 15, XT_H_COMM = 16,
	XT_H_STACKID = 27, XT_H_GET_STACK = 67, XT_H_CURRENT_TASK = 35, XT_H_CGROUP_ID = 80, XT_H_SEND_SIGNAL = 109,
	XT_H_READ_USER = 112, XT_H_READ_KERNEL = 113, XT_H_READ_USER_STR = 114,
	XT_H_READ_KERNEL_STR = 115, XT_H_JIFFIES = 118, XT_H_RINGBUF_OUTPUT = 130,
	XT_H_GET_FUNC_IP = 173, XT_H_ATTACH_COOKIE = 174, XT_H_FOR_EACH_MAP = 164, XT_H_LOOKUP_PERCPU = 195,
	XT_H_GET_CURRENT_TASK_BTF = 158, XT_H_SEQ_PRINTF = 126, XT_H_SEQ_WRITE = 127, XT_H_PER_CPU_PTR = 153, XT_H_THIS_CPU_PTR = 154, XT_H_LOOP = 181, XT_H_NUMA_NODE = 42, XT_H_KTIME_BOOT = 125, XT_H_NS_PID_TGID = 120, XT_H_KTIME_TAI = 208,
	XT_H_TRACE_PRINTK = 6, XT_H_PROBE_WRITE_USER = 36, XT_H_GET_SOCKET_COOKIE = 46, XT_H_SEND_SIGNAL_THREAD = 117,
	XT_H_D_PATH = 147, XT_H_TASK_PT_REGS = 175,
};

/* BPF_MAX_LOOPS: the most iterations one bpf_loop call runs. */
#define XT_MAX_LOOPS (1 << 23)

/* A stack temporary: reused by later statements once the one that took it ends. */
struct xt_cg_tmp {
	LLVMValueRef alloca;          /* or its place in the scratch map */
	int size;
	bool busy;
};

struct xt_cg {
	const struct xt_program *prog;
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMBuilderRef b;
	LLVMTargetMachineRef tm;
	LLVMDIBuilderRef di;
	LLVMMetadataRef di_cu, di_file;
	LLVMTypeRef i8, i16, i32, i64, ptr, voidt;
	LLVMValueRef *map_vars;       /* by map id */
	LLVMValueRef ringbuf;
	bool ring_busy;               /* statements of the program send records (xt_cg_event, exit() aside) */
	/* the function being built */
	const struct xt_probe_info *probe;
	LLVMValueRef fn, ctxarg;
	LLVMBasicBlockRef entry;      /* allocas go here */
	LLVMValueRef *vars;           /* scratch variables' allocas */
	LLVMValueRef site;            /* set by a provider's prologue when it knows the site */
	/* set by a provider's prologue: an i64 alloca holding what the program
	 * returns (a packet's or a cgroup access's verdict); NULL: it returns 0 */
	LLVMValueRef verdict;
	char *error;                  /* first error from LLVM's diagnostic handler */
	struct xt_diags *dg;          /* for errors only code generation finds (fail() where reached) */
	struct xt_node *at;           /* the expression being emitted: where -k's warnings point */
	/* loops: where break and continue go (NULL at the top of a map-loop callback) */
	LLVMBasicBlockRef brk, cont;
	bool in_callback;             /* building a loop's callback (for over a map, bpf_loop) */
	bool stops;                   /* the callback being built can stop the probe (exit()) */
	bool in_part;                 /* building a part of a split probe (emit_split.c) */
	bool interrupted;             /* a stop signal came: building stops (xt_codegen_set_stop) */
	/* stack temporaries of the function being built */
	struct xt_cg_tmp *tmps;
	int ntmps, captmps;
	int *busy;                    /* indices of busy tmps, in order taken */
	int nbusy, capbusy;
	LLVMValueRef *callbacks;      /* for ($kv : @m) callbacks, by loop index */
	int ncallbacks;               /* loop callbacks built so far: their names' numbers */
	/* Per-CPU scratch space: temporaries over 32 bytes (strings, tuples,
	 * printf records) live in map "scratch", one element per probe, at
	 * offsets a bump allocator hands out at compile time. `scratch` is the
	 * function's pointer to the element, looked up once before its body. */
	LLVMValueRef scratch_map, scratch, lost_map;
	LLVMBasicBlockRef scratch_go; /* where pointers into it are computed */
	int scratch_top, scratch_max; /* bytes in use / needed by the probe */
	int frame_off;                /* the variables' frame in scratch (map loops, split probes), or -1 */
	/* emit_kmem.c: the address of the struct or array in memory computed
	 * last, and its address space (enum xt_addr_space), for its copy */
	LLVMValueRef place_addr;
	int place_space;
};

LLVMValueRef xt_cg_i64(struct xt_cg *cg, int64_t v);
LLVMValueRef xt_cg_i32(struct xt_cg *cg, int32_t v);
/* Calls BPF helper `id` returning i64 (or ptr when ret_ptr). */
LLVMValueRef xt_cg_helper(struct xt_cg *cg, int id, bool ret_ptr, LLVMValueRef *args, unsigned n);
/* The i64 load-time value `name` (XT_PARAM_* of runtime/runtime.h), which
 * the runtime sets when it loads the object (codegen/glob.c). */
LLVMValueRef xt_cg_load_param(struct xt_cg *cg, const char *name);
/* An alloca of ty, 8-byte aligned, in the function's entry block (so it is
 * one stack slot however often the code that asks runs). */
LLVMValueRef xt_cg_entry_alloca(struct xt_cg *cg, LLVMTypeRef ty, const char *name);
/* A zero-filled stack buffer of `size` bytes, allocated in the entry block. */
LLVMValueRef xt_cg_buf(struct xt_cg *cg, int size, const char *name);
/* The value of an expression: i64 for integer-like types, a pointer to a
 * buffer of t->size bytes for strings, tuples and records. */
LLVMValueRef xt_cg_expr(struct xt_cg *cg, struct xt_node *n);
/* Stores value v of type `from` into dst (which holds type `to`). */
void xt_cg_store(struct xt_cg *cg, LLVMValueRef dst, const struct xt_type *to,
		 LLVMValueRef v, const struct xt_type *from);
/* Loads a value of type t from memory at p (ints widened to i64). */
LLVMValueRef xt_cg_load(struct xt_cg *cg, LLVMValueRef p, const struct xt_type *t);
/* p + off bytes */
LLVMValueRef xt_cg_gep(struct xt_cg *cg, LLVMValueRef p, LLVMValueRef off);
void xt_cg_memcpy(struct xt_cg *cg, LLVMValueRef dst, LLVMValueRef src, int size);
/* Reads len (an i64, bounded by the caller) bytes at address addr (an i64)
 * into dst: kernel memory when the top bit is set, user memory otherwise;
 * with `str`, up to and including a NUL (bpf_probe_read_*_str). */
void xt_cg_probe_read(struct xt_cg *cg, LLVMValueRef dst, LLVMValueRef len, LLVMValueRef addr, bool str);
/* As xt_cg_probe_read, from memory in `space` (an enum xt_addr_space of
 * lang/types.h: uptr() and kptr() choose; 0, auto, picks by the top bit). */
void xt_cg_probe_read_in(struct xt_cg *cg, LLVMValueRef dst, LLVMValueRef len, LLVMValueRef addr, bool str, int space);
/* Zero-fills size bytes at dst. */
void xt_cg_memset(struct xt_cg *cg, LLVMValueRef dst, int size);
/* Counts a lost ring-buffer record (what 0) or a refused map update (what 1)
 * for the probe being built when the i1 `cond` holds (NULL: always). */
void xt_cg_count_lost(struct xt_cg *cg, int what, LLVMValueRef cond);
LLVMValueRef xt_cg_map(struct xt_cg *cg, const struct xt_map_info *m);
/* Sends a ring-buffer record {kind, id} followed by `size` payload bytes in buf
 * (buf starts with the 8-byte header slot, which this fills in). The kind is
 * builtin b's place in the registry: b's on_event hook handles the record. */
void xt_cg_event(struct xt_cg *cg, const struct xt_builtin *b, uint32_t id, LLVMValueRef buf, int size);
/* -k (opts.helper_errors; otherwise nothing): when `failed` (i1), a record of
 * helper number `helper` and its result `ret` (i64s) located at cg->at. */
void xt_cg_helper_failed(struct xt_cg *cg, LLVMValueRef helper, LLVMValueRef ret, LLVMValueRef failed);
/* Run-time errors, reported as bpftrace 0.26 reports them (a warning with
 * the source location; JSON "runtime_error"/"helper_error" records), whatever
 * -k says: `what` is the failed helper's number, or XT_RTE_DIVZERO or XT_RTE_BOUNDS. */
enum { XT_RTE_DIVZERO = 0 /* no helper: a divide or modulo by 0 */, XT_RTE_MAP_UPDATE = 2 /* map_update_elem */,
       XT_RTE_BOUNDS = 0x10000 /* no helper: an array or string index out of range */ };
/* When `failed` (i1; NULL: now) holds, a record of run-time error `what`,
 * with the helper's result `ret` (an i64), located at `loc`; a refused map
 * update (XT_RTE_MAP_UPDATE) is also counted in map "lost" (xt_rt_print_lost). */
void xt_cg_runtime_error(struct xt_cg *cg, int what, LLVMValueRef ret, struct xt_loc loc, LLVMValueRef failed);
/* a / b or a % b (op XT_OP_DIV or XT_OP_MOD), signed or not: by 0 it is 1,
 * and a run-time warning located at `loc` says so (bpftrace 0.26). */
LLVMValueRef xt_cg_divrem(struct xt_cg *cg, int op, LLVMValueRef a, LLVMValueRef b, bool sign, struct xt_loc loc);
/* a / b (a % b when `rem`), signed, for b != 0: BPF before cpu v4 has no signed division. */
LLVMValueRef xt_cg_sdivrem(struct xt_cg *cg, LLVMValueRef a, LLVMValueRef b, bool rem);
/* The id of the site that fired (cookie, provider hook or constant). */
LLVMValueRef xt_cg_site(struct xt_cg *cg);
/* Looks up key in map m; on a miss stores `init` (value_size bytes) and looks
 * up again. Returns the value pointer (never NULL at the use: a failed update
 * branches to the function's exit). */
LLVMValueRef xt_cg_lookup_or_init(struct xt_cg *cg, const struct xt_map_info *m, LLVMValueRef key, LLVMValueRef init);
/* Opens a basic block named `name` in the current function. */
LLVMBasicBlockRef xt_cg_block(struct xt_cg *cg, const char *name);
/* emit_ksym.c: kernel variable `name` as a typed __ksym extern (section
 * .ksyms, debug type `di_type`, which libbpf matches against the kernel's BTF
 * and the kernel resolves): its address, for bpf_per_cpu_ptr and
 * bpf_this_cpu_ptr. Declared once per module. */
LLVMValueRef xt_cg_ksym(struct xt_cg *cg, const char *name, LLVMMetadataRef di_type);
/* Declares a BTF-defined map (type is a BPF_MAP_TYPE_* number). */
LLVMValueRef xt_cg_declare_map(struct xt_cg *cg, const char *name, int type, int max_entries,
			       int key_size, int value_size);
/* Closes a test whose outcome is a branch to `yes` or to `no` (both blocks
 * still open): both go on to a new block, where the value is i64 1 coming
 * from yes and 0 from no. */
LLVMValueRef xt_cg_flag_join(struct xt_cg *cg, LLVMBasicBlockRef yes, LLVMBasicBlockRef no);
/* 1 when strings a (sa bytes) and b (sb bytes) agree on their first `lim`
 * characters, up to and including a NUL; else 0 (i64). */
LLVMValueRef xt_cg_str_eq(struct xt_cg *cg, LLVMValueRef a, int sa, LLVMValueRef b, int sb, int lim);
/* 1 when tuples (or records) a of type ta and b of type tb are equal
 * element by element, else 0 (i64); emit_tuple.c. */
LLVMValueRef xt_cg_tuple_eq(struct xt_cg *cg, LLVMValueRef a, const struct xt_type *ta,
			    LLVMValueRef b, const struct xt_type *tb);
/* The value of a block expression or an if-expression n (emit_stmt.c):
 * as xt_cg_expr gives values. */
LLVMValueRef xt_cg_block_value(struct xt_cg *cg, struct xt_node *n);
/* Returns 0 from the current probe. */
void xt_cg_return(struct xt_cg *cg);
/* Ends the probe here (exit()): nothing after it runs. In a for ($kv : @m)
 * body it stops the iteration, and the functions around it return as well.
 * Code built after it goes to an unreachable block. */
void xt_cg_stop(struct xt_cg *cg);
/* The key buffer of map m for the keys of map node mn (XT_N_MAP). */
LLVMValueRef xt_cg_map_key(struct xt_cg *cg, const struct xt_map_info *m, struct xt_node *mn);
/* Reads map node mn as an expression (0 or zeroes when absent). */
LLVMValueRef xt_cg_map_read(struct xt_cg *cg, struct xt_node *mn);
/* Declares a static BPF subprogram `i64 name(map, key, value, ctx)` with the
 * debug info the kernel needs for a bpf_for_each_map_elem callback. */
LLVMValueRef xt_cg_callback(struct xt_cg *cg, const char *name);
/* Continues in a new block after a terminator (code after break/return). */
void xt_cg_dead_end(struct xt_cg *cg);

#endif
