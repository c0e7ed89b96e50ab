#!/usr/bin/env bash
# examples/syscount.xt counts a command's system calls: its 777 getppid calls
# plus the few its startup makes (under a name no other test uses).
. "$(dirname "$0")/lib.sh"
need_root
EX=${XT_SOURCE_DIR:-$(dirname "$0")/../..}/examples
cp "$XT_TARGETS/getppid_loop" "$XT_TMP/xt_sysc_loop"
xt -q -c "$XT_TMP/xt_sysc_loop 777" "$EX/syscount.xt"
n=$(printf '%s\n' "$XT_OUT" | sed -n 's/^@syscalls\[xt_sysc_loop\]: //p')
[ "${n:-0}" -ge 777 ] && [ "${n:-0}" -le 900 ] && pass "777 getppid and startup ($n)" || fail "777 getppid and startup" "$XT_OUT"
expect_match "by syscall number" "^@by_nr\[[0-9]+\]: [0-9]+$" "$XT_OUT"
finish
