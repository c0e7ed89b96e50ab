/* The runtime: loads a compiled program with libbpf, attaches its probes
 * through the providers, runs the event loop and prints results. */
#ifndef XT_RUNTIME_H
#define XT_RUNTIME_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include "codegen/codegen.h"
#include "runtime/print.h"

struct bpf_object;
struct bpf_program;
struct bpf_link;
struct signalfd_siginfo;
struct xt_metrics;

/* A map another program already created, to be shared by name (the REPL's
 * session-wide maps): xt_rt_open reuses fd for the map called bpf_name. */
struct xt_rt_shared_map {
	const char *bpf_name;
	int fd;
};

struct xt_rt_opts {
	FILE *out;              /* results (stdout or -o FILE) */
	enum xt_format format;
	bool verbose;           /* libbpf's log and the verifier's on stderr */
	bool quiet;             /* no "Attached N probes" (or "Attaching N probes...") line */
	pid_t child;            /* the -c command, waited for by the event loop; 0 when none */
	int child_go_fd;        /* closing it lets the -c command exec; -1 when none */
	const struct xt_rt_shared_map *shared; /* maps to reuse instead of creating */
	int nshared;
	/* at close, leave slow perf-event links to a detached child (one-liners) */
	bool release_in_background;
	/* where the blank lines before the final maps go (bpftrace keeps them
	 * out of an -o file); NULL: to out */
	FILE *term;
	int cat_bytes_max;      /* cat() reads at most this much; 0: XT_CAT_BYTES_MAX */
	/* the line once every probe is attached: bpftrace 0.26's "Attached N
	 * probes" on stderr (default), or 0.17's "Attaching N probes..." on out */
	bool attaching_line;
	bool verifier_log;      /* -d verifier: the verifier's log of every program, on stderr */
	bool no_warnings;       /* --no-warnings: warnf() prints nothing */
	/* --metrics (runtime/metrics.h): served from the event loop while the
	 * program runs, which then runs until stopped even without probes; NULL: none */
	struct xt_metrics *metrics;
	/* called after each ring-buffer record is handled, with what it printed
	 * flushed to out (the REPL holds or mutes it there); NULL: none */
	void (*on_record)(void *ctx);
	void *record_ctx;
};

/* cat()'s limit unless told otherwise, as bpftrace's cat_bytes_max. */
#define XT_CAT_BYTES_MAX 10240

/* One probe's program and links. */
struct xt_rt_probe {
	const struct xt_probe_info *info;
	struct bpf_program *prog;
	int prog_fd;
	struct bpf_link **links;
	int nlinks, caplinks;
	int *fds;               /* perf-event fds the links own or extra fds to close */
	int nfds, capfds;
};

struct xt_rt;

/* Values a program gets when it is loaded, not when it is compiled
 * (codegen/glob.c): CLOCK_MONOTONIC when xtrace started (elapsed), the CPUs
 * online (ncpus), CLOCK_TAI minus CLOCK_BOOTTIME (nsecs(sw_tai)). */
#define XT_PARAM_START_NS "xt_start_ns"
#define XT_PARAM_NCPUS    "xt_ncpus"
#define XT_PARAM_TAI_OFF  "xt_tai_off"
#define XT_PARAM_PIDNS_DEV "xt_pidns_dev" /* xtrace's PID namespace: its nsfs st_dev */
#define XT_PARAM_PIDNS_INO "xt_pidns_ino" /* and st_ino; both 0 in the init namespace */

/* Opens and loads c (the caller keeps c alive while rt lives). NULL after a
 * diagnostic in dg (verifier rejections carry the log's tail). */
struct xt_rt *xt_rt_open(const struct xt_compiled *c, const struct xt_rt_opts *opts, struct xt_diags *dg);
/* Attaches every probe; 0, -EINTR when a stop signal came meanwhile, or -1
 * after a diagnostic. After a failure, xt_rt_close detaches what was attached. */
int xt_rt_attach(struct xt_rt *rt, struct xt_diags *dg);
/* Runs BEGIN, then events until exit(), a signal or the -c command's end;
 * then END. Returns the exit status to use. */
int xt_rt_run(struct xt_rt *rt);
/* rt_test.c: --test (bench false) or --bench: runs the test:/bench: probes
 * one by one and prints bpftrace's report; the exit status (1: a test
 * failed, or there are none). */
int xt_rt_run_tests(struct xt_rt *rt, bool bench);
/* Prints every map as at exit (after two blank lines, on opts.term); a stop
 * signal meanwhile (a second Ctrl-C) cuts it short. */
void xt_rt_print_maps(struct xt_rt *rt);
/* --flamegraph FILE: writes the SVG flame graph of the first map keyed by
 * stacks (in name order) to path, and of each further one to path with
 * ".NAME" before its ".svg"; failures and "no stack map" on stderr. */
void xt_rt_write_flamegraphs(struct xt_rt *rt, const char *path);
/* Sorts maps by name, the order bpftrace prints them in. */
void xt_rt_sort_maps(const struct xt_map_info **maps, int n);
/* The program's maps in that order: a NULL-ended array to free(), or NULL
 * without memory. */
const struct xt_map_info **xt_rt_maps_by_name(const struct xt_program *prog);
/* Detaches and frees everything. */
void xt_rt_close(struct xt_rt *rt);

/* --- pieces of xt_rt_run, for a session that runs many programs ---------- */
/* Runs every BEGIN (or END when `end`) program once, in order, and the events they sent;
 * after BEGIN, the probes the runtime drives (iterators: read to their end). */
void xt_rt_run_special(struct xt_rt *rt, bool end);
/* The ring buffer's epoll fd: readable when records wait. */
int xt_rt_events_fd(struct xt_rt *rt);
/* Handles the waiting records (printf output goes to opts.out). */
void xt_rt_poll(struct xt_rt *rt);
/* Whether the program asked to stop (exit()). */
bool xt_rt_done(const struct xt_rt *rt);
/* Reports, per probe, ring-buffer records lost and map updates refused
 * because a map was full: on stderr ("xtrace: 2 events lost in probe X ..."),
 * or as "lost_events" / "lost_map_updates" JSON records on the output. */
void xt_rt_print_lost(struct xt_rt *rt);
/* Destroys every link: the probes stop firing; the maps and programs stay. */
void xt_rt_detach(struct xt_rt *rt);
/* Where results go from now on (the blank lines before the final maps too). */
void xt_rt_set_output(struct xt_rt *rt, FILE *out, enum xt_format format);
/* The program's probes (as many as prog->nprobes). */
const struct xt_rt_probe *xt_rt_probes(const struct xt_rt *rt, int *n);
/* The fd of the object's map called bpf_name, or -ENOENT. */
int xt_rt_map_fd(struct xt_rt *rt, const char *bpf_name);
/* Prints map m (top > 0: only the largest `top`; div > 1 divides values). */
void xt_rt_print_one(struct xt_rt *rt, const struct xt_map_info *m, size_t top, uint64_t div);
/* Prints the entry of m at `key` (the bytes of m->key, without a histogram's
 * bucket) as print(@m) prints it among the others: 1; or, when m has no such
 * key, "@m[key]: no such key" (in text): 0; or -errno. */
int xt_rt_print_key(struct xt_rt *rt, const struct xt_map_info *m, const uint8_t *key);

/* Writes the SVG flame graph of m (a map keyed by stacks) to path; 0, or
 * -errno (-ENODATA: m has no entry keyed by a stack). */
int xt_rt_map_flamegraph(struct xt_rt *rt, const struct xt_map_info *m, const char *path);

/* --- live maps (runtime/session.c) ---------------------------------------- */
/* Number of keys in m (a histogram counts each of its keys once), or -errno. */
long xt_rt_map_count(struct xt_rt *rt, const struct xt_map_info *m);
/* Deletes every entry; 0 or -errno. */
int xt_rt_map_clear(struct xt_rt *rt, const struct xt_map_info *m);
/* Sets every value to zero, keeping the keys; 0 or -errno. */
int xt_rt_map_zero(struct xt_rt *rt, const struct xt_map_info *m);
/* Ends and reaps our child process pid: sends it `sig` (0: none), waits up to
 * grace_ms (-1: until a stop signal) with the signals in view, then SIGKILL
 * if it is still there. */
void xt_rt_end_process(pid_t pid, int sig, int grace_ms);
/* Whether this process may load BPF programs (root, or CAP_BPF and CAP_PERFMON). */
bool xt_rt_have_rights(void);
/* The number of possible CPUs (per-CPU map slots). */
int xt_rt_possible_cpus(void);
/* How often site `site` (a global site id) fired, summed over the CPUs, from
 * the counter a program compiled with xt_sema_opts.count_hits keeps; 0, or
 * -ENOENT when it keeps none, or -errno. */
int xt_rt_site_hits(struct xt_rt *rt, int site, uint64_t *hits);

/* --- signals (runtime/loop.c) ---------------------------------------------- */
/* Blocks SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGCHLD and SIGWINCH for good and
 * opens the process's one signalfd; ignores SIGPIPE (writes then fail with
 * EPIPE). Called first thing in main(), so that a signal at any moment waits
 * for the next safe point; later calls do nothing. 0 or -errno. */
int xt_sig_init(void);
/* In a child about to exec: the signal mask and SIGPIPE as they were. */
void xt_sig_restore_child(void);
/* Whether SIGINT, SIGTERM or SIGHUP came and no loop has handled it yet (it
 * stays for the next xt_loop_once). */
bool xt_sig_stop_pending(void);
/* The same, and the stopping signals are handled: taken away. */
bool xt_sig_take_stop(void);
/* Whether a stopping signal was handled (by a loop or xt_sig_take_stop). */
bool xt_sig_stopped(void);
/* Waits until fd is ready for `events` (poll's POLLIN, POLLOUT): 1 when it
 * is, 0 when a stopping signal came first, -ETIMEDOUT after timeout_ms (-1:
 * no limit), or -errno. */
int xt_sig_wait(int fd, short events, int timeout_ms);

/* --- results (runtime/output.c) -------------------------------------------- */
/* A stream writing to fd whose writes wait with the signals in view (a reader
 * that stopped reading never holds off Ctrl-C: what a stop signal interrupts
 * is dropped) and whose first failed write is reported once on stderr, as
 * "cannot write NAME: ..."; a vanished reader (EPIPE) stops xtrace as SIGTERM
 * does. fclose closes fd when `own`. NULL with errno set. */
FILE *xt_out_open(int fd, const char *name, bool own);
/* Flushes f; the errno of its first failed write, or 0. */
int xt_out_error(FILE *f);
/* Between xt_out_hold() and xt_out_release(), what the streams write (a
 * line at a time, as -B line flushes) is gathered, and written in large
 * pieces at release or when 64 KiB are waiting: a drain of many ring-buffer
 * records costs a few writes, not one per printf. */
void xt_out_hold(void);
void xt_out_release(void);

/* --- the event loop (runtime/loop.c) --------------------------------------- */
struct xt_loop;
/* A loop receiving the signals of xt_sig_init (which it calls). NULL on failure. */
struct xt_loop *xt_loop_new(void);
void xt_loop_free(struct xt_loop *l);
/* Calls cb(ctx, si) for every signal received. */
void xt_loop_on_signal(struct xt_loop *l, void (*cb)(void *ctx, const struct signalfd_siginfo *si), void *ctx);
/* Calls cb(ctx) whenever fd is readable; 0 or -errno. The caller keeps fd. */
int xt_loop_add(struct xt_loop *l, int fd, void (*cb)(void *ctx), void *ctx);
void xt_loop_remove(struct xt_loop *l, int fd);
/* Waits up to timeout_ms (-1: no limit) and dispatches what is ready: the
 * number of ready sources, or -errno. */
int xt_loop_once(struct xt_loop *l, int timeout_ms);

/* --- for builtins' runtime facets (their on_event hooks) ------------------ */
const struct xt_program *xt_rt_program(const struct xt_rt *rt);
/* The options rt runs with: where results go (out, format), cat()'s limit. */
const struct xt_rt_opts *xt_rt_options(const struct xt_rt *rt);
/* Writes format `id` with the arguments a ring-buffer record carries in
 * payload to out, as printf() prints (fmt: text, or a JSON printf record).
 * 0, -ENOENT when there is no such format or the record is too short for
 * it (nothing written), or xt_print_printf's error. */
int xt_rt_print_fmt(struct xt_rt *rt, FILE *out, enum xt_format fmt, uint32_t id,
		    const uint8_t *payload, size_t size);
/* The same rendered as text into a malloc'd string (cat's path, system's
 * command); NULL when xt_rt_print_fmt says -ENOENT. */
char *xt_rt_render_fmt(struct xt_rt *rt, uint32_t id, const uint8_t *payload, size_t size);
/* exit(): the program asked to stop, with xtrace's exit status `status`;
 * from now on only END's records are handled. */
void xt_rt_exit(struct xt_rt *rt, int status);
/* Decodes a value of type t stored at p (map key/value or record slot) into
 * out; strings and tuples are allocated in ar (runtime/values.c). */
void xt_rt_decode(const struct xt_program *prog, struct xt_arena *ar, const struct xt_type *t,
		  const uint8_t *p, struct xt_val *out);

/* --- for providers' runtime facets ---------------------------------------- */
struct bpf_object *xt_rt_object(struct xt_rt *rt);
int xt_rt_add_link(struct xt_rt_probe *rp, struct bpf_link *link);
/* Keeps `link` from an attach call for site `site`; when the call failed
 * (link NULL, errno set) reports why and returns -errno. */
int xt_rt_keep_link(struct xt_rt *rt, struct xt_rt_probe *rp, const char *site, struct bpf_link *link);
int xt_rt_add_fd(struct xt_rt_probe *rp, int fd);
/* Reads fd (a BPF iterator's) to its end, handling the records the program
 * wrote there (iter's emit_record: each a u32 length, then {kind, id, payload})
 * as ring-buffer records. 0, or -errno after a message naming `site`. */
int xt_rt_read_records(struct xt_rt *rt, int fd, const char *site);
/* Reports why attaching failed: "<probe name>: <message>". */
void xt_rt_attach_error(struct xt_rt *rt, const char *probe, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
