#!/usr/bin/env bash
# errorf() and warnf() (bpftrace 0.24/0.25): the message under the call's
# location on stderr, as bpftrace 0.26 prints them; tracing goes on.
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
finish
