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
finish
