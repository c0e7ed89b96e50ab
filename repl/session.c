/* The session: its entries (compiled, loaded with the session's maps,
 * attached, stopped), the maps they share, where output goes, the -c
 * command and the -p process, and the end of the session. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "repl/repl_int.h"
#include "runtime/symbols.h" /* XT_STACK_MAP */
#include "stdlib/registry.h" /* XT_PROVF_BEGIN, XT_PROVF_END */

/* --- output ------------------------------------------------------------------ */

int xt_repl_membuf_open(struct membuf *m)
{
	m->f = open_memstream(&m->buf, &m->size);
	return m->f ? 0 : -errno;
}

void xt_repl_membuf_close(struct membuf *m)
{
	if (m->f)
		fclose(m->f);
	free(m->buf);
	*m = (struct membuf){ 0 };
}

/* Writes running probes' text to the terminal a piece at a time, with the
 * signals in view: a terminal slower than the probes (a printf storm) holds
 * each piece, and Ctrl-C must not wait for the rest. How much was written. */
static size_t term_write(const char *buf, size_t n)
{
	fflush(stdout);
	size_t done = 0;
	while (done < n && xt_sig_wait(STDOUT_FILENO, POLLOUT, -1) == 1) {
		size_t chunk = n - done < 1024 ? n - done : 1024;
		ssize_t w = write(STDOUT_FILENO, buf + done, chunk);
		if (w < 0 && errno != EINTR && errno != EAGAIN)
			return n; /* the terminal is gone: nothing to keep it for */
		done += w > 0 ? (size_t)w : 0;
	}
	return done;
}

/* term_write of coloured text, a line at a time, so that what is held back
 * after Ctrl-C starts at a line of the uncoloured text. */
static size_t term_write_colour(const char *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		const char *nl = memchr(buf + done, '\n', n - done);
		size_t len = nl ? (size_t)(nl - (buf + done)) + 1 : n - done, cn = 0;
		char *c = NULL;
		FILE *f = open_memstream(&c, &cn);
		if (!f)
			return done + term_write(buf + done, n - done);
		xt_repl_colour_write(f, buf + done, len, true);
		fclose(f);
		size_t w = term_write(c, cn);
		free(c);
		if (w < cn)
			break;
		done += len;
	}
	return done;
}

/* Moves what m holds to `to`. Async text (running probes) on the terminal
 * is drawn above the prompt: the visible line is cleared, the text printed,
 * and the prompt with the user's half-typed line drawn again below it. */
void xt_repl_membuf_copy(struct membuf *m, FILE *to, bool async)
{
	fflush(m->f);
	long n = ftell(m->f);
	if (n <= 0)
		return;
	bool redraw = to == stdout && async && R->rl_on;
	if (redraw)
		xt_repl_prompt_hide();
	size_t done;
	if (redraw && xt_repl_colour_out())
		done = term_write_colour(m->buf, (size_t)n);
	else if (redraw)
		done = term_write(m->buf, (size_t)n);
	else
		xt_repl_colour_write(to, m->buf, (size_t)n, to == stdout && xt_repl_colour_out()), done = (size_t)n;
	if (redraw && done && m->buf[done - 1] != '\n')
		fputc('\n', to);
	if (done < (size_t)n) { /* Ctrl-C came: the rest waits at the start */
		memmove(m->buf, m->buf + done, (size_t)n - done);
		fseek(m->f, n - (long)done, SEEK_SET);
	} else {
		rewind(m->f);
	}
	if (m == &R->res)
		xt_repl_flood_drawn(done, done == (size_t)n);
	fflush(to);
	if (redraw)
		xt_repl_prompt_show();
}

void xt_repl_flush(bool async)
{
	if (R->watch)
		return; /* held until .watch ends, or it would be drawn over */
	xt_repl_membuf_copy(&R->res, R->out, async);
	if (R->own.f)
		xt_repl_membuf_copy(&R->own, stdout, async);
}

static void show_diags(struct xt_diags *dg)
{
	if (dg->len)
		fputs(dg->buf, stderr);
	fflush(stderr);
}

/* --- maps ------------------------------------------------------------------ */

struct smap *xt_repl_map_find(const char *name)
{
	for (int i = 0; i < R->nmaps; i++)
		if (strcmp(R->maps[i].info->name, name) == 0)
			return &R->maps[i];
	return NULL;
}

void xt_repl_map_print(const struct smap *sm, size_t top, uint64_t div)
{
	xt_rt_print_one(sm->owner->rt, sm->info, top, div);
}

/* The session's maps (for sema's known_maps); the caller frees the array. */
static const struct xt_map_info **known_maps(void)
{
	const struct xt_map_info **k = calloc(R->nmaps + 1, sizeof(*k));
	for (int i = 0; i < R->nmaps; i++)
		k[i] = R->maps[i].info;
	return k;
}

const struct xt_map_info **xt_repl_sorted_maps(void)
{
	const struct xt_map_info **k = known_maps();
	xt_rt_sort_maps(k, R->nmaps);
	return k;
}

/* Every map in name order, as a one-liner prints them at exit. */
static void print_all_maps(void)
{
	const struct xt_map_info **order = xt_repl_sorted_maps();
	/* The blank lines before them stay on the terminal, as a one-liner keeps them out of -o FILE. */
	xt_print_dump_begin(R->talk, R->opts.format);
	for (int i = 0; i < R->nmaps; i++)
		xt_repl_map_print(xt_repl_map_find(order[i]->name), 0, 0);
	free(order);
	xt_repl_flush(false);
}

/* --- entries ------------------------------------------------------------------ */

struct xt_node *xt_repl_find_map(struct xt_node *n, bool (*match)(const char *name, const void *arg),
				const void *arg)
{
	for (; n; n = n->next) {
		if (n->kind == XT_N_MAP && match(n->name, arg))
			return n;
		struct xt_node *kids[4] = { n->a, n->b, n->c, n->list };
		for (int i = 0; i < 4; i++) {
			struct xt_node *f = xt_repl_find_map(kids[i], match, arg);
			if (f)
				return f;
		}
	}
	return NULL;
}

static bool same_name(const char *name, const void *arg)
{
	return strcmp(name, arg) == 0;
}

struct xt_node *xt_repl_first_use(struct xt_node *n, const char *name)
{
	return xt_repl_find_map(n, same_name, name);
}

/* A session map keeps its types: sema checks uses against them, and this
 * catches anything that would still lay the map out differently. */
int xt_repl_check_maps(struct entry *e, struct xt_diags *dg)
{
	const struct xt_program *prog = e->unit.prog;
	for (int i = 0; i < prog->nmaps; i++) {
		const struct xt_map_info *m = prog->maps[i];
		struct smap *sm = xt_repl_map_find(m->name);
		if (!sm)
			continue;
		const struct xt_map_info *k = sm->info;
		bool same = m->key_size == k->key_size && m->value_size == k->value_size && m->percpu == k->percpu &&
			    (m->key == k->key || (m->key && k->key && xt_type_eq(m->key, k->key))) &&
			    xt_type_eq(m->val, k->val);
		if (same)
			continue;
		struct xt_node *use = xt_repl_first_use(prog->ast, m->name);
		struct xt_arena *ar = e->unit.ar;
		bool key = m->key && k->key && !xt_type_eq(m->key, k->key);
		xt_diag_error(dg, use ? use->loc : (struct xt_loc){ 0 },
			      "@%s has %s %s in entry %d; this use would change it to %s", m->name,
			      key ? "key" : "value", xt_type_name(ar, key ? k->key : k->val), sm->owner->id,
			      xt_type_name(ar, key ? m->key : m->val));
		return -1;
	}
	return 0;
}

static void on_entry_events(void *ctx);

void xt_repl_entry_free(struct entry *e)
{
	if (!e)
		return;
	if (e->rt && e->attached)
		xt_loop_remove(R->loop, xt_rt_events_fd(e->rt));
	xt_rt_close(e->rt);
	xt_unit_free(&e->unit);
	free(e->text);
	free(e);
}

void xt_repl_entry_stop(struct entry *e, const char *why, bool async)
{
	if (!e->attached)
		return;
	xt_repl_flood_mark();
	xt_rt_run_special(e->rt, true);
	xt_repl_flood_mark();
	xt_rt_poll(e->rt);
	xt_loop_remove(R->loop, xt_rt_events_fd(e->rt));
	xt_rt_detach(e->rt);
	e->attached = false;
	if (why)
		fprintf(R->talk, "[%d] %s\n", e->id, why);
	xt_repl_flush(async);
}

static void on_entry_events(void *ctx)
{
	struct entry *e = ctx;
	xt_repl_flood_mark();
	xt_rt_poll(e->rt);
	xt_repl_flush(true);
	if (xt_rt_done(e->rt))
		xt_repl_entry_stop(e, "exited", true);
}

/* "N probes: a, b" from the probes as written (or their one site's full
 * name; but begin/end as written: BEGIN, whose `probe` is begin). */
static void describe(struct entry *e, FILE *out)
{
	const struct xt_program *prog = e->unit.prog;
	fprintf(out, "%d probe%s: ", e->nsites, e->nsites == 1 ? "" : "s");
	for (int i = 0; i < prog->nprobes; i++) {
		const struct xt_probe_info *p = &prog->probes[i];
		fputs(i ? ", " : "", out);
		if (p->nsites == 1 && !(p->prov->flags & (XT_PROVF_BEGIN | XT_PROVF_END))) {
			fputs(p->sites[0].name, out);
			continue;
		}
		int j = 0;
		for (struct xt_node *a = p->node->list; a; a = a->next, j++)
			fprintf(out, "%s%s", j ? ", " : "", a->name);
	}
}

static void child_release(void);

/* Loads a compiled entry with the session's maps (and its one stack map)
 * in place of its own: e->rt, or NULL after a diagnostic. */
struct xt_rt *xt_repl_entry_open(struct entry *e, struct xt_diags *dg)
{
	struct xt_rt_shared_map *shared = calloc(R->nmaps + 2, sizeof(*shared));
	int nshared = 0;
	for (int i = 0; i < R->nmaps; i++, nshared++) {
		shared[i].bpf_name = R->maps[i].info->bpf_name;
		shared[i].fd = xt_rt_map_fd(R->maps[i].owner->rt, R->maps[i].info->bpf_name);
	}
	/* One stack map for the session: a stack id kept in a shared map must
	 * resolve in whichever entry's object prints it. */
	struct entry *stacks = NULL;
	for (int i = 0; i < R->nentries && !stacks; i++)
		if (R->entries[i]->rt && xt_rt_map_fd(R->entries[i]->rt, XT_STACK_MAP) >= 0)
			stacks = R->entries[i];
	if (stacks)
		shared[nshared++] = (struct xt_rt_shared_map){ XT_STACK_MAP, xt_rt_map_fd(stacks->rt, XT_STACK_MAP) };
	/* release_in_background: closing an entry dropped after hundreds of
	 * uprobes, or at the end, would hold the session ~73 ms a link. */
	struct xt_rt_opts ro = { .out = R->mem, .format = R->opts.format, .verbose = R->opts.verbose,
				 .quiet = true, .child_go_fd = -1, .shared = shared, .nshared = nshared,
				 .release_in_background = true, .cat_bytes_max = R->opts.cat_bytes_max,
				 .on_record = xt_repl_flood_on_record, .record_ctx = e };
	e->rt = xt_rt_open(&e->unit.compiled, &ro, dg);
	free(shared);
	return e->rt;
}

/* Loads and attaches a compiled entry. Takes e (freed on failure). */
static int entry_start(struct entry *e, struct xt_diags *dg)
{
	const struct xt_program *prog = e->unit.prog;
	if (xt_repl_check_maps(e, dg) < 0) {
		xt_repl_entry_free(e);
		return -1;
	}
	xt_repl_entry_open(e, dg);
	int err = e->rt ? xt_rt_attach(e->rt, dg) : -1;
	if (err == -EINTR) {
		/* A stop signal came while attaching (Ctrl-C on thousands of
		 * uprobes): the entry goes, the session stays. The signal waits in
		 * the loop; on_signal takes it without touching the next line. */
		if (R->tty) /* after the ^C the terminal echoed (readline gave it back for the entry) */
			fputc('\n', stdout);
		fflush(stdout);
		fprintf(stderr, "xtrace: attaching was interrupted; the entry was dropped\n");
		R->interrupted = true;
		xt_repl_entry_free(e);
		return -1;
	}
	if (!err)
		err = xt_loop_add(R->loop, xt_rt_events_fd(e->rt), on_entry_events, e);
	if (err < 0) {
		if (e->rt && !dg->errors)
			xt_diag_plain(dg, "cannot watch the entry's ring buffer: %s", strerror(-err));
		xt_repl_entry_free(e);
		return -1;
	}
	e->attached = true;
	for (int i = 0; i < prog->nprobes; i++)
		e->nsites += prog->probes[i].nsites;
	R->next_site += prog->nsites;
	for (int i = 0; i < prog->nmaps; i++)
		if (!xt_repl_map_find(prog->maps[i]->name)) {
			R->maps = realloc(R->maps, sizeof(*R->maps) * (R->nmaps + 1));
			R->maps[R->nmaps++] = (struct smap){ prog->maps[i], e };
		}
	R->entries = realloc(R->entries, sizeof(*R->entries) * (R->nentries + 1));
	R->entries[R->nentries++] = e;
	e->id = R->nentries;
	if (!R->opts.quiet) {
		fprintf(R->talk, "[%d] attached ", e->id);
		describe(e, R->talk);
		fputc('\n', R->talk);
	}
	xt_repl_flood_entry_added(e);
	xt_repl_flood_mark();
	xt_rt_run_special(e->rt, false);
	xt_repl_flush(false);
	if (xt_rt_done(e->rt))
		xt_repl_entry_stop(e, "exited", false);
	else
		child_release(); /* as a one-liner starts it: after BEGIN, with the probes in place */
	return 0;
}

struct xt_sema_opts xt_repl_sema_opts(void)
{
	R->cppo = R->opts.cpp;
	/* --include is read by no entry (as before): its text would make every
	 * entry one that opens with C definitions, and statements need none */
	R->cppo.ninclude_files = 0;
	R->cppo.macros_in = R->cpp_macros;
	R->cppo.macros_out = NULL;
	return (struct xt_sema_opts){ .target_pid = R->opts.pid, .cpid = R->cpid, .unsafe = R->opts.unsafe,
				      .params = R->opts.params, .nparams = R->opts.nparams,
				      .max_strlen = R->opts.max_strlen, .max_map_keys = R->opts.max_map_keys,
				      .ncpus = xt_rt_possible_cpus(), .cpp = &R->cppo,
				      .known_macros = R->macros, .nknown_macros = R->nmacros };
}

/* --- definitions that last from one entry to the next ------------------------------ */

/* Whether two macro definitions have the same parameters (count and kinds):
 * the later one replaces the earlier. */
static bool same_params(const struct xt_node *a, const struct xt_node *b)
{
	const struct xt_node *p = a->list, *q = b->list;
	for (; p && q; p = p->next, q = q->next)
		if ((p->kind == XT_N_IDENT) != (q->kind == XT_N_IDENT) || (p->kind != XT_N_IDENT && p->kind != q->kind))
			return false;
	return !p && !q;
}

/* An entry's `macro` definitions join the session's (their nodes stay in
 * the entry's arena, which the session keeps). */
static void add_macros(const struct xt_node *list)
{
	for (const struct xt_node *d = list; d; d = d->next) {
		int j = 0;
		for (int i = 0; i < R->nmacros; i++)
			if (strcmp(R->macros[i]->name, d->name) != 0 || !same_params(R->macros[i], d))
				R->macros[j++] = R->macros[i];
		R->nmacros = j;
		R->macros = realloc(R->macros, sizeof(*R->macros) * (size_t)(R->nmacros + 1));
		if (!R->macros)
			abort();
		R->macros[R->nmacros++] = d;
	}
}

/* The preprocessor lines of text (#define, #include, ...: lines whose first
 * character but blanks is '#', with their continuations), or NULL. */
static char *directive_lines(const char *text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	bool any = false;
	for (const char *l = text; *l;) {
		const char *p = l + strspn(l, " \t");
		const char *e = l;
		do { /* to the end of the line and its continuations */
			e += strcspn(e, "\n");
			if (*e && e > l && e[-1] == '\\')
				e++;
			else
				break;
		} while (*e);
		if (*p == '#' && !(p[1] == '!' && l == text)) {
			fprintf(f, "%.*s\n", (int)(e - p), p);
			any = true;
		}
		l = *e ? e + 1 : e;
	}
	fclose(f);
	if (!any) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Keeps text (taken) for .save, before the next entry; and unit (taken), that holds macros. */
static void add_def(char *text, struct xt_unit *unit)
{
	if (!text && !unit)
		return;
	R->defs = realloc(R->defs, sizeof(*R->defs) * (size_t)(R->ndefs + 1));
	if (!R->defs)
		abort();
	R->defs[R->ndefs++] = (struct def){ .text = text, .before = R->nentries, .unit = unit };
}

int xt_repl_run_entry(const char *name, const char *text, bool file)
{
	struct entry *e = calloc(1, sizeof(*e));
	const struct xt_map_info **known = known_maps();
	struct xt_sema_opts so = xt_repl_sema_opts();
	so.known_maps = known;
	so.nknown_maps = R->nmaps;
	so.site_base = R->next_site;
	so.count_hits = true;
	/* the macros defined at the entry's end: the session's from now on, if it works */
	struct xt_cpp_macros *macros_out = xt_cpp_macros_new();
	R->cppo.macros_out = macros_out;
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	int rc = file ? xt_unit_compile(&e->unit, name, text, &so, 0, &dg)
		      : xt_unit_compile_entry(&e->unit, name, text, &so, &dg);
	R->cppo.macros_out = NULL;
	if (rc < 0 && dg.incomplete && !file) {
		free(known);
		xt_cpp_macros_free(macros_out);
		xt_repl_entry_free(e);
		xt_diags_fini(&dg);
		return 1;
	}
	bool kept = false;
	if (rc == 0 && e->unit.stmts) {
		if (e->unit.stmts->list) /* not only #define lines (or comments): nothing to run */
			xt_repl_run_once(e, &so, &dg);
		kept = !dg.errors;
		if (kept)
			add_def(directive_lines(text), NULL);
		xt_repl_entry_free(e);
	} else if (rc == 0 && e->unit.macros) { /* macro definitions only: the session keeps them */
		struct xt_unit *u = malloc(sizeof(*u));
		if (!u)
			abort();
		*u = e->unit;
		memset(&e->unit, 0, sizeof(e->unit));
		add_macros(u->macros);
		add_def(strdup(text), u);
		xt_repl_entry_free(e);
		kept = true;
	} else if (rc == 0 && !e->unit.prog) { /* C definitions only: read, kept for later entries */
		add_def(strdup(text), NULL);
		xt_repl_entry_free(e);
		kept = true;
	} else if (rc == 0) {
		e->text = strdup(text);
		const struct xt_node *defined = e->unit.prog->ast ? e->unit.prog->ast->c : NULL;
		kept = entry_start(e, &dg) == 0;
		if (kept)
			add_macros(defined);
	} else {
		xt_repl_entry_free(e);
	}
	if (kept) {
		xt_cpp_macros_free(R->cpp_macros);
		R->cpp_macros = macros_out;
	} else {
		xt_cpp_macros_free(macros_out);
	}
	free(known); /* after xt_repl_run_once: its sema reads them */
	show_diags(&dg);
	xt_diags_fini(&dg);
	return 0;
}

/* --- the -c command and the -p process ------------------------------------ */

/* Ends the session from the loop as Ctrl-D does, after saying why. */
static void end_session(const char *fmt, ...)
{
	xt_repl_watch_stop();
	xt_repl_flush(true);
	xt_repl_prompt_off(true); /* nothing more is read: the prompt goes */
	va_list ap;
	va_start(ap, fmt);
	vfprintf(R->talk, fmt, ap);
	va_end(ap);
	fputc('\n', R->talk);
	xt_repl_flush(false);
	R->quit = true;
}

static void on_child_exit(void *ctx)
{
	int st;
	pid_t r;
	while ((r = waitpid(R->child, &st, 0)) < 0 && errno == EINTR)
		;
	xt_loop_remove(R->loop, R->child_fd);
	close(R->child_fd);
	R->child_fd = -1;
	R->child = 0;
	if (r > 0 && WIFSIGNALED(st))
		end_session("the command was killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else if (r > 0)
		end_session("the command exited with status %d", WEXITSTATUS(st));
	else
		end_session("the command exited");
}

static void on_target_exit(void *ctx)
{
	xt_loop_remove(R->loop, R->target_fd);
	close(R->target_fd);
	R->target_fd = -1;
	end_session("process %d exited", (int)R->opts.pid);
}

/* A pidfd for pid on the loop, calling cb when the process exits; -1 after a message. */
static int on_exit_of(pid_t pid, const char *what, void (*cb)(void *ctx))
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);
	int err = fd < 0 ? -errno : xt_loop_add(R->loop, fd, cb, NULL);
	if (err < 0) {
		fprintf(stderr, "xtrace: cannot watch %s %d: %s\n", what, (int)pid, strerror(-err));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Forks the -c command, held before its exec until child_release(). 0, or -1 after a message. */
static int child_spawn(const char *cmd)
{
	R->child = xt_cmd_spawn_held(cmd, &R->child_go_fd);
	if (R->child < 0) { /* xt_cmd_spawn_held said why */
		R->child = 0;
		return -1;
	}
	R->cpid = R->child;
	R->child_fd = on_exit_of(R->child, "the command", on_child_exit);
	return R->child_fd < 0 ? -1 : 0;
}

static void child_release(void)
{
	if (R->child_go_fd < 0)
		return;
	if (write(R->child_go_fd, "g", 1) != 1)
		fprintf(stderr, "xtrace: cannot start the command: %s\n", strerror(errno));
	close(R->child_go_fd);
	R->child_go_fd = -1;
}

/* Ends the -c command when the session ends first, as a one-liner does: one
 * still held exits without running once its go fd closes; a running one gets
 * SIGTERM, and SIGKILL if it is still there 500 ms later. */
static void child_end(void)
{
	if (R->child > 0 && R->child_go_fd < 0)
		xt_rt_end_process(R->child, SIGTERM, 500);
	if (R->child_go_fd >= 0)
		close(R->child_go_fd);
	R->child_go_fd = -1;
	while (R->child > 0 && waitpid(R->child, NULL, 0) < 0 && errno == EINTR)
		; /* a held one exits once its go fd is closed; an ended one is gone already */
	R->child = 0;
	if (R->child_fd >= 0) {
		xt_loop_remove(R->loop, R->child_fd);
		close(R->child_fd);
	}
	R->child_fd = -1;
}

/* --- the start and the end --------------------------------------------------- */

int xt_repl_session_start(void)
{
	if (R->opts.pid > 0 &&
	    (R->target_fd = on_exit_of(R->opts.pid, "process", on_target_exit)) < 0)
		return -1;
	return R->opts.cmd ? child_spawn(R->opts.cmd) : 0;
}

void xt_repl_session_end(void)
{
	xt_repl_watch_stop();
	xt_repl_prompt_off(false);
	xt_repl_flood_end();
	for (int i = 0; i < R->nentries; i++)
		if (R->entries[i]->attached) {
			xt_repl_flood_mark();
			xt_rt_run_special(R->entries[i]->rt, true);
			xt_repl_flood_mark();
			xt_rt_poll(R->entries[i]->rt);
		}
	xt_repl_flush(false);
	if (!R->opts.no_map_dump)
		print_all_maps();
	/* Lost records and refused map updates, per probe, as a one-liner reports them. */
	for (int i = 0; i < R->nentries; i++)
		if (R->entries[i]->rt)
			xt_rt_print_lost(R->entries[i]->rt);
	xt_repl_flush(false);
}


void xt_repl_session_free(void)
{
	child_end();
	for (int i = 0; i < R->nentries; i++)
		xt_repl_entry_free(R->entries[i]);
	if (R->target_fd >= 0)
		close(R->target_fd);
	free(R->entries);
	free(R->maps);
	for (int i = 0; i < R->ndefs; i++) {
		free(R->defs[i].text);
		if (R->defs[i].unit)
			xt_unit_free(R->defs[i].unit);
		free(R->defs[i].unit);
	}
	free(R->defs);
	free(R->macros);
	xt_cpp_macros_free(R->cpp_macros);
}
