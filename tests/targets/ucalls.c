/* ucalls [N]: calls functions a known number of times, for the uprobe tests:
 * xt_add(i % 8, 1) N times (default 1000), xt_name(i) 10 times (5 "even",
 * 5 "odd"), libc's a64l() 7 times (nothing else in libc calls it). */
#include <stdlib.h>

__attribute__((noinline)) long xt_add(long a, long b)
{
	return a + b;
}

__attribute__((noinline)) const char *xt_name(int i)
{
	return i % 2 ? "odd" : "even";
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	long sum = 0;
	/* Touch the strings xt_name returns: a uretprobe cannot fault their page in. */
	volatile const char *touch = "odd";
	sum += touch[0];
	touch = "even";
	sum += touch[0];

	for (int i = 0; i < n; i++)
		sum += xt_add(i % 8, 1);
	for (int i = 0; i < 10; i++)
		sum += xt_name(i)[0];
	for (int i = 0; i < 7; i++)
		sum += a64l("./");
	return sum == 42 ? 1 : 0;
}
