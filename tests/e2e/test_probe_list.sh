#!/usr/bin/env bash
# xtrace -l [PATTERN] and -lv for every probe type: only what this kernel can
# attach (-lv marks the rest), patterns as bpftrace 0.17 matches them, one
# message and exit status 1 for a pattern that matches nothing.
. "$(dirname "$0")/lib.sh"
need_root
T=$(realpath "$XT_TARGETS/ucalls")

# expect_fail NAME MESSAGE: the last xt call exited 1 with exactly MESSAGE on stderr and nothing on stdout
expect_fail() {
	expect_eq "$1" "1
$2" "$XT_RC
$XT_ERR$XT_OUT"
}

# Whether this kernel attaches a probe type, asked the way a program asks
# (the compile-time check), not through the listing under test. Prints the
# reason it gives when it cannot.
why_not() {
	xt -e "BEGIN { exit(); } $1 { }"
	[ "$XT_RC" = 0 ] && return 0
	printf '%s\n' "$XT_ERR" | grep -oE "$2" | head -1
}
fentry_why=$(why_not fentry:vfs_read 'this kernel refuses to load fentry programs \([^)]*\)|this kernel has no BTF[^;]*')
kprobe_why=$(why_not kprobe:vfs_read 'this kernel has no kprobes \(CONFIG_KPROBES is off\)')
hw_why=$(why_not hardware:cycles 'this machine has no hardware performance counters \(no PMU\)')

# --- uprobes ---
xt -l "uprobe:$T:xt_*"
expect_eq "uprobes from a binary's symbols" "uprobe:$T:xt_add
uprobe:$T:xt_name" "$XT_OUT"
xt -l "ur:$T:xt_add"
expect_eq "uretprobe alias" "uretprobe:$T:xt_add" "$XT_OUT"
xt -l "u:libc:a64l"
expect_match "a library by name" "^uprobe:/.*/libc\\.so\\.6:a64l$" "$XT_OUT"
xt -l "u*:$T:xt_add"
expect_eq "a glob over probe types" "uprobe:$T:xt_add
uretprobe:$T:xt_add" "$XT_OUT"
xt -l "uprobe:$T"
expect_fail "a uprobe pattern without a function" "xtrace: 'uprobe:$T': uprobe probes are written uprobe:BINARY:FUNCTION (or +OFFSET, 0xADDRESS, \`*\`)"

# --- software and hardware ---
xt -l "software:*faults"
expect_eq "software events" "software:page-faults
software:minor-faults
software:major-faults
software:alignment-faults
software:emulation-faults" "$XT_OUT"
xt -l "hardware:cache-*"
if [ -z "$hw_why" ]; then
	expect_eq "hardware events" "hardware:cache-references
hardware:cache-misses" "$XT_OUT"
else
	expect_fail "hardware events without a PMU" "xtrace: 'hardware:cache-*': hardware probes are unavailable: $hw_why; xtrace -lv lists them anyway"
	xt -lv "hardware:cache-*"
	expect_eq "-lv lists them, marked" "hardware:cache-references [unavailable: $hw_why]
hardware:cache-misses [unavailable: $hw_why]" "$XT_OUT"
fi

# --- tracepoints and raw tracepoints ---
xt -l "rawtracepoint:sched_process_*"
expect_match "raw tracepoints from BTF" "^rawtracepoint:sched_process_exit$" "$XT_OUT"
xt -l 'tracepoint:syscalls:sys_enter_read'
expect_eq "a tracepoint by its full name" "tracepoint:syscalls:sys_enter_read" "$XT_OUT"
xt -l '*sys_enter_read'
expect_eq "a pattern without a type matches whole names (not sys_enter_readv)" "0
tracepoint:syscalls:sys_enter_read" "$XT_RC
$XT_OUT"
xt -l 'sys_enter_read'
expect_eq "a name without a type or wildcard" "tracepoint:syscalls:sys_enter_read" "$XT_OUT"
xt -l 'tracepoint:*sys_enter_read'
expect_eq "a tracepoint name in any category" "tracepoint:syscalls:sys_enter_read" "$XT_OUT"
xt -l sched_switch
expect_eq "one name, every type that has it" "tracepoint:sched:sched_switch
rawtracepoint:sched_switch" "$XT_OUT"
xt -l 't:sched:sched_switch,t:syscalls:sys_enter_read, t:syscalls:sys_exit_read'
expect_eq "a comma-separated list lists each" "tracepoint:sched:sched_switch
tracepoint:syscalls:sys_enter_read
tracepoint:syscalls:sys_exit_read" "$XT_OUT"
xt -lv 't:syscalls:sys_enter_read'
expect_eq "-lv shows a tracepoint's record" "tracepoint:syscalls:sys_enter_read
    int __syscall_nr
    unsigned int fd
    char * buf
    size_t count" "$XT_OUT"

# --- what matches nothing ---
xt -l 'nomatch:*'
expect_fail "an unknown probe type" "xtrace: 'nomatch:*': unknown probe type 'nomatch'"
xt -l 'tracpoint:sched:sched_switch'
expect_fail "a misspelt probe type" "xtrace: 'tracpoint:sched:sched_switch': unknown probe type 'tracpoint'; did you mean 'tracepoint'?"
xt -l 'sched:sched_switch'
expect_fail "a probe without its type" "xtrace: 'sched:sched_switch': unknown probe type 'sched'; did you mean 'tracepoint:sched:sched_switch'?"
xt -l 'tracepoint:nomatch:*'
expect_fail "a pattern that matches nothing" "xtrace: no probe matches 'tracepoint:nomatch:*'"
xt -l 't:sched:sched_switch,t:nomatch:*'
expect_eq "a list lists what matches and names what does not" "1
tracepoint:sched:sched_switch
xtrace: no probe matches 't:nomatch:*'" "$XT_RC
$XT_OUT
$XT_ERR"
XT_TIMEOUT=20 xt -lv 'foo'
expect_fail "-lv of a pattern matching nothing" "xtrace: no probe matches 'foo'"
[ "$XT_MS" -lt 3000 ] && pass "answers at once" || fail "answers at once" "took $XT_MS ms"

# --- only what this kernel can attach ---
xt -l
types=$(printf '%s\n' "$XT_OUT" | cut -d: -f1 | sort -u | tr '\n' ' ')
for t in fentry:"$fentry_why" fexit:"$fentry_why" kprobe:"$kprobe_why" kretprobe:"$kprobe_why" hardware:"$hw_why"; do
	type=${t%%:*} why=${t#*:}
	[ -n "$why" ] || continue
	case " $types" in
	*" $type "*) fail "-l leaves out $type probes ($why)" "listed types: $types";;
	*) pass "-l leaves out $type probes ($why)";;
	esac
done
expect_match "-l lists tracepoints" "^tracepoint:sched:sched_switch$" "$XT_OUT"

if [ -n "$fentry_why" ]; then
	xt -l "fentry:vfs_read"
	expect_fail "fentry named on a kernel that refuses it" "xtrace: 'fentry:vfs_read': fentry probes are unavailable: $fentry_why; xtrace -lv lists them anyway"
	mark=" [unavailable: $fentry_why]"
else
	mark=""
fi
xt -lv "fentry:vfs_read"
expect_eq "fentry targets from BTF with -lv" "fentry:vfs_read$mark
    struct file * file
    char * buf
    size_t count
    loff_t * pos" "$XT_OUT"
xt -lv "fexit:vfs_read"
expect_match "fexit -lv shows retval" "^    ssize_t retval$" "$XT_OUT"
if [ -n "$kprobe_why" ]; then
	xt -l "kprobe:vfs_read"
	expect_fail "kprobe named on a kernel without kprobes" "xtrace: 'kprobe:vfs_read': kprobe probes are unavailable: $kprobe_why"
fi

# --- Ctrl-C ends a listing at once, even one whose reader does not read ---
mkfifo "$XT_TMP/pipe"
exec 3<>"$XT_TMP/pipe" # a reader that never reads: the listing fills the pipe (64 KB) and waits
for sig in INT TERM; do
	timeout -k 5 60 "$XTRACE" -lv >"$XT_TMP/pipe" 2>"$XT_TMP/err" &
	job=$!
	sleep 1
	child=$(pgrep -P "$job" -x xtrace)
	t0=$(date +%s%N)
	kill -s "$sig" "$child"
	wait "$job"
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	expect_eq "SIG$sig stops -lv (exit 1, no message)" "1" "$rc$(cat "$XT_TMP/err")"
	[ "$ms" -lt 1000 ] && pass "within a second" || fail "within a second" "took $ms ms"
done
exec 3<&-
finish
