/* The SVG flame graph: folded stacks merged into a tree, children sorted by
 * name, laid out by samples, and written with its own JavaScript for hover
 * details, zoom, reset and search. Written here from the description of
 * FlameGraph's output, not from its code. */
#include "runtime/flame.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct node {
	const char *name;
	size_t len;            /* name's length (names point into folded lines) */
	uint64_t samples;
	struct node *kids;     /* kids[0..nkids) */
	size_t nkids, cap;
};

static void node_free(struct node *n)
{
	for (size_t i = 0; i < n->nkids; i++)
		node_free(&n->kids[i]);
	free(n->kids);
}

static struct node *child(struct node *n, const char *name, size_t len)
{
	for (size_t i = 0; i < n->nkids; i++)
		if (n->kids[i].len == len && memcmp(n->kids[i].name, name, len) == 0)
			return &n->kids[i];
	if (n->nkids == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 4;
		struct node *k = realloc(n->kids, cap * sizeof(*k));
		if (!k)
			return NULL;
		n->kids = k;
		n->cap = cap;
	}
	struct node *c = &n->kids[n->nkids++];
	memset(c, 0, sizeof(*c));
	c->name = name;
	c->len = len;
	return c;
}

static int cmp_node(const void *a, const void *b)
{
	const struct node *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static void sort_tree(struct node *n)
{
	if (n->nkids > 1) /* a leaf has no kids array: qsort must not see its NULL */
		qsort(n->kids, n->nkids, sizeof(*n->kids), cmp_node);
	for (size_t i = 0; i < n->nkids; i++)
		sort_tree(&n->kids[i]);
}

/* A frame's function: "name+123" without its "+123", so that samples at
 * different offsets of one function make one frame. */
static size_t name_len(const char *p, size_t len)
{
	size_t i = len;
	while (i > 0 && p[i - 1] >= '0' && p[i - 1] <= '9')
		i--;
	return i > 1 && i < len && p[i - 1] == '+' ? i - 1 : len;
}

static int build(const struct xt_folded *f, struct node *root)
{
	memset(root, 0, sizeof(*root));
	root->name = "all";
	root->len = 3;
	for (size_t i = 0; i < f->n; i++) {
		struct node *n = root;
		const char *p = f->lines[i].stack;
		root->samples += f->lines[i].count;
		while (*p) {
			const char *e = strchr(p, ';');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			n = child(n, p, name_len(p, len));
			if (!n)
				return -ENOMEM;
			n->samples += f->lines[i].count;
			p += len;
			if (*p == ';')
				p++;
		}
	}
	sort_tree(root);
	return 0;
}

struct frames {
	struct xt_flame_frame *v;
	size_t n, cap;
	int maxdepth;
	bool oom;
};

static void emit(struct frames *fr, const struct node *n, int depth, uint64_t start)
{
	if (fr->oom)
		return;
	if (fr->n == fr->cap) {
		size_t cap = fr->cap ? fr->cap * 2 : 64;
		struct xt_flame_frame *v = realloc(fr->v, cap * sizeof(*v));
		if (!v) {
			fr->oom = true;
			return;
		}
		fr->v = v;
		fr->cap = cap;
	}
	fr->v[fr->n++] = (struct xt_flame_frame){ .name = n->name, .len = n->len, .depth = depth, .start = start,
						  .samples = n->samples };
	if (depth > fr->maxdepth)
		fr->maxdepth = depth;
	for (size_t i = 0; i < n->nkids; i++) {
		emit(fr, &n->kids[i], depth + 1, start);
		start += n->kids[i].samples;
	}
}

static int layout(const struct xt_folded *f, struct frames *fr)
{
	struct node root;
	memset(fr, 0, sizeof(*fr));
	int err = build(f, &root);
	if (!err) {
		emit(fr, &root, 0, 0);
		err = fr->oom ? -ENOMEM : 0;
	}
	node_free(&root);
	if (err) {
		free(fr->v);
		memset(fr, 0, sizeof(*fr));
	}
	return err;
}

int xt_flame_layout(const struct xt_folded *f, struct xt_flame_frame **frames, size_t *n, int *maxdepth)
{
	struct frames fr;
	int err = layout(f, &fr);
	*frames = fr.v;
	*n = fr.n;
	*maxdepth = fr.maxdepth;
	return err;
}

/* Warm colours, the same for the same name: red 205-255, green 0-230, blue
 * 0-55, from an FNV-1a hash of the function name (without its +offset). */
static void colour(const char *name, size_t len, int rgb[3])
{
	const char *plus = memchr(name, '+', len);
	if (plus && plus > name)
		len = (size_t)(plus - name);
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	double v1 = (h & 0xff) / 255.0, v2 = ((h >> 8) & 0xff) / 255.0, v3 = ((h >> 16) & 0xff) / 255.0;
	rgb[0] = 205 + (int)(50 * v3);
	rgb[1] = (int)(230 * v1);
	rgb[2] = (int)(55 * v2);
}

static void xml_text(FILE *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default:
			if ((unsigned char)s[i] < 0x20)
				fputc(' ', out);
			else
				fputc(s[i], out);
		}
	}
}

enum { WIDTH = 1200, XPAD = 10, FRAME_H = 16, FONT = 12, TOP = 3 * FONT + 24, BOTTOM = 2 * FONT + 10 };
#define MINWIDTH 0.1
#define CHAR_W (FONT * 0.59)

/* The script: frames are <g class="f"> with data-s (start), data-w
 * (samples) and data-d (depth); the layout is recomputed for the zoomed
 * frame from those, so the first drawing needs no script at all. */
static const char script[] =
"'use strict';\n"
"var W = WIDTH, XPAD = 10, TOTAL = 0, CW = CHARW, zoomed = null, found = null;\n"
"var frames = [], details, matched, unzoom, sbox;\n"
"function init() {\n"
"  frames = Array.prototype.slice.call(document.querySelectorAll('g.f'));\n"
"  details = document.getElementById('details'); matched = document.getElementById('matched');\n"
"  unzoom = document.getElementById('unzoom'); sbox = document.getElementById('search');\n"
"  TOTAL = +frames[0].getAttribute('data-w');\n"
"  frames.forEach(function (g) {\n"
"    g.addEventListener('mouseover', function () { details.textContent = label(g); });\n"
"    g.addEventListener('mouseout', function () { details.textContent = ' '; });\n"
"    g.addEventListener('click', function () { zoom(g); });\n"
"  });\n"
"  unzoom.addEventListener('click', function () { zoom(null); });\n"
"  if (sbox) sbox.addEventListener('input', function () { search(sbox.value); });\n"
"  document.addEventListener('keydown', function (e) {\n"
"    if (e.key === 'Escape') { if (sbox) sbox.value = ''; search(''); zoom(null); }\n"
"  });\n"
"  /* a link can carry a zoom and a search: file.svg#z=FUNCTION&s=REGEX */\n"
"  location.hash.substring(1).split('&').forEach(function (kv) {\n"
"    var i = kv.indexOf('='), k = kv.substring(0, i), v = decodeURIComponent(kv.substring(i + 1));\n"
"    if (k === 'z') frames.some(function (g) { return name(g) === v && (zoom(g), true); });\n"
"    if (k === 's') { if (sbox) sbox.value = v; search(v); }\n"
"  });\n"
"}\n"
"function num(g, a) { return +g.getAttribute(a); }\n"
"function name(g) { return g.getAttribute('data-n'); }\n"
"function pct(n) { return (100 * n / TOTAL).toFixed(2); }\n"
"function label(g) {\n"
"  var n = num(g, 'data-w');\n"
"  return 'Function: ' + name(g) + ' (' + n + ' sample' + (n == 1 ? '' : 's') + ', ' + pct(n) + '%)';\n"
"}\n"
"function fit(g, w) {\n"
"  var t = g.querySelector('text'), n = name(g), room = Math.floor((w - 6) / CW);\n"
"  if (room < 3) t.textContent = '';\n"
"  else if (n.length <= room) t.textContent = n;\n"
"  else t.textContent = n.substring(0, room - 2) + '..';\n"
"}\n"
"/* Lays every frame out against the span [s, s + w) of samples. */\n"
"function place(s, w, d) {\n"
"  var scale = (W - 2 * XPAD) / w;\n"
"  frames.forEach(function (g) {\n"
"    var gs = num(g, 'data-s'), gw = num(g, 'data-w'), gd = num(g, 'data-d');\n"
"    var r = g.querySelector('rect'), t = g.querySelector('text');\n"
"    var inside = gs >= s && gs + gw <= s + w && gd >= d;\n"
"    var above = gd < d && gs <= s && gs + gw >= s + w;\n"
"    g.style.display = inside || above ? '' : 'none';\n"
"    g.classList.toggle('parent', above);\n"
"    if (!inside && !above) return;\n"
"    var x = above ? XPAD : XPAD + (gs - s) * scale, pw = above ? W - 2 * XPAD : gw * scale;\n"
"    r.setAttribute('x', x.toFixed(1)); r.setAttribute('width', Math.max(pw, 0).toFixed(1));\n"
"    t.setAttribute('x', (x + 3).toFixed(1)); fit(g, pw);\n"
"  });\n"
"}\n"
"function zoom(g) {\n"
"  zoomed = g;\n"
"  if (g) place(num(g, 'data-s'), num(g, 'data-w'), num(g, 'data-d'));\n"
"  else place(0, TOTAL, 0);\n"
"  unzoom.style.opacity = g ? '1' : '0';\n"
"}\n"
"/* Highlights frames whose name matches re; the matched share counts\n"
"   samples once even when matching frames nest. */\n"
"function search(text) {\n"
"  var re = null;\n"
"  if (text) { try { re = new RegExp(text); } catch (e) { re = null; } }\n"
"  var spans = [];\n"
"  frames.forEach(function (g) {\n"
"    var r = g.querySelector('rect'), hit = re !== null && re.test(name(g));\n"
"    if (!r.hasAttribute('data-fill')) r.setAttribute('data-fill', r.getAttribute('fill'));\n"
"    r.setAttribute('fill', hit ? 'rgb(230,0,230)' : r.getAttribute('data-fill'));\n"
"    if (hit) spans.push([num(g, 'data-s'), num(g, 'data-s') + num(g, 'data-w')]);\n"
"  });\n"
"  spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });\n"
"  var sum = 0, end = -1;\n"
"  spans.forEach(function (p) {\n"
"    if (p[0] >= end) { sum += p[1] - p[0]; end = p[1]; }\n"
"    else if (p[1] > end) { sum += p[1] - end; end = p[1]; }\n"
"  });\n"
"  found = re ? sum : null;\n"
"  matched.textContent = re ? 'Matched: ' + pct(sum) + '%' : ' ';\n"
"}\n"
"window.addEventListener('load', init);\n";

static void write_script(FILE *out)
{
	/* the script's constants, then the text (no "]]>" inside it) */
	const char *p = script;
	for (;;) {
		const char *w = strstr(p, "WIDTH"), *c = strstr(p, "CHARW");
		const char *next = w && (!c || w < c) ? w : c;
		if (!next) {
			fputs(p, out);
			break;
		}
		fwrite(p, 1, (size_t)(next - p), out);
		if (next == w)
			fprintf(out, "%d", WIDTH);
		else
			fprintf(out, "%.2f", CHAR_W);
		p = next + 5;
	}
}

int xt_flame_write_svg(FILE *out, const struct xt_folded *f, const char *title)
{
	struct frames fr;
	int err = layout(f, &fr);
	if (err)
		return err;
	int height = TOP + (fr.maxdepth + 1) * FRAME_H + BOTTOM;
	double scale = fr.v[0].samples ? (double)(WIDTH - 2 * XPAD) / (double)fr.v[0].samples : 0;

	fprintf(out, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
		"xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n",
		WIDTH, height, WIDTH, height);
	fprintf(out, "<!-- Flame graph written by xtrace: frames sorted by name at each level, widths "
		"proportional to samples. Hover: details; click: zoom; Escape or Reset Zoom: back. -->\n");
	fprintf(out, "<defs><linearGradient id=\"bg\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
		"<stop stop-color=\"#eeeeee\" offset=\"5%%\"/><stop stop-color=\"#eeeeb0\" offset=\"95%%\"/>"
		"</linearGradient></defs>\n");
	fprintf(out, "<style type=\"text/css\">\n"
		"text { font-family: Verdana, sans-serif; font-size: %dpx; fill: rgb(0,0,0); }\n"
		"#title { text-anchor: middle; font-size: %dpx; }\n"
		"g.f { cursor: pointer; }\n"
		"g.f:hover rect { stroke: rgb(0,0,0); stroke-width: 0.5; }\n"
		"g.parent { opacity: 0.5; }\n"
		"#unzoom { cursor: pointer; opacity: 0; }\n"
		"#matched { text-anchor: end; }\n"
		"</style>\n", FONT, FONT + 5);
	fputs("<script type=\"text/ecmascript\"><![CDATA[\n", out);
	write_script(out);
	fputs("]]></script>\n", out);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"url(#bg)\"/>\n", WIDTH, height);
	fprintf(out, "<text id=\"title\" x=\"%d\" y=\"%d\">", WIDTH / 2, FONT + 12);
	xml_text(out, title, strlen(title));
	fputs("</text>\n", out);
	fprintf(out, "<text id=\"unzoom\" x=\"%d\" y=\"%d\">Reset Zoom</text>\n", XPAD, FONT + 12);
	fprintf(out, "<foreignObject x=\"%d\" y=\"%d\" width=\"220\" height=\"%d\">"
		"<input xmlns=\"http://www.w3.org/1999/xhtml\" id=\"search\" type=\"search\" "
		"placeholder=\"Search (regex)\" style=\"width: 200px; font-size: %dpx\"/></foreignObject>\n",
		WIDTH - XPAD - 220, 6, FONT + 12, FONT);
	fprintf(out, "<text id=\"details\" x=\"%d\" y=\"%d\"> </text>\n", XPAD, height - FONT);
	fprintf(out, "<text id=\"matched\" x=\"%d\" y=\"%d\"> </text>\n", WIDTH - XPAD, height - FONT);

	uint64_t total = fr.v[0].samples;
	for (size_t i = 0; i < fr.n; i++) {
		const struct xt_flame_frame *fm = &fr.v[i];
		double w = (double)fm->samples * scale;
		if (i > 0 && w < MINWIDTH)
			continue;
		double x = XPAD + (double)fm->start * scale;
		int y = height - BOTTOM - (fm->depth + 1) * FRAME_H;
		int rgb[3];
		colour(fm->name, fm->len, rgb);
		if (i == 0)
			rgb[0] = 205, rgb[1] = 205, rgb[2] = 205;
		fputs("<g class=\"f\" data-n=\"", out);
		xml_text(out, fm->name, fm->len);
		fprintf(out, "\" data-s=\"%" PRIu64 "\" data-w=\"%" PRIu64 "\" data-d=\"%d\">", fm->start,
			fm->samples, fm->depth);
		fputs("<title>", out);
		xml_text(out, fm->name, fm->len);
		fprintf(out, " (%" PRIu64 " sample%s, %.2f%%)</title>", fm->samples, fm->samples == 1 ? "" : "s",
			total ? 100.0 * (double)fm->samples / (double)total : 0.0);
		fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"rgb(%d,%d,%d)\" "
			"rx=\"2\" ry=\"2\"/>", x, y, w, FRAME_H - 1, rgb[0], rgb[1], rgb[2]);
		fprintf(out, "<text x=\"%.1f\" y=\"%d\">", x + 3, y + FRAME_H - 4);
		size_t room = w > 6 ? (size_t)((w - 6) / CHAR_W) : 0;
		if (room >= 3) {
			if (fm->len <= room) {
				xml_text(out, fm->name, fm->len);
			} else {
				xml_text(out, fm->name, room - 2);
				fputs("..", out);
			}
		}
		fputs("</text></g>\n", out);
	}
	fputs("</svg>\n", out);
	free(fr.v);
	return ferror(out) ? -EIO : 0;
}

int xt_flame_svg_file(const char *path, const struct xt_map_data *m)
{
	if (!xt_flame_has_stacks(m))
		return -ENODATA;
	struct xt_folded f;
	int err = xt_flame_fold(m, &f);
	if (err)
		return err;
	FILE *out = fopen(path, "w");
	if (!out) {
		err = -errno;
		xt_flame_folded_free(&f);
		return err;
	}
	char title[256];
	snprintf(title, sizeof(title), "Flame Graph: @%s", m->name);
	err = xt_flame_write_svg(out, &f, title);
	if (fclose(out) != 0 && !err)
		err = -errno;
	xt_flame_folded_free(&f);
	return err;
}
