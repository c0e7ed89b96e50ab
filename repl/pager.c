/* Output longer than the terminal goes through a pager, as psql and git do:
 * $PAGER, or `less -FRX` (which quits at once when the text fits after all).
 * Between xt_repl_page_begin and _end, standard output goes to a memory
 * file; at the end it is shown directly when it fits the terminal, through
 * the pager otherwise. Only when standard output is a terminal; `.pager off`. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "repl/repl_int.h"

static bool off;
static int saved_fd = -1, page_fd = -1;
static int depth;

void xt_repl_page_begin(void)
{
	if (depth++ || off || !R->tty || R->out != stdout || !isatty(STDOUT_FILENO))
		return;
	fflush(stdout);
	page_fd = memfd_create("xtrace-page", MFD_CLOEXEC);
	saved_fd = page_fd < 0 ? -1 : fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (saved_fd < 0 || dup2(page_fd, STDOUT_FILENO) < 0) {
		if (saved_fd >= 0)
			close(saved_fd);
		if (page_fd >= 0)
			close(page_fd);
		saved_fd = page_fd = -1;
	}
}

/* How many terminal rows text takes on a terminal `cols` wide (escapes take
 * none, a UTF-8 character one column, a tab up to 8). */
static long rows_of(const char *text, size_t n, int cols)
{
	long rows = 0;
	int col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n') {
			rows += 1 + (col > 0 ? (col - 1) / cols : 0);
			col = 0;
		} else if (c == '\033') {
			while (i + 1 < n && !((text[i + 1] >= 'A' && text[i + 1] <= 'Z') || (text[i + 1] >= 'a' && text[i + 1] <= 'z')))
				i++;
			i++;
		} else if (c == '\t') {
			col = (col / 8 + 1) * 8;
		} else if ((c & 0xc0) != 0x80) {
			col++;
		}
	}
	return rows + (col > 0 ? 1 + (col - 1) / cols : 0);
}

/* Runs the pager on the memory file; whether it ran. */
static bool run_pager(void)
{
	const char *pager = getenv("PAGER");
	if (!pager)
		pager = "less -FRX";
	if (!*pager || strcmp(pager, "cat") == 0)
		return false;
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		lseek(page_fd, 0, SEEK_SET);
		dup2(page_fd, STDIN_FILENO);
		xt_sig_restore_child();
		execl("/bin/sh", "sh", "-c", pager, (char *)NULL);
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* A pager that could not start (127) showed nothing: the text goes out plain. */
	return !(WIFEXITED(status) && WEXITSTATUS(status) == 127);
}

void xt_repl_page_end(void)
{
	if (--depth || saved_fd < 0)
		return;
	fflush(stdout);
	dup2(saved_fd, STDOUT_FILENO);
	close(saved_fd);
	saved_fd = -1;
	off_t n = lseek(page_fd, 0, SEEK_END);
	char *text = n > 0 ? mmap(NULL, (size_t)n, PROT_READ, MAP_PRIVATE, page_fd, 0) : MAP_FAILED;
	struct winsize ws = { 0 };
	bool fits = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0 || ws.ws_col == 0 ||
		    (text != MAP_FAILED && rows_of(text, (size_t)n, ws.ws_col) < ws.ws_row - 1);
	if (text != MAP_FAILED && (fits || !run_pager()))
		fwrite(text, 1, (size_t)n, stdout);
	fflush(stdout);
	if (text != MAP_FAILED)
		munmap(text, (size_t)n);
	close(page_fd);
	page_fd = -1;
}

void xt_repl_cmd_pager(const char *arg)
{
	if (arg && (strcmp(arg, "on") == 0 || strcmp(arg, "off") == 0))
		off = strcmp(arg, "off") == 0;
	else if (arg)
		fprintf(stderr, "usage: .pager [on|off]\n");
	if (!arg || strcmp(arg, "on") == 0 || strcmp(arg, "off") == 0)
		printf("the pager is %s%s\n", off ? "off" : "on",
		       off ? "" : !R->tty ? " (but the output is no terminal)" : "");
}
