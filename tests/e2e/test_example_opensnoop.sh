#!/usr/bin/env bash
# examples/opensnoop.xt sees the file a command opens.
. "$(dirname "$0")/lib.sh"
need_root
EX=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/examples
PATH=$(realpath "$XT_TARGETS"):$PATH
F=$XT_TMP/xt-opensnoop-target
echo hi > "$F"
xt -q -c "cat $F" "$EX/opensnoop.xt"
expect_match "the opened file with its flags" "^[0-9]+ +cat +0 +$F$" "$XT_OUT"
expect_match "opens counted per command" "^@opens\[cat\]: [0-9]+$" "$XT_OUT"
finish
