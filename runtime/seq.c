/* Records a program wrote to a BPF iterator's seq_file (its provider's emit_record)
 * instead of the ring buffer: reading the iterator runs the program, and
 * what it wrote is handled as ring-buffer records are. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runtime/rt_int.h"

int xt_rt_read_records(struct xt_rt *rt, int fd, const char *site)
{
	size_t cap = 64 * 1024, len = 0;
	uint8_t *buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	int err = 0;
	for (;;) {
		if (cap - len < 16 * 1024) {
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR && !xt_sig_stop_pending())
			continue;
		if (n < 0) {
			err = -errno;
			fprintf(stderr, "xtrace: cannot read the iterator of %s: %s\n", site, strerror(-err));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		/* each read ends on a whole object's records: handle them now */
		size_t off = 0;
		while (len - off >= 4) {
			uint32_t rl;
			memcpy(&rl, buf + off, 4);
			if (len - off - 4 < rl)
				break;
			xt_out_hold();
			xt_rt_handle_event(rt, buf + off + 4, rl);
			xt_out_release();
			off += 4 + rl;
		}
		memmove(buf, buf + off, len - off);
		len -= off;
		if (xt_sig_stop_pending() || rt->done)
			break;
	}
	free(buf);
	return err;
}
