/* --metrics: a libmicrohttpd server in "external" epoll mode, its epoll fd
 * one more source of the event loop, so a scrape runs on the loop's thread
 * between ring-buffer records: it never races the printing or clear() of a
 * map, never blocks (libmicrohttpd reads and writes without blocking and
 * keeps slow clients' state itself), and costs the kernel no BPF work (the
 * maps are read with the batch lookups the printer uses). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <dlfcn.h>
#include <microhttpd.h>
#include "runtime/metrics.h"
#include "runtime/rt_int.h"
#include "lang/ast.h"
#include "lang/types.h"

/* libmicrohttpd is loaded when --metrics asks for it, not with every run:
 * with gnutls and what that needs it is a dozen libraries at start-up. */
static struct {
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_run) *run;
	__typeof__(MHD_get_timeout) *get_timeout;
	__typeof__(MHD_get_daemon_info) *get_daemon_info;
	__typeof__(MHD_stop_daemon) *stop_daemon;
} mhd;

/* 0, or -1 after saying why on stderr. */
static int load_mhd(void)
{
	static const char *const sonames[] = { "libmicrohttpd.so.12", "libmicrohttpd.so" };
	void *h = NULL;
	for (size_t i = 0; !h && i < sizeof(sonames) / sizeof(sonames[0]); i++)
		h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "xtrace: --metrics needs libmicrohttpd (Debian: libmicrohttpd12): %s\n", dlerror());
		return -1;
	}
	struct { void **fn; const char *name; } syms[] = {
		{ (void **)&mhd.create_response_from_buffer, "MHD_create_response_from_buffer" },
		{ (void **)&mhd.add_response_header, "MHD_add_response_header" },
		{ (void **)&mhd.queue_response, "MHD_queue_response" },
		{ (void **)&mhd.destroy_response, "MHD_destroy_response" },
		{ (void **)&mhd.start_daemon, "MHD_start_daemon" },
		{ (void **)&mhd.run, "MHD_run" },
		{ (void **)&mhd.get_timeout, "MHD_get_timeout" },
		{ (void **)&mhd.get_daemon_info, "MHD_get_daemon_info" },
		{ (void **)&mhd.stop_daemon, "MHD_stop_daemon" },
	};
	for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
		if (!(*syms[i].fn = dlsym(h, syms[i].name))) {
			fprintf(stderr, "xtrace: --metrics: libmicrohttpd lacks %s\n", syms[i].name);
			return -1;
		}
	return 0;
}

struct xt_metrics {
	struct MHD_Daemon *d;
	int listen_fd;
	int timer_fd;            /* wakes the loop when libmicrohttpd has work due (timeouts, unsent data) */
	struct xt_rt *rt;        /* NULL until served */
	bool verbose;
};

/* --- names ------------------------------------------------------------------ */

/* What a map is called: xtrace_<name>, or xtrace_map for the map without a
 * name (@), with the suffixes its samples take. */
struct names {
	char base[160];
	const char *type;        /* counter, gauge, histogram, summary */
	char family[168];        /* the TYPE line's name: base, or base_total for a counter */
	const char *taken[4];    /* every sample name it writes, as suffixes of base */
	int ntaken;
};

static void names_of(const struct xt_map_info *m, struct names *nm)
{
	const struct xt_agg *agg = m->val->kind == XT_T_AGG ? m->val->agg : NULL;
	snprintf(nm->base, sizeof(nm->base), "xtrace_%s", *m->name ? m->name : "map");
	nm->type = agg && agg->prom_type ? agg->prom_type : "gauge";
	bool counter = strcmp(nm->type, "counter") == 0;
	snprintf(nm->family, sizeof(nm->family), "%s%s", nm->base, counter ? "_total" : "");
	static const char *const hist[] = { "", "_bucket", "_sum", "_count" };
	static const char *const summary[] = { "", "_sum", "_count", "_avg" };
	static const char *const total[] = { "_total" }, *const plain[] = { "" };
	const char *const *t = counter ? total : strcmp(nm->type, "histogram") == 0 ? hist
		: strcmp(nm->type, "summary") == 0 ? summary : plain;
	nm->ntaken = counter || t == plain ? 1 : 4;
	memcpy(nm->taken, t, sizeof(*t) * (size_t)nm->ntaken);
}

/* Whether a sample name of a is one of b's: then it goes to which. */
static bool clash(const struct names *a, const struct names *b, char *which, size_t size)
{
	char x[200], y[200];
	for (int i = 0; i < a->ntaken; i++)
		for (int j = 0; j < b->ntaken; j++) {
			snprintf(x, sizeof(x), "%s%s", a->base, a->taken[i]);
			snprintf(y, sizeof(y), "%s%s", b->base, b->taken[j]);
			if (strcmp(x, y) == 0) {
				snprintf(which, size, "%s", x);
				return true;
			}
		}
	return false;
}

static bool label_name_ok(const char *s)
{
	if (!s || !*s || (s[0] == '_' && s[1] == '_') || strcmp(s, "le") == 0 || strcmp(s, "quantile") == 0 ||
	    strcmp(s, "value") == 0)
		return false;
	for (const char *p = s; *p; p++)
		if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (p > s && *p >= '0' && *p <= '9')))
			return false;
	return true;
}

/* The label a key expression reads as: a builtin's name (comm, pid), a
 * variable's ($fd: fd), a field's (args.filename: filename), or a call's
 * plain argument's (str(args.filename): filename), else the call's name
 * (kstack(3): kstack); NULL when it reads as none (an expression). */
static const char *expr_label(const struct xt_node *n)
{
	switch (n->kind) {
	case XT_N_IDENT:
	case XT_N_VAR:
	case XT_N_FIELD:
	case XT_N_ARROW:
		return n->name;
	case XT_N_CAST:
		return expr_label(n->a);
	case XT_N_CALL:
		if (n->list && !n->list->next && (n->list->kind == XT_N_IDENT || n->list->kind == XT_N_VAR ||
						  n->list->kind == XT_N_FIELD || n->list->kind == XT_N_ARROW))
			return n->list->name;
		return n->name;
	default:
		return NULL;
	}
}

/* The label names of m's keys: those its first use's key expressions read
 * as (@opens[comm, $fd]: comm, fd) when each reads as a distinct valid name,
 * else key (one key) or key0, key1, ... (a tuple). `names` has room for n. */
static void label_names(const struct xt_map_info *m, int n, const char **names, char (*fallback)[16])
{
	const struct xt_node *k = m->first && m->first->kind == XT_N_MAP ? m->first->list : NULL;
	bool ok = true;
	for (int i = 0; i < n; i++, k = k ? k->next : NULL) {
		names[i] = k ? expr_label(k) : NULL;
		ok = ok && label_name_ok(names[i]);
		for (int j = 0; j < i && ok; j++)
			ok = strcmp(names[i], names[j]) != 0;
	}
	ok = ok && !k; /* as many expressions as keys */
	for (int i = 0; i < n && !ok; i++) {
		if (n == 1)
			snprintf(fallback[i], sizeof(fallback[i]), "key");
		else
			snprintf(fallback[i], sizeof(fallback[i]), "key%d", i);
		names[i] = fallback[i];
	}
}

/* --- values ----------------------------------------------------------------- */

/* Writes s as a label value: \ " and newline escaped, bytes that are not
 * UTF-8 (a comm can hold any) as U+FFFD, so the exposition always parses. */
static void put_escaped(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		int len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : (*p & 0xf8) == 0xf0 ? 4 : 0;
		bool valid = len > 0 && !(len == 2 && *p < 0xc2);
		for (int i = 1; i < len && valid; i++)
			valid = (p[i] & 0xc0) == 0x80;
		if (!valid) {
			fputs("\xef\xbf\xbd", out);
			p++;
			continue;
		}
		if (*p == '\\')
			fputs("\\\\", out);
		else if (*p == '"')
			fputs("\\\"", out);
		else if (*p == '\n')
			fputs("\\n", out);
		else
			fwrite(p, 1, (size_t)len, out);
		p += len;
	}
}

/* A value as text, as xtrace prints it ("(1, a)" for a tuple); malloc'd. */
static char *val_text(const struct xt_val *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	xt_print_val(f, XT_FMT_TEXT, v);
	fclose(f);
	return buf;
}

/* name="text", the text escaped; malloc'd (NULL on OOM). */
static char *label_pair(const char *name, const char *text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fprintf(f, "%s=\"", name);
	put_escaped(f, text ? text : "");
	fputc('"', f);
	fclose(f);
	return buf;
}

/* {comm="bash",fd="3"}, with `extra` (le="7") last; nothing without labels. */
static void put_labels(FILE *out, const struct xt_map_entry *e, const char **names, const char *extra)
{
	if (e->nkeys == 0 && !extra)
		return;
	fputc('{', out);
	for (int i = 0; i < e->nkeys; i++) {
		char *t = val_text(&e->keys[i]), *pair = label_pair(names[i], t);
		fprintf(out, "%s%s", i ? "," : "", pair ? pair : "");
		free(pair);
		free(t);
	}
	if (extra)
		fprintf(out, "%s%s", e->nkeys ? "," : "", extra);
	fputc('}', out);
}

/* A sample's name and labels, its value to follow: base_bucket{comm="sh",le="7"} */
static void sample(FILE *out, const char *base, const char *suffix, const struct xt_map_entry *e,
		   const char **names, const char *extra)
{
	fprintf(out, "%s%s", base, suffix);
	put_labels(out, e, names, extra);
}

static bool is_number(const struct xt_val *v)
{
	return v->kind == XT_VAL_INT || v->kind == XT_VAL_UINT || v->kind == XT_VAL_BOOL || v->kind == XT_VAL_PTR ||
	       v->kind == XT_VAL_ENUM;
}

static void put_number(FILE *out, const struct xt_val *v)
{
	if (v->kind == XT_VAL_INT)
		fprintf(out, " %" PRId64 "\n", v->i);
	else
		fprintf(out, " %" PRIu64 "\n", v->u);
}

/* The largest value bucket i holds, as its JSON bounds say ("max": 7), into
 * buf; false when it has none (lhist's last bucket: values >= max). The
 * record's own bounds, so that the le labels never drift from the printer. */
static bool bucket_max(const struct xt_map_data *d, int i, int nbuckets, char *buf, size_t size)
{
	char *json = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&json, &len);
	if (!f)
		return false;
	d->agg->bucket_json(f, d, i, nbuckets);
	fclose(f);
	const char *p = strstr(json, "\"max\": ");
	bool ok = p != NULL;
	if (ok) {
		p += 7;
		size_t n = strspn(p, "-0123456789");
		ok = n > 0 && n < size;
		if (ok) {
			memcpy(buf, p, n);
			buf[n] = '\0';
		}
	}
	free(json);
	return ok;
}

/* A histogram: cumulative buckets up to the last non-empty one, each
 * le="<the largest value it holds>" (values are integers: le="7" counts
 * exactly those <= 7, the power-of-two bucket [4, 8) and below), then
 * le="+Inf", _sum (the values' sum, which the map keeps beside each
 * bucket's count) and _count. */
static void put_hist(FILE *out, const struct names *nm, const struct xt_map_data *d,
		     const struct xt_map_entry *e, const char **names)
{
	int last = -1;
	for (int i = 0; i < e->nbuckets; i++)
		if (e->buckets[i])
			last = i;
	uint64_t cum = 0;
	for (int i = 0; i <= last; i++) {
		char max[32], le[48];
		cum += e->buckets[i];
		if (!bucket_max(d, i, e->nbuckets, max, sizeof(max)))
			continue;
		snprintf(le, sizeof(le), "le=\"%s\"", max);
		sample(out, nm->base, "_bucket", e, names, le);
		fprintf(out, " %" PRIu64 "\n", cum);
	}
	sample(out, nm->base, "_bucket", e, names, "le=\"+Inf\"");
	fprintf(out, " %" PRIu64 "\n", e->count);
	sample(out, nm->base, "_sum", e, names, NULL);
	fprintf(out, " %" PRId64 "\n", e->total);
	sample(out, nm->base, "_count", e, names, NULL);
	fprintf(out, " %" PRIu64 "\n", e->count);
}

static void put_help(FILE *out, const char *family, const struct xt_map_info *m, const char *what,
		     struct xt_arena *ar)
{
	fprintf(out, "# HELP %s xtrace map @%s (%s)%s\n", family, m->name, xt_type_name(ar, m->val), what);
}

/* One map's metric family (two for stats: the summary and its _avg gauge). */
static void put_map(FILE *out, struct xt_rt *rt, const struct xt_map_info *m, const struct names *nm)
{
	struct xt_arena *ar = xt_arena_new();
	struct xt_rt_snap snap;
	struct xt_map_data d;
	int err = xt_rt_map_read(rt, m, ar, &snap, &d);
	if (err < 0) {
		fprintf(out, "# xtrace: cannot read @%s: %s\n", m->name, strerror(-err));
		xt_arena_free(ar);
		return;
	}
	int nkeys = !m->key ? 0 : m->key->kind == XT_T_TUPLE ? m->key->n : 1;
	const char **names = xt_arena_alloc(ar, sizeof(*names) * (size_t)(nkeys + 1));
	char (*fallback)[16] = xt_arena_alloc(ar, sizeof(*fallback) * (size_t)(nkeys + 1));
	label_names(m, nkeys, names, fallback);
	bool summary = strcmp(nm->type, "summary") == 0, hist = strcmp(nm->type, "histogram") == 0;

	put_help(out, nm->family, m, summary ? ": count and total" : "", ar);
	fprintf(out, "# TYPE %s %s\n", nm->family, nm->type);
	for (size_t i = 0; i < d.n; i++) {
		const struct xt_map_entry *e = &d.entries[i];
		if (e->nkeys != nkeys)
			continue; /* cannot happen: the key's shape is the map's */
		if (hist) {
			put_hist(out, nm, &d, e, names);
		} else if (summary) {
			sample(out, nm->base, "_count", e, names, NULL);
			fprintf(out, " %" PRIu64 "\n", e->count);
			sample(out, nm->base, "_sum", e, names, NULL);
			fprintf(out, " %" PRId64 "\n", e->total);
		} else if (is_number(&e->value)) {
			fputs(nm->family, out);
			put_labels(out, e, names, NULL);
			put_number(out, &e->value);
		} else { /* a string, stack or tuple: an info-style sample, the value a label */
			char *t = val_text(&e->value), *pair = label_pair("value", t);
			fputs(nm->family, out);
			put_labels(out, e, names, pair ? pair : "value=\"\"");
			fputs(" 1\n", out);
			free(pair);
			free(t);
		}
	}
	if (summary) { /* and the average, as xtrace prints it */
		char avg[180];
		snprintf(avg, sizeof(avg), "%s_avg", nm->base);
		put_help(out, avg, m, ": average", ar);
		fprintf(out, "# TYPE %s gauge\n", avg);
		for (size_t i = 0; i < d.n; i++) {
			fputs(avg, out);
			put_labels(out, &d.entries[i], names, NULL);
			put_number(out, &d.entries[i].value);
		}
	}
	xt_rt_snap_free(&snap);
	xt_arena_free(ar);
}

/* The maps in name order, each with its names; a map whose name starts with
 * '_', or whose names clash with an earlier one's, is left out (skip[i]).
 * Returns the count, or -ENOMEM; free with plan_free. */
static int plan(struct xt_rt *rt, const struct xt_map_info ***order, struct names **nms, bool **skip)
{
	const struct xt_program *prog = rt->prog;
	int n = prog->nmaps;
	*order = xt_rt_maps_by_name(prog);
	*nms = calloc((size_t)n + 1, sizeof(**nms));
	*skip = calloc((size_t)n + 1, sizeof(**skip));
	if (!*order || !*nms || !*skip)
		return -ENOMEM;
	char which[200];
	for (int i = 0; i < n; i++) {
		names_of((*order)[i], &(*nms)[i]);
		/* @_name: the program's own (timestamps by tid, ...), not a metric */
		(*skip)[i] = (*order)[i]->name[0] == '_';
		for (int j = 0; j < i && !(*skip)[i]; j++)
			(*skip)[i] = !(*skip)[j] && clash(&(*nms)[i], &(*nms)[j], which, sizeof(which));
	}
	return n;
}

static void plan_free(const struct xt_map_info **order, struct names *nms, bool *skip)
{
	free(order);
	free(nms);
	free(skip);
}

void xt_metrics_write(struct xt_rt *rt, FILE *out)
{
	const struct xt_map_info **order;
	struct names *nms;
	bool *skip;
	int n = plan(rt, &order, &nms, &skip);
	for (int i = 0; i < n; i++)
		if (!skip[i])
			put_map(out, rt, order[i], &nms[i]);
	plan_free(order, nms, skip);
}

/* --- the server ------------------------------------------------------------- */

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct xt_metrics *m = cls;
	if (!m->verbose)
		return;
	fputs("xtrace: metrics: ", stderr);
	vfprintf(stderr, fmt, ap);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, char *body,
			     size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = mhd.create_response_from_buffer(len, body, mode);
	if (!r)
		return MHD_NO;
	mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		mhd.add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	enum MHD_Result ok = mhd.queue_response(c, status, r);
	mhd.destroy_response(r);
	return ok;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	return reply(c, status, "text/plain; charset=utf-8", (char *)text, strlen(text), MHD_RESPMEM_PERSISTENT);
}

/* GET /metrics: the exposition, rendered now from the kernel's maps. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload, size_t *upload_size, void **req)
{
	struct xt_metrics *m = cls;
	static int seen;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "xtrace serves GET /metrics\n");
	if (!*req) { /* the headers: answer once the request is whole */
		*req = &seen;
		return MHD_YES;
	}
	if (*upload_size) { /* a GET with a body: ignored */
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0) {
		if (strcmp(url, "/") == 0)
			return reply_text(c, MHD_HTTP_OK, "xtrace: the program's maps are at /metrics\n");
		return reply_text(c, MHD_HTTP_NOT_FOUND, "not found: xtrace serves /metrics\n");
	}
	if (!m->rt)
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "xtrace is not tracing yet\n");
	char *body = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&body, &len);
	if (!f)
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	xt_metrics_write(m->rt, f);
	if (fclose(f) != 0) {
		free(body);
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	enum MHD_Result ok = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len,
				   MHD_RESPMEM_MUST_FREE);
	if (ok != MHD_YES)
		free(body);
	return ok;
}

/* Parses `where` into a bound, listening, non-blocking socket; -1 after a message. */
static int listen_on(const char *where, char *shown, size_t shown_size)
{
	char host[256];
	const char *port = where;
	const char *colon = strrchr(where, ':');
	bool all = false;
	if (!colon) {
		snprintf(host, sizeof(host), "127.0.0.1");
	} else {
		size_t n = (size_t)(colon - where);
		if (n >= sizeof(host))
			n = sizeof(host) - 1;
		memcpy(host, where, n);
		host[n] = '\0';
		port = colon + 1;
		if (n >= 2 && host[0] == '[' && host[n - 1] == ']') { /* [::1]:9100 */
			memmove(host, host + 1, n - 2);
			host[n - 2] = '\0';
		} else if (strchr(host, ':')) {
			fprintf(stderr, "xtrace: --metrics '%s': write an IPv6 address in brackets: [::1]:PORT\n", where);
			return -1;
		}
		all = !*host;
	}
	char *end;
	long p = strtol(port, &end, 10);
	if (!*port || *end || p < 0 || p > 65535) {
		fprintf(stderr, "xtrace: --metrics '%s': expected ADDR:PORT or PORT (a port from 0 to 65535)\n", where);
		return -1;
	}
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *ai = NULL;
	int err = getaddrinfo(all ? NULL : host, port, &hints, &ai);
	if (err) {
		fprintf(stderr, "xtrace: --metrics '%s': %s\n", where, gai_strerror(err));
		return -1;
	}
	/* The first address that binds; for every interface IPv6's any address
	 * first, which takes IPv4 too, when the host has IPv6. */
	int fd = -1, why = 0;
	for (int pass = all ? 0 : 1; pass < 2 && fd < 0; pass++)
		for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
			if (pass == 0 && a->ai_family != AF_INET6)
				continue;
			fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
			if (fd < 0) {
				why = errno;
				continue;
			}
			int one = 1, zero = 0;
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (all && a->ai_family == AF_INET6)
				setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
			if (bind(fd, a->ai_addr, a->ai_addrlen) < 0 || listen(fd, 64) < 0) {
				why = errno;
				close(fd);
				fd = -1;
			}
		}
	if (fd < 0) {
		fprintf(stderr, "xtrace: cannot serve metrics on %s: %s\n", where, strerror(why));
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	/* where it listens, the port taken for 0 included */
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char addr[INET6_ADDRSTRLEN] = "?";
	unsigned bound = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
			bound = ntohs(s6->sin6_port);
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
			bound = ntohs(s4->sin_port);
		}
	}
	snprintf(shown, shown_size, ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, bound);
	return fd;
}

struct xt_metrics *xt_metrics_open(const char *where, bool quiet, bool verbose)
{
	char shown[INET6_ADDRSTRLEN + 16];
	struct xt_metrics *m = calloc(1, sizeof(*m));
	if (!m) {
		fprintf(stderr, "xtrace: cannot serve metrics: %s\n", strerror(ENOMEM));
		return NULL;
	}
	if (!mhd.run && load_mhd() < 0) {
		free(m);
		return NULL;
	}
	m->verbose = verbose;
	m->timer_fd = -1;
	m->listen_fd = listen_on(where, shown, sizeof(shown));
	if (m->listen_fd < 0) {
		free(m);
		return NULL;
	}
	/* Limits that keep misbehaving clients from costing more than a few
	 * descriptors: a connection idle for 10 s is closed (a slow client's
	 * request or a reader that stopped reading), at most 64 at once, and
	 * headers past libmicrohttpd's 32 KiB per connection are refused. */
	m->d = mhd.start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, m,
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)m->listen_fd,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)64,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, m,
				MHD_OPTION_END);
	if (!m->d) {
		fprintf(stderr, "xtrace: cannot serve metrics on %s: the HTTP server did not start\n", shown);
		close(m->listen_fd);
		free(m);
		return NULL;
	}
	if (!quiet)
		fprintf(stderr, "xtrace: serving metrics at http://%s/metrics\n", shown);
	return m;
}

/* Lets libmicrohttpd do what is ready, then wakes the loop again when it has
 * work due without an event (a timeout, a response not yet all sent). */
static void run(void *ctx)
{
	struct xt_metrics *m = ctx;
	uint64_t ticks;
	if (read(m->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	mhd.run(m->d);
	MHD_UNSIGNED_LONG_LONG ms;
	struct itimerspec it = { 0 };
	if (mhd.get_timeout(m->d, &ms) == MHD_YES) {
		it.it_value.tv_sec = (time_t)(ms / 1000);
		it.it_value.tv_nsec = (long)(ms % 1000) * 1000000 + 1; /* never 0: that would disarm */
	}
	timerfd_settime(m->timer_fd, 0, &it, NULL);
}

int xt_metrics_serve(struct xt_metrics *m, struct xt_rt *rt, struct xt_loop *l)
{
	const union MHD_DaemonInfo *info = mhd.get_daemon_info(m->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info)
		return -ENOTSUP;
	if (m->timer_fd < 0)
		m->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (m->timer_fd < 0)
		return -errno;
	int err = xt_loop_add(l, info->epoll_fd, run, m);
	if (err == 0 && (err = xt_loop_add(l, m->timer_fd, run, m)) < 0)
		xt_loop_remove(l, info->epoll_fd);
	if (err < 0)
		return err;
	m->rt = rt;

	const struct xt_map_info **order;
	struct names *nms;
	bool *skip;
	int n = plan(rt, &order, &nms, &skip);
	char which[200];
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i && skip[i] && order[i]->name[0] != '_'; j++)
			if (!skip[j] && clash(&nms[i], &nms[j], which, sizeof(which))) {
				fprintf(stderr, "xtrace: --metrics leaves @%s out: its metric %s is @%s's\n",
					order[i]->name, which, order[j]->name);
				break;
			}
	plan_free(order, nms, skip);
	run(m);
	return 0;
}

void xt_metrics_close(struct xt_metrics *m)
{
	if (!m)
		return;
	mhd.stop_daemon(m->d); /* which closes the listening socket it was given */
	if (m->timer_fd >= 0)
		close(m->timer_fd);
	free(m);
}
