/* Unit tests for the runtime's pieces that need no kernel: the bounded copy
 * of libbpf's log (runtime/libbpf_log.c), the signal stash and waits
 * (loop.c), and the results stream (output.c). */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include <cmocka.h>

#include "runtime/rt_int.h"

enum { LOG_CAP = 16384 }; /* the size of libbpf_log.c's buffer */

/* A verifier log arrives from libbpf as one message of any size: the copy
 * keeps its end, inside the buffer. */
static void test_runtime_log_keeps_the_end_of_a_huge_message(void **state)
{
	size_t n = 3 * LOG_CAP;
	char *msg = malloc(n + 1);
	assert_non_null(msg);
	for (size_t i = 0; i < n; i++)
		msg[i] = (char)('a' + i % 26);
	memcpy(msg + n - 5, "LAST\n", 5);
	xt_rt_log_reset();
	xt_rt_log_append("first\n", 6);
	xt_rt_log_append(msg, n);
	size_t len = strlen(xt_rt_log());
	assert_true(len < LOG_CAP);
	assert_string_equal(xt_rt_log() + len - 5, "LAST\n");
	free(msg);
}

/* A message nearly as large as the buffer after some text: the cap counts
 * the room left (it used to copy past the end). */
static void test_runtime_log_counts_the_room_left(void **state)
{
	char *msg = malloc(LOG_CAP);
	assert_non_null(msg);
	memset(msg, 'v', LOG_CAP - 1);
	msg[LOG_CAP - 2] = '\n';
	xt_rt_log_reset();
	for (int i = 0; i < 200; i++)
		xt_rt_log_append("libbpf: prog 'probe_1': a line\n", 31);
	xt_rt_log_append(msg, 12000);
	assert_true(strlen(xt_rt_log()) < LOG_CAP);
	xt_rt_log_append("the end\n", 8);
	size_t len = strlen(xt_rt_log());
	assert_true(len < LOG_CAP);
	assert_string_equal(xt_rt_log() + len - 8, "the end\n");
	free(msg);
}

/* A stop signal is seen by a wait, left for the loop, then taken. */
static void test_runtime_signal_stops_a_wait(void **state)
{
	assert_int_equal(xt_sig_init(), 0);
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(xt_sig_wait(p[0], POLLIN, 10), -ETIMEDOUT);
	kill(getpid(), SIGINT); /* blocked: it waits on the signalfd */
	assert_int_equal(xt_sig_wait(p[0], POLLIN, -1), 0);
	assert_true(xt_sig_stop_pending());
	assert_true(xt_sig_take_stop());
	assert_false(xt_sig_stop_pending());
	assert_true(xt_sig_stopped());
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(xt_sig_wait(p[0], POLLIN, -1), 1);
	close(p[0]);
	close(p[1]);
}

/* The results stream reports its first failed write once and remembers it. */
static void test_runtime_output_reports_a_failed_write(void **state)
{
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		skip();
	FILE *f = xt_out_open(fd, "/dev/full", true);
	assert_non_null(f);
	setvbuf(f, NULL, _IOLBF, 0);
	fputs("one\n", f);
	fputs("two\n", f);
	assert_int_equal(xt_out_error(f), ENOSPC);
	assert_int_equal(fclose(f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtime_log_keeps_the_end_of_a_huge_message),
		cmocka_unit_test(test_runtime_log_counts_the_room_left),
		cmocka_unit_test(test_runtime_signal_stops_a_wait),
		cmocka_unit_test(test_runtime_output_reports_a_failed_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
