/* Registry lookups over the .def lists. */
#include <string.h>
#include <strings.h>
#include "stdlib/registry.h"

static const struct xt_builtin *const builtins[] = {
#define XT_BUILTIN(sym) &sym,
#include "stdlib/builtins.def"
#include "stdlib/builtins_probe.def"
#undef XT_BUILTIN
	NULL
};

static const struct xt_provider *const providers[] = {
#define XT_PROVIDER(sym) &sym,
#include "stdlib/providers.def"
#undef XT_PROVIDER
	NULL
};

const struct xt_builtin *const *xt_builtins(void) { return builtins; }
const struct xt_provider *const *xt_providers(void) { return providers; }

uint32_t xt_builtin_index(const struct xt_builtin *b)
{
	uint32_t i = 0;
	while (builtins[i] && builtins[i] != b)
		i++;
	return i;
}

const struct xt_builtin *xt_builtin_at(uint32_t index)
{
	return index < sizeof(builtins) / sizeof(builtins[0]) ? builtins[index] : NULL;
}

const struct xt_builtin *xt_builtin_find(const char *name, enum xt_bi_kind kind)
{
	for (const struct xt_builtin *const *b = builtins; *b; b++)
		if ((*b)->kind == kind && strcmp((*b)->name, name) == 0)
			return *b;
	return NULL;
}

const struct xt_builtin *xt_builtin_with(unsigned flag)
{
	for (const struct xt_builtin *const *b = builtins; *b; b++)
		if ((*b)->flags & flag)
			return *b;
	return NULL;
}

const struct xt_provider *xt_provider_with(unsigned flag)
{
	for (const struct xt_provider *const *p = providers; *p; p++)
		if ((*p)->flags & flag)
			return *p;
	return NULL;
}

const struct xt_provider *xt_provider_find(const char *name)
{
	for (const struct xt_provider *const *p = providers; *p; p++)
		if (strcmp((*p)->name, name) == 0 || ((*p)->alias && strcmp((*p)->alias, name) == 0))
			return *p;
	for (const struct xt_provider *const *p = providers; *p; p++)
		if (strcasecmp((*p)->name, name) == 0 || ((*p)->alias && strcasecmp((*p)->alias, name) == 0))
			return *p;
	return NULL;
}

const struct xt_type *xt_probe_args_record(struct xt_arena *ar, struct xt_probe_info *p, const struct xt_field *fields,
					   int n, const char *cname)
{
	struct xt_type *rec = xt_arena_alloc(ar, sizeof(*rec));
	rec->kind = XT_T_RECORD;
	rec->n = n;
	rec->fields = fields;
	rec->cname = cname ? cname : xt_arena_printf(ar, "args of %s", p->sites[0].name);
	p->args_type = rec;
	return rec;
}
