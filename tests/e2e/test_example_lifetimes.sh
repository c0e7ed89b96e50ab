#!/usr/bin/env bash
# examples/lifetimes.xt: a command that lives 200 ms shows in its [128, 256) bucket.
. "$(dirname "$0")/lib.sh"
need_root
EX=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/examples
PATH=$(realpath "$XT_TARGETS"):$PATH
# sleeper, not a CPU spinner: its 200 ms of life do not stretch on a busy machine.
xt -q -c "sleeper 200" "$EX/lifetimes.xt"
expect_eq "sleeper's life" "@ms[sleeper]: 
[128, 256)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|" "$(printf '%s\n' "$XT_OUT" | sed -n '/^@ms\[sleeper\]/,/^$/p' | sed '/^$/d')"
finish
