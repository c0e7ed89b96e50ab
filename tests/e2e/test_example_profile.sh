#!/usr/bin/env bash
# examples/profile.xt on one busy process, as its header says (-p PID): its
# hottest stack is busy_work's. The process is held until xtrace attached.
. "$(dirname "$0")/lib.sh"
need_root
EX=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/examples
PATH=$(realpath "$XT_TARGETS"):$PATH
hold busyloop 300 wait
xt_held -p $HELD_PID "$EX/profile.xt"
expect_eq "Ctrl-C: exit 0" 0 "$XT_RC"
expect_match "the busy function by name" "^    busy_work\+[0-9]+$" "$XT_OUT"
expect_match "with the command" "^, busyloop\]: [0-9]+$" "$XT_OUT"
finish
