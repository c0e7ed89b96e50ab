#!/usr/bin/env bash
# xtrace -l [PATTERN] and -lv for every probe type.
. "$(dirname "$0")/lib.sh"
T=$(realpath "$XT_TARGETS/ucalls")

xt -l "uprobe:$T:xt_*"
expect_eq "uprobes from a binary's symbols" "uprobe:$T:xt_add
uprobe:$T:xt_name" "$XT_OUT"
xt -l "ur:$T:xt_add"
expect_eq "uretprobe alias" "uretprobe:$T:xt_add" "$XT_OUT"
xt -l "u:libc:a64l"
expect_match "a library by name" "^uprobe:/.*/libc\\.so\\.6:a64l$" "$XT_OUT"
xt -l "software:*faults"
expect_eq "software events" "software:page-faults
software:minor-faults
software:major-faults
software:alignment-faults
software:emulation-faults" "$XT_OUT"
xt -l "hardware:cache-*"
expect_eq "hardware events" "hardware:cache-references
hardware:cache-misses" "$XT_OUT"
xt -l "rawtracepoint:sched_process_*"
expect_match "raw tracepoints from BTF" "^rawtracepoint:sched_process_exit$" "$XT_OUT"
xt -lv "fentry:vfs_read"
expect_eq "fentry targets from BTF with -lv" "fentry:vfs_read
    struct file * file
    char * buf
    size_t count
    loff_t * pos" "$XT_OUT"
xt -lv "fexit:vfs_read"
expect_match "fexit -lv shows retval" "^    ssize_t retval$" "$XT_OUT"
finish
