/* openatn N: calls openat(AT_FDCWD, "/dev/null", O_RDONLY) N times (default
 * 1), closing each fd. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1;

	for (long i = 0; i < n; i++) {
		int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY);

		if (fd < 0)
			return 1;
		close(fd);
	}
	return 0;
}
