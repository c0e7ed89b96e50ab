#!/usr/bin/env bash
# uprobe arguments from DWARF (stdlib/dwarf.c): args.NAME of several widths,
# args.ptr->field at depth, typed retval, a cast to a type only the binary's
# DWARF has, whole-struct printing, -lv parameter lists, wildcards whose
# functions agree (or a clear error), parameters xtrace cannot place, and the
# four ways a binary comes: -g PIE, -g non-PIE, stripped with its DWARF in a
# separate file (.gnu_debuglink; /usr/lib/debug/.build-id), and stripped
# without any (one sentence; arg0.. still work). Targets: tests/targets/dwarfprog.c
# and its builds in tests/CMakeLists.txt.
. "$(dirname "$0")/lib.sh"
need_root
D=$(realpath "$XT_TARGETS")
for b in dwarfprog dwarfprog_nopie dwarfprog_split dwarfprog_buildid dwarfprog_nodebug; do
	[ -x "$D/$b" ] || skip "tests/targets/$b is not built"
done

# One program over every function, run against each build that has DWARF.
prog() {
	sed "s|BIN|$1|g" <<'EOF'
uprobe:BIN:dp_ints { printf("ints %d %d %d %ld %lu %d\n", args.n, args.c, args.s, args.l, args.u, args.neg); }
uretprobe:BIN:dp_ints { printf("ints -> %d\n", retval); }
uprobe:BIN:dp_find* { printf("find %s id=%d tag=%d\n", args.list->name, args.id, args.list->next->inner.tag); }
uretprobe:BIN:dp_find { printf("found %s, then %s\n", retval->name, retval->next->name); }
uretprobe:BIN:dp_total { printf("total %d\n", retval); }
uretprobe:BIN:dp_label { printf("label %s\n", str(retval)); @k[retval] = 1; }
uprobe:BIN:dp_label { @k[arg0] = 1; }
END { clear(@k); }
uprobe:BIN:dp_opaque { $h = (struct dp_hidden *)arg0; printf("hidden %d %s %d %d\n", $h->secret, $h->label, $h->bits, $h->more); print(*$h); }
uprobe:BIN:dp_mixed { printf("after %d\n", args.after); }
uprobe:BIN:dp_byval { printf("after %d, tag at %d\n", args.after, arg0 & 0xffff); }
uprobe:BIN:dp_color { printf("colour %d\n", args.c); }
uprobe:BIN:dp_typed { printf("typed %s %d %d %d\n", args.f->name, args.len, sizeof(struct dp_foo), args.f->inner.big); print(args.f->inner); }
EOF
}
EXPECTED='ints -7 200 -300 -5000000000 18000000000000000000 -2
ints -> -16
find alpha id=2 tag=20
found beta, then gamma
find alpha id=3 tag=20
total -95
hidden 4242 secret 5 17
{ .secret = 4242, .label = secret, .bits = 5, .more = 17 }
label secret
after 77
after 99, tag at 20
colour 6
typed alpha 3 64 1000
{ .tag = -10, .flags = 1, .big = 1000 }'

# main's output without the blank lines of the (empty) map dump at exit
run_all() {
	xt -q -e "$(prog "$D/$1")" -c "$D/$1"
	XT_OUT=$(printf '%s\n' "$XT_OUT" | sed '/^$/d')
}

run_all dwarfprog
expect_eq "-g PIE: args, retval, casts, struct printing" "$EXPECTED" "$XT_OUT"
[ -n "$XT_ERR" ] && fail "-g PIE: nothing on stderr" "$XT_ERR"

run_all dwarfprog_nopie
expect_eq "-g non-PIE: the same" "$EXPECTED" "$XT_OUT"

run_all dwarfprog_split
expect_eq "stripped, DWARF in the .gnu_debuglink file" "$EXPECTED" "$XT_OUT"

# The build-id file: put where the system's debug packages put theirs, for this run only.
id=$(readelf -n "$D/dwarfprog_buildid" | awk '/Build ID:/ { print $3 }')
dir=/usr/lib/debug/.build-id/${id:0:2}
made=
[ -d "$dir" ] || { mkdir -p "$dir" && made=$dir; }
if [ -n "$id" ] && cp "$D/dwarfprog_buildid.debug" "$dir/${id:2}.debug"; then
	trap 'rm -f "$dir/${id:2}.debug"; [ -n "$made" ] && rmdir "$made" 2>/dev/null; rm -rf "$XT_TMP"' EXIT
	run_all dwarfprog_buildid
	expect_eq "stripped, DWARF in /usr/lib/debug/.build-id" "$EXPECTED" "$XT_OUT"
	rm -f "$dir/${id:2}.debug"
	[ -n "$made" ] && rmdir "$made" 2>/dev/null
else
	fail "cannot install $dir/${id:2}.debug"
fi

# A held workload, traced with -p: args on one process.
hold "$D/dwarfprog" wait
xt_held -p "$HELD_PID" -e "uprobe:$D/dwarfprog:dp_ints { printf(\"%d %d\\n\", args.n, args.neg); }"
expect_eq "-p on a held workload" "-7 -2" "$(printf '%s\n' "$XT_OUT" | sed '/^$/d')"

# Without debug information: one sentence when args is used; arg0.. work.
N=$D/dwarfprog_nodebug
nid=$(readelf -n "$N" | awk '/Build ID:/ { print $3 }')
xt -e "uprobe:$N:dp_find { print(args.id); }"
expect_eq "stripped without debug information: exit 1" 1 "$XT_RC"
expect_eq "stripped without debug information: what is missing, and where xtrace looked" \
"<stdin>:1:$((${#N} + 25))-$((${#N} + 28)): error: $N has no debug information for args: no DWARF in the file, no /usr/lib/debug/.build-id/${nid:0:2}/${nid:2}.debug, no .gnu_debuglink (arg0..arg5 still work)
uprobe:$N:dp_find { print(args.id); }
$(printf '%*s' $((${#N} + 24)) '')~~~~" "$XT_ERR"
xt -q -e "uprobe:$N:dp_find { printf(\"%d\\n\", arg1); } uretprobe:$N:dp_total { printf(\"%d\\n\", (int32)retval); }" -c "$N"
expect_eq "stripped without debug information: arg1 and retval still work" "2
-95" "$(printf '%s\n' "$XT_OUT" | sed '/^$/d')"

# -lv: each function's parameters with their C types, as bpftrace 0.17 lists them (by name).
xt -lv "uprobe:$D/dwarfprog:dp_*"
expect_eq "-lv lists the parameters, by name" "uprobe:$D/dwarfprog:dp_byval
    struct dp_inner in
    int after
uprobe:$D/dwarfprog:dp_call
    int (*)(int) cb
    int x
uprobe:$D/dwarfprog:dp_color
    enum dp_colour c
uprobe:$D/dwarfprog:dp_find
    struct dp_foo* list
    int id
uprobe:$D/dwarfprog:dp_find_last
    struct dp_foo* list
    int id
uprobe:$D/dwarfprog:dp_ints
    int n
    unsigned char c
    short int s
    long int l
    long long unsigned int u
    signed char neg
uprobe:$D/dwarfprog:dp_label
    void* p
uprobe:$D/dwarfprog:dp_mixed
    double x
    int after
uprobe:$D/dwarfprog:dp_opaque
    void* p
uprobe:$D/dwarfprog:dp_seven
    int a
    int b
    int c
    int d
    int e
    int f
    int g
uprobe:$D/dwarfprog:dp_total
    const struct dp_foo* list
uprobe:$D/dwarfprog:dp_twice
    int x
uprobe:$D/dwarfprog:dp_typed
    dp_foo_t* f
    size_t len" "$XT_OUT"
xt -lv "uprobe:$D/dwarfprog_split:dp_total"
expect_eq "-lv through the debug file" "uprobe:$D/dwarfprog_split:dp_total
    const struct dp_foo* list" "$XT_OUT"

# What cannot be read says why, at the place it is used.
T=$D/dwarfprog
# error_at NAME PROGRAM MARKED MESSAGE: exit 1 and the diagnostic, rendered
# with MARKED (its first occurrence in PROGRAM) underlined
error_at() {
	local before=${2%%"$3"*}
	local from=$((${#before} + 1)) to=$((${#before} + ${#3}))
	xt -e "$2"
	expect_eq "$1" "1
<stdin>:1:$from-$to: error: $4
$2
$(printf '%*s' ${#before} '')$(printf '%*s' ${#3} '' | tr ' ' '~')" "$XT_RC
$XT_ERR"
}
error_at "a double parameter" "uprobe:$T:dp_mixed { print(args.x); }" "args.x" \
	"dp_mixed's parameter x is a double, passed in an SSE register, which uprobes cannot read"
error_at "a struct passed by value" "uprobe:$T:dp_byval { print(args.in); }" "args.in" \
	"dp_byval's parameter in is a struct dp_inner passed by value (in registers), which xtrace cannot read"
error_at "the seventh integer parameter" "uprobe:$T:dp_seven { print(args.g); }" "args.g" \
	"dp_seven's parameter g is passed on the stack: only the first six integer arguments (arg0..arg5, in registers) can be read"
error_at "wildcard whose functions disagree" "uprobe:$T:dp_t* { print(args.x); }" "args" \
	"args differ between the matched functions: dp_total(const struct dp_foo* list) and dp_twice(int x)"
error_at "a double return value" "uretprobe:$T:dp_mixed { print(retval); }" "retval" \
	"dp_mixed returns a double (in an SSE register), which xtrace cannot read"
error_at "args are gone on return" "uretprobe:$T:dp_find { print(args.id); }" "args" \
	"uretprobe probes have retval, not args (the arguments are gone on return)"
error_at "no such parameter" "uprobe:$T:dp_find { print(args.idd); }" "args.idd" \
	"args of uprobe:$T:dp_find has no field 'idd'; did you mean 'id'?"
finish
