/* Calls openat(AT_FDCWD, "/dev/null", O_RDONLY) exactly 37 times, closing
 * each fd, and exits 0. Inherited descriptors are closed first, so each
 * call returns fd 3. */
#include <fcntl.h>
#include <unistd.h>

int main(void)
{
	closefrom(3); /* whatever the caller left open: every openat then returns 3 */
	for (int i = 0; i < 37; i++) {
		int fd = openat(AT_FDCWD, "/dev/null", O_RDONLY);

		if (fd < 0)
			return 1;
		close(fd);
	}
	return 0;
}
