/* .watch @x [SECONDS]: the map redrawn in place on a timer, without a
 * prompt, until Ctrl-C or q. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/timerfd.h>
#include "repl/repl_int.h"

static void watch_draw(void)
{
	const struct smap *sm = R->watch;
	R->watch = NULL; /* let xt_repl_flush through */
	time_t now = time(NULL);
	char tbuf[64];
	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", localtime(&now));
	fputs("\033[H\033[2J", stdout);
	printf("Every %gs: @%s    %s    (Ctrl-C to stop)\n", R->watch_secs, sm->info->name, tbuf);
	xt_repl_flush(false); /* anything printed before, where it goes */
	xt_repl_map_print(sm, 0, 0);
	xt_repl_membuf_copy(&R->res, stdout, false); /* the drawing is the terminal's, even with -o */
	R->watch = sm;
}

static void on_watch_timer(void *ctx)
{
	uint64_t ticks;
	if (read(R->watch_fd, &ticks, sizeof(ticks)) > 0 && R->watch)
		watch_draw();
}

void xt_repl_watch_stop(void)
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
	xt_repl_flush(false);
	xt_repl_prompt_on();
}

void xt_repl_cmd_watch(const char *arg)
{
	char name[256];
	double secs = 1;
	int n = arg ? sscanf(arg, " @%255s %lf", name, &secs) : 0;
	if (n < 1) {
		fprintf(stderr, "usage: .watch @MAP [SECONDS]\n");
		return;
	}
	struct smap *sm = xt_repl_map_find(name);
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
	xt_repl_prompt_off(false);
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

