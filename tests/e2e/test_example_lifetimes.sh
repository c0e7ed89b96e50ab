#!/usr/bin/env bash
# examples/lifetimes.xt: a 200 ms busyloop lives in the [128, 256) ms bucket.
. "$(dirname "$0")/lib.sh"
need_root
EX=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/examples
PATH=$(realpath "$XT_TARGETS"):$PATH
xt -q -c "busyloop 200" "$EX/lifetimes.xt"
expect_eq "busyloop's life" "@ms[busyloop]: 
[128, 256)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|" "$(printf '%s\n' "$XT_OUT" | sed -n '/^@ms\[busyloop\]/,/^$/p' | sed '/^$/d')"
finish
