/* writeme: user memory for write_user() and a thread for signal_thread():
 * calls xt_fill(buf) with buf = "original", then prints buf and whether
 * SIGUSR1 reached this thread meanwhile. */
#include <signal.h>
#include <stdio.h>

static volatile sig_atomic_t got_usr1;

static void on_usr1(int sig)
{
	got_usr1 = sig;
}

__attribute__((noinline)) void xt_fill(char *buf)
{
	__asm__ volatile("" : : "r"(buf) : "memory");
}

int main(void)
{
	char buf[16] = "original";
	signal(SIGUSR1, on_usr1);
	xt_fill(buf);
	printf("%s%s\n", buf, got_usr1 ? " usr1" : "");
	return 0;
}
