#!/usr/bin/env bash
# bpftrace 0.26 language forms that need a traced workload or the kernel's
# view of the program: loop bodies run as callbacks (bpf_loop,
# bpf_for_each_map_elem) still read the probe's context; declared maps are
# created with the kind and size they declare.
. "$(dirname "$0")/lib.sh"
need_root
G=$(realpath "$XT_TARGETS/getppid_loop")
NR=$(printf '#include <sys/syscall.h>\nSYS_getppid\n' | cc -E -P - | tail -1)

# args, probe and kstack inside loop bodies that are callbacks: the context
# pointer and the site reach them through the caller's stack
xt -q -e "tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @n = 2; for \$i : 0..@n { @r[\$i, args.__syscall_nr] = count(); } for \$kv : @n2 { @m[probe] = count(); } \$j = 0; while (\$j < len(@r)) { @w[args.__syscall_nr] = count(); \$j++; } @n2[1] = 1; }" -c "$G 5"
expect_eq "args in bpf_loop and for_each_map_elem callbacks" "@m[tracepoint:syscalls:sys_enter_getppid]: 4
@n2[1]: 1
@n: 2
@r[0, $NR]: 5
@r[1, $NR]: 5
@w[$NR]: 10" "$(printf '%s\n' "$XT_OUT" | grep '^@' | LC_ALL=C sort)"

xt -q -e "rawtracepoint:sys_enter /pid == cpid && arg1 == $NR/ { @k = 3; for \$i : 0..@k { if (\$i == 1) { return; } @s[arg1] = count(); } @after[1] = count(); }" -c "$G 7"
expect_eq "return in a bpf_loop body leaves the probe" "@k: 3
@s[$NR]: 7" "$(printf '%s\n' "$XT_OUT" | grep '^@')"
# map declarations: the kernel's map has the declared kind and size
if command -v bpftool >/dev/null 2>&1 && command -v jq >/dev/null 2>&1; then
	u=$$
	if xt_start -e "let @h$u = hash(16); let @l$u = lruhash(32); let @c$u = percpuhash(64); let @q$u = percpulruhash(128); let @a$u = percpuarray(1); begin { @h$u[1] = 1; @l$u[1] = 1; @c$u[1] = count(); @q$u[1] = count(); @a$u = count(); } interval:s:100 { exit(); }"; then
		maps=$(bpftool map show -j | jq -r ".[] | select(.name | test(\"^m_[hlcqa]$u\$\")) | \"\(.name) \(.type) \(.max_entries)\"" | sed "s/$u / /" | LC_ALL=C sort)
		xt_stop
		expect_eq "declared maps: kind and max_entries in the kernel" "m_a percpu_array 1
m_c percpu_hash 64
m_h hash 16
m_l lru_hash 32
m_q lru_percpu_hash 128" "$maps"
	else
		fail "declared maps: xtrace did not start" "$XT_ERR"
	fi
else
	fail "declared maps: bpftool and jq are needed" ""
fi

# per-CPU kinds read back merged over the CPUs the workload ran on
xt -q -e "let @c = percpuhash(8); let @s = percpulruhash(8); let @a = percpuarray(1); tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @c[comm] = count(); @s[1] = sum(3); @a = count(); } end { printf(\"%d %d %d\\n\", @c[\"getppid_loop\"], @s[1], @a); }" -c "$G 2000"
expect_eq "per-CPU declared maps read back (in end and at exit)" "2000 6000 2000


@a: 2000
@c[getppid_loop]: 2000
@s[1]: 6000" "$XT_OUT"

# a full hash map refuses the insert (an LRU one evicts instead): counted, not silent
xt -q -e "let @h = hash(2); let @l = lruhash(64); begin { @h[1] = 1; @h[2] = 2; @h[3] = 3; \$i = 0; while (\$i < 100) { @l[\$i] = \$i; \$i++; } printf(\"%d %d\\n\", len(@h), len(@l) <= 64); clear(@l); }"
expect_eq "hash(2) keeps 2 entries, lruhash(64) at most 64" "2 1


@h[1]: 1
@h[2]: 2" "$XT_OUT"
expect_match "the refused insert is reported" "map updates? lost" "$XT_ERR"
finish
