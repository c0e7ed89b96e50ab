#!/usr/bin/env bash
# Kernel types from BTF on probes that really fire: rawtracepoint arguments
# are typed pointers (args.p->comm), bitfields read at their BTF bit offset,
# char pointers through str(), and user memory through casts in uprobes.
. "$(dirname "$0")/lib.sh"
need_root
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"
O=$(realpath "$XT_TARGETS/openat37")
U=$(realpath "$XT_TARGETS/ucalls")

# in_execve is a 1-bit field, set while the task executes a new program
xt -q -e 'rawtracepoint:sched_process_exec /pid == cpid/ { printf("%d %s %s %d\n", curtask->in_execve, args.p->comm, str(args.bprm->filename), args.p->pid == cpid); }' -c "$O"
expect_eq "rawtracepoint args are BTF-typed pointers; bitfields; str() of a char *" "1 openat37 $O 1" "$XT_OUT"

xt -q -e 'rawtracepoint:sched_switch /args.prev->pid == cpid/ { @[args.prev->tgid == cpid, args.prev->real_parent->tgid == cpid] = count(); }' -c "$XT_TARGETS/sleeper 1"
expect_match "args.prev->pid on sched_switch" '^@\[true, false\]: [0-9]+$' "$(printf '%s\n' "$XT_OUT" | grep '^@')"

# a64l("./") seven times: arg0 points into the program's memory
xt -q -e 'uprobe:libc:a64l /pid == cpid/ { @[*(uint8 *)arg0, ((uint8 *)arg0)[1], *((uint8 *)arg0 + 1)] = count(); }' -c "$U 1"
expect_eq "uprobe: *p and p[i] on user memory" "@[46, 47, 47]: 7" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

xt -q -e 'uprobe:libc:a64l { @ = ((struct xt_user_pt *)arg0)->x; }'
expect_eq "uprobe: a user program's struct is not in kernel BTF" "<stdin>:1:25-45: error: unknown struct 'xt_user_pt' (neither the program's C definitions nor the kernel's BTF define it)
uprobe:libc:a64l { @ = ((struct xt_user_pt *)arg0)->x; }
                        ~~~~~~~~~~~~~~~~~~~~~" "$XT_ERR"
finish
