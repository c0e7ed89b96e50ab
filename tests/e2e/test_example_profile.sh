#!/usr/bin/env bash
# examples/profile.xt on one busy process (-p): its hottest stack is busy_work's.
. "$(dirname "$0")/lib.sh"
need_root
EX=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/examples
PATH=$(realpath "$XT_TARGETS"):$PATH
busyloop 3000 & BP=$!
sleep 0.1
XT_TIMEOUT=1 xt -q -p $BP "$EX/profile.xt"
kill $BP 2>/dev/null; wait $BP 2>/dev/null
expect_match "the busy function by name" "^    busy_work\+[0-9]+$" "$XT_OUT"
expect_match "with the command" "^, busyloop\]: [0-9]+$" "$XT_OUT"
finish
