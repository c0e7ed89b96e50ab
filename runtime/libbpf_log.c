/* libbpf's messages: shown with -v, and a copy kept whose tail explains a
 * verifier rejection.
 * Process-wide, not in struct xt_rt: libbpf_set_print() takes one callback
 * for the whole process and hands it no context, so the messages cannot
 * be told apart by the runtime whose call caused them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "runtime/rt_int.h"

static char libbpf_log[16384];
static size_t libbpf_log_len;
static bool libbpf_verbose;

void xt_rt_log_append(const char *text, size_t len)
{
	const size_t room = sizeof(libbpf_log) - 1; /* and the NUL */
	if (len > room / 2) { /* a whole verifier log arrives as one message: its end matters */
		text += len - room / 2;
		len = room / 2;
	}
	if (libbpf_log_len + len > room) { /* keep the newest part of what is there */
		size_t keep = room - len < libbpf_log_len ? room - len : libbpf_log_len;
		memmove(libbpf_log, libbpf_log + libbpf_log_len - keep, keep);
		libbpf_log_len = keep;
	}
	memcpy(libbpf_log + libbpf_log_len, text, len);
	libbpf_log_len += len;
	libbpf_log[libbpf_log_len] = 0;
}

const char *xt_rt_log(void)
{
	return libbpf_log;
}

void xt_rt_log_reset(void)
{
	libbpf_log_len = 0;
	libbpf_log[0] = 0;
}

static int on_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg = NULL;
	int n = vasprintf(&msg, fmt, ap);
	if (n < 0)
		return 0;
	if (libbpf_verbose)
		fputs(msg, stderr);
	if (level != LIBBPF_DEBUG)
		xt_rt_log_append(msg, (size_t)n);
	free(msg);
	return n;
}

void xt_rt_log_route(bool verbose)
{
	libbpf_verbose = verbose;
	libbpf_set_print(on_libbpf_print);
}

/* The last `lines` lines of the verifier's log (which libbpf prints between
 * BEGIN and END PROG LOAD LOG markers), or of libbpf's messages. */
const char *xt_rt_log_tail(int lines)
{
	static char tail[4096];
	const char *end = libbpf_log + libbpf_log_len;
	const char *mark = NULL;
	for (const char *q = strstr(libbpf_log, "-- END PROG LOAD LOG --"); q;
	     q = strstr(q + 1, "-- END PROG LOAD LOG --"))
		mark = q;
	if (mark) { /* back to the start of the marker's line */
		end = mark;
		while (end > libbpf_log && end[-1] != '\n')
			end--;
	}
	const char *p = end;
	while (p > libbpf_log && lines > 0) {
		p--;
		if (*p == '\n' && p != end - 1)
			lines--;
	}
	if (p != libbpf_log)
		p++;
	snprintf(tail, sizeof(tail), "%.*s", (int)(end - p), p);
	return tail;
}
