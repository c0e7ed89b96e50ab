#!/usr/bin/env bash
# examples/lifetimes.xt: a command that lives 150 ms shows in its [128, 256) bucket.
. "$(dirname "$0")/lib.sh"
need_root
EX=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/examples
PATH=$(realpath "$XT_TARGETS"):$PATH
# A sleeper (static), not a CPU spinner: its life does not stretch on a busy
# machine, but for its start; 150 ms leaves that 100 ms in the bucket (a life
# is never shorter than its sleep).
xt -q -c "sleeper 150" "$EX/lifetimes.xt"
expect_eq "sleeper's life" "@ms[sleeper]: 
[128, 256)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|" "$(printf '%s\n' "$XT_OUT" | sed -n '/^@ms\[sleeper\]/,/^$/p' | sed '/^$/d')"
finish
