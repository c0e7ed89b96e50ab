/* BTF-defined maps: each map is an external global in section .maps whose
 * debug type is what libbpf's __uint/__type macros produce, an anonymous
 * struct of pointers: type and max_entries point to int arrays whose element
 * count is the value; key and value point to the key and value types. */
#include <stdlib.h>
#include <string.h>
#include "codegen/cg_int.h"

enum { BPF_MAP_TYPE_HASH = 1, BPF_MAP_TYPE_ARRAY = 2, BPF_MAP_TYPE_PERCPU_HASH = 5, BPF_MAP_TYPE_PERCPU_ARRAY = 6,
       BPF_MAP_TYPE_LRU_HASH = 9, BPF_MAP_TYPE_LRU_PERCPU_HASH = 10, BPF_MAP_TYPE_RINGBUF = 27 };

/* The kernel's map type for map m: as declared, else as its values need. */
static int map_type(const struct xt_map_info *m)
{
	switch (m->kind) {
	case XT_MAP_HASH: return BPF_MAP_TYPE_HASH;
	case XT_MAP_LRUHASH: return BPF_MAP_TYPE_LRU_HASH;
	case XT_MAP_PERCPUHASH: return BPF_MAP_TYPE_PERCPU_HASH;
	case XT_MAP_PERCPULRUHASH: return BPF_MAP_TYPE_LRU_PERCPU_HASH;
	case XT_MAP_PERCPUARRAY: return BPF_MAP_TYPE_PERCPU_ARRAY;
	default: return m->percpu ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH;
	}
}

static LLVMMetadataRef int_array_ptr(struct xt_cg *cg, LLVMMetadataRef int_t, int64_t n)
{
	LLVMMetadataRef sub = LLVMDIBuilderGetOrCreateSubrange(cg->di, 0, n);
	LLVMMetadataRef arr = LLVMDIBuilderCreateArrayType(cg->di, (uint64_t)n * 32, 32, int_t, &sub, 1);
	return LLVMDIBuilderCreatePointerType(cg->di, arr, 64, 64, 0, NULL, 0);
}

static LLVMMetadataRef bytes_ptr(struct xt_cg *cg, int size)
{
	LLVMMetadataRef u8 = LLVMDIBuilderCreateBasicType(cg->di, "unsigned char", 13, 8, 0x08, LLVMDIFlagZero);
	LLVMMetadataRef sub = LLVMDIBuilderGetOrCreateSubrange(cg->di, 0, size);
	LLVMMetadataRef arr = LLVMDIBuilderCreateArrayType(cg->di, (uint64_t)size * 8, 8, u8, &sub, 1);
	return LLVMDIBuilderCreatePointerType(cg->di, arr, 64, 64, 0, NULL, 0);
}

/* A map's global: the IR type only needs the struct's size (nfields
 * pointers); BTF, from map_debug_info, carries the meaning. */
static LLVMValueRef map_global(struct xt_cg *cg, const char *name, int nfields)
{
	LLVMValueRef gv = LLVMAddGlobal(cg->mod, LLVMArrayType(cg->i64, nfields), name);
	/* External linkage: static gives "unsupported map linkage static", private loses the DATASEC. */
	LLVMSetLinkage(gv, LLVMExternalLinkage);
	LLVMSetSection(gv, ".maps");
	LLVMSetAlignment(gv, 8);
	LLVMSetInitializer(gv, LLVMConstNull(LLVMArrayType(cg->i64, nfields)));
	return gv;
}

/* The BTF libbpf reads map gv's definition from: a struct of pointers whose
 * pointee types encode the map type, max_entries, key and value sizes. */
static void map_debug_info(struct xt_cg *cg, LLVMValueRef gv, const char *name, int type, int max_entries,
			   int key_size, int value_size)
{
	LLVMMetadataRef int_t = LLVMDIBuilderCreateBasicType(cg->di, "int", 3, 32, 0x05, LLVMDIFlagZero);
	LLVMMetadataRef members[4];
	int nm = 0;
	const char *names[4] = { "type", "max_entries", "key", "value" };
	LLVMMetadataRef key_t = key_size ? bytes_ptr(cg, key_size) : NULL;
	if (type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY) /* the kernel wants an array map's key to be a 32-bit int */
		key_t = LLVMDIBuilderCreatePointerType(cg->di,
			LLVMDIBuilderCreateBasicType(cg->di, "unsigned int", 12, 32, 0x07 /* DW_ATE_unsigned */, LLVMDIFlagZero),
			64, 64, 0, NULL, 0);
	LLVMMetadataRef types[4] = { int_array_ptr(cg, int_t, type), int_array_ptr(cg, int_t, max_entries),
		key_t, value_size ? bytes_ptr(cg, value_size) : NULL };
	for (int i = 0; i < 4; i++) {
		if (!types[i])
			continue;
		members[nm] = LLVMDIBuilderCreateMemberType(cg->di, cg->di_file, names[i], strlen(names[i]),
			cg->di_file, 0, 64, 64, (uint64_t)nm * 64, LLVMDIFlagZero, types[i]);
		nm++;
	}
	LLVMMetadataRef sty = LLVMDIBuilderCreateStructType(cg->di, cg->di_file, "", 0, cg->di_file, 0,
		(uint64_t)nm * 64, 64, LLVMDIFlagZero, NULL, members, nm, 0, NULL, "", 0);
	LLVMMetadataRef expr = LLVMDIBuilderCreateExpression(cg->di, NULL, 0);
	LLVMMetadataRef gve = LLVMDIBuilderCreateGlobalVariableExpression(cg->di, cg->di_cu, name, strlen(name),
		name, strlen(name), cg->di_file, 0, sty, 0, expr, NULL, 64);
	LLVMGlobalSetMetadata(gv, LLVMGetMDKindIDInContext(cg->ctx, "dbg", 3), gve);
}

LLVMValueRef xt_cg_declare_map(struct xt_cg *cg, const char *name, int type, int max_entries,
			       int key_size, int value_size)
{
	LLVMValueRef gv = map_global(cg, name, key_size ? 4 : 2);
	map_debug_info(cg, gv, name, type, max_entries, key_size, value_size);
	return gv;
}

void xt_cg_declare_maps(struct xt_cg *cg)
{
	const struct xt_program *prog = cg->prog;
	cg->map_vars = calloc(prog->nmaps + 1, sizeof(*cg->map_vars));
	for (int i = 0; i < prog->nmaps; i++) {
		const struct xt_map_info *m = prog->maps[i];
		cg->map_vars[i] = xt_cg_declare_map(cg, m->bpf_name, map_type(m),
			m->max_entries ? m->max_entries : prog->opts.max_map_keys, m->key_size, m->value_size);
	}
	cg->ringbuf = map_global(cg, "events", 2); /* its size once the code is built: xt_cg_finish_maps */
}

/* The ring buffer's size. 4 MiB where the program's records come from its
 * own statements (printf, print, ...: a flood of them must not outrun the
 * reader); without such statements only exit()'s record, run-time warnings
 * and -k's reports use it, and 256 KiB holds 8,192 of those between two
 * reads. The kernel maps every page of the ring into xtrace twice, so the
 * small one is 7.5 MB less resident memory for aggregation-only programs. */
void xt_cg_finish_maps(struct xt_cg *cg)
{
	if (cg->ringbuf)
		map_debug_info(cg, cg->ringbuf, "events", BPF_MAP_TYPE_RINGBUF, cg->ring_busy ? 1 << 22 : 1 << 18, 0, 0);
}
