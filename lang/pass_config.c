/* The config pass: the program's `config = { key = value; ... }` block and
 * bpftrace's BPFTRACE_<KEY> environment variables, over the options the
 * driver took from the command line and XTRACE_* variables. As in bpftrace
 * 0.26 an environment variable beats the block; every key of 0.26 is known
 * (docs/language.md, "Config blocks", says what each does here). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sema_int.h"

enum kind { K_INT, K_BOOL, K_WORD, K_STR };

struct key {
	const char *name;
	enum kind kind;
	const char *const *words; /* K_WORD: the values allowed (matched ignoring case) */
	long long lo, hi;         /* K_INT: the range */
	/* stores a checked value: v the number (K_INT, K_BOOL) or the index in
	 * words (K_WORD), str the text (K_STR and K_WORD) */
	void (*set)(struct xt_sema_opts *o, long long v, const char *str);
};

static const char *const missing_words[] = { "warn", "error", "ignore", NULL };
static const char *const stack_words[] = { "bpftrace", "perf", "raw", "build_id", NULL };
static const char *const license_words[] = { "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL",
	"Dual MIT/GPL", "Dual MPL/GPL", NULL };
static const char *const cache_words[] = { "PER_PID", "PER_PROGRAM", "NONE", "0", NULL };
static const char *const count_words[] = { "0.26", "0.17", NULL };
static const char *const unstable_words[] = { "enable", "warn", "error", "true", "false", "1", "0", NULL };

static void set_strlen(struct xt_sema_opts *o, long long v, const char *s) { o->max_strlen = (int)v; }
static void set_map_keys(struct xt_sema_opts *o, long long v, const char *s) { o->max_map_keys = (int)v; }
static void set_print_maps(struct xt_sema_opts *o, long long v, const char *s) { o->no_map_dump = v == 0; }
static void set_bool_as_int(struct xt_sema_opts *o, long long v, const char *s) { o->bool_as_int = v != 0; }
static void set_enum_as_int(struct xt_sema_opts *o, long long v, const char *s) { o->enum_as_int = v != 0; }
static void set_str_count(struct xt_sema_opts *o, long long v, const char *s) { o->str_count_017 = v == 1; }
static void set_missing(struct xt_sema_opts *o, long long v, const char *s) { o->missing_probes = (int)v + 1; }
static void set_stack_mode(struct xt_sema_opts *o, long long v, const char *s) { o->stack_mode = (int)v; }
static void set_license(struct xt_sema_opts *o, long long v, const char *s) { o->license = license_words[v]; }
static void set_trailer(struct xt_sema_opts *o, long long v, const char *s) { o->str_trunc_trailer = s; }
static void set_cat_bytes(struct xt_sema_opts *o, long long v, const char *s) { o->cat_bytes_max = (int)v; }
static void set_max_probes(struct xt_sema_opts *o, long long v, const char *s) { o->max_probes = (int)v; }
/* unstable_words' place as opts.unstable's level: true and 1 enable, false and 0 are error */
static const int unstable_levels[] = { 1, 0, 2, 1, 2, 1, 2 };
static void set_unstable_tseries(struct xt_sema_opts *o, long long v, const char *s)
{
	o->unstable[XT_UNSTABLE_TSERIES] = unstable_levels[v];
}
static void set_unstable_dw_ustack(struct xt_sema_opts *o, long long v, const char *s)
{
	o->unstable[XT_UNSTABLE_DW_USTACK] = unstable_levels[v];
}

/* Every key of bpftrace 0.26.1; a NULL set is accepted and checked but has
 * no effect here (docs/language.md says why for each). */
static const struct key keys[] = {
	{ "max_strlen", K_INT, NULL, 1, 65536, set_strlen },
	{ "max_map_keys", K_INT, NULL, 1, 100000000, set_map_keys },
	{ "print_maps_on_exit", K_BOOL, NULL, 0, 1, set_print_maps },
	{ "bool_as_int", K_BOOL, NULL, 0, 1, set_bool_as_int }, /* xtrace's: 0.17's 1/0 */
	{ "enum_as_int", K_BOOL, NULL, 0, 1, set_enum_as_int }, /* xtrace's: 0.17's numbers for enums */
	{ "str_count", K_WORD, count_words, 0, 0, set_str_count }, /* xtrace's: "0.17", 0.17's string counts */
	{ "missing_probes", K_WORD, missing_words, 0, 0, set_missing },
	{ "stack_mode", K_WORD, stack_words, 0, 0, set_stack_mode },
	{ "license", K_WORD, license_words, 0, 0, set_license },
	{ "str_trunc_trailer", K_STR, NULL, 0, 0, set_trailer },
	{ "max_cat_bytes", K_INT, NULL, 1, 100000000, set_cat_bytes },
	{ "max_probes", K_INT, NULL, 1, 1000000, set_max_probes },
	{ "max_bpf_progs", K_INT, NULL, 1, 1000000, set_max_probes },
	{ "on_stack_limit", K_INT, NULL, 0, 512, NULL },
	{ "log_size", K_INT, NULL, 1, 1LL << 30, NULL },
	{ "perf_rb_pages", K_INT, NULL, 0, 1 << 20, NULL },
	{ "cpp_demangle", K_BOOL, NULL, 0, 1, NULL },
	{ "lazy_symbolication", K_BOOL, NULL, 0, 1, NULL },
	{ "show_debug_info", K_BOOL, NULL, 0, 1, NULL },
	{ "use_blazesym", K_BOOL, NULL, 0, 1, NULL },
	{ "cache_user_symbols", K_WORD, cache_words, 0, 0, NULL },
	{ "unstable_tseries", K_WORD, unstable_words, 0, 0, set_unstable_tseries },
	{ "unstable_dw_ustack", K_WORD, unstable_words, 0, 0, set_unstable_dw_ustack },
	{ "unstable_import_statement", K_WORD, unstable_words, 0, 0, NULL },
	{ "unstable_typeinfo", K_WORD, unstable_words, 0, 0, NULL },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const char *const renamed[][2] = {
	{ "strlen", "max_strlen" }, { "no_cpp_demangle", "cpp_demangle" },
	{ "cat_bytes_max", "max_cat_bytes" }, { "map_keys_max", "max_map_keys" },
};
static const char *const deprecated[] = { "symbol_source", "max_type_res_iterations", "unstable_addr",
	"unstable_import", "unstable_macro", "unstable_map_decl" };
static const char *const env_only[] = { "btf", "kernel_build", "kernel_source", "vmlinux" };

static bool in(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

int xt_sema_bool_word(const char *t)
{
	static const char *const yes[] = { "true", "1", "on", "yes" }, *const no[] = { "false", "0", "off", "no" };
	for (int i = 0; i < 4; i++) {
		if (strcasecmp(t, yes[i]) == 0)
			return 1;
		if (strcasecmp(t, no[i]) == 0)
			return 0;
	}
	return -1;
}

/* Checks one value (a node of the block, or env's text when n is NULL) for
 * key k and stores it. NULL when it is good, else what it must be. */
static const char *apply(struct xt_sema *s, const struct key *k, const struct xt_node *n, const char *env)
{
	static char why[160];
	const char *text = env;
	long long v = 0;
	if (n) {
		if (n->kind == XT_N_IDENT)
			text = n->name;
		else if (n->kind == XT_N_STR)
			text = n->sval;
		else if (n->kind == XT_N_INT || n->kind == XT_N_BOOL)
			v = (long long)n->ival, text = NULL;
		else
			text = "";
	}
	switch (k->kind) {
	case K_INT:
	case K_BOOL:
		if (text) {
			char *end;
			int b = k->kind == K_BOOL ? xt_sema_bool_word(text) : -1;
			v = b >= 0 ? b : strtoll(text, &end, 0);
			if (b < 0 && (!*text || *end))
				goto bad;
		}
		if (v < k->lo || v > k->hi)
			goto bad;
		break;
	case K_WORD: {
		char num[32];
		if (!text) {
			snprintf(num, sizeof(num), "%lld", v);
			text = num;
		}
		int i = 0;
		while (k->words[i] && strcasecmp(k->words[i], text) != 0)
			i++;
		if (!k->words[i])
			goto bad;
		v = i;
		text = k->words[i];
		break;
	}
	case K_STR:
		if (!text)
			goto bad;
		break;
	}
	if (k->set)
		k->set(&s->prog->opts, v, text ? xt_arena_strdup(s->ar, text) : NULL);
	return NULL;
bad:
	switch (k->kind) {
	case K_INT:
		snprintf(why, sizeof(why), "an integer from %lld to %lld", k->lo, k->hi);
		break;
	case K_BOOL:
		snprintf(why, sizeof(why), "true or false");
		break;
	case K_STR:
		snprintf(why, sizeof(why), "a string");
		break;
	case K_WORD: {
		size_t o = snprintf(why, sizeof(why), "one of");
		for (int i = 0; k->words[i] && o < sizeof(why); i++)
			o += snprintf(why + o, sizeof(why) - o, "%s '%s'", i ? "," : "", k->words[i]);
		break;
	}
	}
	return why;
}

/* BPFTRACE_<KEY>, the variable that overrides key k (NULL when unset). */
static const char *env_of(const struct key *k, char *name, size_t size)
{
	int o = snprintf(name, size, "BPFTRACE_");
	for (const char *c = k->name; *c && (size_t)o + 1 < size; c++)
		name[o++] = (char)toupper((unsigned char)*c);
	name[o] = 0;
	return getenv(name);
}

/* The config block's key, in lowercase (bpftrace also takes STACK_MODE and
 * BPFTRACE_STACK_MODE). */
static const char *key_name(struct xt_sema *s, const char *name)
{
	if (strncasecmp(name, "BPFTRACE_", 9) == 0)
		name += 9;
	char *l = xt_arena_strdup(s->ar, name);
	for (char *c = l; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return l;
}

int xt_pass_config(struct xt_sema *s)
{
	/* Output choices between bpftrace 0.17 and 0.26 (docs/output-format.md)
	 * are read here rather than by the driver: every way in compiles through
	 * this pass. */
	const char *e = getenv("XTRACE_BOOL_AS_INT");
	if (e && strcmp(e, "1") == 0)
		s->prog->opts.bool_as_int = true;
	e = getenv("XTRACE_ENUM_AS_INT");
	if (e && strcmp(e, "1") == 0)
		s->prog->opts.enum_as_int = true;
	e = getenv("XTRACE_PROBE_NAMES");
	if (e && strcmp(e, "0.17") == 0)
		s->prog->opts.probe_names_017 = true;
	int rc = 0;
	e = getenv("XTRACE_STR_COUNT");
	if (e && strcmp(e, "0.17") == 0) {
		s->prog->opts.str_count_017 = true;
	} else if (e && (!*e || strcmp(e, "0.26") == 0)) {
		s->prog->opts.str_count_017 = false;
	} else if (e) {
		xt_diag_plain(s->dg, "XTRACE_STR_COUNT must be 0.17 or 0.26, not '%s'", e);
		rc = -1;
	}
	struct xt_node *cfg = s->prog->ast ? s->prog->ast->a : NULL;
	for (struct xt_node *c = cfg ? cfg->list : NULL; c; c = c->next) {
		struct xt_node *v = c->a;
		struct xt_loc kloc = xt_loc_prefix(c->loc, (int)strlen(c->name));
		const char *name = key_name(s, c->name);
		size_t k = 0;
		while (k < NKEYS && strcmp(keys[k].name, name) != 0)
			k++;
		if (k == NKEYS) {
			size_t r = 0;
			while (r < 4 && strcmp(renamed[r][0], name) != 0)
				r++;
			if (r < 4) {
				xt_diag_warning(s->dg, kloc, "%s has been renamed, please use %s", name, renamed[r][1]);
				name = renamed[r][1];
				while (k-- > 0 && strcmp(keys[k].name, name) != 0)
					;
				if (strcmp(name, "cpp_demangle") == 0) /* inverted: no_cpp_demangle = 1 is cpp_demangle = 0 */
					continue;
			} else if (in(name, deprecated, sizeof(deprecated) / sizeof(deprecated[0]))) {
				xt_diag_warning(s->dg, kloc, "%s is deprecated and has no effect", name);
				continue;
			} else if (in(name, env_only, sizeof(env_only) / sizeof(env_only[0]))) {
				xt_diag_error(s->dg, kloc, "%s can only be set as an environment variable", name);
				rc = -1;
				continue;
			} else {
				const char *names[NKEYS];
				for (size_t i = 0; i < NKEYS; i++)
					names[i] = keys[i].name;
				const char *near = xt_diag_closest(name, names, NKEYS);
				if (near)
					xt_diag_error(s->dg, kloc, "%s: not a known configuration option; did you mean '%s'?", c->name, near);
				else
					xt_diag_error(s->dg, kloc, "%s: not a known configuration option", c->name);
				rc = -1;
				continue;
			}
		}
		char env[64];
		const char *ev = env_of(&keys[k], env, sizeof(env));
		const char *why = apply(s, &keys[k], v, NULL);
		if (why) {
			xt_diag_error(s->dg, v->loc, "config %s must be %s", keys[k].name, why);
			rc = -1;
		} else if (ev) { /* checked, then left to the variable, which wins below */
			xt_diag_warning(s->dg, kloc, "%s is set, so config %s is ignored", env, keys[k].name);
		}
	}
	for (size_t k = 0; k < NKEYS; k++) {
		char env[64];
		const char *ev = env_of(&keys[k], env, sizeof(env));
		const char *why = ev ? apply(s, &keys[k], NULL, ev) : NULL;
		if (why) {
			xt_diag_plain(s->dg, "%s must be %s, not '%s'", env, why, ev);
			rc = -1;
		}
	}
	return rc;
}

static const char *const unstable_names[XT_UNSTABLE_N] = { "tseries", "dw_ustack" };

bool xt_sema_unstable_refused(struct xt_sema *s, struct xt_node *at, enum xt_unstable f)
{
	if (s->prog->opts.unstable[f] != 2)
		return false;
	xt_diag_error(s->dg, at->loc, "Script is using an unstable feature: %s. To use it you must explicitly "
		      "enable it in the config e.g. unstable_%s=enable", unstable_names[f], unstable_names[f]);
	return true;
}

void xt_sema_unstable_warn(struct xt_sema *s, struct xt_node *at, enum xt_unstable f)
{
	if (s->prog->opts.unstable[f] != 0 || !s->final || s->prog->warned_unstable[f])
		return;
	xt_diag_warning(s->dg, at->loc, "Script is using an unstable feature: %s. To prevent this warning you "
			"must explicitly enable it in the config e.g. unstable_%s=enable", unstable_names[f], unstable_names[f]);
	s->prog->warned_unstable[f] = true;
}
