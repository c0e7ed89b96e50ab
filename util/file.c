/* Reading whole files, with a bound and, for the caller who needs it, a
 * wait hook that keeps signals in view. */
#include "util/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

char *xt_file_read_fd(int fd, size_t max, int (*wait)(int fd), size_t *lenp)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	int err = 0;
	while (buf) {
		int ready = wait ? wait(fd) : 1;
		if (ready <= 0) {
			err = ready == 0 ? EINTR : -ready;
			break;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0) {
			err = errno;
			break;
		}
		if (n == 0) {
			buf[len] = 0;
			if (lenp)
				*lenp = len;
			return buf;
		}
		len += (size_t)n;
		if (len > max) {
			err = EFBIG;
			break;
		}
		if (cap - len < 1024) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				err = ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	free(buf);
	errno = buf ? err : ENOMEM;
	return NULL;
}

char *xt_file_read(const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *text = xt_file_read_fd(fd, max, NULL, NULL);
	int err = errno;
	close(fd);
	errno = err;
	return text;
}
