/* sysctl_write NAME VALUE: writes VALUE to /proc/sys/NAME and says how it
 * went: "ok", or the error (strerror) -- for the cgroup:sysctl tests. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: sysctl_write NAME VALUE\n");
		return 2;
	}
	char path[512];
	snprintf(path, sizeof(path), "/proc/sys/%s", argv[1]);
	int fd = open(path, O_WRONLY);
	if (fd < 0) {
		printf("%s\n", strerror(errno));
		return 1;
	}
	ssize_t n = write(fd, argv[2], strlen(argv[2]));
	printf("%s\n", n < 0 ? strerror(errno) : "ok");
	close(fd);
	return n < 0;
}
