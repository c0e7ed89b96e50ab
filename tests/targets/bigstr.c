/* bigstr: hands user buffers to functions for the string tests: xt_big(s)
 * with a 1000-byte string ('a'..'z' repeated, then NUL), xt_bytes(p, n)
 * with the bytes 0x01 0x02 'A' 0xff, xt_mac(p) with 6 bytes 00:1A:2B:3C:4D:FF. */
#include <string.h>

__attribute__((noinline)) int xt_big(const char *s)
{
	return s[0];
}

__attribute__((noinline)) int xt_bytes(const unsigned char *p, int n)
{
	return p[0] + n;
}

__attribute__((noinline)) int xt_mac(const unsigned char *p)
{
	return p[0];
}

int main(void)
{
	static char big[1001];
	static unsigned char bytes[] = { 0x01, 0x02, 'A', 0xff };
	static unsigned char mac[] = { 0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0xff };
	for (int i = 0; i < 1000; i++)
		big[i] = (char)('a' + i % 26);
	int r = xt_big(big) + xt_bytes(bytes, 4) + xt_mac(mac);
	return r == 0;
}
