/* hold.h: a target given "wait" as its last argument reads one byte from its
 * stdin before it works. The tests (hold/release in tests/e2e/lib.sh) make
 * that stdin a FIFO and write the byte once xtrace has attached to the
 * process (-p PID), so no event happens before the probes are in place. */
#include <string.h>
#include <unistd.h>

/* Returns argc without the "wait" (read and done), or -1 if stdin failed. */
static inline int hold_if_asked(int argc, char **argv)
{
	char c;

	if (argc < 2 || strcmp(argv[argc - 1], "wait") != 0)
		return argc;
	return read(0, &c, 1) == 1 ? argc - 1 : -1;
}
