/* Colour on a terminal that has it: map names and histogram bars in what
 * the REPL prints, diagnostics' kind and marks (lang/diag.c). Never into a
 * pipe or a file, nor with NO_COLOR set (https://no-color.org) or TERM=dumb;
 * BPFTRACE_COLOR=always or never (bpftrace 0.26) decides instead. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "repl/repl_int.h"

#define MAP_COLOUR "\033[1;34m"
#define BAR_COLOUR "\033[32m"
#define NO_COLOUR  "\033[0m"

bool xt_repl_colour_fd(int fd)
{
	const char *no = getenv("NO_COLOR"), *term = getenv("TERM"), *bc = getenv("BPFTRACE_COLOR");
	if (bc && (strcmp(bc, "always") == 0 || strcmp(bc, "never") == 0))
		return bc[0] == 'a';
	return isatty(fd) && !(no && *no) && term && *term && strcmp(term, "dumb") != 0;
}

/* The length of the map name `@name` that line starts a map entry with
 * (`@name: `, `@name[`, a chart's `@name:` alone), or 0. */
static size_t map_name(const char *line, size_t len)
{
	if (len < 2 || line[0] != '@')
		return 0;
	size_t i = 1;
	while (i < len && (line[i] == '_' || (line[i] >= 'a' && line[i] <= 'z') || (line[i] >= 'A' && line[i] <= 'Z') ||
			   (line[i] >= '0' && line[i] <= '9')))
		i++;
	return i < len && (line[i] == '[' || (line[i] == ':' && (i + 1 == len || line[i + 1] == ' '))) ? i : 0;
}

/* A histogram's line `[4, 8)   1 |@@@@   |`: where its bar starts and ends. */
static bool hist_bar(const char *line, size_t len, size_t *from, size_t *to)
{
	if (len < 4 || line[0] != '[' || line[len - 1] != '|')
		return false;
	const char *open = memchr(line, '|', len - 1);
	if (!open)
		return false;
	*from = (size_t)(open - line) + 1;
	*to = *from;
	while (*to < len - 1 && line[*to] == '@')
		(*to)++;
	return *to > *from;
}

void xt_repl_colour_write(FILE *to, const char *buf, size_t n, bool colour)
{
	if (!colour) {
		fwrite(buf, 1, n, to);
		return;
	}
	for (size_t at = 0; at < n;) {
		const char *line = buf + at, *nl = memchr(line, '\n', n - at);
		size_t len = nl ? (size_t)(nl - line) : n - at, name, from, upto;
		if ((name = map_name(line, len))) {
			fprintf(to, MAP_COLOUR "%.*s" NO_COLOUR "%.*s", (int)name, line, (int)(len - name), line + name);
		} else if (hist_bar(line, len, &from, &upto)) {
			fprintf(to, "%.*s" BAR_COLOUR "%.*s" NO_COLOUR "%.*s", (int)from, line, (int)(upto - from), line + from,
				(int)(len - upto), line + upto);
		} else {
			fwrite(line, 1, len, to);
		}
		if (nl)
			fputc('\n', to);
		at += len + (nl != NULL);
	}
}

bool xt_repl_colour_out(void)
{
	static int on = -1;
	if (on < 0)
		on = xt_repl_colour_fd(STDOUT_FILENO);
	return on;
}
