/* What running probes print, kept in hand: Ctrl-C while records stream to
 * the terminal pauses them (they are held, within a cap, and counted) and
 * gives the prompt back; .resume shows them, .mute N drops one entry's, and
 * a 1 Hz sampler keeps each entry's hits and records of the last minute for
 * the rates of .probes. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/timerfd.h>
#include "repl/repl_int.h"

/* The hold keeps the first records after the pause, up to a cap, so that
 * .resume goes on where the screen stopped; the rest are only counted. */
#define HOLD_RECORDS 10000
#define HOLD_BYTES   (4u << 20)
/* Ctrl-C pauses when records were drawn on the terminal this recently. */
#define STREAM_MS    1000
/* .probes rates: over the last RATE_SECS seconds (less for a younger entry). */
#define RATE_SECS    5

struct sample {
	double t;               /* seconds, CLOCK_MONOTONIC */
	uint64_t hits, records;
};

struct estat {
	bool muted;
	uint64_t records;       /* printed records it sent, muted or not */
	uint64_t muted_records;
	uint64_t held;          /* of them held now */
	double last_record;     /* when it last sent one (seconds) */
	struct sample s[XT_REPL_SAMPLES]; /* ring, oldest first from head */
	int ns, head;
};

static struct {
	struct estat *e;        /* by entry id - 1 */
	int n;
	bool paused;
	long mark;              /* R->mem's length before the record being handled */
	char *held;             /* the held records' text */
	size_t nheld_bytes;
	uint64_t nheld, dropped;
	int timer_fd;
	/* the records in R->res not drawn yet: where each ends, whose it is */
	struct pend { long end; struct estat *st; } *pend;
	int npend, cappend;
	struct sample s[XT_REPL_SAMPLES]; /* the session's, as the entries' */
	int ns, head;
} F = { .timer_fd = -1 };

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct estat *stat_of(const struct entry *e)
{
	if (!e || e->id < 1)
		return NULL; /* a statement at the prompt: its output is the user's answer */
	if (e->id > F.n) {
		F.e = realloc(F.e, sizeof(*F.e) * (size_t)e->id);
		memset(F.e + F.n, 0, sizeof(*F.e) * (size_t)(e->id - F.n));
		F.n = e->id;
	}
	return &F.e[e->id - 1];
}

/* --- records ------------------------------------------------------------------ */

void xt_repl_flood_mark(void)
{
	fflush(R->mem);
	F.mark = ftell(R->mem);
}

static void hold(struct estat *st, const char *text, size_t n)
{
	if (F.nheld >= HOLD_RECORDS || F.nheld_bytes + n > HOLD_BYTES) {
		F.dropped++;
		return;
	}
	if (!F.held && !(F.held = malloc(HOLD_BYTES))) {
		F.dropped++;
		return;
	}
	memcpy(F.held + F.nheld_bytes, text, n);
	F.nheld_bytes += n;
	F.nheld++;
	st->held++;
}

/* After each ring-buffer record of an entry (xt_rt_opts.on_record): what it
 * printed is R->mem past the mark. It stays there to be drawn, or goes to
 * the hold (paused, or .watch owns the screen), or nowhere (muted). */
void xt_repl_flood_on_record(void *ctx)
{
	struct estat *st = stat_of(ctx);
	if (!st)
		return;
	fflush(R->mem);
	long end = ftell(R->mem);
	if (end <= F.mark)
		return; /* printed nothing: not a printed record */
	st->records++;
	st->last_record = now_s();
	if (st->muted)
		st->muted_records++;
	else if (F.paused || R->watch)
		hold(st, R->res.buf + F.mark, (size_t)(end - F.mark));
	else {
		if (F.npend == F.cappend) {
			F.cappend = F.cappend * 2 + 256;
			F.pend = realloc(F.pend, sizeof(*F.pend) * (size_t)F.cappend);
		}
		F.pend[F.npend++] = (struct pend){ end, st };
		F.mark = end;
		return;
	}
	fseek(R->mem, F.mark, SEEK_SET);
}

/* The first `done` bytes of R->res were drawn (xt_repl_membuf_copy moved
 * the rest to its start): the records still to draw move with them. */
void xt_repl_flood_drawn(size_t done, bool all)
{
	int k = 0;
	for (int i = 0; i < F.npend && !all; i++)
		if (F.pend[i].end > (long)done)
			F.pend[k++] = (struct pend){ F.pend[i].end - (long)done, F.pend[i].st };
	F.npend = k;
	F.mark = k ? F.pend[k - 1].end : 0;
}

/* "1 or 3": the entries that sent records in the last STREAM_MS, or NULL. */
static const char *streaming(char *buf, size_t len)
{
	double now = now_s();
	size_t off = 0;
	buf[0] = 0;
	for (int i = 0; i < F.n && i < R->nentries && off < len; i++)
		if (R->entries[i]->attached && now - F.e[i].last_record < STREAM_MS / 1000.0)
			off += (size_t)snprintf(buf + off, len - off, "%s%d", off ? " or .detach " : "", i + 1);
	return off ? buf : NULL;
}

static void say_held(FILE *out, const char *who)
{
	fprintf(out, "%llu record%s held", (unsigned long long)F.nheld, F.nheld == 1 ? "" : "s");
	if (F.dropped)
		fprintf(out, " (%llu more dropped: the hold keeps %d)", (unsigned long long)F.dropped, HOLD_RECORDS);
	fputs(", .resume to see them", out);
	if (who)
		fprintf(out, ", .detach %s to stop", who);
	fputc('\n', out);
}

/* Ctrl-C: while records stream onto the terminal it pauses them, and says
 * what is held; true then. Otherwise (an idle prompt) it is the line's. */
bool xt_repl_flood_interrupt(void)
{
	char who[128];
	if (F.paused || R->watch || !R->tty || R->out != stdout || !streaming(who, sizeof(who)))
		return false;
	F.paused = true;
	/* What Ctrl-C cut short of drawing is held, record by record (the one
	 * cut in two goes on where it stopped). */
	fflush(R->mem);
	long start = 0;
	for (int i = 0; i < F.npend; i++) {
		hold(F.pend[i].st, R->res.buf + start, (size_t)(F.pend[i].end - start));
		start = F.pend[i].end;
	}
	if (F.npend) {
		long rest = ftell(R->mem) - start;
		memmove(R->res.buf, R->res.buf + start, (size_t)rest);
		fseek(R->mem, rest, SEEK_SET);
	}
	F.npend = 0;
	/* What the ring buffers hold already would only stream on: it is held. */
	for (int i = 0; i < R->nentries; i++)
		if (R->entries[i]->attached) {
			xt_repl_flood_mark();
			xt_rt_poll(R->entries[i]->rt);
		}
	xt_repl_prompt_hide();
	fputs("^C\n", stdout);
	fputs("output paused: ", stdout);
	say_held(stdout, who);
	fflush(stdout);
	xt_repl_prompt_show();
	return true;
}

static void resume(bool quiet)
{
	F.paused = false;
	uint64_t shown = F.nheld, dropped = F.dropped;
	if (F.nheld_bytes)
		fwrite(F.held, 1, F.nheld_bytes, R->mem);
	xt_repl_flood_mark();
	for (int i = 0; i < F.n; i++)
		F.e[i].held = 0;
	F.nheld = F.nheld_bytes = F.dropped = 0;
	free(F.held);
	F.held = NULL;
	xt_repl_flush(false);
	if (dropped)
		fprintf(R->talk, "(%llu record%s shown; %llu more were dropped: the hold keeps %d records or %u MiB)\n",
			(unsigned long long)shown, shown == 1 ? "" : "s", (unsigned long long)dropped, HOLD_RECORDS,
			HOLD_BYTES >> 20);
	else if (!quiet)
		fprintf(R->talk, "(%llu record%s shown; output goes on)\n", (unsigned long long)shown,
			shown == 1 ? "" : "s");
	xt_repl_flush(false);
}

void xt_repl_cmd_resume(const char *arg)
{
	if (!F.paused && !F.nheld && !F.dropped) {
		puts("nothing is held (Ctrl-C while records stream pauses them)");
		return;
	}
	resume(false);
}

/* .watch ended: what it held is shown, unless the user paused before. */
void xt_repl_flood_watch_end(void)
{
	if (F.paused) {
		fputs("output paused: ", stdout);
		say_held(stdout, NULL);
	} else if (F.nheld || F.dropped) {
		resume(true);
	}
}

/* The end of the session: the held records are not shown, but said. */
void xt_repl_flood_end(void)
{
	if (F.nheld + F.dropped)
		fprintf(stderr, "xtrace: %llu record%s held since the pause were not shown\n",
			(unsigned long long)(F.nheld + F.dropped), F.nheld + F.dropped == 1 ? "" : "s");
	F.paused = false;
	free(F.held);
	free(F.e);
	free(F.pend);
	F.pend = NULL;
	F.npend = F.cappend = 0;
	F.held = NULL;
	F.e = NULL;
	F.n = 0;
	F.nheld = F.dropped = F.nheld_bytes = 0;
	if (F.timer_fd >= 0) {
		xt_loop_remove(R->loop, F.timer_fd);
		close(F.timer_fd);
	}
	F.timer_fd = -1;
	F.ns = F.head = 0;
}

static struct entry *entry_arg(const char *arg, const char *cmd)
{
	char *end;
	long n = arg ? strtol(arg, &end, 10) : 0;
	if (!arg || end == arg || *end) {
		fprintf(stderr, "usage: %s N (an entry's number, see .probes)\n", cmd);
		return NULL;
	}
	if (n < 1 || n > R->nentries) {
		fprintf(stderr, "xtrace: no entry %s (.probes lists them)\n", arg);
		return NULL;
	}
	return R->entries[n - 1];
}

void xt_repl_cmd_mute(const char *arg)
{
	struct entry *e = entry_arg(arg, ".mute");
	if (!e)
		return;
	struct estat *st = stat_of(e);
	st->muted = true;
	printf("[%d] muted: its records are counted, not printed (.unmute %d)\n", e->id, e->id);
}

void xt_repl_cmd_unmute(const char *arg)
{
	struct entry *e = entry_arg(arg, ".unmute");
	if (!e)
		return;
	struct estat *st = stat_of(e);
	if (!st->muted) {
		fprintf(stderr, "xtrace: entry %d is not muted\n", e->id);
		return;
	}
	st->muted = false;
	printf("[%d] unmuted (%llu record%s were not printed)\n", e->id, (unsigned long long)st->muted_records,
	       st->muted_records == 1 ? "" : "s");
	st->muted_records = 0;
}

/* --- rates ------------------------------------------------------------------- */

/* Every hit of every site of e, or false when a counter cannot be read. */
static bool entry_hits(struct entry *e, uint64_t *sum)
{
	const struct xt_program *prog = e->unit.prog;
	*sum = 0;
	for (int j = 0; j < prog->nprobes; j++)
		for (int k = 0; k < prog->probes[j].nsites; k++) {
			uint64_t n;
			if (xt_rt_site_hits(e->rt, prog->probes[j].sites[k].id, &n) < 0)
				return false;
			*sum += n;
		}
	return true;
}

static void push(struct sample *ring, int *ns, int *head, struct sample s)
{
	if (*ns < XT_REPL_SAMPLES) {
		ring[(*head + (*ns)++) % XT_REPL_SAMPLES] = s;
		return;
	}
	ring[*head] = s;
	*head = (*head + 1) % XT_REPL_SAMPLES;
}

/* The sample of e's (or the session's) ring taken i seconds or so ago. */
static const struct sample *sample_at(const struct sample *ring, int ns, int head, int back)
{
	if (!ns)
		return NULL;
	if (back >= ns)
		back = ns - 1;
	return &ring[(head + ns - 1 - back) % XT_REPL_SAMPLES];
}

static struct sample entry_now(struct entry *e)
{
	struct sample s = { .t = now_s() };
	struct estat *st = stat_of(e);
	s.records = st ? st->records : 0;
	if (e->rt)
		entry_hits(e, &s.hits);
	return s;
}

static void on_sample(void *ctx)
{
	uint64_t ticks;
	if (read(F.timer_fd, &ticks, sizeof(ticks)) <= 0)
		return;
	struct sample all = { .t = now_s() };
	for (int i = 0; i < R->nentries; i++) {
		struct entry *e = R->entries[i];
		struct estat *st = stat_of(e);
		/* a detached entry's counters stand still: its last sample repeats */
		struct sample s = e->attached || !st->ns ? entry_now(e) : *sample_at(st->s, st->ns, st->head, 0);
		s.t = all.t;
		push(st->s, &st->ns, &st->head, s);
		all.hits += s.hits;
		all.records += s.records;
	}
	push(F.s, &F.ns, &F.head, all);
	xt_repl_watch_tick();
}

/* An entry attached: its first sample (nothing yet), the base of its rates. */
void xt_repl_flood_entry_added(struct entry *e)
{
	struct estat *st = stat_of(e);
	push(st->s, &st->ns, &st->head, (struct sample){ .t = now_s() });
	if (!F.ns) /* the session's rates start at the first attach */
		push(F.s, &F.ns, &F.head, (struct sample){ .t = now_s() });
	if (F.timer_fd >= 0)
		return;
	F.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	struct itimerspec it = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	if (F.timer_fd >= 0 &&
	    (timerfd_settime(F.timer_fd, 0, &it, NULL) < 0 || xt_loop_add(R->loop, F.timer_fd, on_sample, NULL) < 0)) {
		close(F.timer_fd);
		F.timer_fd = -1;
	}
	if (F.timer_fd < 0)
		fprintf(stderr, "xtrace: no rates in .probes: cannot start a timer: %s\n", strerror(errno));
}

/* Events/s and records/s from the sample `back` seconds ago to `now`. */
static void rates(const struct sample *then, const struct sample *now, double *ev, double *rec)
{
	double dt = then ? now->t - then->t : 0;
	*ev = *rec = 0;
	if (dt <= 0.05)
		return;
	*ev = (double)(now->hits - then->hits) / dt;
	*rec = (double)(now->records - then->records) / dt;
}

static void rate_line(FILE *out, const char *who, double ev, double rec, double secs)
{
	fprintf(out, "%s%.0f event%s/s, %.0f record%s/s over the last %.0f s", who, ev, ev >= 0.5 && ev < 1.5 ? "" : "s",
		rec, rec >= 0.5 && rec < 1.5 ? "" : "s", secs < 1 ? 1 : secs);
}

/* .probes: after an entry's probes, its rates and what became of its records. */
void xt_repl_flood_probes_entry(struct entry *e, FILE *out)
{
	struct estat *st = stat_of(e);
	if (!st || !st->ns)
		return;
	struct sample now = e->attached ? entry_now(e) : *sample_at(st->s, st->ns, st->head, 0);
	if (!e->attached)
		now.t = now_s();
	if (!now.hits && !st->records)
		return; /* "0 hits" says it all */
	const struct sample *then = sample_at(st->s, st->ns, st->head, RATE_SECS);
	double ev, rec;
	rates(then, &now, &ev, &rec);
	rate_line(out, "      ", ev, rec, now.t - then->t);
	fprintf(out, "; %llu record%s", (unsigned long long)st->records, st->records == 1 ? "" : "s");
	if (st->muted)
		fprintf(out, " (muted: %llu not printed)", (unsigned long long)st->muted_records);
	if (st->held)
		fprintf(out, " (%llu held)", (unsigned long long)st->held);
	fputc('\n', out);
}

/* .probes: the whole session's rates, and the hold. */
void xt_repl_flood_probes_end(FILE *out)
{
	struct sample now = { .t = now_s() };
	int attached = 0;
	for (int i = 0; i < R->nentries; i++) {
		struct entry *e = R->entries[i];
		struct estat *st = stat_of(e);
		struct sample s = e->attached ? entry_now(e) : st->ns ? *sample_at(st->s, st->ns, st->head, 0) : now;
		now.hits += s.hits;
		now.records += s.records;
		attached += e->attached;
	}
	if (!now.hits && !now.records && !F.paused && !F.nheld && !F.dropped)
		return; /* nothing happened yet */
	const struct sample *then = sample_at(F.s, F.ns, F.head, RATE_SECS);
	double ev, rec;
	rates(then, &now, &ev, &rec);
	fprintf(out, "session: %d entr%s attached; ", attached, attached == 1 ? "y" : "ies");
	rate_line(out, "", ev, rec, now.t - then->t);
	if (F.paused || F.nheld || F.dropped) {
		fprintf(out, "; %s", F.paused ? "paused, " : "");
		say_held(out, NULL);
	} else {
		fputc('\n', out);
	}
}
