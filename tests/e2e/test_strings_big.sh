#!/usr/bin/env bash
# Strings up to max_strlen (1024) built in per-CPU scratch space, and the
# builtins that read user memory: a 1000-byte string round-trips through str(),
# a map key and printf; buf() and %r, macaddr(), join() of an execve's argv;
# lost records and refused map updates are reported.
. "$(dirname "$0")/lib.sh"
need_root
T=$(realpath "$XT_TARGETS/bigstr")
[ -x "$T" ] || skip "tests/targets/bigstr is not built"
want=$(for i in $(seq 0 999); do printf "\\x$(printf %x $((97 + i % 26)))"; done)

xt -q -e "uprobe:$T:xt_big { \$s = str(arg0); printf(\"%s|%d\n\", \$s, strlen(\$s)); @[\$s] = count(); }" -c "$T"
expect_eq "a 1000-byte string round-trips through str() and printf" "$want|1000" "$(printf '%s\n' "$XT_OUT" | grep '|')"
expect_eq "... and as a map key" "@[$want]: 1" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

xt -q -e "uprobe:$T:xt_big { printf(\"%d %d %d\n\", strncmp(str(arg0), \"abcdef\", 6), strcontains(str(arg0), \"xyzab\"), strcontains(str(arg0), \"aa\")); }" -c "$T"
expect_eq "strncmp and strcontains on 1024-byte strings verify and work" "0 1 0" "$XT_OUT"

xt -q -e "uprobe:$T:xt_bytes { printf(\"%r|%rx|%rh\n\", buf(arg0, arg1), buf(arg0, 2), buf(arg0, arg1)); @b = buf(arg0, 4); }" -c "$T"
expect_eq "buf() of user memory and %r/%rx/%rh" 'A\xff|\x01\x02|01 02 41 ff' "$(printf '%s\n' "$XT_OUT" | grep '|' | sed 's/^\\x01\\x02//')"
expect_eq "a buffer in a map prints like %r" '@b: \x01\x02A\xff' "$(printf '%s\n' "$XT_OUT" | grep '^@')"

xt -q -e "uprobe:$T:xt_mac { printf(\"%s\n\", macaddr(arg0)); }" -c "$T"
expect_eq "macaddr() of user memory" "00:1A:2B:3C:4D:FF" "$XT_OUT"

xt -q -e "tracepoint:syscalls:sys_enter_execve /str(args->filename) == \"$T\"/ { join(args->argv); join(args->argv, \",\"); }" -c "$T one two"
expect_eq "join() of an execve's argv, with and without separator" "$T one two
$T,one,two" "$XT_OUT"

# A ring buffer of 1 MiB cannot hold 2000 records of 3.6 KB sent at once.
xt -q -e 'BEGIN { $s = str($1); for ($i : 0..2000) { printf("%s %s %s %s\n", $s, $s, $s, $s); } } interval:ms:100 { exit(); }' "$(head -c 900 /dev/zero | tr '\0' x)"
lost=$(printf '%s\n' "$XT_ERR" | sed -n 's/^xtrace: \([0-9]*\) events lost in probe BEGIN (the ring buffer was full)$/\1/p')
printed=$(printf '%s\n' "$XT_OUT" | grep -c x)
expect_eq "lost records are counted: printed + lost = sent" "2000" "$((printed + ${lost:-0}))"
finish
