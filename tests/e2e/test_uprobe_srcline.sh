#!/usr/bin/env bash
# uprobe:BIN@FILE:LINE[:COL] (bpftrace 0.26): a uprobe where a source line's
# code begins, found in the binary's DWARF line tables (stdlib/dwarf.c,
# xt_dwarf_line_addrs). Exact hit counts of dwarfprog's loops (-O0 -g, as a
# PIE, non-PIE and stripped with a .gnu_debuglink file), a line whose code is
# split (a for loop's init and increment: two sites), one column of it, func,
# -l, and the errors: a line without code, an unknown file, a binary without
# DWARF, uretprobe, wildcards, args off a function's entry.
# Target: tests/targets/dwarfprog.c (line numbers are looked up in it).
. "$(dirname "$0")/lib.sh"
need_root
D=$(realpath "$XT_TARGETS")
SRC=$(dirname "$0")/../targets/dwarfprog.c
for b in dwarfprog dwarfprog_nopie dwarfprog_split dwarfprog_nodebug; do
	[ -x "$D/$b" ] || skip "tests/targets/$b is not built"
done
T=$D/dwarfprog

# line LINE-TEXT: the number of dwarfprog.c's line with that text
line() { grep -nF -- "$1" "$SRC" | head -1 | cut -d: -f1; }
BODY=$(line 't += f->id;')                               # dp_total's loop body: 3 nodes
FOR=$(line 'for (const struct dp_foo *f = list; f; f = f->next)') # its for line
FIND=$(line '		if (f->id == id)')                     # dp_find: alpha, beta (found)
LAST=$(grep -nF '		if (f->id == id)' "$SRC" | sed -n 2p | cut -d: -f1) # dp_find_last: all 3
OPEN=$(($(line 'int dp_total(const struct dp_foo *list)') + 1))   # dp_total's '{': its entry
BLANK=$(line '#include <stddef.h>')                      # no code
FORTEXT=$(sed -n "${FOR}p" "$SRC" | tr '\t' ' ')
COND=$(($(awk -v s="$FORTEXT" 'BEGIN { print index(s, "; f;") }') + 2))        # the condition: 4 times
INCR=$(($(awk -v s="$FORTEXT" 'BEGIN { print index(s, "f = f->next") }') + 2))  # the increment's '=': 3 times
for v in BODY FOR FIND LAST OPEN BLANK; do
	[ -n "${!v}" ] || { fail "dwarfprog.c has the line $v"; finish; }
done

counts() {
	xt -q -e "$1" -c "$2"
	XT_OUT=$(printf '%s\n' "$XT_OUT" | sed '/^$/d')
}

for b in dwarfprog dwarfprog_nopie dwarfprog_split; do
	counts "uprobe:$D/$b@dwarfprog.c:$BODY { @body = count(); }
uprobe:$D/$b@dwarfprog.c:$FIND { @find = count(); }
uprobe:$D/$b@dwarfprog.c:$LAST { @last = count(); }" "$D/$b"
	expect_eq "$b: exact counts of three loop lines" "@body: 3
@find: 2
@last: 3" "$XT_OUT"
	[ -n "$XT_ERR" ] && fail "$b: nothing on stderr" "$XT_ERR"
done

counts "uprobe:$T@dwarfprog.c:$BODY { @[probe, func] = count(); }" "$T"
expect_eq "probe as written (the binary's path), func the enclosing function" \
	"@[uprobe:$T@dwarfprog.c:$BODY, dp_total]: 3" "$XT_OUT"

counts "uprobe:$T@targets/dwarfprog.c:$BODY { @ = count(); }" "$T"
expect_eq "FILE matched by its last path components" "@: 3" "$XT_OUT"

counts "uprobe:$T@dwarfprog.c:$FOR { @[probe] = count(); }" "$T"
expect_eq "a for line: its init once and its increment 3 times (two places, one probe)" \
	"@[uprobe:$T@dwarfprog.c:$FOR]: 4" "$XT_OUT"
XTRACE_NO_UPROBE_MULTI=1 counts "uprobe:$T@dwarfprog.c:$FOR { @[probe] = count(); }" "$T"
expect_eq "... the same attached one link a place (XTRACE_NO_UPROBE_MULTI=1)" \
	"@[uprobe:$T@dwarfprog.c:$FOR]: 4" "$XT_OUT"
counts "uprobe:$T@dwarfprog.c:$FOR:$COND { @cond = count(); }
uprobe:$T@dwarfprog.c:$FOR:$INCR { @incr = count(); }" "$T"
expect_eq "a for line's columns: the condition 4 times, the increment 3" "@cond: 4
@incr: 3" "$XT_OUT"

counts "uprobe:$T@dwarfprog.c:$OPEN { printf(\"%s %d\\n\", func, args.list->id); }" "$T"
expect_eq "a function's first line is its entry: args work there" "dp_total -100" "$XT_OUT"

counts "uprobe:$T@dwarfprog.c:$BLANK, uprobe:$T@dwarfprog.c:$BODY { @ = count(); }" "$T"
expect_eq "a line without code among others: the others attach" "@: 3" "$XT_OUT"
expect_match "... with a warning" "warning: no code at dwarfprog.c:$BLANK in $T" "$XT_ERR"

xt -l "uprobe:$T@dwarfprog.c:$BODY"
expect_eq "-l lists a line with code" "uprobe:$T@dwarfprog.c:$BODY" "$XT_OUT"
xt -l "uprobe:$T@dwarfprog.c:$BLANK"
expect_eq "-l: a line without code lists nothing" "1" "$XT_RC"

# error_at NAME PROGRAM MESSAGE: exit 1, the message, the attach point marked
error_at() {
	local ap=${2%% \{*}
	xt -e "$2"
	expect_eq "$1" "1
<stdin>:1:1-${#ap}: error: $3
$2
$(printf '%*s' ${#ap} '' | tr ' ' '~')" "$XT_RC
$XT_ERR"
}
error_at "a line without code" "uprobe:$T@dwarfprog.c:$BLANK { @ = count(); }" \
	"no code at dwarfprog.c:$BLANK in $T (no statement begins at that line)"
error_at "a column without code" "uprobe:$T@dwarfprog.c:$BODY:1 { @ = count(); }" \
	"no code at dwarfprog.c:$BODY:1 in $T (no statement begins at that line and column)"
error_at "a file the binary was not built from" "uprobe:$T@nosuch.c:$BODY { @ = count(); }" \
	"no source file 'nosuch.c' in the line table of $T"
error_at "a binary without DWARF" "uprobe:$D/dwarfprog_nodebug@dwarfprog.c:$BODY { @ = count(); }" \
	"$D/dwarfprog_nodebug has no debug information: source lines are found in its DWARF line table (build it with -g, or install its debug file)"
error_at "uretprobe" "uretprobe:$T@dwarfprog.c:$BODY { @ = count(); }" \
	"uretprobe attaches to functions, not to source lines (write uprobe:BINARY@FILE:LINE)"
error_at "no wildcards" "uprobe:$T@dwarf*.c:$BODY { @ = count(); }" \
	"a source line is attached in one binary, without wildcards"
error_at "line 0" "uprobe:$T@dwarfprog.c:0 { @ = count(); }" "source lines are numbered from 1"
xt -e "uprobe:$T@dwarfprog.c:$BODY { print(args.list); }"
expect_match "args off a function's entry: an error" \
	"error: args are known at a function's entry, and uprobe:$T@dwarfprog.c:$BODY is not one" "$XT_ERR"
finish
