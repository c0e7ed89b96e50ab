/* Internal to runtime/: the runtime's state. */
#ifndef XT_RT_INT_H
#define XT_RT_INT_H

#include "runtime/runtime.h"

struct ring_buffer;

struct xt_rt {
	const struct xt_compiled *c;
	const struct xt_program *prog;
	struct xt_rt_opts opts;
	struct bpf_object *obj;
	struct xt_rt_probe *probes;
	int nprobes;
	struct ring_buffer *rb;
	struct xt_diags *dg;          /* where attach errors go */
	bool done;                    /* exit() seen, signal, or the -c command ended */
	bool exited;                  /* exit()'s record seen: later records (bar END's) are dropped */
	bool ending;                  /* END is running */
	int status;                   /* exit status to return */
	bool child_traced;            /* the -c command is ptrace-seized until its exit (child.c) */
	int remember_fd;              /* timer re-reading the -p process's mappings, or -1 */
	int target_fd;                /* pidfd of the -p process, readable once it ended; or -1 */
	long budget;                  /* records the drain under way may still handle */
	long ring_records;            /* the most records the ring buffer holds at once */
	const struct xt_rt_probe *attaching; /* the probe xt_rt_attach is attaching, or NULL */
};

/* maps.c: reads map m from the kernel and prints it. */
void xt_rt_print_map(struct xt_rt *rt, const struct xt_map_info *m, size_t top, uint64_t div);
/* maps.c: a map's entries, read once: n keys of ksize bytes and their
 * values of vsize bytes (per-CPU values: one slot a CPU). */
struct xt_rt_snap {
	uint8_t *keys, *vals;
	size_t n, cap, ksize, vsize;
};
/* Reads every entry of m into s; the walk ends however fast the probes
 * write the map (the kernel's batch lookup, else a walk of at most the map's
 * capacity). The map's fd, or -errno; free s with xt_rt_snap_free. */
int xt_rt_map_snapshot(struct xt_rt *rt, const struct xt_map_info *m, struct xt_rt_snap *s);
void xt_rt_snap_free(struct xt_rt_snap *s);
/* Reads map m from the kernel as the printer takes it: d's entries (keys
 * decoded, per-CPU values merged, a histogram's buckets gathered per key,
 * its count and total in the entry's count and total) live in ar and in
 * snap, which the caller frees with xt_rt_snap_free once done with d. 0 or
 * -errno (then nothing to free in snap). */
int xt_rt_map_read(struct xt_rt *rt, const struct xt_map_info *m, struct xt_arena *ar,
		   struct xt_rt_snap *snap, struct xt_map_data *d);
/* The bytes a lookup of m's value fills (per-CPU: every CPU's slot). */
size_t xt_rt_value_bytes(const struct xt_map_info *m);
/* libbpf_log.c: routes libbpf's messages here (to stderr too when verbose). */
void xt_rt_log_route(bool verbose);
/* Appends to the copy of libbpf's messages kept for a verifier rejection
 * (bounded; the newest part stays); the copy; emptying it. */
void xt_rt_log_append(const char *text, size_t len);
const char *xt_rt_log(void);
void xt_rt_log_reset(void);
/* The last `lines` lines of the verifier's log (or of libbpf's messages), in
 * a static buffer the next call overwrites. */
const char *xt_rt_log_tail(int lines);
/* events.c: handles one ring-buffer record. */
int xt_rt_handle_event(void *ctx, void *data, size_t size);

/* sites.c: the name of site `id` (the value of `probe`): in prog, else in any
 * other open program (a REPL map keyed by `probe` is filled by many entries,
 * whose site ids are unique across the session); "?" when unknown. */
const char *xt_rt_site_name(const struct xt_program *prog, uint64_t id);
/* Registers an open program for xt_rt_site_name, and forgets it. */
void xt_rt_sites_add(const struct xt_program *prog);
void xt_rt_sites_remove(const struct xt_program *prog);

/* child.c: the -c command (opts.child). Lets it run (traced to its exit when
 * its stacks are symbolised); takes the changes a SIGCHLD announced (its
 * end ends tracing); lets it go when tracing ends first; ends it (SIGTERM,
 * then SIGKILL) when tracing ended before it did. */
void xt_rt_child_start(struct xt_rt *rt);
void xt_rt_child_changed(struct xt_rt *rt);
void xt_rt_child_untrace(struct xt_rt *rt);
void xt_rt_child_end(struct xt_rt *rt);

/* release.c: when rt holds enough perf-event links, forks a child that
 * inherits them and lets the kernel release them after we are gone; the fd
 * to close once our references are dropped, or -1 (close as usual). */
int xt_rt_release_in_background(struct xt_rt *rt);
/* release.c: stops the probes before END (detached, or their perf events
 * disabled), as bpftrace does; a few slow ones may stay (see there). */
void xt_rt_quiesce(struct xt_rt *rt);

#endif
