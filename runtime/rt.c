/* Opening and loading the object, attaching, running BEGIN/END and the event
 * loop, printing at the end, detaching and closing. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "runtime/metrics.h"
#include "runtime/rt_int.h"
#include "runtime/symbols.h"
#include "stdlib/registry.h"

struct bpf_object *xt_rt_object(struct xt_rt *rt) { return rt->obj; }

int xt_rt_add_link(struct xt_rt_probe *rp, struct bpf_link *link)
{
	if (rp->nlinks == rp->caplinks) {
		int cap = rp->caplinks ? rp->caplinks * 2 : 8;
		struct bpf_link **nl = realloc(rp->links, sizeof(*nl) * cap);
		if (!nl) {
			bpf_link__destroy(link);
			return -ENOMEM;
		}
		rp->links = nl;
		rp->caplinks = cap;
	}
	rp->links[rp->nlinks++] = link;
	return 0;
}

int xt_rt_keep_link(struct xt_rt *rt, struct xt_rt_probe *rp, const char *site, struct bpf_link *link)
{
	if (!link) {
		int err = -errno;
		xt_rt_attach_error(rt, site, "%s", strerror(-err));
		return err;
	}
	int err = xt_rt_add_link(rp, link);
	/* XT_TEST_ATTACH_DELAY_US (tests only): each attachment takes that much
	 * longer, so a test can land a Ctrl-C in the middle of attaching on any
	 * machine, fast or loaded, without hundreds of slow-to-release links. */
	static long delay_us = -1;
	if (delay_us < 0) {
		const char *e = getenv("XT_TEST_ATTACH_DELAY_US");
		delay_us = e ? atol(e) : 0;
	}
	if (delay_us > 0)
		usleep((useconds_t)delay_us);
	/* Thousands of attachments (uprobe:libc:*) take a while: Ctrl-C stops them. */
	return err < 0 ? err : xt_sig_stop_pending() ? -EINTR : 0;
}

int xt_rt_add_fd(struct xt_rt_probe *rp, int fd)
{
	if (rp->nfds == rp->capfds) {
		int cap = rp->capfds ? rp->capfds * 2 : 8;
		int *nf = realloc(rp->fds, sizeof(*nf) * cap);
		if (!nf) {
			close(fd);
			return -ENOMEM;
		}
		rp->fds = nf;
		rp->capfds = cap;
	}
	rp->fds[rp->nfds++] = fd;
	return 0;
}

/* Where a probe's load or attach failure is marked: its attach points, when
 * it came from source text (a compiled file's probes did not). */
static struct xt_loc probe_loc(const struct xt_probe_info *p)
{
	struct xt_loc at = { 0 };
	if (!p->node || !p->node->list)
		return at;
	const struct xt_node *last = xt_node_last(p->node->list);
	at = p->node->list->loc;
	at.last_line = last->loc.last_line;
	at.last_column = last->loc.last_column;
	return at;
}

static struct xt_loc attach_loc(const struct xt_rt *rt)
{
	static const struct xt_loc none;
	return rt->attaching ? probe_loc(rt->attaching->info) : none;
}

/* config missing_probes: "warn" and "ignore" let a probe that cannot attach
 * go, as bpftrace 0.26 does; by default and with "error" the run fails. */
static bool skip_unattachable(const struct xt_rt *rt)
{
	int m = rt->prog->opts.missing_probes;
	return m == XT_MISSING_WARN || m == XT_MISSING_IGNORE;
}

void xt_rt_attach_error(struct xt_rt *rt, const char *probe, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (rt->prog->opts.missing_probes == XT_MISSING_IGNORE)
		return;
	struct xt_loc at = attach_loc(rt); /* none (a compiled file's probe): the message alone */
	if (skip_unattachable(rt))
		xt_diag_warning(rt->dg, at, "cannot attach %s: %s; the probe is left out (missing_probes = \"warn\")",
				probe, msg);
	else
		xt_diag_error(rt->dg, at, "cannot attach %s: %s", probe, msg);
}

/* Whether libbpf's log names program `fn` ("prog 'probe_1': ..."): quoted,
 * so that probe_1 is not found in probe_10. */
static bool names_prog(const char *log, const char *fn)
{
	char quoted[160];
	snprintf(quoted, sizeof(quoted), "'%s'", fn);
	return strstr(log, quoted) != NULL;
}

/* Every ring-buffer record goes through here: once the drain's budget is
 * spent, a negative answer makes libbpf stop (the record is consumed). */
static int on_record(void *ctx, void *data, size_t size)
{
	struct xt_rt *rt = ctx;
	xt_rt_handle_event(rt, data, size);
	return --rt->budget > 0 ? 0 : -EAGAIN;
}

/* Handles at most `budget` waiting records, in chunks between which a stop
 * signal (a second Ctrl-C at the end) cuts it short. A flood of records
 * (a printf on every syscall, xtrace's own writes among them) never holds
 * the loop. */
static void drain(struct xt_rt *rt, long budget)
{
	while (budget > 0) {
		rt->budget = budget < 1024 ? budget : 1024;
		budget -= rt->budget;
		xt_out_hold(); /* a chunk's lines leave in a few writes */
		int r = ring_buffer__consume(rt->rb);
		xt_out_release();
		if (r != -EAGAIN || xt_sig_stop_pending())
			break;
	}
}

/* CLOCK_MONOTONIC in ns when this process first asked: "xtrace started". */
static int64_t start_ns(void)
{
	static int64_t start;
	if (!start) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		start = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	return start;
}

#define XT_PROC_PID_INIT_INO 0xEFFFFFFCu /* the init PID namespace's inode (the kernel's PROC_PID_INIT_INO) */

static int64_t param_value(const char *name)
{
	if (strcmp(name, XT_PARAM_START_NS) == 0)
		return start_ns();
	if (strcmp(name, XT_PARAM_NCPUS) == 0) {
		long online = sysconf(_SC_NPROCESSORS_ONLN);
		return online > 0 ? online : 1;
	}
	if (strcmp(name, XT_PARAM_PIDNS_DEV) == 0 || strcmp(name, XT_PARAM_PIDNS_INO) == 0) {
		struct stat st;
		if (stat("/proc/self/ns/pid", &st) < 0 || st.st_ino == XT_PROC_PID_INIT_INO)
			return 0;
		return strcmp(name, XT_PARAM_PIDNS_INO) == 0 ? (int64_t)st.st_ino : (int64_t)st.st_dev;
	}
	struct timespec boot, tai; /* XT_PARAM_TAI_OFF */
	clock_gettime(CLOCK_BOOTTIME, &boot);
	clock_gettime(CLOCK_TAI, &tai);
	return ((int64_t)tai.tv_sec - boot.tv_sec) * 1000000000 + (tai.tv_nsec - boot.tv_nsec);
}

/* Fills the object's load-time values (codegen/glob.c) in its .rodata
 * before the load; 0, or -1 after a diagnostic. */
static int load_params(struct xt_rt *rt)
{
	static const char *const names[] = { XT_PARAM_START_NS, XT_PARAM_NCPUS, XT_PARAM_TAI_OFF,
					     XT_PARAM_PIDNS_DEV, XT_PARAM_PIDNS_INO };
	struct btf *btf = bpf_object__btf(rt->obj);
	int sec = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -1;
	struct bpf_map *m;
	if (sec < 0)
		return 0;
	bpf_object__for_each_map(m, rt->obj) {
		const char *mn = bpf_map__name(m);
		size_t n = strlen(mn);
		if (!bpf_map__is_internal(m) || n < 7 || strcmp(mn + n - 7, ".rodata") != 0)
			continue;
		size_t size;
		const void *init = bpf_map__initial_value(m, &size);
		uint8_t *val = init ? malloc(size) : NULL;
		if (!val)
			break;
		memcpy(val, init, size);
		const struct btf_type *t = btf__type_by_id(btf, sec);
		const struct btf_var_secinfo *vs = btf_var_secinfos(t);
		for (int i = 0; i < btf_vlen(t); i++, vs++) {
			const char *vn = btf__name_by_offset(btf, btf__type_by_id(btf, vs->type)->name_off);
			for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++)
				if (strcmp(vn, names[j]) == 0 && vs->size == sizeof(int64_t) && vs->offset + 8 <= size) {
					int64_t v = param_value(names[j]);
					memcpy(val + vs->offset, &v, sizeof(v));
				}
		}
		int err = bpf_map__set_initial_value(m, val, size);
		free(val);
		if (err < 0) {
			xt_diag_plain(rt->dg, "internal error: cannot set the program's load-time values: %s", strerror(-err));
			return -1;
		}
		return 0;
	}
	xt_diag_plain(rt->dg, "internal error: the compiled object has no .rodata map");
	return -1;
}

/* The kernel keeps the newest part of a log that outgrows its buffer (5.x: rotating logs). */
#define VERIFIER_LOG_SIZE (1u << 20)

struct xt_rt *xt_rt_open(const struct xt_compiled *c, const struct xt_rt_opts *opts, struct xt_diags *dg)
{
	xt_rt_log_route(opts->verbose);
	if (c->prog->kernel_symbols)
		xt_sym_kernel_prefetch(); /* ready when the maps print */
	struct xt_rt *rt = calloc(1, sizeof(*rt));
	rt->c = c;
	rt->prog = c->prog;
	rt->opts = *opts;
	rt->dg = dg;
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "xtrace");
	rt->obj = bpf_object__open_mem(c->elf, c->elf_size, &oo);
	if (!rt->obj) {
		xt_diag_plain(dg, "internal error: libbpf cannot open the compiled object: %s", strerror(errno));
		free(rt);
		return NULL;
	}
	xt_rt_sites_add(rt->prog);
	rt->nprobes = rt->prog->nprobes;
	rt->probes = calloc(rt->nprobes + 1, sizeof(*rt->probes));
	for (int i = 0; i < rt->nprobes; i++) {
		rt->probes[i].info = &rt->prog->probes[i];
		rt->probes[i].prog = bpf_object__find_program_by_name(rt->obj, rt->prog->probes[i].fn_name);
		rt->probes[i].prog_fd = -1;
		if (rt->probes[i].prog && rt->probes[i].info->prov && rt->probes[i].info->prov->prepare)
			rt->probes[i].info->prov->prepare(rt, &rt->probes[i]);
	}
	for (int i = 0; i < opts->nshared; i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(rt->obj, opts->shared[i].bpf_name);
		int err = m ? bpf_map__reuse_fd(m, opts->shared[i].fd) : 0;
		if (err < 0) {
			xt_diag_plain(dg, "internal error: cannot share map %s: %s", opts->shared[i].bpf_name, strerror(-err));
			xt_rt_close(rt);
			return NULL;
		}
	}
	if (load_params(rt) < 0) {
		xt_rt_close(rt);
		return NULL;
	}
	xt_rt_log_reset();
	char **vlogs = NULL; /* -d verifier: one log per program */
	if (opts->verifier_log) {
		vlogs = calloc(rt->nprobes + 1, sizeof(*vlogs));
		for (int i = 0; i < rt->nprobes; i++) {
			vlogs[i] = calloc(1, VERIFIER_LOG_SIZE);
			if (vlogs[i] && rt->probes[i].prog) {
				bpf_program__set_log_buf(rt->probes[i].prog, vlogs[i], VERIFIER_LOG_SIZE);
				bpf_program__set_log_level(rt->probes[i].prog, 1 | 4); /* branches and statistics */
			}
		}
	}
	int loaded = bpf_object__load(rt->obj), load_errno = errno;
	for (int i = 0; vlogs && i < rt->nprobes; i++) {
		if (vlogs[i] && vlogs[i][0])
			fprintf(stderr, "--- the verifier's log of %s (%s)\n%s", rt->prog->probes[i].fn_name,
				rt->prog->probes[i].nsites ? rt->prog->probes[i].sites[0].name : "no site", vlogs[i]);
		free(vlogs[i]);
	}
	free(vlogs);
	if (loaded < 0) {
		int err = load_errno;
		const char *which = "a probe";
		for (int i = 0; i < rt->nprobes; i++)
			if (rt->probes[i].prog && names_prog(xt_rt_log(), rt->prog->probes[i].fn_name)) {
				which = rt->prog->probes[i].sites[0].name;
				if (rt->probes[i].info->node)
					xt_diag_error(dg, probe_loc(rt->probes[i].info),
						      "the kernel's verifier rejected %s", which);
				which = NULL;
				break;
			}
		if (which)
			xt_diag_plain(dg, "the kernel refused to load the program: %s", strerror(err));
		if (*xt_rt_log())
			xt_diag_note(dg, (struct xt_loc){ 0 }, "the verifier's last words:\n%s", xt_rt_log_tail(12));
		xt_rt_close(rt);
		return NULL;
	}
	if (bpf_object__btf_fd(rt->obj) < 0) {
		xt_diag_plain(dg, "internal error: the object was loaded without BTF");
		xt_rt_close(rt);
		return NULL;
	}
	for (int i = 0; i < rt->nprobes; i++)
		rt->probes[i].prog_fd = bpf_program__fd(rt->probes[i].prog);
	struct bpf_map *events = bpf_object__find_map_by_name(rt->obj, "events");
	rt->rb = ring_buffer__new(bpf_map__fd(events), on_record, rt, NULL);
	if (!rt->rb) {
		xt_diag_plain(dg, "cannot open the ring buffer: %s", strerror(errno));
		xt_rt_close(rt);
		return NULL;
	}
	/* The most records the ring can hold at once (each takes 16 bytes or more). */
	rt->ring_records = bpf_map__max_entries(events) / 16;
	return rt;
}

/* Detaches what probe rp attached (all of it at the end; config
 * missing_probes = warn/ignore: a probe that failed half-way, which goes
 * while the others run). */
static void detach_probe(struct xt_rt_probe *rp)
{
	for (int j = 0; j < rp->nlinks; j++)
		bpf_link__destroy(rp->links[j]);
	for (int j = 0; j < rp->nfds; j++)
		close(rp->fds[j]);
	free(rp->links);
	free(rp->fds);
	rp->links = NULL;
	rp->fds = NULL;
	rp->nlinks = rp->nfds = rp->caplinks = rp->capfds = 0;
}

void xt_rt_detach(struct xt_rt *rt)
{
	for (int i = 0; i < rt->nprobes; i++)
		detach_probe(&rt->probes[i]);
}

int xt_rt_attach(struct xt_rt *rt, struct xt_diags *dg)
{
	rt->dg = dg;
	int nattached = 0, nattachable = 0, nfailed = 0;
	for (int i = 0; i < rt->nprobes; i++) {
		struct xt_rt_probe *rp = &rt->probes[i];
		if (!rp->info->prov->attach) {
			nattached += rp->info->nsites;
			continue;
		}
		nattachable++;
		/* What is attached stays for xt_rt_close, which may hand slow links
		 * to a child: detaching 7,000 uprobes here would take minutes. */
		if (xt_sig_stop_pending())
			return -EINTR;
		rt->attaching = rp;
		int err = rp->info->prov->attach(rt, rp);
		rt->attaching = NULL;
		if (err < 0 && xt_sig_stop_pending())
			return -EINTR;
		if (err < 0 && !skip_unattachable(rt)) {
			xt_diag_note(dg, (struct xt_loc){ 0 },
				     "if this is expected, set the 'missing_probes' config variable to 'warn'");
			return -1;
		}
		if (err < 0) {
			detach_probe(rp);
			nfailed++;
			continue;
		}
		nattached += rp->info->nsites;
	}
	if (nfailed && nfailed == nattachable) {
		xt_diag_plain(dg, "attachment failed for all probes");
		return -1;
	}
	if (!rt->opts.quiet) { /* docs/output-format.md: 0.26's line, or 0.17's */
		if (rt->opts.format == XT_FMT_JSON && rt->opts.attaching_line)
			fprintf(rt->opts.out, "{\"type\": \"attached_probes\", \"data\": {\"probes\": %d}}\n", nattached);
		else if (rt->opts.format == XT_FMT_JSON)
			fprintf(rt->opts.out, "{\"type\": \"attached_probes\", \"count\": %d, \"data\": {\"probes\": %d}}\n",
				nattached, nattached);
		else if (rt->opts.attaching_line)
			fprintf(rt->opts.out, "Attaching %d probe%s...\n", nattached, nattached == 1 ? "" : "s");
		else
			fprintf(stderr, "Attached %d probe%s\n", nattached, nattached == 1 ? "" : "s");
		fflush(rt->opts.out);
	}
	return 0;
}

/* Runs probe rp's program once (BPF_PROG_TEST_RUN), then what it sent. */
static void run_probe(struct xt_rt *rt, struct xt_rt_probe *rp)
{
	LIBBPF_OPTS(bpf_test_run_opts, ro);
	if (bpf_prog_test_run_opts(rp->prog_fd, &ro) < 0)
		fprintf(stderr, "xtrace: cannot run %s: %s\n", rp->info->sites[0].name, strerror(errno));
	/* At most a full ring's worth: that many records can stand before the
	 * last one this program sent, however busy the other probes are. */
	drain(rt, rt->ring_records);
}

/* Runs the programs of probes with provider flag `flag`, in order; 0 when
 * there are none. */
static int run_flagged(struct xt_rt *rt, unsigned flag)
{
	int n = 0;
	for (int i = 0; i < rt->nprobes && !(flag == XT_PROVF_BEGIN && rt->done); i++)
		if (rt->probes[i].info->prov->flags & flag) {
			run_probe(rt, &rt->probes[i]);
			n++;
		}
	return n;
}

/* Runs the probes the runtime drives itself (iterators), in order, after BEGIN. */
static void run_driven(struct xt_rt *rt)
{
	for (int i = 0; i < rt->nprobes && !rt->done && !xt_sig_stop_pending(); i++) {
		struct xt_rt_probe *rp = &rt->probes[i];
		if (rp->info->prov->run && rp->info->prov->run(rt, rp) < 0 && !rt->exited)
			rt->status = 1;
	}
}

/* Runs every BEGIN (or END) program once, in order; after BEGIN, the probes
 * the runtime drives (iterators). */
void xt_rt_run_special(struct xt_rt *rt, bool end)
{
	unsigned flag = end ? XT_PROVF_END : XT_PROVF_BEGIN;
	if (end) { /* what was sent before END first, under the exit rule */
		drain(rt, rt->ring_records);
		rt->ending = true;
	}
	run_flagged(rt, flag);
	rt->ending = false;
	if (!end)
		run_driven(rt);
}

int xt_rt_events_fd(struct xt_rt *rt) { return ring_buffer__epoll_fd(rt->rb); }
void xt_rt_poll(struct xt_rt *rt) { drain(rt, 1024); }
bool xt_rt_done(const struct xt_rt *rt) { return rt->done; }

void xt_rt_set_output(struct xt_rt *rt, FILE *out, enum xt_format format)
{
	rt->opts.out = out;
	rt->opts.term = NULL; /* the blank lines before the final maps go there too */
	rt->opts.format = format;
}

const struct xt_rt_probe *xt_rt_probes(const struct xt_rt *rt, int *n)
{
	*n = rt->nprobes;
	return rt->probes;
}

int xt_rt_map_fd(struct xt_rt *rt, const char *bpf_name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(rt->obj, bpf_name);
	return m ? bpf_map__fd(m) : -ENOENT;
}

void xt_rt_print_one(struct xt_rt *rt, const struct xt_map_info *m, size_t top, uint64_t div)
{
	xt_rt_print_map(rt, m, top, div);
	fflush(rt->opts.out);
}

static void on_events(void *ctx)
{
	drain(ctx, 1024);
}

static void print_all(struct xt_rt *rt, bool separator);

static void on_signal(void *ctx, const struct signalfd_siginfo *si)
{
	struct xt_rt *rt = ctx;
	if (si->ssi_signo == SIGWINCH)
		return;
	if (si->ssi_signo == SIGUSR1) { /* self:signal:SIGUSR1 probes, or else every map now (as bpftrace 0.17) */
		if (run_flagged(rt, XT_PROVF_SELF) == 0)
			print_all(rt, false);
		return;
	}
	if (si->ssi_signo != SIGCHLD) {
		rt->done = true;
		return;
	}
	xt_rt_child_changed(rt);
}

/* The -p process's mappings, re-read while it runs so that they outlive it. */
static void on_remember(void *ctx)
{
	struct xt_rt *rt = ctx;
	uint64_t ticks;
	if (read(rt->remember_fd, &ticks, sizeof(ticks)) > 0)
		xt_sym_remember(rt->prog->opts.target_pid);
}

/* The -p process ended: so does tracing, at once. */
static void on_target_exit(void *ctx)
{
	((struct xt_rt *)ctx)->done = true;
}

/* The -p process: its end ends tracing, and its mappings are remembered. */
static void watch_target(struct xt_rt *rt, struct xt_loop *l)
{
	pid_t pid = rt->prog->opts.target_pid;
	rt->remember_fd = -1;
	rt->target_fd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;
	if (rt->target_fd >= 0 && xt_loop_add(l, rt->target_fd, on_target_exit, rt) < 0) {
		close(rt->target_fd);
		rt->target_fd = -1;
	}
	if (pid > 0 && rt->target_fd < 0 && kill(pid, 0) < 0 && errno == ESRCH)
		rt->done = true; /* gone before we could watch it */
	if (!xt_sym_watched(pid))
		return;
	xt_sym_remember(pid);
	struct itimerspec it = { .it_interval = { 0, 250 * 1000 * 1000 }, .it_value = { 0, 250 * 1000 * 1000 } };
	rt->remember_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (rt->remember_fd >= 0 && (timerfd_settime(rt->remember_fd, 0, &it, NULL) < 0 ||
				     xt_loop_add(l, rt->remember_fd, on_remember, rt) < 0)) {
		close(rt->remember_fd);
		rt->remember_fd = -1;
	}
}

/* Takes *fd off the loop and closes it. */
static void unwatch(struct xt_loop *l, int *fd)
{
	if (*fd < 0)
		return;
	xt_loop_remove(l, *fd);
	close(*fd);
	*fd = -1;
}

/* Whether every probe runs once and none is attached (a begin/end-only
 * program): then, as bpftrace 0.24 on, tracing ends right after begin,
 * unless a -c command is to be traced to its end. */
static bool runs_once_only(const struct xt_rt *rt)
{
	if (rt->opts.child || rt->opts.metrics)
		return false;
	for (int i = 0; i < rt->nprobes; i++)
		if (!(rt->probes[i].info->prov->flags & XT_PROVF_RUNONCE) && !rt->probes[i].info->prov->run)
			return false;
	return true;
}

int xt_rt_run(struct xt_rt *rt)
{
	struct xt_loop *l = xt_loop_new();
	if (!l || xt_loop_add(l, ring_buffer__epoll_fd(rt->rb), on_events, rt) < 0) {
		fprintf(stderr, "xtrace: cannot set up the event loop: %s\n", strerror(errno));
		xt_loop_free(l);
		return 1;
	}
	xt_loop_on_signal(l, on_signal, rt);
	watch_target(rt, l);
	int merr = rt->opts.metrics ? xt_metrics_serve(rt->opts.metrics, rt, l) : 0;
	if (merr < 0)
		fprintf(stderr, "xtrace: cannot serve metrics: %s\n", strerror(-merr));

	xt_rt_run_special(rt, false);
	if (runs_once_only(rt))
		rt->done = true;
	if (!rt->done)
		xt_rt_child_start(rt);
	while (!rt->done)
		if (xt_loop_once(l, -1) < 0)
			break;
	xt_rt_child_untrace(rt);
	unwatch(l, &rt->remember_fd);
	unwatch(l, &rt->target_fd);
	xt_rt_quiesce(rt);
	xt_rt_run_special(rt, true);
	xt_loop_free(l);
	return rt->status;
}

static int cmp_map_name(const void *a, const void *b)
{
	return strcmp((*(const struct xt_map_info *const *)a)->name, (*(const struct xt_map_info *const *)b)->name);
}

void xt_rt_sort_maps(const struct xt_map_info **maps, int n)
{
	qsort(maps, (size_t)n, sizeof(*maps), cmp_map_name);
}

const struct xt_map_info **xt_rt_maps_by_name(const struct xt_program *prog)
{
	const struct xt_map_info **order = calloc((size_t)prog->nmaps + 1, sizeof(*order));
	if (!order)
		return NULL;
	for (int i = 0; i < prog->nmaps; i++)
		order[i] = prog->maps[i];
	xt_rt_sort_maps(order, prog->nmaps);
	return order;
}

/* Every map in name order, as bpftrace prints them; a stop signal (a second
 * Ctrl-C at the end) cuts the printing short. */
static void print_all(struct xt_rt *rt, bool separator)
{
	const struct xt_program *prog = rt->prog;
	const struct xt_map_info **order = xt_rt_maps_by_name(prog);
	if (!order)
		return;
	if (separator && rt->opts.format != XT_FMT_FOLDED) { /* bpftrace writes it to the terminal, not into an -o file */
		FILE *term = rt->opts.term ? rt->opts.term : rt->opts.out;
		xt_print_dump_begin(term, rt->opts.format);
		fflush(term);
	}
	for (int i = 0; i < prog->nmaps && !xt_sig_stop_pending(); i++)
		xt_rt_print_map(rt, order[i], 0, 0);
	free(order);
	fflush(rt->opts.out);
}

/* --flamegraph FILE: the first map keyed by stacks (in name order) to FILE,
 * each further one to FILE with ".NAME" before its ".svg" (out.svg,
 * out.other.svg). */
void xt_rt_write_flamegraphs(struct xt_rt *rt, const char *path)
{
	const struct xt_program *prog = rt->prog;
	const struct xt_map_info **order = xt_rt_maps_by_name(prog);
	if (!order)
		return;
	int written = 0;
	for (int i = 0; i < prog->nmaps; i++) {
		char alt[4096];
		const char *to = path;
		if (written > 0) {
			size_t n = strlen(path);
			bool svg = n > 4 && strcmp(path + n - 4, ".svg") == 0;
			snprintf(alt, sizeof(alt), "%.*s.%s%s", (int)(svg ? n - 4 : n), path,
				 order[i]->name[0] ? order[i]->name : "_", svg ? ".svg" : "");
			to = alt;
		}
		int err = xt_rt_map_flamegraph(rt, order[i], to);
		if (err == 0)
			written++;
		else if (err != -ENODATA)
			fprintf(stderr, "xtrace: flame graph of @%s: %s: %s\n", order[i]->name, to, strerror(-err));
	}
	if (!written)
		fprintf(stderr, "xtrace: --flamegraph: no map keyed by a stack has entries; %s not written\n", path);
	free(order);
}

void xt_rt_print_maps(struct xt_rt *rt)
{
	print_all(rt, true);
}

/* Sums probe i's slots of the per-CPU map "lost": {records, map updates}. */
static int lost_read(struct xt_rt *rt, int i, uint64_t out[2])
{
	out[0] = out[1] = 0;
	int fd = xt_rt_map_fd(rt, "lost"), ncpu = xt_rt_possible_cpus();
	if (fd < 0)
		return -ENOENT;
	uint64_t *vals = calloc((size_t)ncpu * 2, sizeof(*vals));
	uint32_t key = (uint32_t)i;
	int err = vals && bpf_map_lookup_elem(fd, &key, vals) == 0 ? 0 : -errno;
	for (int c = 0; c < ncpu && !err; c++) {
		out[0] += vals[2 * c];
		out[1] += vals[2 * c + 1];
	}
	free(vals);
	return err;
}

void xt_rt_print_lost(struct xt_rt *rt)
{
	for (int i = 0; i < rt->nprobes; i++) {
		uint64_t l[2];
		if (lost_read(rt, i, l) < 0 || (!l[0] && !l[1]))
			continue;
		const struct xt_probe_info *p = rt->probes[i].info;
		const char *name = p->node && p->node->list ? p->node->list->name : p->sites[0].name;
		unsigned long long ev = (unsigned long long)l[0], up = (unsigned long long)l[1];
		if (rt->opts.format == XT_FMT_JSON) {
			if (ev) {
				/* bpftrace 0.26's shape ("count" beside the data), and the probe */
				fprintf(rt->opts.out, "{\"type\": \"lost_events\", \"count\": %llu, \"data\": {\"events\": %llu, \"probe\": ",
					ev, ev);
				xt_print_json_str(rt->opts.out, name);
				fputs("}}\n", rt->opts.out);
			}
			if (up) {
				fprintf(rt->opts.out, "{\"type\": \"lost_map_updates\", \"data\": {\"updates\": %llu, \"probe\": ", up);
				xt_print_json_str(rt->opts.out, name);
				fputs("}}\n", rt->opts.out);
			}
			continue;
		}
		if (ev)
			fprintf(stderr, "xtrace: %llu event%s lost in probe %s (the ring buffer was full)\n",
				ev, ev == 1 ? "" : "s", name);
		if (up)
			fprintf(stderr, "xtrace: %llu map update%s lost in probe %s (a map was full)\n",
				up, up == 1 ? "" : "s", name);
	}
	fflush(rt->opts.out);
}

void xt_rt_close(struct xt_rt *rt)
{
	if (!rt)
		return;
	xt_rt_child_end(rt);
	int releaser = rt->opts.release_in_background ? xt_rt_release_in_background(rt) : -1;
	xt_rt_detach(rt);
	if (releaser >= 0)
		close(releaser);
	ring_buffer__free(rt->rb);
	bpf_object__close(rt->obj);
	if (rt->opts.child_go_fd >= 0)
		close(rt->opts.child_go_fd);
	free(rt->probes);
	xt_rt_sites_remove(rt->prog);
	free(rt);
}
