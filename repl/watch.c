/* .watch @a @b [SECONDS]: a dashboard of live maps on the terminal's
 * alternate screen, redrawn in place on a timer and fitted to the terminal
 * (resizes included): keyed maps as their top N with per-second rates,
 * histograms as printed, side by side when they fit, a counter with a
 * sparkline of its last minute on a UTF-8 terminal. Any key, q or Ctrl-C
 * returns to the prompt, and the last frame stays on the normal screen. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include "repl/repl_int.h"

#define WATCH_MAX 8
#define GAP       3   /* columns between panels side by side */

/* A keyed map's values of the last frame, by key text, for the rates. */
struct last {
	char **keys;
	double *vals;
	int n;
};

/* A counter's (a map without key) values, one a second for the last minute. */
struct series {
	const struct smap *sm;
	double v[XT_REPL_SAMPLES];
	int n, head;
};

/* One map's part of a frame: its lines, and how wide the widest is. */
struct panel {
	char **lines;
	int n, width;
};

static struct {
	const struct smap *maps[WATCH_MAX];
	int nmaps;
	struct last last[WATCH_MAX];
	double last_t;
	struct series *series;    /* every counter of the session, sampled each second */
	int nseries;
	char *frame;              /* the last frame drawn, to leave on the normal screen */
	bool alt;                 /* on the alternate screen */
} W;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Display columns of a UTF-8 string (every character one column). */
static int cols_of(const char *s, size_t n)
{
	int c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* The byte length of s cut to `cols` columns. */
static size_t cut(const char *s, int cols)
{
	size_t i = 0;
	int c = 0;
	for (; s[i]; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && c++ == cols)
			break;
	}
	return i;
}

static bool utf8_terminal(void)
{
	const char *vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };
	for (int i = 0; i < 3; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
	}
	return false;
}

static void term_size(int *rows, int *cols)
{
	struct winsize ws;
	*rows = 24;
	*cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

/* What printing the map (its largest `top` keys when top > 0) writes: a
 * malloc'd string. Printed into R->mem and taken back out of it, as a
 * one-liner would print it. */
static char *map_text(const struct smap *sm, size_t top)
{
	fflush(R->mem);
	long from = ftell(R->mem);
	enum xt_format fmt = R->opts.format;
	xt_rt_set_output(sm->owner->rt, R->mem, XT_FMT_TEXT);
	xt_repl_map_print(sm, top, 0);
	xt_rt_set_output(sm->owner->rt, R->mem, fmt);
	fflush(R->mem);
	long to = ftell(R->mem);
	char *s = strndup(R->res.buf + from, (size_t)(to > from ? to - from : 0));
	fseek(R->mem, from, SEEK_SET);
	return s;
}

static void panel_add(struct panel *p, const char *line, size_t len)
{
	p->lines = realloc(p->lines, sizeof(*p->lines) * (size_t)(p->n + 1));
	p->lines[p->n++] = strndup(line, len);
	int w = cols_of(line, len);
	if (w > p->width)
		p->width = w;
}

static void panel_free(struct panel *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->lines[i]);
	free(p->lines);
	*p = (struct panel){ 0 };
}

/* "@m[key]: 123" as the key part and the number, or false (not a number). */
static bool split_value(const char *line, size_t *keylen, double *val)
{
	const char *c = strrchr(line, ':');
	if (!c || c[1] != ' ')
		return false;
	char *end;
	*val = strtod(c + 2, &end);
	*keylen = (size_t)(c - line);
	return end != c + 2 && !*end;
}

static bool last_find(const struct last *l, const char *key, size_t n, double *v)
{
	for (int i = 0; i < l->n; i++)
		if (strlen(l->keys[i]) == n && strncmp(l->keys[i], key, n) == 0) {
			*v = l->vals[i];
			return true;
		}
	return false;
}

static void last_free(struct last *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->keys[i]);
	free(l->keys);
	free(l->vals);
	*l = (struct last){ 0 };
}

static struct series *series_of(const struct smap *sm)
{
	for (int i = 0; i < W.nseries; i++)
		if (W.series[i].sm == sm)
			return &W.series[i];
	return NULL;
}

/* A sparkline of the counter's growth each second over the last minute. */
static void sparkline(struct panel *p, const struct series *s)
{
	static const char *bars[] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	if (!s || s->n < 3)
		return;
	double d[XT_REPL_SAMPLES], max = 0;
	int n = 0;
	for (int i = 1; i < s->n; i++) {
		double a = s->v[(s->head + i - 1) % XT_REPL_SAMPLES], b = s->v[(s->head + i) % XT_REPL_SAMPLES];
		d[n] = b > a ? b - a : 0;
		if (d[n] > max)
			max = d[n];
		n++;
	}
	char line[XT_REPL_SAMPLES * 4 + 64];
	size_t off = 0;
	for (int i = 0; i < n; i++) {
		int k = max > 0 ? (int)(d[i] / max * 7 + 0.5) : 0;
		off += (size_t)snprintf(line + off, sizeof(line) - off, "%s", bars[k]);
	}
	snprintf(line + off, sizeof(line) - off, "  last %ds, max %.0f/s", n, max);
	panel_add(p, line, strlen(line));
}

/* The panel of one map: a keyed map's largest `top` keys, largest first,
 * with how much each grew per second since the last frame; a counter with
 * its rate and sparkline; anything else (a histogram) as printed. */
static struct panel map_panel(int idx, size_t top, double dt, bool spark, bool measure)
{
	const struct smap *sm = W.maps[idx];
	struct panel p = { 0 };
	bool keyed = sm->info->key != NULL;
	char *text = map_text(sm, keyed ? top : 0);
	struct last now = { 0 };
	int nlines = 0;
	char **lines = NULL;
	for (char *l = text, *nl; *l; l = nl + (*nl != 0)) {
		nl = l + strcspn(l, "\n");
		if (nl == l && !*nl)
			break;
		lines = realloc(lines, sizeof(*lines) * (size_t)(nlines + 1));
		lines[nlines++] = strndup(l, (size_t)(nl - l));
	}
	while (nlines && !*lines[nlines - 1])
		free(lines[--nlines]);
	/* Keyed values come smallest first: the dashboard puts the largest on top. */
	bool values = nlines > 0;
	for (int i = 0; i < nlines && values; i++) {
		size_t kl;
		double v;
		values = split_value(lines[i], &kl, &v);
	}
	if (!values) {
		for (int i = 0; i < nlines; i++)
			panel_add(&p, lines[i], strlen(lines[i]));
	} else {
		int kw = 0;
		for (int i = 0; i < nlines; i++) {
			size_t kl;
			double v;
			split_value(lines[i], &kl, &v);
			if ((int)kl > kw)
				kw = (int)kl;
		}
		for (int i = keyed ? nlines - 1 : 0; keyed ? i >= 0 : i < nlines; i += keyed ? -1 : 1) {
			size_t kl;
			double v, was;
			split_value(lines[i], &kl, &v);
			char rate[48] = "";
			if (dt > 0 && last_find(&W.last[idx], lines[i], kl, &was))
				snprintf(rate, sizeof(rate), "  %+.0f/s", (v - was) / dt);
			char line[1024];
			int n = snprintf(line, sizeof(line), "%.*s:%*s %.0f%s", (int)kl, lines[i], kw - (int)kl, "", v, rate);
			panel_add(&p, line, (size_t)(n < (int)sizeof(line) ? n : (int)sizeof(line) - 1));
			now.keys = realloc(now.keys, sizeof(*now.keys) * (size_t)(now.n + 1));
			now.vals = realloc(now.vals, sizeof(*now.vals) * (size_t)(now.n + 1));
			now.keys[now.n] = strndup(lines[i], kl);
			now.vals[now.n++] = v;
		}
		if (!keyed && spark)
			sparkline(&p, series_of(sm));
		if (measure) { /* a trial for the layout: the rates stay as they were */
			last_free(&now);
		} else {
			last_free(&W.last[idx]);
			W.last[idx] = now;
		}
	}
	if (!p.n) {
		char line[300];
		int n = snprintf(line, sizeof(line), "@%s is empty", sm->info->name);
		panel_add(&p, line, (size_t)n);
	}
	for (int i = 0; i < nlines; i++)
		free(lines[i]);
	free(lines);
	free(text);
	return p;
}

/* Panels laid out in rows, as many side by side as fit in `cols`: which
 * row each starts (row[i]), and how many rows there are. */
static int pack(const struct panel *p, int n, int cols, int *row)
{
	int r = 0, used = 0;
	for (int i = 0; i < n; i++) {
		int w = p[i].width < cols ? p[i].width : cols;
		if (i && used + GAP + w > cols) {
			r++;
			used = 0;
		}
		row[i] = r;
		used += (used ? GAP : 0) + w;
	}
	return n ? r + 1 : 0;
}

static void frame_line(FILE *f, const char *s, int cols, bool *first)
{
	size_t n = cut(s, cols);
	fprintf(f, "%s%.*s", *first ? "" : "\n", (int)n, s);
	*first = false;
}

/* One frame, as lines of at most `cols` columns, `rows` at most. */
static char *frame(int rows, int cols)
{
	double t = now_s();
	double dt = W.last_t > 0 ? t - W.last_t : 0;
	W.last_t = t;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool first = true;
	char head[512], names[300] = "";
	size_t off = 0;
	for (int i = 0; i < W.nmaps && off < sizeof(names); i++)
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s@%s", i ? " " : "", W.maps[i]->info->name);
	time_t now = time(NULL);
	char tbuf[64];
	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", localtime(&now));
	snprintf(head, sizeof(head), "Every %gs: %s    %s    (q or any key: back to the prompt)", R->watch_secs, names, tbuf);
	frame_line(f, head, cols, &first);
	/* The panels: first at full height to find their widths, then again
	 * with the top N each row of the layout has room for. */
	int avail = rows - 2;
	struct panel p[WATCH_MAX];
	int row[WATCH_MAX];
	bool spark = utf8_terminal();
	for (int i = 0; i < W.nmaps; i++)
		p[i] = map_panel(i, (size_t)(avail > 1 ? avail : 1), 0, spark, true);
	int nrows = pack(p, W.nmaps, cols, row);
	int per = nrows ? (avail - (nrows - 1)) / nrows : 0;
	for (int i = 0; i < W.nmaps; i++) {
		panel_free(&p[i]);
		p[i] = map_panel(i, (size_t)(per > 1 ? per : 1), dt, spark, false);
	}
	for (int r = 0; r < nrows && per > 0; r++) {
		frame_line(f, "", cols, &first);
		int a = 0;
		while (row[a] != r)
			a++;
		int b = a;
		while (b < W.nmaps && row[b] == r)
			b++;
		for (int l = 0; l < per; l++) {
			char line[4096];
			size_t lo = 0;
			bool any = false;
			for (int i = a; i < b; i++) {
				const char *s = l < p[i].n ? p[i].lines[l] : "";
				if (l < p[i].n)
					any = true;
				size_t n = cut(s, p[i].width);
				int pad = i + 1 < b ? p[i].width - cols_of(s, n) + GAP : 0;
				lo += (size_t)snprintf(line + lo, sizeof(line) - lo, "%.*s%*s", (int)n, s, pad, "");
				if (lo >= sizeof(line))
					lo = sizeof(line) - 1;
			}
			if (!any)
				break;
			if (l == per - 1) {
				bool more = false;
				for (int i = a; i < b; i++)
					more |= p[i].n > per;
				if (more) { /* a histogram taller than its room */
					frame_line(f, "...", cols, &first);
					break;
				}
			}
			while (lo && line[lo - 1] == ' ')
				line[--lo] = 0;
			frame_line(f, line, cols, &first);
		}
	}
	for (int i = 0; i < W.nmaps; i++)
		panel_free(&p[i]);
	fclose(f);
	return buf;
}

static void draw(void)
{
	int rows, cols;
	term_size(&rows, &cols);
	free(W.frame);
	W.frame = frame(rows, cols);
	if (!W.alt) { /* not a terminal: one frame after another */
		printf("%s\n\n", W.frame);
		fflush(stdout);
		return;
	}
	/* In place: home, each line cleared to its end, the rest of the screen
	 * cleared; no line feed after the last row, so nothing scrolls. */
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	fputs("\033[H", f);
	for (const char *l = W.frame, *nl; ; l = nl + 1) {
		nl = strchr(l, '\n');
		fprintf(f, "%.*s\033[K", (int)(nl ? nl - l : (long)strlen(l)), l);
		if (!nl)
			break;
		fputs("\r\n", f);
	}
	fputs("\033[J", f);
	fclose(f);
	fwrite(out, 1, len, stdout);
	fflush(stdout);
	free(out);
}

static void on_watch_timer(void *ctx)
{
	uint64_t ticks;
	if (read(R->watch_fd, &ticks, sizeof(ticks)) > 0 && R->watch)
		draw();
}

void xt_repl_watch_resize(void)
{
	if (R->watch)
		draw();
}

/* Once a second: every counter's value, for its sparkline. */
void xt_repl_watch_tick(void)
{
	for (int i = 0; i < R->nmaps; i++) {
		const struct smap *sm = &R->maps[i];
		if (sm->info->key)
			continue;
		struct series *s = series_of(sm);
		if (!s) {
			W.series = realloc(W.series, sizeof(*W.series) * (size_t)(W.nseries + 1));
			s = &W.series[W.nseries++];
			*s = (struct series){ .sm = sm };
		}
		char *text = map_text(sm, 0);
		size_t kl;
		double v;
		char *nl = strchr(text, '\n');
		if (nl)
			*nl = 0;
		if (split_value(text, &kl, &v)) {
			if (s->n < XT_REPL_SAMPLES)
				s->v[(s->head + s->n++) % XT_REPL_SAMPLES] = v;
			else {
				s->v[s->head] = v;
				s->head = (s->head + 1) % XT_REPL_SAMPLES;
			}
		}
		free(text);
	}
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
	if (W.alt) { /* back to the normal screen, and the last frame on it */
		fputs("\033[?1049l\033[?25h", stdout);
		if (W.frame)
			printf("%s\n", W.frame);
	}
	W.alt = false;
	free(W.frame);
	W.frame = NULL;
	for (int i = 0; i < W.nmaps; i++)
		last_free(&W.last[i]);
	W.nmaps = 0;
	W.last_t = 0;
	fflush(stdout);
	xt_repl_flush(false);
	xt_repl_flood_watch_end();
	xt_repl_prompt_on();
}

/* ".watch @a @b 2": the maps and the interval into W and R->watch_secs; 0,
 * or -1 after a message. */
static int parse(const char *arg)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", arg ? arg : "");
	double secs = 1;
	W.nmaps = 0;
	for (char *w = strtok(buf, " \t"); w; w = strtok(NULL, " \t")) {
		char *end;
		if (*w != '@') {
			secs = strtod(w, &end);
			if (end == w || *end || strtok(NULL, " \t")) {
				fprintf(stderr, "usage: .watch @MAP [@MAP...] [SECONDS]\n");
				return -1;
			}
			break;
		}
		struct smap *sm = xt_repl_map_find(w + 1);
		if (!sm) {
			fprintf(stderr, "xtrace: unknown map %s\n", w);
			return -1;
		}
		if (W.nmaps == WATCH_MAX) {
			fprintf(stderr, "xtrace: .watch shows at most %d maps\n", WATCH_MAX);
			return -1;
		}
		W.maps[W.nmaps++] = sm;
	}
	if (!W.nmaps) {
		fprintf(stderr, "usage: .watch @MAP [@MAP...] [SECONDS]\n");
		return -1;
	}
	if (!(secs >= 0.05 && secs <= 86400)) {
		fprintf(stderr, "xtrace: .watch needs an interval between 0.05 and 86400 seconds\n");
		return -1;
	}
	R->watch_secs = secs;
	return 0;
}

void xt_repl_cmd_watch(const char *arg)
{
	if (parse(arg) < 0) {
		W.nmaps = 0;
		return;
	}
	double secs = R->watch_secs;
	R->watch_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	struct itimerspec it = { .it_interval = { (time_t)secs, (long)((secs - (time_t)secs) * 1e9) } };
	it.it_value = it.it_interval;
	if (R->watch_fd < 0 || timerfd_settime(R->watch_fd, 0, &it, NULL) < 0 ||
	    xt_loop_add(R->loop, R->watch_fd, on_watch_timer, NULL) < 0) {
		fprintf(stderr, "xtrace: cannot start a timer: %s\n", strerror(errno));
		if (R->watch_fd >= 0)
			close(R->watch_fd);
		R->watch_fd = -1;
		W.nmaps = 0;
		return;
	}
	/* No prompt while watching; keys are read without echo, and any ends it. */
	xt_repl_prompt_off(false);
	xt_repl_flush(false); /* anything printed before, where it goes */
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &R->watch_tio) == 0) {
		struct termios t = R->watch_tio;
		t.c_lflag &= ~(ICANON | ECHO);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
		R->watch_tio_saved = true;
	}
	W.alt = isatty(STDOUT_FILENO);
	if (W.alt)
		fputs("\033[?1049h\033[?25l", stdout);
	R->watch = W.maps[0];
	draw();
}
