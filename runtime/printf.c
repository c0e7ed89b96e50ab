/* printf() records rendered like bpftrace 0.17 does: each conversion goes
 * through the C library's snprintf with the user's own spec, so widths,
 * flags and length modifiers (which truncate: %d and %x read 32 bits, %hd 16,
 * %ld and %lld 64) behave exactly as in C -- but for the precision, which
 * does nothing as in bpftrace 0.26 (XTRACE_PRINTF_LAYOUT=0.17: as in C). */
#include "runtime/print.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum len_mod { LEN_INT, LEN_LONG }; /* what the conversion reads: int or 64 bits */

struct spec {
	size_t start, end; /* [start, end) of "%...c" in the format */
	char conv;         /* 'd', 'i', 'u', 'x', 'X', 'o', 'c', 's', 'p', 'r' or '%' */
	enum len_mod len;
	char rmode;        /* %r: 'r', %rx: 'x', %rh: 'h' */
};

/* spec := '%' flags* digits* ('.' digits*)? ('hh'|'h'|'l'|'ll'|'j'|'z'|'t')? conv
 *       | '%' '-'? digits* ('.' digits*)? 'r' ('x'|'h')?      (bpftrace's buffers)
 * Returns 0 and fills *sp, or -1 when the text at `start` is not a valid
 * conversion. */
#define PRINTF_WIDTH_MAX 65536

static int parse_spec(const char *f, size_t start, struct spec *sp)
{
	size_t i = start + 1, mod;

	sp->start = start;
	sp->len = LEN_INT;
	sp->rmode = 0;
	if (f[i] == '%') {
		sp->conv = '%';
		sp->end = i + 1;
		return 0;
	}
	while (f[i] && strchr("-0+ #", f[i]))
		i++;
	/* width and precision: at most PRINTF_WIDTH_MAX (a fuzzer's %2222222222s
	 * made the C library give up with ENOMEM at run time) */
	for (int part = 0; part < 2; part++) {
		if (part == 1) {
			if (f[i] != '.')
				break;
			i++;
		}
		long v = 0;
		while (f[i] >= '0' && f[i] <= '9') {
			v = v * 10 + (f[i++] - '0');
			if (v > PRINTF_WIDTH_MAX)
				return -1;
		}
	}
	mod = i;
	if (f[i] == 'g' && f[i + 1] == 'r') { /* %gr: GFP flag names (bpftrace 0.26) */
		sp->conv = 'g';
		sp->end = i + 2;
		return 0;
	}
	if (f[i] == 'r') {
		sp->conv = 'r';
		sp->rmode = f[i + 1] == 'x' || f[i + 1] == 'h' ? f[i + 1] : 'r';
		sp->end = i + 1 + (sp->rmode != 'r');
		return 0;
	}
	if (f[i] == 'h') {
		i += f[i + 1] == 'h' ? 2 : 1;
	} else if (f[i] == 'l') {
		i += f[i + 1] == 'l' ? 2 : 1;
		sp->len = LEN_LONG;
	} else if (f[i] == 'j' || f[i] == 'z' || f[i] == 't') {
		i++;
		sp->len = LEN_LONG;
	}
	if (!f[i] || !strchr("diuxXocsp", f[i]))
		return -1;
	/* %lc and %ls would make the C library read wide characters */
	if (i != mod && strchr("csp", f[i]))
		return -1;
	sp->conv = f[i];
	sp->end = i + 1;
	return 0;
}

static int precision = -1;

bool xt_printf_precision(void)
{
	if (precision < 0) {
		const char *e = getenv("XTRACE_PRINTF_LAYOUT");
		precision = e && strcmp(e, "0.17") == 0;
	}
	return precision;
}

void xt_printf_set_precision(bool c_precision) { precision = c_precision; }

int xt_printf_parse(const char *format, char *convs, int maxconvs, size_t *bad)
{
	int n = 0;

	for (size_t i = 0; format[i]; i++) {
		struct spec sp;

		if (format[i] != '%')
			continue;
		if (parse_spec(format, i, &sp) < 0) {
			if (bad)
				*bad = i;
			return -1;
		}
		i = sp.end - 1;
		if (sp.conv == '%')
			continue;
		if (convs && n < maxconvs)
			convs[n] = sp.conv;
		n++;
	}
	return n;
}

/* --- %gr: GFP flags by name, as the kernel's trace output names them ---------
 * The table (composite names first, each a mask) is the one the running
 * kernel's kmem:kmalloc tracepoint prints with: its format file spells each
 * mask as a C expression of (1UL) << N, |, & and ~, which gfp_expr reads. */
struct gfp_name {
	uint64_t mask;
	char name[32];
};
static struct gfp_name gfp_table[64];
static int gfp_n = -1;

static uint64_t gfp_or(const char **p);

static void skip_ws(const char **p)
{
	while (**p == ' ')
		(*p)++;
}

/* primary := '(' [cast] expr ')' | '~' primary | number ['UL'] */
static uint64_t gfp_primary(const char **p)
{
	skip_ws(p);
	if (**p == '~') {
		(*p)++;
		return ~gfp_primary(p);
	}
	if (**p == '(') {
		(*p)++;
		skip_ws(p);
		/* a cast: "( gfp_t)", "( unsigned long)" */
		if (strncmp(*p, "gfp_t)", 6) == 0 || strncmp(*p, "unsigned long)", 14) == 0) {
			*p = strchr(*p, ')') + 1;
			return gfp_primary(p);
		}
		uint64_t v = gfp_or(p);
		skip_ws(p);
		if (**p == ')')
			(*p)++;
		return v;
	}
	char *end;
	uint64_t v = strtoull(*p, &end, 0);
	*p = end;
	while (**p == 'U' || **p == 'L')
		(*p)++;
	return v;
}

static uint64_t gfp_shift(const char **p)
{
	uint64_t v = gfp_primary(p);
	for (skip_ws(p); (*p)[0] == '<' && (*p)[1] == '<'; skip_ws(p)) {
		*p += 2;
		uint64_t n = gfp_primary(p);
		v = n < 64 ? v << n : 0;
	}
	return v;
}

static uint64_t gfp_and(const char **p)
{
	uint64_t v = gfp_shift(p);
	for (skip_ws(p); **p == '&'; skip_ws(p)) {
		(*p)++;
		v &= gfp_shift(p);
	}
	return v;
}

static uint64_t gfp_or(const char **p)
{
	uint64_t v = gfp_and(p);
	for (skip_ws(p); **p == '|'; skip_ws(p)) {
		(*p)++;
		v |= gfp_and(p);
	}
	return v;
}

static void gfp_load(void)
{
	gfp_n = 0;
	static const char *const paths[] = { "/sys/kernel/tracing/events/kmem/kmalloc/format",
					     "/sys/kernel/debug/tracing/events/kmem/kmalloc/format" };
	char *text = NULL;
	for (size_t i = 0; i < 2 && !text; i++) {
		FILE *f = fopen(paths[i], "re");
		if (!f)
			continue;
		size_t len = 0;
		FILE *mem = open_memstream(&text, &len);
		char buf[4096];
		size_t n;
		while (mem && (n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, mem);
		if (mem)
			fclose(mem);
		fclose(f);
	}
	const char *p = text ? strstr(text, "gfp_flags, \"|\",") : NULL;
	/* entries: {EXPR, "NAME"} */
	while (p && (p = strchr(p, '{')) && gfp_n < 64) {
		const char *q = p + 1;
		uint64_t mask = gfp_or(&q);
		skip_ws(&q);
		if (q[0] != ',' || q[1] != ' ' || q[2] != '"')
			break;
		q += 3;
		const char *e = strchr(q, '"');
		if (!e || e - q >= 32)
			break;
		gfp_table[gfp_n].mask = mask;
		snprintf(gfp_table[gfp_n].name, sizeof(gfp_table[gfp_n].name), "%.*s", (int)(e - q), q);
		gfp_n++;
		p = e;
	}
	free(text);
}

/* The names of flags v joined by '|', leftover bits as 0x...; "0x0" for none. */
static char *gfp_names(uint64_t v)
{
	if (gfp_n < 0)
		gfp_load();
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem)
		return NULL;
	bool any = false;
	for (int i = 0; i < gfp_n; i++) {
		uint64_t m = gfp_table[i].mask;
		if (!m || (v & m) != m)
			continue;
		fprintf(mem, "%s%s", any ? "|" : "", gfp_table[i].name);
		any = true;
		v &= ~m;
	}
	if (v || !any)
		fprintf(mem, "%s0x%" PRIx64, any ? "|" : "", v);
	fclose(mem);
	return text;
}

/* One conversion into *out (malloc'd). bpftrace writes each piece with
 * `out << buffer`, so a NUL produced by %c ends that piece early; callers
 * write the result with fputs to keep that. */
char *xt_print_hexbuf(const uint8_t *p, size_t n, char mode)
{
	char *s = malloc(n * 4 + 1), *o = s;
	if (!s)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (mode == 'r' && p[i] >= 32 && p[i] <= 126)
			*o++ = (char)p[i];
		else if (mode == 'h')
			o += sprintf(o, i ? " %02x" : "%02x", p[i]);
		else
			o += sprintf(o, "\\x%02x", p[i]);
	}
	*o = 0;
	return s;
}

static int render(FILE *out, const char *spec, char conv, char rmode, enum len_mod len,
		  const struct xt_val *v)
{
	bool is_int = v->kind == XT_VAL_INT || v->kind == XT_VAL_UINT || v->kind == XT_VAL_BOOL || v->kind == XT_VAL_PTR ||
		      v->kind == XT_VAL_ENUM;
	int r;

	if (conv == 's' && v->kind == XT_VAL_BOOL) /* true/false, as bpftrace 0.24 */
		return fprintf(out, spec, v->u ? "true" : "false") < 0 ? -EIO : 0;
	if (conv == 's' && v->kind == XT_VAL_ENUM) /* its name, as bpftrace 0.22 */
		return fprintf(out, spec, v->en.name) < 0 ? -EIO : 0;
	if (conv == 's') {
		if (is_int) {
			/* an integer given to %s prints in decimal, an address in hex (as print() shows them) */
			char num[24], *fmt;

			if (v->kind == XT_VAL_PTR)
				snprintf(num, sizeof(num), "0x%" PRIx64, v->u);
			else if (v->kind == XT_VAL_INT)
				snprintf(num, sizeof(num), "%" PRId64, v->i);
			else
				snprintf(num, sizeof(num), "%" PRIu64, v->u);
			fmt = strdup(spec);
			if (!fmt)
				return -ENOMEM;
			fmt[strlen(fmt) - 1] = 's';
			r = fprintf(out, fmt, num);
			free(fmt);
			return r < 0 ? -EIO : 0;
		}
		if (v->kind == XT_VAL_TUPLE) { /* any value: its text, as print() shows it (bpftrace 0.26) */
			char *text = NULL;
			size_t len = 0;
			FILE *mem = open_memstream(&text, &len);
			if (!mem)
				return -ENOMEM;
			xt_print_val(mem, XT_FMT_TEXT, v);
			fclose(mem);
			r = text ? fprintf(out, spec, text) : -1;
			free(text);
			return r < 0 ? -EIO : 0;
		}
		if (v->kind != XT_VAL_STR && v->kind != XT_VAL_SYM && v->kind != XT_VAL_BUF)
			return -EINVAL;
		return fprintf(out, spec, v->s) < 0 ? -EIO : 0;
	}
	if (conv == 'r') {
		/* the spec's width and precision apply to the rendered text */
		if (v->kind != XT_VAL_BUF && v->kind != XT_VAL_STR)
			return -EINVAL;
		char *text = v->kind == XT_VAL_BUF ? xt_print_hexbuf(v->buf.p, v->buf.n, rmode)
						   : xt_print_hexbuf((const uint8_t *)v->s, strlen(v->s), rmode);
		char *fmt = strdup(spec);
		if (!text || !fmt) {
			free(text);
			free(fmt);
			return -ENOMEM;
		}
		size_t fl = strlen(fmt);
		if (rmode != 'r')
			fmt[--fl] = 0;
		fmt[fl - 1] = 's';
		r = fprintf(out, fmt, text);
		free(text);
		free(fmt);
		return r < 0 ? -EIO : 0;
	}
	if (!is_int)
		return -EINVAL;
	if (conv == 'g') { /* %gr: the names, through the spec's width as %s */
		char *names = gfp_names(v->u), *fmt = strdup(spec);
		if (!names || !fmt) {
			free(names);
			free(fmt);
			return -ENOMEM;
		}
		size_t fl = strlen(fmt);
		fmt[fl - 2] = 's';
		fmt[fl - 1] = 0;
		r = fprintf(out, fmt, names);
		free(names);
		free(fmt);
		return r < 0 ? -EIO : 0;
	}
	if (conv == 'p')
		return fprintf(out, spec, (void *)(uintptr_t)v->u) < 0 ? -EIO : 0;
	if (conv == 'c') { /* a NUL character ends its piece of output */
		char *piece = NULL;
		r = asprintf(&piece, spec, (int)(uint32_t)v->u);
		if (r >= 0)
			fputs(piece, out);
		free(piece);
		return r < 0 ? -ENOMEM : 0;
	}
	if (conv == 'd' || conv == 'i') {
		if (len == LEN_LONG)
			r = fprintf(out, spec, (long long)v->u);
		else /* int-sized conversions read (and so truncate to) 32 bits, like C */
			r = fprintf(out, spec, (int)(uint32_t)v->u);
	} else {
		if (len == LEN_LONG)
			r = fprintf(out, spec, (unsigned long long)v->u);
		else
			r = fprintf(out, spec, (unsigned)v->u);
	}
	return r < 0 ? -EIO : 0;
}

static int format_all(FILE *out, const char *format, const struct xt_val *args, int nargs)
{
	int argi = 0;
	size_t lit = 0;

	for (size_t i = 0; format[i]; i++) {
		struct spec sp;
		char *spec;
		int err;

		if (format[i] != '%')
			continue;
		if (parse_spec(format, i, &sp) < 0)
			return -EINVAL;
		fwrite(format + lit, 1, i - lit, out);
		lit = sp.end;
		i = sp.end - 1;
		if (sp.conv == '%') {
			fputc('%', out);
			continue;
		}
		if (argi >= nargs)
			return -EINVAL;
		/* the conversion on its own, for the C library to render straight
		 * into the stream: a flood of printf events allocates nothing */
		size_t n = sp.end - sp.start;
		char small[64];
		spec = n < sizeof(small) ? memcpy(small, format + sp.start, n) : strndup(format + sp.start, n);
		if (!spec)
			return -ENOMEM;
		spec[n] = 0;
		/* a space flag is accepted and does nothing (bpftrace 0.26; 0.17 refused it) */
		char *flags_end = spec + 1 + strspn(spec + 1, "-0+ #"), *w = spec + 1;
		for (char *r = spec + 1; r < flags_end; r++)
			if (*r != ' ')
				*w++ = *r;
		memmove(w, flags_end, strlen(flags_end) + 1);
		/* a precision does nothing (bpftrace 0.26: `%.3s` does not shorten
		 * a string, `%.3d` pads nothing), unless 0.17's C semantics are asked for */
		if (!xt_printf_precision()) {
			char *dot = strchr(spec + 1, '.');
			if (dot) {
				char *after = dot + 1 + strspn(dot + 1, "0123456789");
				memmove(dot, after, strlen(after) + 1);
			}
		}
		err = render(out, spec, sp.conv, sp.rmode, sp.len, &args[argi++]);
		if (spec != small)
			free(spec);
		if (err)
			return err;
	}
	fputs(format + lit, out);
	return argi == nargs ? 0 : -EINVAL;
}

int xt_print_printf(FILE *out, enum xt_format fmt, const char *format,
		    const struct xt_val *args, int nargs)
{
	/* Rendered whole first, so a bad argument prints nothing; into one
	 * stream kept for the process and rewound for each event (a flood of
	 * printf events costs no allocation each). Not reentrant: nothing
	 * formatted here formats another printf. */
	static char *buf;
	static size_t len;
	static FILE *mem;
	int err;

	if (!mem && !(mem = open_memstream(&buf, &len)))
		return -errno;
	rewind(mem);
	err = format_all(mem, format, args, nargs);
	/* rewound, the stream keeps the longer text of an earlier event beyond
	 * this one's end: the NUL ends this one */
	if ((fputc('\0', mem) == EOF || fflush(mem) != 0) && !err)
		err = -ENOMEM;
	if (!err) {
		if (fmt == XT_FMT_JSON) {
			fputs("{\"type\": \"printf\", \"data\": ", out);
			xt_print_json_str(out, buf);
			fputs("}\n", out);
		} else {
			fputs(buf, out);
		}
	}
	return err;
}
