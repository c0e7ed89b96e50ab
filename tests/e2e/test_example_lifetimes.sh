#!/usr/bin/env bash
# examples/lifetimes.xt: a command that lives 150 ms shows in its [128, 256) bucket.
. "$(dirname "$0")/lib.sh"
need_root
EX=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/examples
# A sleeper (static), not a CPU spinner: its life does not stretch on a busy
# machine, but for its start; 150 ms leaves that 100 ms in the bucket (a life
# is never shorter than its sleep). A copy with a name of its own: the
# example counts every process by name, and other tests run sleepers too.
cp "$XT_TARGETS/sleeper" "$XT_TMP/lt$$"
xt -q -c "$XT_TMP/lt$$ 150" "$EX/lifetimes.xt"
expect_eq "sleeper's life" "@ms[lt$$]:
[128, 256)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|" "$(printf '%s\n' "$XT_OUT" | sed -n "/^@ms\[lt$$\]/,/^\$/p" | sed '/^$/d')"
finish
