#!/usr/bin/env bash
# errorf() and warnf() (bpftrace 0.24/0.25): the message under the call's
# location on stderr, as bpftrace 0.26 prints them; tracing goes on.
# assert() (0.24): a false condition reports under its location and ends
# xtrace with status 1; exit(code) (0.21) sets the exit status.
. "$(dirname "$0")/lib.sh"
need_root
xt -q -e 'begin { errorf("bad %d", 10); warnf("careful %s", "x"); printf("after\n"); }'
expect_eq "errorf/warnf: exit 0, the program's output goes on" "0
after" "$XT_RC
$XT_OUT"
expect_eq "errorf/warnf: the location line on stderr" "<stdin>:1:9-28: error: bad 10
<stdin>:1:31-54: warning: careful x" "$XT_ERR"
printf 'begin {\n\twarnf("in a file, line %%d", 2);\n}\n' >"$XT_TMP/w.xt"
xt -q "$XT_TMP/w.xt"
expect_eq "warnf in a script names the file and line" "$XT_TMP/w.xt:2:2-31: warning: in a file, line 2" "$XT_ERR"

xt -q -e 'begin { assert(1 == 1, "fine"); printf("one\n"); assert(2 < 1, "two < 1: 100%"); printf("never\n"); }'
expect_eq "assert: the first holds, the second ends the probe and xtrace with 1" "1
one" "$XT_RC
$XT_OUT"
expect_eq "assert: the failure under its location" "<stdin>:1:50-79: error: assert failed: two < 1: 100%" "$XT_ERR"
# A condition read at run time, from a process the test controls.
xt -q -e 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @n = count(); assert(@n < 3, "at most two getppid"); }' -c "$XT_TARGETS/getppid_loop 5"
expect_eq "assert at run time: exit 1 after the third call" "1
<stdin>:1:69-105: error: assert failed: at most two getppid" "$XT_RC
$XT_ERR"
xt -q -e 'begin { exit(3); }'
expect_eq "exit(3): exit status 3" 3 "$XT_RC"
xt -q -e 'begin { exit("no"); }'
expect_eq "exit(\"no\"): a diagnostic" '<stdin>:1:14-17: error: exit() takes an integer exit status, not a string[3]
begin { exit("no"); }
             ~~~~' "$XT_ERR"
finish
