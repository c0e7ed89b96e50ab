/* The REPL: every entry is compiled, loaded and attached at once and keeps
 * running while the user adds, inspects and removes others. Maps are the
 * session's (shared by name through bpf_map__reuse_fd); output of running
 * probes is printed above the prompt without garbling the line being typed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <readline/readline.h>
#include <readline/history.h>
#include "repl/driver.h"
#include "repl/repl.h"
#include "runtime/runtime.h"
#include "runtime/symbols.h"
#include "stdlib/registry.h"

#define PROMPT      "xtrace> "
#define PROMPT_MORE "   ...> "
#define HISTORY_MAX 1000

/* One entry that defined probes. Entries live until the session ends, even
 * detached: the maps they created and the types other entries were checked
 * against stay in their object and arena. */
struct entry {
	int id;
	char *text;                /* as typed or loaded, for .save */
	struct xt_unit unit;
	struct xt_rt *rt;
	bool attached;
	int nsites;
};

/* A session map and the entry whose object created it. */
struct smap {
	const struct xt_map_info *info;
	struct entry *owner;
};

/* A memory stream and its buffer. */
struct membuf {
	FILE *f;
	char *buf;
	size_t size;
};

struct repl {
	struct xt_repl_opts opts;
	struct xt_loop *loop;
	struct entry **entries;
	int nentries;
	int next_site;             /* the next entry's first site id: ids are the session's */
	struct smap *maps;
	int nmaps;
	bool tty, quit, rl_on;
	bool direct;               /* stdin is a file epoll cannot watch: read it between loop rounds */
	bool interrupted;          /* attaching was interrupted; the stop signal is not handled yet */
	char *pending;             /* an incomplete entry's lines so far */
	/* What the runtime prints (results) goes to `res`, and the REPL's own
	 * lines ("[2] attached ...") to `talk`; flush_out() copies the first to
	 * `out` (stdout or the -o file) and the second to the terminal. Without
	 * -o they are one stream, so the two keep their order. */
	struct membuf res, own;
	FILE *mem, *talk;          /* res.f, and own.f or res.f */
	FILE *out;
	char *history;
	/* .watch */
	int watch_fd;
	const struct smap *watch;
	double watch_secs;
	struct termios watch_tio;
	bool watch_tio_saved;
	/* the -c command: held until the first entry is attached; its end ends the session */
	pid_t child, cpid;         /* child: 0 once it has been waited for; cpid stays */
	int child_go_fd;           /* writing or closing it lets the command exec; -1 once done */
	int child_fd;              /* its pidfd, readable when it exits */
	int target_fd;             /* the -p process's pidfd */
	/* line-by-line input when stdin is not a terminal */
	char *in;
	size_t inlen, incap;
	bool in_end;
};

static struct repl *R; /* readline's callbacks take no context */

/* --- output ------------------------------------------------------------------ */

static int membuf_open(struct membuf *m)
{
	m->f = open_memstream(&m->buf, &m->size);
	return m->f ? 0 : -errno;
}

static void membuf_close(struct membuf *m)
{
	if (m->f)
		fclose(m->f);
	free(m->buf);
	*m = (struct membuf){ 0 };
}

/* Moves what m holds to `to`. Async text (running probes) on the terminal
 * is drawn above the prompt: the visible line is cleared, the text printed,
 * and the prompt with the user's half-typed line drawn again below it. */
static void membuf_copy(struct membuf *m, FILE *to, bool async)
{
	fflush(m->f);
	long n = ftell(m->f);
	if (n <= 0)
		return;
	bool redraw = to == stdout && async && R->rl_on;
	if (redraw)
		rl_clear_visible_line();
	fwrite(m->buf, 1, (size_t)n, to);
	if (redraw && m->buf[n - 1] != '\n')
		fputc('\n', to);
	rewind(m->f);
	fflush(to);
	if (redraw)
		rl_forced_update_display();
}

/* Copies what the runtime and the REPL printed to where each goes. */
static void flush_out(bool async)
{
	if (R->watch)
		return; /* held until .watch ends, or it would be drawn over */
	membuf_copy(&R->res, R->out, async);
	if (R->own.f)
		membuf_copy(&R->own, stdout, async);
}

static void show_diags(struct xt_diags *dg)
{
	if (dg->len)
		fputs(dg->buf, stderr);
	fflush(stderr);
}

/* --- maps ------------------------------------------------------------------ */

static struct smap *map_find(const char *name)
{
	for (int i = 0; i < R->nmaps; i++)
		if (strcmp(R->maps[i].info->name, name) == 0)
			return &R->maps[i];
	return NULL;
}

static void map_print(const struct smap *sm, size_t top, uint64_t div)
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

/* The session's maps in the order a one-liner prints them; the caller frees the array. */
static const struct xt_map_info **sorted_maps(void)
{
	const struct xt_map_info **k = known_maps();
	xt_rt_sort_maps(k, R->nmaps);
	return k;
}

/* Every map in name order, as a one-liner prints them at exit. */
static void print_all_maps(void)
{
	const struct xt_map_info **order = sorted_maps();
	/* The blank lines before them stay on the terminal, as a one-liner keeps them out of -o FILE. */
	xt_print_dump_begin(R->talk, R->opts.format);
	for (int i = 0; i < R->nmaps; i++)
		map_print(map_find(order[i]->name), 0, 0);
	free(order);
	flush_out(false);
}

/* Says that the map node n names is not one of the session's. */
static void unknown_map(const struct xt_node *n, struct xt_diags *dg)
{
	const char **names = calloc(R->nmaps + 1, sizeof(*names));
	for (int i = 0; i < R->nmaps; i++)
		names[i] = R->maps[i].info->name;
	const char *near = xt_diag_closest(n->name, names, R->nmaps);
	if (near)
		xt_diag_error(dg, n->loc, "unknown map @%s; did you mean @%s?", n->name, near);
	else if (R->nmaps == 0)
		xt_diag_error(dg, n->loc, "unknown map @%s: no entry has defined a map yet", n->name);
	else
		xt_diag_error(dg, n->loc, "unknown map @%s", n->name);
	if (!near)
		xt_diag_note(dg, (struct xt_loc){ 0 }, "statements at the prompt work on the session's maps; "
			     "an entry with a probe creates one, e.g. BEGIN { @%s = 1; }", n->name);
	free(names);
}

/* --- entries ------------------------------------------------------------------ */

/* The first map node in the tree n (and its siblings) whose name `match`
 * accepts, or NULL. */
static struct xt_node *find_map(struct xt_node *n, bool (*match)(const char *name, const void *arg),
				const void *arg)
{
	for (; n; n = n->next) {
		if (n->kind == XT_N_MAP && match(n->name, arg))
			return n;
		struct xt_node *kids[4] = { n->a, n->b, n->c, n->list };
		for (int i = 0; i < 4; i++) {
			struct xt_node *f = find_map(kids[i], match, arg);
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

/* Where map `name` is first used in the tree n, or NULL. */
static struct xt_node *first_use(struct xt_node *n, const char *name)
{
	return find_map(n, same_name, name);
}

/* A session map keeps its types: sema checks uses against them, and this
 * catches anything that would still lay the map out differently. */
static int check_maps(struct entry *e, struct xt_diags *dg)
{
	const struct xt_program *prog = e->unit.prog;
	for (int i = 0; i < prog->nmaps; i++) {
		const struct xt_map_info *m = prog->maps[i];
		struct smap *sm = map_find(m->name);
		if (!sm)
			continue;
		const struct xt_map_info *k = sm->info;
		bool same = m->key_size == k->key_size && m->value_size == k->value_size && m->percpu == k->percpu &&
			    (m->key == k->key || (m->key && k->key && xt_type_eq(m->key, k->key))) &&
			    xt_type_eq(m->val, k->val);
		if (same)
			continue;
		struct xt_node *use = first_use(prog->ast, m->name);
		xt_diag_error(dg, use ? use->loc : (struct xt_loc){ 0 },
			      "@%s is %s in entry %d; this use would change its type to %s", m->name,
			      xt_type_name(e->unit.ar, k->val), sm->owner->id, xt_type_name(e->unit.ar, m->val));
		return -1;
	}
	return 0;
}

static void on_entry_events(void *ctx);

static void entry_free(struct entry *e)
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

/* Stops an entry: its END runs, its last records are printed, its links go. */
static void entry_stop(struct entry *e, const char *why, bool async)
{
	if (!e->attached)
		return;
	xt_rt_run_special(e->rt, true);
	xt_rt_poll(e->rt);
	xt_loop_remove(R->loop, xt_rt_events_fd(e->rt));
	xt_rt_detach(e->rt);
	e->attached = false;
	if (why)
		fprintf(R->talk, "[%d] %s\n", e->id, why);
	flush_out(async);
}

static void on_entry_events(void *ctx)
{
	struct entry *e = ctx;
	xt_rt_poll(e->rt);
	flush_out(true);
	if (xt_rt_done(e->rt))
		entry_stop(e, "exited", true);
}

/* "N probes: a, b" from the probes as written (or their one site's full name). */
static void describe(struct entry *e, FILE *out)
{
	const struct xt_program *prog = e->unit.prog;
	fprintf(out, "%d probe%s: ", e->nsites, e->nsites == 1 ? "" : "s");
	for (int i = 0; i < prog->nprobes; i++) {
		const struct xt_probe_info *p = &prog->probes[i];
		fputs(i ? ", " : "", out);
		if (p->nsites == 1) {
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
static struct xt_rt *entry_open(struct entry *e, struct xt_diags *dg)
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
				 .release_in_background = true };
	e->rt = xt_rt_open(&e->unit.compiled, &ro, dg);
	free(shared);
	return e->rt;
}

/* Loads and attaches a compiled entry. Takes e (freed on failure). */
static int entry_start(struct entry *e, struct xt_diags *dg)
{
	const struct xt_program *prog = e->unit.prog;
	if (check_maps(e, dg) < 0) {
		entry_free(e);
		return -1;
	}
	entry_open(e, dg);
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
		entry_free(e);
		return -1;
	}
	if (!err)
		err = xt_loop_add(R->loop, xt_rt_events_fd(e->rt), on_entry_events, e);
	if (err < 0) {
		if (e->rt && !dg->errors)
			xt_diag_plain(dg, "cannot watch the entry's ring buffer: %s", strerror(-err));
		entry_free(e);
		return -1;
	}
	e->attached = true;
	for (int i = 0; i < prog->nprobes; i++)
		e->nsites += prog->probes[i].nsites;
	R->next_site += prog->nsites;
	for (int i = 0; i < prog->nmaps; i++)
		if (!map_find(prog->maps[i]->name)) {
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
	xt_rt_run_special(e->rt, false);
	flush_out(false);
	if (xt_rt_done(e->rt))
		entry_stop(e, "exited", false);
	else
		child_release(); /* as a one-liner starts it: after BEGIN, with the probes in place */
	return 0;
}

/* What every entry is compiled with: the command line's options. */
static struct xt_sema_opts sema_opts(void)
{
	return (struct xt_sema_opts){ .target_pid = R->opts.target_pid, .cpid = R->cpid, .unsafe = R->opts.unsafe,
				      .params = R->opts.params, .nparams = R->opts.nparams,
				      .ncpus = xt_rt_possible_cpus() };
}

/* --- statements at the prompt ------------------------------------------------ */

static bool not_session(const char *name, const void *arg)
{
	return !map_find(name);
}

/* Whether session map `name` has a key of type probe (alone or in a tuple). */
static bool probe_keyed(const char *name, const void *arg)
{
	const struct smap *sm = map_find(name);
	const struct xt_type *k = sm ? sm->info->key : NULL;
	for (int i = 0; k && k->kind == XT_T_TUPLE && i < k->n; i++)
		if (k->elems[i]->kind == XT_T_PROBE)
			return true;
	return k && k->kind == XT_T_PROBE;
}

/* A bare value at the prompt is printed: `@x`, `@x[k]`, `len(@x)`, `$a + 1`
 * mean print(...). Calls that are statements (printf, clear, ...) and
 * increments stay as they are. */
static bool is_value(const struct xt_node *x)
{
	if (x->kind == XT_N_INCDEC)
		return false;
	if (x->kind != XT_N_CALL)
		return true;
	const struct xt_builtin *b = xt_builtin_find(x->name, XT_BI_FUNC);
	return b && !(b->flags & XT_BIF_NOVALUE);
}

/* The maps typed alone at the prompt (`@x`), to say "@x is empty" of. */
struct bare_maps {
	const char **names;
	int n;
};

/* The statements typed at the prompt as the program `BEGIN { <statements> }`,
 * bare values wrapped in print(); the whole maps among them go to *bare. */
static struct xt_node *as_begin(struct xt_arena *ar, struct xt_node *block, struct bare_maps *bare)
{
	bare->names = xt_arena_alloc(ar, sizeof(*bare->names) * (size_t)(xt_node_count(block->list) + 1));
	bare->n = 0;
	for (struct xt_node *st = block->list; st; st = st->next) {
		struct xt_node *x = st->kind == XT_N_EXPR_STMT ? st->a : NULL;
		if (!x || !is_value(x))
			continue;
		if (x->kind == XT_N_MAP && !x->list)
			bare->names[bare->n++] = x->name;
		struct xt_node *call = xt_node_new(ar, XT_N_CALL, x->loc);
		call->name = "print"; /* the builtin that prints any value, or a whole map */
		call->list = x;
		st->a = call;
	}
	struct xt_node *at = xt_node_new(ar, XT_N_ATTACH, block->loc);
	at->name = "BEGIN";
	struct xt_node *probe = xt_node_new(ar, XT_N_PROBE, block->loc);
	probe->list = at;
	probe->b = block;
	struct xt_node *prog = xt_node_new(ar, XT_N_PROGRAM, block->loc);
	prog->list = probe;
	return prog;
}

/* Whether m holds nothing but line ends. */
static bool membuf_blank(struct membuf *m)
{
	fflush(m->f);
	for (long i = 0, n = ftell(m->f); i < n; i++)
		if (m->buf[i] != '\n')
			return false;
	return true;
}

static bool map_empty(const char *name)
{
	const struct smap *sm = map_find(name);
	return sm && xt_rt_map_count(sm->owner->rt, sm->info) == 0;
}

/* A map typed alone that is empty prints as a blank line in a program; at
 * the prompt it says "@x is empty" (when nothing else was printed). */
static void say_empty(const struct bare_maps *bare)
{
	bool any = false;
	for (int i = 0; i < bare->n && !any; i++)
		any = map_empty(bare->names[i]);
	if (!any || R->opts.format != XT_FMT_TEXT || !membuf_blank(&R->res))
		return;
	rewind(R->mem); /* the blank lines */
	for (int i = 0; i < bare->n; i++)
		if (map_empty(bare->names[i]))
			fprintf(R->talk, "@%s is empty\n", bare->names[i]);
}

/* Runs statements typed at the prompt (e->unit.stmts) at once, as a BEGIN
 * probe of a program of their own on the session's maps: compiled like an
 * entry, loaded with the maps shared, run with BPF_PROG_TEST_RUN, its records
 * printed, then closed. Every builtin and expression works as in a probe. */
static void run_once(struct entry *e, struct xt_sema_opts *so, struct xt_diags *dg)
{
	struct xt_unit *u = &e->unit;
	/* A map it created would be gone with it, as soon as it ran. */
	struct xt_node *unknown = find_map(u->stmts, not_session, NULL);
	if (unknown) {
		unknown_map(unknown, dg);
		return;
	}
	struct bare_maps bare;
	struct xt_node *ast = as_begin(u->ar, u->stmts, &bare);
	so->count_hits = false; /* nothing reads them: it is closed before .probes could */
	u->prog = xt_sema(u->ar, &u->src, ast, so, dg);
	if (!u->prog && find_map(u->stmts, probe_keyed, NULL))
		xt_diag_note(dg, (struct xt_loc){ 0 }, "a key of type probe cannot be written at the prompt: "
			     "there is no literal for one (a probe's name is a string)");
	if (!u->prog || xt_codegen(u->prog, 0, &u->compiled, dg) < 0 || check_maps(e, dg) < 0 ||
	    !entry_open(e, dg))
		return;
	R->next_site += u->prog->nsites; /* its `probe` stays its own in a map it fills */
	flush_out(false);
	xt_rt_run_special(e->rt, false);
	say_empty(&bare);
	flush_out(false);
}

/* Compiles and runs one entry. Returns 1 when it needs more lines. */
static int run_entry(const char *name, const char *text, bool file)
{
	struct entry *e = calloc(1, sizeof(*e));
	const struct xt_map_info **known = known_maps();
	struct xt_sema_opts so = sema_opts();
	so.known_maps = known;
	so.nknown_maps = R->nmaps;
	so.site_base = R->next_site;
	so.count_hits = true;
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	int rc = file ? xt_unit_compile(&e->unit, name, text, &so, 0, &dg)
		      : xt_unit_compile_entry(&e->unit, name, text, &so, &dg);
	if (rc < 0 && dg.incomplete && !file) {
		free(known);
		entry_free(e);
		xt_diags_fini(&dg);
		return 1;
	}
	const char *w = text + strspn(text, " \t\n");
	if (rc < 0 && !file && strncmp(w, "macro", 5) == 0 && (w[5] == ' ' || w[5] == '\t')) {
		/* macros are part of a program: a REPL entry that is only macros has nothing to keep them in */
		xt_diags_fini(&dg);
		xt_diags_init(&dg, NULL);
		xt_diag_plain(&dg, "a macro is defined in the entry whose probes use it (macro f($x) { ... } "
			      "BEGIN { ... }); entries do not keep macros for later entries");
	}
	if (rc == 0 && e->unit.stmts) {
		run_once(e, &so, &dg);
		entry_free(e);
	} else if (rc == 0) {
		e->text = strdup(text);
		entry_start(e, &dg);
	} else {
		entry_free(e);
	}
	free(known); /* after run_once: its sema reads them */
	show_diags(&dg);
	xt_diags_fini(&dg);
	return 0;
}

/* --- .watch ------------------------------------------------------------------ */

static void watch_draw(void)
{
	const struct smap *sm = R->watch;
	R->watch = NULL; /* let flush_out through */
	time_t now = time(NULL);
	char tbuf[64];
	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", localtime(&now));
	fputs("\033[H\033[2J", stdout);
	printf("Every %gs: @%s    %s    (Ctrl-C to stop)\n", R->watch_secs, sm->info->name, tbuf);
	flush_out(false); /* anything printed before, where it goes */
	map_print(sm, 0, 0);
	membuf_copy(&R->res, stdout, false); /* the drawing is the terminal's, even with -o */
	R->watch = sm;
}

static void on_watch_timer(void *ctx)
{
	uint64_t ticks;
	if (read(R->watch_fd, &ticks, sizeof(ticks)) > 0 && R->watch)
		watch_draw();
}

static void on_line(char *line);

static void watch_stop(void)
{
	if (!R->watch)
		return;
	xt_loop_remove(R->loop, R->watch_fd);
	close(R->watch_fd);
	R->watch_fd = -1;
	R->watch = NULL;
	if (R->watch_tio_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &R->watch_tio);
	R->watch_tio_saved = false;
	fputc('\n', stdout);
	flush_out(false);
	if (R->tty) {
		rl_callback_handler_install(PROMPT, on_line);
		R->rl_on = true;
	}
}

static void cmd_watch(const char *arg)
{
	char name[256];
	double secs = 1;
	int n = arg ? sscanf(arg, " @%255s %lf", name, &secs) : 0;
	if (n < 1) {
		fprintf(stderr, "usage: .watch @MAP [SECONDS]\n");
		return;
	}
	struct smap *sm = map_find(name);
	if (!sm) {
		fprintf(stderr, "xtrace: unknown map @%s\n", name);
		return;
	}
	if (!(secs >= 0.05 && secs <= 86400)) {
		fprintf(stderr, "xtrace: .watch needs an interval between 0.05 and 86400 seconds\n");
		return;
	}
	R->watch_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	struct itimerspec it = { .it_interval = { (time_t)secs, (long)((secs - (time_t)secs) * 1e9) } };
	it.it_value = it.it_interval;
	if (R->watch_fd < 0 || timerfd_settime(R->watch_fd, 0, &it, NULL) < 0 ||
	    xt_loop_add(R->loop, R->watch_fd, on_watch_timer, NULL) < 0) {
		fprintf(stderr, "xtrace: cannot start a timer: %s\n", strerror(errno));
		if (R->watch_fd >= 0)
			close(R->watch_fd);
		R->watch_fd = -1;
		return;
	}
	R->watch_secs = secs;
	/* No prompt while watching; keys are read and dropped, without echo. */
	if (R->tty) {
		rl_callback_handler_remove();
		R->rl_on = false;
	}
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &R->watch_tio) == 0) {
		struct termios t = R->watch_tio;
		t.c_lflag &= ~(ICANON | ECHO);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
		R->watch_tio_saved = true;
	}
	R->watch = sm;
	watch_draw();
}

/* --- dot-commands ------------------------------------------------------------ */

struct command {
	const char *name;
	const char *args;
	const char *help;
	void (*run)(const char *arg);
};

static const struct command commands[];

static void cmd_help(const char *arg)
{
	bool all = !arg || !*arg;
	bool any = false;
	if (all || strcmp(arg, "commands") == 0) {
		puts("Commands:");
		for (const struct command *c = commands; c->name; c++) {
			char head[64];
			snprintf(head, sizeof(head), "%s%s%s", c->name, c->args ? " " : "", c->args ? c->args : "");
			printf("  %-22s %s\n", head, c->help);
		}
		any = true;
	}
	if (all) {
		puts("\nAn entry with probes is attached at once and keeps running. Statements without a");
		puts("probe run at once on the session's maps, as in BEGIN: @x, @x[k], len(@x), print(@x, N),");
		puts("clear(@x), delete(@x[k]), $v = 3; printf(...); a bare value is printed.");
		puts("'.help probes' and '.help builtins' list the language; '.help NAME' one item.");
		return;
	}
	if (strcmp(arg, "probes") == 0) {
		puts("Probe types:");
		for (const struct xt_provider *const *p = xt_providers(); *p; p++)
			printf("  %-22s %s\n", (*p)->name, (*p)->help ? (*p)->help : "");
		any = true;
	}
	if (strcmp(arg, "builtins") == 0) {
		puts("Builtins:");
		for (const struct xt_builtin *const *b = xt_builtins(); *b; b++) {
			char head[64];
			snprintf(head, sizeof(head), "%s%s", (*b)->name, (*b)->kind == XT_BI_FUNC ? "()" : "");
			printf("  %-22s %s\n", head, (*b)->help ? (*b)->help : "");
		}
		any = true;
	}
	const char *topic = arg[0] == '.' ? arg + 1 : arg;
	for (const struct command *c = commands; c->name; c++)
		if (strcmp(c->name + 1, topic) == 0) {
			printf("%s%s%s\n    %s\n", c->name, c->args ? " " : "", c->args ? c->args : "", c->help);
			any = true;
		}
	for (const struct xt_provider *const *p = xt_providers(); *p; p++)
		if (strcmp((*p)->name, arg) == 0 || ((*p)->alias && strcmp((*p)->alias, arg) == 0)) {
			printf("%s (probe type%s%s)\n    %s\n", (*p)->name, (*p)->alias ? ", alias " : "",
			       (*p)->alias ? (*p)->alias : "", (*p)->help ? (*p)->help : "");
			any = true;
		}
	for (const struct xt_builtin *const *b = xt_builtins(); *b; b++)
		if (strcmp((*b)->name, arg) == 0) {
			printf("%s%s (builtin %s)\n    %s\n", (*b)->name, (*b)->kind == XT_BI_FUNC ? "()" : "",
			       (*b)->kind == XT_BI_FUNC ? "function" : "variable", (*b)->help ? (*b)->help : "");
			any = true;
		}
	if (!any)
		fprintf(stderr, "xtrace: no help on '%s'; try .help, .help probes or .help builtins\n", arg);
}

static const char *hits_text(struct entry *e, int site, char *buf, size_t len)
{
	uint64_t n;
	if (xt_rt_site_hits(e->rt, site, &n) < 0)
		return "?";
	snprintf(buf, len, "%llu", (unsigned long long)n);
	return buf;
}

/* Every entry, each probe with how often it fired: the sum of its sites'
 * counters, and for a probe of many sites each site that fired. */
static void cmd_probes(const char *arg)
{
	for (int i = 0; i < R->nentries; i++) {
		struct entry *e = R->entries[i];
		const struct xt_program *prog = e->unit.prog;
		for (int j = 0; j < prog->nprobes; j++) {
			const struct xt_probe_info *p = &prog->probes[j];
			char where[512] = "", num[16] = "", hits[32];
			if (p->nsites == 1) {
				snprintf(where, sizeof(where), "%s", p->sites[0].name);
			} else {
				size_t off = 0;
				for (struct xt_node *a = p->node->list; a && off < sizeof(where); a = a->next)
					off += (size_t)snprintf(where + off, sizeof(where) - off, "%s%s", off ? ", " : "", a->name);
				if (off < sizeof(where))
					snprintf(where + off, sizeof(where) - off, " (%d)", p->nsites);
			}
			uint64_t sum = 0, n;
			bool known = true;
			for (int k = 0; k < p->nsites && known; k++) {
				known = xt_rt_site_hits(e->rt, p->sites[k].id, &n) == 0;
				sum += known ? n : 0;
			}
			snprintf(hits, sizeof(hits), known ? "%llu" : "?", (unsigned long long)sum);
			if (j == 0)
				snprintf(num, sizeof(num), "[%d]", e->id);
			printf("%-5s %-50s %10s hits%s\n", num, where, hits, e->attached ? "" : " (detached)");
			for (int k = 0; p->nsites > 1 && known && k < p->nsites; k++) {
				char one[32];
				const char *h = hits_text(e, p->sites[k].id, one, sizeof(one));
				if (strcmp(h, "0") != 0)
					printf("        %-48s %10s\n", p->sites[k].name, h);
			}
		}
	}
	if (!R->nentries)
		puts("no entry has been attached yet");
}

static void cmd_detach(const char *arg)
{
	if (arg && strcmp(arg, "all") == 0) {
		for (int i = 0; i < R->nentries; i++)
			entry_stop(R->entries[i], "detached", false);
		return;
	}
	char *end;
	long n = arg ? strtol(arg, &end, 10) : 0;
	if (!arg || end == arg || *end) {
		fprintf(stderr, "usage: .detach N (an entry's number, see .probes) or .detach all\n");
		return;
	}
	if (n < 1 || n > R->nentries) {
		fprintf(stderr, "xtrace: no entry %s (.probes lists them)\n", arg);
		return;
	}
	struct entry *e = R->entries[n - 1];
	if (!e->attached)
		fprintf(stderr, "xtrace: entry %ld is not attached\n", n);
	entry_stop(e, "detached", false);
}

static void cmd_maps(const char *arg)
{
	if (!R->nmaps) {
		puts("no maps yet");
		return;
	}
	struct xt_arena *ar = xt_arena_new();
	const struct xt_map_info **order = sorted_maps();
	for (int i = 0; i < R->nmaps; i++) {
		const struct xt_map_info *m = order[i];
		long n = xt_rt_map_count(map_find(m->name)->owner->rt, m);
		char name[256];
		snprintf(name, sizeof(name), "@%s", m->name);
		printf("%-16s key %-24s value %-16s %ld entr%s\n", name, m->key ? xt_type_name(ar, m->key) : "-",
		       xt_type_name(ar, m->val), n, n == 1 ? "y" : "ies");
	}
	free(order);
	xt_arena_free(ar);
}

static void cmd_list(const char *arg)
{
	xt_list_probes(stdout, arg && *arg ? arg : NULL, false);
}


static void cmd_load(const char *arg)
{
	if (!arg || !*arg) {
		fprintf(stderr, "usage: .load FILE.xt\n");
		return;
	}
	char *text = xt_read_file(arg);
	if (!text) {
		fprintf(stderr, "xtrace: cannot read %s: %s\n", arg, strerror(errno));
		return;
	}
	run_entry(arg, text, true);
	free(text);
}

/* The script .save writes: the entries marked in `keep`, in order. A
 * detached one is there because a running one needs its maps. */
static char *save_text(const bool *keep)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fputs("#!/usr/bin/env xtrace\n", f);
	for (int i = 0; i < R->nentries; i++) {
		struct entry *e = R->entries[i];
		if (!keep[i])
			continue;
		const char *t = e->text;
		if (t[0] == '#' && t[1] == '!') /* a loaded script's own #! line */
			t += strcspn(t, "\n");
		while (*t == '\n')
			t++;
		size_t n = strlen(t);
		while (n && (t[n - 1] == '\n' || t[n - 1] == ' '))
			n--;
		fprintf(f, "\n// entry %d%s\n%.*s\n", e->id,
			e->attached ? "" : " (detached in the session; kept for the maps it defines)", (int)n, t);
	}
	fclose(f);
	return buf;
}

/* Whether the script `text` compiles on its own and gives every session
 * map the kept entries use the type it has in the session. Otherwise marks
 * the entries that created the maps in question in `keep`; returns whether
 * it marked any. */
static bool save_needs_more(const char *text, bool *keep)
{
	struct xt_unit u;
	struct xt_diags dg;
	xt_diags_init(&dg, NULL);
	struct xt_sema_opts so = sema_opts();
	bool ok = xt_unit_compile(&u, "<save>", text, &so, 0, &dg) == 0;
	bool more = false;
	for (int i = 0; i < R->nentries; i++) {
		const struct xt_program *prog = R->entries[i]->unit.prog;
		for (int j = 0; keep[i] && j < prog->nmaps; j++) {
			/* prog->maps holds every session map the entry was checked
			 * against; only those its own text names tie it to their owner. */
			if (!first_use(prog->ast, prog->maps[j]->name))
				continue;
			struct smap *sm = map_find(prog->maps[j]->name);
			int owner = sm ? sm->owner->id - 1 : -1;
			if (owner < 0 || keep[owner])
				continue;
			bool same = false;
			for (int k = 0; ok && k < u.prog->nmaps && !same; k++) {
				const struct xt_map_info *m = u.prog->maps[k], *w = sm->info;
				same = strcmp(m->name, w->name) == 0 && xt_type_eq(m->val, w->val) &&
				       (m->key == w->key || (m->key && w->key && xt_type_eq(m->key, w->key)));
			}
			if (!same)
				more = keep[owner] = true;
		}
	}
	xt_diags_fini(&dg);
	xt_unit_free(&u);
	return more;
}

/* Writes the attached entries as a script, and the detached ones whose maps
 * they need: without the entry that defines @x, `print(@x)` alone has no type. */
static void cmd_save(const char *arg)
{
	if (!arg || !*arg) {
		fprintf(stderr, "usage: .save FILE.xt\n");
		return;
	}
	bool *keep = calloc((size_t)R->nentries + 1, sizeof(*keep));
	int n = 0, extra = 0;
	for (int i = 0; i < R->nentries; i++)
		keep[i] = R->entries[i]->attached;
	char *text = save_text(keep);
	for (int round = 0; text && round < R->nentries && save_needs_more(text, keep); round++) {
		free(text);
		text = save_text(keep);
	}
	for (int i = 0; i < R->nentries; i++) {
		n += keep[i];
		extra += keep[i] && !R->entries[i]->attached;
	}
	free(keep);
	FILE *f = text ? fopen(arg, "w") : NULL;
	bool written = f && fputs(text, f) >= 0;
	if (f && fclose(f) != 0)
		written = false;
	if (!written) {
		fprintf(stderr, "xtrace: cannot write %s: %s\n", arg, strerror(errno));
	} else if (extra) {
		printf("saved %d entr%s to %s (%d detached, kept for the maps the others use)\n", n,
		       n == 1 ? "y" : "ies", arg, extra);
	} else {
		printf("saved %d entr%s to %s\n", n, n == 1 ? "y" : "ies", arg);
	}
	free(text);
}

static void cmd_format(const char *arg)
{
	if (arg && strcmp(arg, "text") == 0)
		R->opts.format = XT_FMT_TEXT;
	else if (arg && strcmp(arg, "json") == 0)
		R->opts.format = XT_FMT_JSON;
	else {
		fprintf(stderr, "usage: .format text|json (now %s)\n", R->opts.format == XT_FMT_JSON ? "json" : "text");
		return;
	}
	for (int i = 0; i < R->nentries; i++)
		xt_rt_set_output(R->entries[i]->rt, R->mem, R->opts.format);
}

static void cmd_quit(const char *arg)
{
	R->quit = true;
}

static const struct command commands[] = {
	{ ".help", "[TOPIC]", "this help; TOPIC: probes, builtins, a command, a probe type or a builtin", cmd_help },
	{ ".probes", NULL, "the entries: numbers, attach points, how often each probe ran", cmd_probes },
	{ ".detach", "N|all", "detach entry N (or all); its maps stay", cmd_detach },
	{ ".maps", NULL, "the session's maps: key and value types, number of entries", cmd_maps },
	{ ".list", "[PATTERN]", "list probes matching PATTERN, as xtrace -l", cmd_list },
	{ ".watch", "@MAP [SECONDS]", "redraw @MAP every SECONDS (default 1) until Ctrl-C", cmd_watch },
	{ ".load", "FILE.xt", "run a script's probes in the session", cmd_load },
	{ ".save", "FILE.xt", "write the running entries as a script for 'xtrace FILE.xt'", cmd_save },
	{ ".format", "text|json", "how maps and events are printed", cmd_format },
	{ ".quit", NULL, "print the maps, detach everything and leave (also Ctrl-D)", cmd_quit },
	{ 0 },
};

static void run_command(char *line)
{
	char *p = line + strspn(line, " \t");
	size_t n = strcspn(p, " \t");
	char *arg = p + n;
	arg += strspn(arg, " \t");
	size_t alen = strlen(arg);
	while (alen && (arg[alen - 1] == ' ' || arg[alen - 1] == '\t'))
		arg[--alen] = 0;
	for (const struct command *c = commands; c->name; c++)
		if (strlen(c->name) == n && strncmp(c->name, p, n) == 0) {
			c->run(alen ? arg : NULL);
			fflush(stdout);
			return;
		}
	const char *names[16];
	int k = 0;
	for (const struct command *c = commands; c->name && k < 16; c++)
		names[k++] = c->name;
	char word[64];
	snprintf(word, sizeof(word), "%.*s", (int)(n < 63 ? n : 63), p);
	const char *near = xt_diag_closest(word, names, (size_t)k);
	if (near)
		fprintf(stderr, "xtrace: unknown command '%s'; did you mean '%s'?\n", word, near);
	else
		fprintf(stderr, "xtrace: unknown command '%s'; .help lists the commands\n", word);
}

/* --- input ------------------------------------------------------------------ */

static void history_add(const char *text)
{
	if (!R->tty || !R->history)
		return;
	/* One history line per entry, so a multi-line entry comes back whole. */
	char *one = strdup(text);
	for (char *c = one; *c; c++)
		if (*c == '\n')
			*c = ' ';
	HIST_ENTRY *last = history_length ? history_get(history_base + history_length - 1) : NULL;
	if (!last || strcmp(last->line, one) != 0) {
		add_history(one);
		append_history(1, R->history);
	}
	free(one);
}

/* One line of input: a command, or a line of an entry. */
static void take_line(const char *line)
{
	if (!R->pending) {
		const char *p = line + strspn(line, " \t");
		if (!*p)
			return;
		if (*p == '.') {
			history_add(p);
			char *copy = strdup(p);
			run_command(copy);
			free(copy);
			return;
		}
		R->pending = strdup(line);
	} else {
		size_t a = strlen(R->pending), b = strlen(line);
		R->pending = realloc(R->pending, a + b + 2);
		R->pending[a] = '\n';
		memcpy(R->pending + a + 1, line, b + 1);
	}
	if (run_entry("<stdin>", R->pending, false) == 1)
		return; /* more to come */
	history_add(R->pending);
	free(R->pending);
	R->pending = NULL;
}

static void on_line(char *line)
{
	if (!line) { /* Ctrl-D */
		fputc('\n', stdout);
		R->quit = true;
		rl_callback_handler_remove();
		R->rl_on = false;
		return;
	}
	take_line(line);
	free(line);
	if (R->quit) {
		rl_callback_handler_remove();
		R->rl_on = false;
	} else if (R->rl_on) {
		rl_set_prompt(R->pending ? PROMPT_MORE : PROMPT);
	}
}

/* stdin when it is not a terminal: whole lines, no prompt, no editing. */

static bool lines_waiting(void)
{
	return R->inlen && memchr(R->in, '\n', R->inlen);
}

/* Takes the whole lines read so far, and at the end of input the rest; stops
 * after a line whose attaching was interrupted, until the loop has handled
 * that stop signal (the next line would see it too). */
static void take_input(void)
{
	char *start = R->in, *nl;
	while (!R->quit && !R->interrupted && (nl = memchr(start, '\n', R->inlen - (size_t)(start - R->in)))) {
		*nl = 0;
		take_line(start);
		start = nl + 1;
	}
	R->inlen -= (size_t)(start - R->in);
	memmove(R->in, start, R->inlen);
	if (!R->in_end || R->quit || R->interrupted || lines_waiting())
		return;
	if (R->inlen) {
		R->in[R->inlen] = 0;
		R->inlen = 0;
		take_line(R->in);
	}
	if (R->pending)
		fprintf(stderr, "xtrace: the input ended inside an entry (an open brace, parenthesis or string); it was not run\n");
	R->quit = true;
}

static void read_lines(void)
{
	if (R->incap - R->inlen < 4096) {
		R->incap = R->incap * 2 + 4096;
		R->in = realloc(R->in, R->incap);
	}
	ssize_t n = read(STDIN_FILENO, R->in + R->inlen, R->incap - R->inlen - 1);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0)
		R->in_end = true;
	else
		R->inlen += (size_t)n;
	take_input();
}

static void on_stdin(void *ctx)
{
	if (R->watch) {
		char buf[64];
		ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n == 0 || (n > 0 && memchr(buf, 'q', (size_t)n)))
			watch_stop();
		if (n == 0 && !R->tty)
			R->quit = true;
		return;
	}
	if (R->tty)
		rl_callback_read_char();
	else
		read_lines();
}

/* Reaps the children nobody else waits for: the processes that release a
 * closed entry's links in the background. The -c command is on_child_exit's;
 * system()'s children are waited for before the loop runs again. */
static void reap(void)
{
	for (;;) {
		siginfo_t si = { 0 };
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid <= 0 || si.si_pid == R->child)
			return;
		waitpid(si.si_pid, NULL, WNOHANG);
	}
}

static void on_signal(void *ctx, const struct signalfd_siginfo *si)
{
	if (si->ssi_signo == SIGINT || si->ssi_signo == SIGTERM || si->ssi_signo == SIGHUP) {
		bool taken = R->interrupted;
		R->interrupted = false;
		if (taken && si->ssi_signo == SIGINT)
			return; /* it cancelled the entry being attached, and that is all */
	}
	switch (si->ssi_signo) {
	case SIGINT:
		if (R->watch) {
			watch_stop();
			return;
		}
		free(R->pending);
		R->pending = NULL;
		if (!R->rl_on)
			return;
		/* Ctrl-C: drop the line being typed, like a shell. */
		rl_free_line_state();
		rl_callback_sigcleanup();
		rl_point = rl_end;
		rl_redisplay();
		fputs("^C\n", stdout);
		rl_replace_line("", 0);
		using_history();
		rl_set_prompt(PROMPT);
		rl_on_new_line();
		rl_redisplay();
		return;
	case SIGWINCH:
		if (R->rl_on)
			rl_resize_terminal();
		return;
	case SIGTERM:
	case SIGHUP:
		R->quit = true;
		return;
	case SIGCHLD:
		reap();
		return;
	default:
		return;
	}
}

/* --- completion ------------------------------------------------------------ */

struct cands {
	char **v;
	int n, cap;
};

static struct cands C;

static void cand_add(const char *s, size_t len)
{
	for (int i = 0; i < C.n; i++)
		if (strlen(C.v[i]) == len && strncmp(C.v[i], s, len) == 0)
			return;
	if (C.n == C.cap) {
		C.cap = C.cap ? C.cap * 2 : 64;
		C.v = realloc(C.v, sizeof(*C.v) * C.cap);
	}
	C.v[C.n++] = strndup(s, len);
}

static void cands_clear(void)
{
	for (int i = 0; i < C.n; i++)
		free(C.v[i]);
	C.n = 0;
}

static char *cand_next(const char *text, int state)
{
	static int i;
	if (state == 0)
		i = 0;
	size_t len = strlen(text);
	while (i < C.n) {
		const char *c = C.v[i++];
		if (strncmp(c, text, len) == 0)
			return strdup(c);
	}
	return NULL;
}

struct probe_ctx {
	const char *typed;         /* what the user typed, e.g. "t:syscalls:sys_enter_op" */
	size_t typelen;            /* length of the probe type as typed ("t") */
	const char *prov;          /* the provider's name ("tracepoint") */
};

/* A listed probe, as the user spells its type, cut after the next ':' past
 * what was typed: "tracepoint:sys" offers "tracepoint:syscalls:". */
static void probe_cand(const char *name, const char *detail, void *arg)
{
	struct probe_ctx *pc = arg;
	size_t plen = strlen(pc->prov);
	if (strncmp(name, pc->prov, plen) != 0 || name[plen] != ':')
		return;
	char full[1024];
	snprintf(full, sizeof(full), "%.*s%s", (int)pc->typelen, pc->typed, name + plen);
	size_t tl = strlen(pc->typed);
	if (strncmp(full, pc->typed, tl) != 0) {
		/* The provider may spell the target otherwise (uprobe:/bin/bash lists as
		 * /usr/bin/bash): keep what was typed up to its last ':' and offer the
		 * listed names' last part. */
		const char *tcolon = strrchr(pc->typed, ':'), *ncolon = strrchr(name, ':');
		size_t keep = tcolon ? (size_t)(tcolon - pc->typed) + 1 : 0;
		if (!tcolon || !ncolon || tcolon == strchr(pc->typed, ':') ||
		    strncmp(ncolon + 1, tcolon + 1, strlen(tcolon + 1)) != 0)
			return;
		snprintf(full, sizeof(full), "%.*s%s", (int)keep, pc->typed, ncolon + 1);
		cand_add(full, strlen(full));
		return;
	}
	const char *colon = strchr(full + tl, ':');
	cand_add(full, colon ? (size_t)(colon - full) + 1 : strlen(full));
}

static void complete_probes(const char *text)
{
	const char *colon = strchr(text, ':');
	char type[64];
	snprintf(type, sizeof(type), "%.*s", (int)(colon - text < 63 ? colon - text : 63), text);
	const struct xt_provider *p = xt_provider_find(type);
	if (!p || !p->list)
		return;
	char spec[1024];
	snprintf(spec, sizeof(spec), "%s*", colon + 1);
	struct probe_ctx pc = { text, (size_t)(colon - text), p->name };
	p->list(spec, false, probe_cand, &pc);
}

static void complete_words(const char *text)
{
	for (const struct xt_provider *const *p = xt_providers(); *p; p++) {
		char buf[80];
		bool bare = (*p)->flags & XT_PROVF_NOTARGET;
		snprintf(buf, sizeof(buf), "%s%s", (*p)->name, bare ? "" : ":");
		cand_add(buf, strlen(buf));
	}
	for (const struct xt_builtin *const *b = xt_builtins(); *b; b++)
		cand_add((*b)->name, strlen((*b)->name));
	for (int i = 0; i < R->nmaps; i++) {
		char buf[256];
		snprintf(buf, sizeof(buf), "@%s", R->maps[i].info->name);
		cand_add(buf, strlen(buf));
	}
}

static char **complete(const char *text, int start, int end)
{
	rl_attempted_completion_over = 1;
	cands_clear();
	const char *line = rl_line_buffer;
	size_t lead = strspn(line, " \t");
	const char *cmd = line + lead;
	size_t cmdlen = strcspn(cmd, " \t");
	bool first_word = (size_t)start <= lead;
	if (!R->pending && cmd[0] == '.') {
		if (first_word) {
			for (const struct command *c = commands; c->name; c++)
				cand_add(c->name, strlen(c->name));
		} else if (!strncmp(cmd, ".load", cmdlen) || !strncmp(cmd, ".save", cmdlen)) {
			rl_filename_completion_desired = 1;
			return rl_completion_matches(text, rl_filename_completion_function);
		} else if (!strncmp(cmd, ".help", cmdlen)) {
			cand_add("probes", 6);
			cand_add("builtins", 8);
			for (const struct command *c = commands; c->name; c++)
				cand_add(c->name + 1, strlen(c->name + 1));
			complete_words(text);
		} else if (!strncmp(cmd, ".format", cmdlen)) {
			cand_add("text", 4);
			cand_add("json", 4);
		} else if (!strncmp(cmd, ".detach", cmdlen)) {
			cand_add("all", 3);
			for (int i = 0; i < R->nentries; i++)
				if (R->entries[i]->attached) {
					char buf[16];
					snprintf(buf, sizeof(buf), "%d", R->entries[i]->id);
					cand_add(buf, strlen(buf));
				}
		} else if (!strncmp(cmd, ".list", cmdlen) && strchr(text, ':')) {
			complete_probes(text);
		} else if (!strncmp(cmd, ".list", cmdlen) || !strncmp(cmd, ".watch", cmdlen)) {
			complete_words(text);
		}
	} else if (strchr(text, ':')) {
		complete_probes(text);
	} else {
		complete_words(text);
	}
	char **m = rl_completion_matches(text, cand_next);
	/* "tracepoint:" or "tracepoint:syscalls:": more is to come, no space yet. */
	if (m && !m[1] && m[0][0] && m[0][strlen(m[0]) - 1] == ':')
		rl_completion_append_character = '\0';
	return m;
}

/* --- the -c command and the -p process ------------------------------------ */

/* Ends the session from the loop as Ctrl-D does, after saying why. */
static void end_session(const char *fmt, ...)
{
	watch_stop();
	flush_out(true);
	if (R->rl_on) { /* nothing more is read: the prompt goes */
		rl_clear_visible_line();
		rl_callback_handler_remove();
		R->rl_on = false;
	}
	va_list ap;
	va_start(ap, fmt);
	vfprintf(R->talk, fmt, ap);
	va_end(ap);
	fputc('\n', R->talk);
	flush_out(false);
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
	end_session("process %d exited", (int)R->opts.target_pid);
}

/* A pidfd for pid on the loop, calling cb when the process exits; -1 after a message. */
static int watch_exit(pid_t pid, const char *what, void (*cb)(void *ctx))
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
	R->child_fd = watch_exit(R->child, "the command", on_child_exit);
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
	if (R->child > 0 && R->child_go_fd < 0) {
		kill(R->child, SIGTERM);
		if (R->child_fd < 0 || xt_sig_wait(R->child_fd, POLLIN, 500) != 1)
			kill(R->child, SIGKILL);
	}
	if (R->child_go_fd >= 0)
		close(R->child_go_fd);
	R->child_go_fd = -1;
	while (R->child > 0 && waitpid(R->child, NULL, 0) < 0 && errno == EINTR)
		;
	R->child = 0;
	if (R->child_fd >= 0) {
		xt_loop_remove(R->loop, R->child_fd);
		close(R->child_fd);
	}
	R->child_fd = -1;
}

/* --- the session ------------------------------------------------------------ */

static char *history_file(void)
{
	const char *home = getenv("HOME");
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home)
		return NULL;
	size_t n = strlen(home) + sizeof("/.xtrace_history");
	char *path = malloc(n);
	snprintf(path, n, "%s/.xtrace_history", home);
	/* Created private: traced programs' names and arguments end up in it. */
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

/* The end of a session, as a one-liner ends: END probes, the last records,
 * the maps, then everything detached. */
static void session_end(void)
{
	watch_stop();
	if (R->rl_on) {
		rl_callback_handler_remove();
		R->rl_on = false;
	}
	for (int i = 0; i < R->nentries; i++)
		if (R->entries[i]->attached) {
			xt_rt_run_special(R->entries[i]->rt, true);
			xt_rt_poll(R->entries[i]->rt);
		}
	flush_out(false);
	print_all_maps();
	/* Lost records and refused map updates, per probe, as a one-liner reports them. */
	for (int i = 0; i < R->nentries; i++)
		if (R->entries[i]->rt)
			xt_rt_print_lost(R->entries[i]->rt);
	flush_out(false);
}

int xt_repl(const struct xt_repl_opts *opts)
{
	if (!xt_rt_have_rights()) {
		fprintf(stderr, "xtrace: loading BPF programs needs root (or the CAP_BPF and CAP_PERFMON capabilities); run it with sudo\n");
		return 1;
	}
	struct repl r = { .opts = *opts, .watch_fd = -1, .out = stdout, .child_go_fd = -1, .child_fd = -1,
			  .target_fd = -1 };
	R = &r;
	int status = 1;
	r.tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (opts->outpath) {
		int fd = open(opts->outpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		r.out = fd < 0 ? NULL : xt_out_open(fd, opts->outpath, true);
		if (!r.out) {
			fprintf(stderr, "xtrace: cannot write %s: %s\n", opts->outpath, strerror(errno));
			if (fd >= 0)
				close(fd);
			r.out = stdout;
			goto out;
		}
	}
	int err = membuf_open(&r.res);
	if (!err && r.out != stdout)
		err = membuf_open(&r.own);
	r.mem = r.res.f;
	r.talk = r.own.f ? r.own.f : r.res.f;
	r.loop = err ? NULL : xt_loop_new();
	if (!err)
		err = r.loop ? xt_loop_add(r.loop, STDIN_FILENO, on_stdin, NULL) : -ENOMEM;
	/* A regular file or /dev/null is always readable, and epoll refuses it. */
	if (err == -EPERM && !r.tty) {
		r.direct = true;
		err = 0;
	}
	if (err < 0) {
		fprintf(stderr, "xtrace: cannot start the session: %s\n", strerror(-err));
		goto out;
	}
	xt_loop_on_signal(r.loop, on_signal, NULL);
	if (opts->target_pid > 0 &&
	    (r.target_fd = watch_exit(opts->target_pid, "process", on_target_exit)) < 0)
		goto out;
	if (opts->cmd && child_spawn(opts->cmd) < 0)
		goto out;

	if (r.tty) {
		rl_readline_name = "xtrace";
		rl_catch_signals = 0;  /* signals come through the loop's signalfd */
		rl_catch_sigwinch = 0;
		rl_attempted_completion_function = complete;
		rl_completer_word_break_characters = " \t\n\"'`<>=;|&{}(),!+%^~";
		r.history = history_file();
		if (r.history) {
			read_history(r.history);
			stifle_history(HISTORY_MAX);
		}
		if (!opts->quiet)
			printf("xtrace %s: an entry with probes is attached at once; .help for help, Ctrl-D to quit.\n",
			       XT_VERSION);
		fflush(stdout);
		rl_callback_handler_install(PROMPT, on_line);
		r.rl_on = true;
	}

	while (!r.quit) {
		/* A file is read a piece at a time, and what probes sent
		 * meanwhile is handled between pieces; during .watch it waits.
		 * Lines read but not taken yet (an interrupted attach held them
		 * back) are taken once the loop has handled the signal. */
		if (r.interrupted && !xt_sig_stop_pending())
			r.interrupted = false; /* handled meanwhile */
		bool now = !r.tty && !r.watch && !r.interrupted && (lines_waiting() || r.in_end);
		if (now)
			take_input();
		else if ((now = r.direct && !r.watch))
			on_stdin(NULL);
		if (!r.quit && xt_loop_once(r.loop, now ? 0 : -1) < 0)
			break;
	}
	session_end();
	status = 0;
out:
	child_end();
	for (int i = 0; i < r.nentries; i++)
		entry_free(r.entries[i]);
	if (r.target_fd >= 0)
		close(r.target_fd);
	if (r.history)
		history_truncate_file(r.history, HISTORY_MAX);
	free(r.history);
	free(r.entries);
	free(r.maps);
	free(r.pending);
	free(r.in);
	cands_clear();
	free(C.v);
	xt_loop_free(r.loop);
	membuf_close(&r.res);
	membuf_close(&r.own);
	if (r.out != stdout) {
		int werr = xt_out_error(r.out); /* reported once already */
		if (fclose(r.out) != 0 || werr)
			status = 1;
	}
	R = NULL;
	return status;
}
