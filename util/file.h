/* Reading whole files: scripts, tracefs format files, /proc. */
#ifndef XT_FILE_H
#define XT_FILE_H

#include <stddef.h>

/* Reads fd to its end into a NUL-terminated buffer the caller frees; *len
 * (when not NULL) gets its length. More than `max` bytes is EFBIG. When
 * `wait` is given, every read first calls it: 1 means fd is readable, 0
 * stop (EINTR), below 0 an -errno; a non-blocking fd makes EAGAIN wait again.
 * NULL with errno set. */
char *xt_file_read_fd(int fd, size_t max, int (*wait)(int fd), size_t *len);
/* The whole file at `path` (files that report size 0, as tracefs's do, are
 * read to their end), at most `max` bytes. NULL with errno set. */
char *xt_file_read(const char *path, size_t max);

#endif
