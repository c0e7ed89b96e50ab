/* The map layout pass: once typing has given every map its key and value
 * types, their sizes in the kernel's map. */
#include "sema_int.h"

int xt_pass_layout(struct xt_sema *s)
{
	struct xt_program *prog = s->prog;
	for (int i = 0; i < prog->nmaps; i++) {
		struct xt_map_info *m = prog->maps[i];
		m->key_size = m->key ? m->key->size : 8;
		m->value_size = 8;
		m->percpu = false;
		if (m->val->kind == XT_T_AGG) {
			m->percpu = true;
			if (m->val->agg->buckets)
				m->key_size = (m->key ? (m->key->size + 7) / 8 * 8 : 0) + 8;
			m->value_size = m->val->agg->value_size;
		} else {
			m->value_size = m->val->size;
		}
		if (m->kind == XT_MAP_PERCPUARRAY)
			m->key_size = 4; /* an array's key is a u32 index; keyless maps use 0 */
	}
	return 0;
}
