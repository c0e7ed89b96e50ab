#!/usr/bin/env bash
# examples/mallocstacks.xt run as its header says (xtrace -p PID, Ctrl-C):
# libc malloc by user stack, for a process making 10 mallocs once attached.
. "$(dirname "$0")/lib.sh"
need_root
EX=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/examples
PATH=$(realpath "$XT_TARGETS"):$PATH
hold mallocs 10 wait
xt_held -p $HELD_PID "$EX/mallocstacks.xt"
expect_eq "Ctrl-C: exit 0" 0 "$XT_RC"
expect_eq "10 calls" "@calls: 10" "$(printf '%s\n' "$XT_OUT" | grep '^@calls')"
expect_match "the stack starts in malloc" "^    malloc\+0$" "$XT_OUT"
expect_match "and names the program's main" "^    main\+[0-9]+$" "$XT_OUT"
expect_match "1000 bytes from that stack" "^\]: 1000$" "$XT_OUT"
finish
