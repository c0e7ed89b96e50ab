/* Histogram bodies (hist and lhist) in bpftrace's text and 0.26's JSON layouts:
 * padding, bar scaling and trimming of empty edge buckets; the aggregation's
 * record (stdlib/bi_agg.c) labels the buckets. */
#include "runtime/print.h"
#include "lang/types.h"

#include <inttypes.h>
#include <string.h>

#define BAR_WIDTH 52

void xt_print_hist(FILE *out, enum xt_format fmt, const struct xt_map_data *m,
		   const struct xt_map_entry *e, uint64_t div)
{
	int first = -1, lastnz = -1;
	uint64_t max = 0;

	if (div == 0)
		div = 1;
	for (int i = 0; i < e->nbuckets; i++) {
		uint64_t v = e->buckets[i];

		if (v > 0) {
			if (first < 0)
				first = i;
			lastnz = i;
		}
		if (v > max)
			max = v;
	}
	/* bpftrace 0.26 writes a bare "," between JSON buckets, 0.17 ", " */
	const char *sep = xt_print_layout.json_017 ? ", " : ",";
	if (fmt == XT_FMT_JSON)
		fputc('[', out);
	for (int i = first; first >= 0 && i <= lastnz; i++) {
		uint64_t v = e->buckets[i];

		if (fmt == XT_FMT_JSON) {
			if (i > first)
				fputs(sep, out);
			fputc('{', out);
			m->agg->bucket_json(out, m, i, e->nbuckets);
			fprintf(out, "\"count\": %" PRIu64 "}", v / div);
		} else {
			char header[64], bar[BAR_WIDTH + 1];
			/* bpftrace computes the bar in float: v / (float)max * 52 */
			int w = (int)((float)v / (float)max * BAR_WIDTH);

			memset(bar, '@', w);
			bar[w] = '\0';
			m->agg->bucket_label(header, sizeof(header), m, i, e->nbuckets);
			fprintf(out, "%-16s%8" PRIu64 " |%-*s|\n", header, v / div,
				BAR_WIDTH, bar);
		}
	}
	if (fmt == XT_FMT_JSON)
		fputc(']', out);
}
