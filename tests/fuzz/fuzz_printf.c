/* Harness 3: printf format strings. The input is a format; it is parsed
 * (xt_printf_parse) and, when its conversions can be fed, printed with
 * values of the kinds each conversion takes, in text and JSON. The parser
 * and the printer must agree: a format the parser accepts never makes the
 * printer fail. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runtime/print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXCONV 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *fmt = malloc(size + 1);
	if (!fmt)
		return 0;
	memcpy(fmt, data, size);
	fmt[size] = '\0';
	char convs[MAXCONV];
	size_t bad = 0;
	int n = xt_printf_parse(fmt, convs, MAXCONV, &bad);
	if (n >= 0 && n <= MAXCONV) {
		static const uint8_t bytes[] = { 'h', 'i', 0, 0xff, '\n' };
		struct xt_val args[MAXCONV];
		for (int i = 0; i < n; i++) {
			switch (convs[i]) {
			case 's':
				args[i] = (struct xt_val){ .kind = XT_VAL_STR, .s = "text" };
				break;
			case 'r':
				args[i] = (struct xt_val){ .kind = XT_VAL_BUF,
							   .buf = { .s = "hi\\x00", .p = bytes, .n = sizeof(bytes) } };
				break;
			default:
				args[i] = (struct xt_val){ .kind = i % 2 ? XT_VAL_UINT : XT_VAL_INT, .i = -1234567 * (i + 1) };
				break;
			}
		}
		FILE *out = fopen("/dev/null", "w");
		if (out) {
			for (int f = 0; f < 2; f++) {
				int err = xt_print_printf(out, f ? XT_FMT_JSON : XT_FMT_TEXT, fmt, args, n);
				if (err != 0) {
					fprintf(stderr, "fuzz: xt_print_printf returned %d for \"%s\"\n", err, fmt);
					abort();
				}
			}
			fclose(out);
		}
	}
	free(fmt);
	return 0;
}
