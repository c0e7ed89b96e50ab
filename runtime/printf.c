/* printf() records rendered like bpftrace 0.17 does: each conversion goes
 * through the C library's snprintf with the user's own spec, so widths,
 * flags and length modifiers (which truncate: %d and %x read 32 bits, %hd 16,
 * %ld and %lld 64) behave exactly as in C. */
#include "runtime/print.h"

#include <errno.h>
#include <inttypes.h>
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
	while (f[i] >= '0' && f[i] <= '9')
		i++;
	if (f[i] == '.') {
		i++;
		while (f[i] >= '0' && f[i] <= '9')
			i++;
	}
	mod = i;
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

static int render(char **out, const char *spec, char conv, char rmode, enum len_mod len,
		  const struct xt_val *v)
{
	bool is_int = v->kind == XT_VAL_INT || v->kind == XT_VAL_UINT || v->kind == XT_VAL_BOOL;
	int r;

	if (conv == 's' && v->kind == XT_VAL_BOOL) /* true/false, as bpftrace 0.24 */
		return asprintf(out, spec, v->u ? "true" : "false") < 0 ? -ENOMEM : 0;
	if (conv == 's') {
		if (is_int) {
			/* an integer given to %s prints in decimal */
			char num[24], *fmt;

			if (v->kind == XT_VAL_INT)
				snprintf(num, sizeof(num), "%" PRId64, v->i);
			else
				snprintf(num, sizeof(num), "%" PRIu64, v->u);
			fmt = strdup(spec);
			if (!fmt)
				return -ENOMEM;
			fmt[strlen(fmt) - 1] = 's';
			r = asprintf(out, fmt, num);
			free(fmt);
			return r < 0 ? -ENOMEM : 0;
		}
		if (v->kind != XT_VAL_STR && v->kind != XT_VAL_SYM && v->kind != XT_VAL_BUF)
			return -EINVAL;
		return asprintf(out, spec, v->s) < 0 ? -ENOMEM : 0;
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
		r = asprintf(out, fmt, text);
		free(text);
		free(fmt);
		return r < 0 ? -ENOMEM : 0;
	}
	if (!is_int)
		return -EINVAL;
	if (conv == 'p')
		return asprintf(out, spec, (void *)(uintptr_t)v->u) < 0 ? -ENOMEM : 0;
	if (conv == 'd' || conv == 'i' || conv == 'c') {
		if (len == LEN_LONG)
			r = asprintf(out, spec, (long long)v->u);
		else /* int-sized conversions read (and so truncate to) 32 bits, like C */
			r = asprintf(out, spec, (int)(uint32_t)v->u);
	} else {
		if (len == LEN_LONG)
			r = asprintf(out, spec, (unsigned long long)v->u);
		else
			r = asprintf(out, spec, (unsigned)v->u);
	}
	return r < 0 ? -ENOMEM : 0;
}

static int format_all(FILE *out, const char *format, const struct xt_val *args, int nargs)
{
	int argi = 0;
	size_t lit = 0;

	for (size_t i = 0; format[i]; i++) {
		struct spec sp;
		char *spec, *res;
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
		spec = strndup(format + sp.start, sp.end - sp.start);
		if (!spec)
			return -ENOMEM;
		err = render(&res, spec, sp.conv, sp.rmode, sp.len, &args[argi++]);
		free(spec);
		if (err)
			return err;
		fputs(res, out);
		free(res);
	}
	fputs(format + lit, out);
	return argi == nargs ? 0 : -EINVAL;
}

int xt_print_printf(FILE *out, enum xt_format fmt, const char *format,
		    const struct xt_val *args, int nargs)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int err;

	/* rendered whole first, so a bad argument prints nothing */
	if (!mem)
		return -errno;
	err = format_all(mem, format, args, nargs);
	if (fclose(mem) != 0 && !err)
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
	free(buf);
	return err;
}
