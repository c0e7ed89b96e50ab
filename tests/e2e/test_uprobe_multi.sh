#!/usr/bin/env bash
# Wildcard uprobes attach through uprobe-multi links (stdlib/prov_uprobe.c):
# one link per binary, exact hit counts told apart by cookies, uretprobes too,
# the same counts as one perf-event uprobe per function
# (XTRACE_NO_UPROBE_MULTI=1), the whole of libc at once with the functions the
# kernel cannot probe left out, and nothing left attached after exit.
. "$(dirname "$0")/lib.sh"
need_root
T=$(realpath "$XT_TARGETS/ucalls")
[ -x "$T" ] || skip "tests/targets/ucalls is not built"

# The links xtrace holds while the program runs, read from its fds by its
# -c command: "TYPE ID" lines (link_type and link_id of each BPF link).
cat >"$XT_TMP/links.sh" <<'SH'
#!/bin/sh
for f in /proc/$PPID/fdinfo/*; do
	sed -n 's/^link_type:[[:space:]]*//p; s/^link_id:[[:space:]]*//p' "$f" 2>/dev/null | paste -sd' '
done | grep . >"$LINKS_OUT"
exec "$@"
SH
chmod +x "$XT_TMP/links.sh"
export LINKS_OUT=$XT_TMP/links

# Every program here counts its own -c command only: other tests run ucalls
# at the same time (ctest -j2), and a uprobe sees every process.
xt -q -e "uprobe:$T:xt_* /pid == cpid/ { @[probe] = count(); }" -c "$XT_TMP/links.sh $T 30"
if ! grep -q '^uprobe_multi ' "$LINKS_OUT"; then
	expect_eq "no uprobe-multi links here: single uprobes" "" "$(cat "$LINKS_OUT")"
	skip "this kernel has no uprobe-multi links (before 6.6): single uprobes serve wildcards"
fi
expect_eq "one uprobe-multi link for the binary's two functions" "uprobe_multi" "$(cut -d' ' -f1 "$LINKS_OUT")"
expect_eq "exact counts, told apart by cookies" "@[uprobe:$T:xt_name]: 10
@[uprobe:$T:xt_add]: 30" "$(printf '%s\n' "$XT_OUT" | grep '^@')"
id=$(cut -d' ' -f2 "$LINKS_OUT")
bpftool link show id "$id" >/dev/null 2>&1
expect_eq "the link is gone after exit" 1 "$(( $? != 0 ))"

xt -q -e "uretprobe:$T:xt_* /pid == cpid/ { @[func, retval > 0] = count(); }" -c "$T 16"
expect_eq "uretprobe-multi: func and retval" "@[xt_name, true]: 10
@[xt_add, true]: 16" "$(printf '%s\n' "$XT_OUT" | grep '^@')"

prog="uprobe:$T:xt_* /pid == cpid/ { @[func, arg0] = count(); }"
xt -q -e "$prog" -c "$T 8"
multi=$(printf '%s\n' "$XT_OUT" | grep '^@')
XTRACE_NO_UPROBE_MULTI=1 xt -q -e "$prog" -c "$XT_TMP/links.sh $T 8"
expect_eq "XTRACE_NO_UPROBE_MULTI=1: one perf-event link per function" "perf perf" \
	"$(cut -d' ' -f1 "$LINKS_OUT" | sort | paste -sd' ')"
expect_eq "the same counts both ways" "$multi" "$(printf '%s\n' "$XT_OUT" | grep '^@')"
expect_eq "arg0 read through the multi link" 8 "$(printf '%s\n' "$multi" | grep -c '^@\[xt_add, [0-7]\]: 1$')"

# The whole of libc: thousands of functions in one link; those whose first
# instruction the kernel refuses (LOCK prefix, VEX: AVX2 string functions)
# are left out with one warning, and the probe counts the rest exactly. For
# one held process (-p): system-wide, every libc call of every process on
# the machine would trap while the probes are in place.
hold "$XT_TARGETS/getppid_loop" 1234 wait
if xt_start -p "$HELD_PID" -e 'uprobe:libc:* { @[func] = count(); }'; then
	for f in /proc/$XT_PID/fdinfo/*; do
		sed -n 's/^link_type:[[:space:]]*//p; s/^link_id:[[:space:]]*//p' "$f" 2>/dev/null | paste -sd' '
	done | grep . >"$LINKS_OUT"
	release
	wait "$HELD_PID"
	xt_wait
else
	release
fi
expect_eq "libc: one uprobe-multi link" "uprobe_multi" "$(cut -d' ' -f1 "$LINKS_OUT")"
expect_eq "libc: syscall() counted among them" "@[syscall]: 1234" "$(printf '%s\n' "$XT_OUT" | grep '^@\[syscall\]')"
expect_match "libc: the refused functions left out with a warning" \
	"^xtrace: warning: uprobe:.*libc\.so\.6:[^ ]+ (and [0-9]+ more functions )?left out: the kernel cannot place a uprobe there" "$XT_ERR"
id=$(cut -d' ' -f2 "$LINKS_OUT")
bpftool link show id "$id" >/dev/null 2>&1
expect_eq "libc: the link is gone after exit" 1 "$(( $? != 0 ))"
finish
