/* Internal to repl/: the one session's state and what its files call of
 * each other. The session is one (readline's callbacks take no context), R. */
#ifndef XT_REPL_INT_H
#define XT_REPL_INT_H

#include <stdbool.h>
#include <stdio.h>
#include <termios.h>
#include "lang/cpp.h"
#include "repl/driver.h"
#include "repl/repl.h"
#include "runtime/runtime.h"

#define PROMPT      "xtrace> "
#define PROMPT_MORE "   ...> "

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

/* An entry that defined something for later entries without probes to
 * keep it (#define or #include lines, `macro` definitions, C types), as
 * .save writes it: before entry `before` (an index into entries). */
struct def {
	char *text;
	int before;
	struct xt_unit *unit;      /* macro definitions: the arena that holds them; else NULL */
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
	struct xt_opts opts;       /* the command line's; .format follows .format */
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
	 * lines ("[2] attached ...") to `talk`; xt_repl_flush() copies the first to
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
	/* definitions that last from one entry to the next */
	struct xt_cpp_macros *cpp_macros; /* the preprocessor's (#define, headers' macros) */
	struct xt_cpp_opts cppo;   /* opts.cpp with cpp_macros in: xt_repl_sema_opts() points at it */
	const struct xt_node **macros; /* `macro` definitions (in entries' or defs' arenas) */
	int nmacros;
	struct def *defs;
	int ndefs;
};


/* The running session (xt_repl's); NULL outside it. */
extern struct repl *xt_repl_cur;
#define R xt_repl_cur

/* --- session.c: output, maps, entries, the -c command, the end ------------ */
int xt_repl_membuf_open(struct membuf *m);
void xt_repl_membuf_close(struct membuf *m);
/* Moves what m holds to `to`; `async` text goes above the prompt. */
void xt_repl_membuf_copy(struct membuf *m, FILE *to, bool async);
/* Copies what the runtime and the REPL printed to where each goes. */
void xt_repl_flush(bool async);
struct smap *xt_repl_map_find(const char *name);
void xt_repl_map_print(const struct smap *sm, size_t top, uint64_t div);
/* The session's maps in the order a one-liner prints them; the caller frees the array. */
const struct xt_map_info **xt_repl_sorted_maps(void);
/* The first map node in the tree n (and its siblings) whose name `match`
 * accepts, or NULL. */
struct xt_node *xt_repl_find_map(struct xt_node *n, bool (*match)(const char *name, const void *arg),
				 const void *arg);
/* Where map `name` is first used in the tree n, or NULL. */
struct xt_node *xt_repl_first_use(struct xt_node *n, const char *name);
/* 0, or -1 after a diagnostic when e would change a session map's type. */
int xt_repl_check_maps(struct entry *e, struct xt_diags *dg);
/* Loads a compiled entry with the session's maps in place of its own: e->rt,
 * or NULL after a diagnostic. */
struct xt_rt *xt_repl_entry_open(struct entry *e, struct xt_diags *dg);
/* Stops an entry: its END runs, its last records are printed, its links go. */
void xt_repl_entry_stop(struct entry *e, const char *why, bool async);
void xt_repl_entry_free(struct entry *e);
/* What every entry is compiled with: the command line's options. */
struct xt_sema_opts xt_repl_sema_opts(void);
/* Compiles and runs one entry (a program, or statements); `file`: a whole
 * script. Returns 1 when it needs more lines. */
int xt_repl_run_entry(const char *name, const char *text, bool file);
/* Starts watching the -p process and starts the -c command (held). 0, or -1 after a message. */
int xt_repl_session_start(void);
/* The end of a session, as a one-liner ends: END probes, the last records,
 * the maps, then everything detached. */
void xt_repl_session_end(void);
/* Ends the -c command if it runs and frees the entries. */
void xt_repl_session_free(void);

/* --- oneshot.c: statements at the prompt ----------------------------------- */
/* Runs e->unit.stmts at once as a BEGIN program on the session's maps. */
void xt_repl_run_once(struct entry *e, struct xt_sema_opts *so, struct xt_diags *dg);

/* --- commands.c: dot-commands ---------------------------------------------- */
/* What a command's argument is, for Tab completion. */
enum xt_repl_arg {
	XT_REPL_ARG_NONE,
	XT_REPL_ARG_TOPIC,   /* .help: commands, probe types, builtins */
	XT_REPL_ARG_ENTRY,   /* an attached entry's number, or all */
	XT_REPL_ARG_PROBE,   /* a probe pattern */
	XT_REPL_ARG_MAP,     /* a session map */
	XT_REPL_ARG_FILE,
	XT_REPL_ARG_FORMAT,  /* text or json */
};

struct xt_repl_command {
	const char *name;
	const char *args;          /* for .help */
	const char *help;
	void (*run)(const char *arg);
	enum xt_repl_arg arg;
};
extern const struct xt_repl_command xt_repl_commands[];
/* Runs the dot-command on `line` (modified). */
void xt_repl_run_command(char *line);

/* --- input.c: readline, lines from a pipe or file, pending entries ---------- */
/* Sets readline up (completion, history, signals through the loop) and shows the prompt. */
void xt_repl_input_start(void);
void xt_repl_input_fini(void);
/* The prompt on (a terminal) or off; `clear`: rub out the visible line. */
void xt_repl_prompt_on(void);
void xt_repl_prompt_off(bool clear);
/* Around text drawn above the prompt: clears the line, then draws it again. */
void xt_repl_prompt_hide(void);
void xt_repl_prompt_show(void);
/* Ctrl-C: drops the line being typed and an incomplete entry. */
void xt_repl_input_interrupt(void);
void xt_repl_input_resize(void);
/* The loop's callback for stdin. */
void xt_repl_on_stdin(void *ctx);
/* Whether whole lines wait (stdin not a terminal); takes them. */
bool xt_repl_lines_waiting(void);
void xt_repl_take_input(void);

/* --- complete.c ------------------------------------------------------------- */
char **xt_repl_complete(const char *text, int start, int end);
void xt_repl_complete_free(void);

/* --- watch.c ---------------------------------------------------------------- */
void xt_repl_cmd_watch(const char *arg);
void xt_repl_watch_stop(void);

/* --- flood.c: running probes' printed records, held, muted; rates ---------- */
/* The samples an entry's rates keep: one a second for the last minute. */
#define XT_REPL_SAMPLES 61
/* R->mem's length now: what a record prints after it is that record's. */
void xt_repl_flood_mark(void);
/* xt_rt_opts.on_record of every entry (ctx: the entry). */
void xt_repl_flood_on_record(void *ctx);
/* Ctrl-C: true when it paused streaming output (the line is left alone). */
bool xt_repl_flood_interrupt(void);
/* The first `done` bytes of R->res were drawn (`all`: everything). */
void xt_repl_flood_drawn(size_t done, bool all);
void xt_repl_flood_entry_added(struct entry *e);
void xt_repl_flood_watch_end(void);
void xt_repl_flood_end(void);
/* .probes: the rates of one entry, after its probes; the session's, at the end. */
void xt_repl_flood_probes_entry(struct entry *e, FILE *out);
void xt_repl_flood_probes_end(FILE *out);
void xt_repl_cmd_resume(const char *arg);
void xt_repl_cmd_mute(const char *arg);
void xt_repl_cmd_unmute(const char *arg);
/* watch.c: once a second, from flood.c's sampler (the sparklines' samples). */
void xt_repl_watch_tick(void);
/* watch.c: the terminal was resized. */
void xt_repl_watch_resize(void);

#endif

/* --- colour.c: colour on a terminal that has it ------------------------------ */
/* xt_repl_colour_fd(STDOUT_FILENO), found out once. */
bool xt_repl_colour_out(void);
/* Writes n bytes of REPL output to `to`, with map names and histogram bars
 * coloured when `colour`. */
void xt_repl_colour_write(FILE *to, const char *buf, size_t n, bool colour);

/* --- pager.c: output longer than the terminal through $PAGER ---------------- */
/* Around output that may be long: between them, what goes to stdout is kept,
 * then shown through the pager if it does not fit the terminal (a terminal
 * only; .pager off turns it off). */
void xt_repl_page_begin(void);
void xt_repl_page_end(void);
void xt_repl_cmd_pager(const char *arg);
