/* Input: readline in callback mode on a terminal (prompt, history), whole
 * lines from a pipe or a file otherwise; an incomplete entry's lines wait in
 * R->pending until the parser has the whole entry. */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <readline/readline.h>
#include <readline/history.h>
#include "repl/repl_int.h"

#define HISTORY_MAX 1000

/* ~/.xtrace_history, created private (traced programs' names and arguments
 * end up in it); NULL when there is no home. */
static char *history_open(void)
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
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

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
			xt_repl_run_command(copy);
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
	if (xt_repl_run_entry("<stdin>", R->pending, false) == 1)
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
		xt_repl_prompt_off(false);
		return;
	}
	take_line(line);
	free(line);
	if (R->quit)
		xt_repl_prompt_off(false);
	else if (R->rl_on)
		rl_set_prompt(R->pending ? PROMPT_MORE : PROMPT);
}

/* stdin when it is not a terminal: whole lines, no prompt, no editing. */

bool xt_repl_lines_waiting(void)
{
	return R->inlen && memchr(R->in, '\n', R->inlen);
}

/* Takes the whole lines read so far, and at the end of input the rest; stops
 * after a line whose attaching was interrupted, until the loop has handled
 * that stop signal (the next line would see it too). */
void xt_repl_take_input(void)
{
	char *start = R->in, *nl;
	while (!R->quit && !R->interrupted && (nl = memchr(start, '\n', R->inlen - (size_t)(start - R->in)))) {
		*nl = 0;
		take_line(start);
		start = nl + 1;
	}
	R->inlen -= (size_t)(start - R->in);
	memmove(R->in, start, R->inlen);
	if (!R->in_end || R->quit || R->interrupted || xt_repl_lines_waiting())
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
	xt_repl_take_input();
}

void xt_repl_on_stdin(void *ctx)
{
	if (R->watch) {
		char buf[64];
		ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
		/* on a terminal any key ends it; from a pipe, a q (or the end) */
		if (n == 0 || (n > 0 && (R->tty || memchr(buf, 'q', (size_t)n))))
			xt_repl_watch_stop();
		if (n == 0 && !R->tty)
			R->quit = true;
		return;
	}
	if (R->tty)
		rl_callback_read_char();
	else
		read_lines();
}


/* --- the prompt --------------------------------------------------------------- */

void xt_repl_prompt_on(void)
{
	if (!R->tty)
		return;
	rl_callback_handler_install(PROMPT, on_line);
	R->rl_on = true;
}

void xt_repl_prompt_off(bool clear)
{
	if (!R->rl_on)
		return;
	if (clear)
		rl_clear_visible_line();
	rl_callback_handler_remove();
	R->rl_on = false;
}

void xt_repl_prompt_hide(void)
{
	rl_clear_visible_line();
}

void xt_repl_prompt_show(void)
{
	rl_forced_update_display();
}

void xt_repl_input_interrupt(void)
{
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
}

void xt_repl_input_resize(void)
{
	if (R->rl_on)
		rl_resize_terminal();
}

void xt_repl_input_start(void)
{
	if (!R->tty)
		return;
	rl_readline_name = "xtrace";
	rl_catch_signals = 0;  /* signals come through the loop's signalfd */
	rl_catch_sigwinch = 0;
	rl_attempted_completion_function = xt_repl_complete;
	rl_completer_word_break_characters = " \t\n\"'`<>=;|&{}(),!+%^~";
	R->history = history_open();
	if (R->history) {
		read_history(R->history);
		stifle_history(HISTORY_MAX);
	}
	if (!R->opts.quiet)
		printf("xtrace %s: an entry with probes is attached at once; .help for help, Ctrl-D to quit.\n",
		       XT_VERSION);
	fflush(stdout);
	xt_repl_prompt_on();
}

void xt_repl_input_fini(void)
{
	if (R->history)
		history_truncate_file(R->history, HISTORY_MAX);
	free(R->history);
	free(R->pending);
	free(R->in);
	R->history = R->pending = R->in = NULL;
	xt_repl_complete_free();
}
