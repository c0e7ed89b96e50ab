#!/usr/bin/env bash
# rawtracepoint: arguments typed from BTF, wildcards told apart by cookies.
. "$(dirname "$0")/lib.sh"
need_root
[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF"
G=$(realpath "$XT_TARGETS/getppid_loop")
NR=$(printf '#include <sys/syscall.h>\nSYS_getppid\n' | cc -E -P - | tail -1)

xt -q -e "rawtracepoint:sys_enter /pid == cpid && arg1 == $NR/ { @ = count(); }" -c "$G 1234"
expect_eq "rawtracepoint:sys_enter counts 1234 getppid" "@: 1234" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

xt -q -e "rawtracepoint:sys_enter /pid == cpid && args.id == $NR/ { @ = count(); }" -c "$G 321"
expect_eq "args.NAME from BTF (__bpf_trace_sys_enter's parameter names)" "@: 321" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

xt -q -e "rt:sched_process_e* /pid == cpid/ { @[probe] = count(); }" -c "$G 1"
expect_eq "wildcard: one program, told apart by cookies" "@[rawtracepoint:sched_process_exec]: 1
@[rawtracepoint:sched_process_exit]: 1" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

xt -lv "rawtracepoint:sched_switch"
expect_eq "-lv shows BTF argument names and types" "rawtracepoint:sched_switch
    bool preempt
    struct task_struct * prev
    struct task_struct * next
    unsigned int prev_state" "$XT_OUT"

xt -e "rawtracepoint:sched_switch { @ = sum(arg7); }"
expect_match "argument count checked" "rawtracepoint:sched_switch has fewer than 8 arguments" "$XT_ERR"
xt -e "rawtracepoint:no_such_tp { @ = count(); }"
expect_match "unknown raw tracepoint" "unknown raw tracepoint 'no_such_tp'" "$XT_ERR"
finish
