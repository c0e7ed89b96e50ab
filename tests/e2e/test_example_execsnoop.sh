#!/usr/bin/env bash
# examples/execsnoop.xt traces the execs of a command it runs.
. "$(dirname "$0")/lib.sh"
need_root
EX=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/examples
PATH=$(realpath "$XT_TARGETS"):$PATH
xt -q -c 'sh -c "true; /bin/echo xt-exec-mark"' "$EX/execsnoop.xt"
expect_match "header" "^PID +COMM +FILE$" "$XT_OUT"
expect_match "the shell's exec of /bin/echo" "^[0-9]+ +sh +/bin/echo$" "$XT_OUT"
expect_eq "exactly one exec of /bin/echo" 1 "$(printf '%s\n' "$XT_OUT" | grep -c ' /bin/echo$')"
finish
