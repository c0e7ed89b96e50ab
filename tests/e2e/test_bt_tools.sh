#!/usr/bin/env bash
# bpftrace's own tools (Debian's bpftrace package, /usr/sbin/*.bt) run under
# xtrace unchanged, each briefly against a workload this test controls, with
# bpftrace's output layout: the tools that trace are started together, the
# workloads run once all of them have attached, and each tool is checked for
# the workload's own lines (its pid, its unique file names and command lines,
# its signal); where bpftrace 0.17 runs, it traces the same workload side by
# side and its lines must be the same. Tools that need a probe type this
# kernel lacks (kprobes) must stop at the one sentence that says so, with no
# other error before it.
. "$(dirname "$0")/lib.sh"
need_root
BT=${XT_BT_TOOLS:-/usr/sbin}
compgen -G "$BT/*.bt" >/dev/null || skip "bpftrace's tools are not installed (Debian package bpftrace: $BT/*.bt)"
BPFTRACE=$(command -v bpftrace || true)
TARGETS=$(realpath "$XT_TARGETS")
U=xtbt$$
W=$XT_TMP/work # the workload's files
mkdir -p "$W"

# Every tool gets a check of its own below (COVERED), so that a tool the
# package adds cannot pass unseen.
declare -A COVERED
tool_fail() { # tool_fail TOOL NAME DETAILS [STDERR]
	COVERED[$1]=1
	fail "$2" "$3"
}
tool_pass() { COVERED[$1]=1; pass "$2"; }

# --- kprobe tools: the kernel-feature sentence, nothing before it ---------------
KPROBES=no
{ [ -e /sys/bus/event_source/devices/kprobe ] || [ -e /sys/kernel/tracing/kprobe_events ] ||
	[ -e /sys/kernel/debug/tracing/kprobe_events ]; } && KPROBES=yes
uses_kprobes() { grep -Eq '^(kprobe|kretprobe):' "$BT/$1.bt"; }

# --- background runs, one pair of files per run ----------------------------------
declare -A RUN_PID
# start NAME CMD...: runs CMD in the background, output in $XT_TMP/NAME.{out,err}
start() {
	local n=$1
	shift
	"$@" >"$XT_TMP/$n.out" 2>"$XT_TMP/$n.err" &
	RUN_PID[$n]=$!
}
# attached NAME: xtrace's attach line (bpftrace 0.17's "Attaching N probes..."
# on stdout, or 0.26's "Attached N probes" on stderr) and its signal mask set,
# as lib.sh's xt_start waits for them; for bpftrace (bt.*), which prints its
# line before it attaches, the tool's BEGIN output (run once all is attached).
attached() {
	local n=$1 pid=${RUN_PID[$1]} mask
	if [[ $n == bt.* ]]; then
		[ "$(grep -cv '^Attaching' "$XT_TMP/$n.out")" -ge 1 ]
		return
	fi
	grep -Eq '^Attaching [0-9]+ probes?\.\.\.$' "$XT_TMP/$n.out" ||
		grep -Eq '^Attached [0-9]+ probes?$' "$XT_TMP/$n.err" || return 1
	mask=$(sed -n 's/^SigBlk:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null)
	[ -n "$mask" ] && (((0x$mask & 0x4002) == 0x4002))
}
alive() { kill -0 "${RUN_PID[$1]}" 2>/dev/null; }
# wait_for NAME REGEX [SECONDS]: until NAME's stdout has a line matching REGEX
wait_for() {
	local end=$((SECONDS + ${3:-15}))
	while ((SECONDS < end)); do
		grep -Eq -- "$2" "$XT_TMP/$1.out" && return 0
		alive "$1" || return 1
		sleep 0.05
	done
	return 1
}
# stop NAME: Ctrl-C to a run that is still going (never to one that ended by
# itself), then its end; RC_NAME, OUT (without the attach lines) and ERR.
declare -A RC
stop() {
	local n=$1 end=$((SECONDS + 30))
	alive "$n" && kill -INT "${RUN_PID[$n]}" 2>/dev/null
	while alive "$n" && ((SECONDS < end)); do sleep 0.05; done
	alive "$n" && kill -KILL "${RUN_PID[$n]}"
	wait "${RUN_PID[$n]}"
	RC[$n]=$?
}
out() { sed -E '/^Attaching [0-9]+ probes?\.\.\.$/d' "$XT_TMP/$1.out"; }
err() { sed -E -e '/^Attached [0-9]+ probes?$/d' -e '/RLIMIT_MEMLOCK/d' "$XT_TMP/$1.err"; }

# The tools that trace here, and the ones bpftrace 0.17 runs beside them.
RUNS=()
for f in "$BT"/*.bt; do
	t=$(basename "$f" .bt)
	if uses_kprobes "$t" && [ $KPROBES = no ]; then continue; fi
	RUNS+=("$t")
done
COMPARE=(opensnoop statsnoop execsnoop killsnoop naptime syncsnoop setuids bashreadline)
[ -n "$BPFTRACE" ] || COMPARE=()

for t in "${RUNS[@]}"; do start "$t" "$XTRACE" "$BT/$t.bt"; done
# opensnoop once more on perf-event tracepoints (the site from the BPF cookie)
# rather than the raw syscall tracepoints
XTRACE_NO_RAW_SYSCALLS=1 start opensnoop_perf "$XTRACE" "$BT/opensnoop.bt"
RUNS+=(opensnoop_perf)
for t in "${COMPARE[@]}"; do start "bt.$t" "$BPFTRACE" "$BT/$t.bt"; done

# While they compile: the kprobe tools, which stop before running.
if [ $KPROBES = no ]; then
	for f in "$BT"/*.bt; do
		t=$(basename "$f" .bt)
		uses_kprobes "$t" || continue
		xt "$f"
		first=$(printf '%s\n' "$XT_ERR" | head -1)
		others=$(printf '%s\n' "$XT_ERR" | grep -E '(^|: )error: ' | grep -v 'this kernel has no kprobes (CONFIG_KPROBES is off)')
		if [ "$XT_RC" = 1 ] && [[ $first =~ ^$f:[0-9]+:[0-9-]+:\ error:\ k(ret)?probe:[^:]+:\ this\ kernel\ has\ no\ kprobes ]] &&
			[ -z "$others" ] && [ -z "$XT_OUT" ]; then
			tool_pass "$t" "$t: stops at the kprobe sentence"
		else
			tool_fail "$t" "$t: stops at the kprobe sentence" "$(printf 'status %s\n%s' "$XT_RC" "$XT_ERR")" "$XT_ERR"
		fi
	done
fi

# Every run attached (or ended: its errors are reported below).
end=$((SECONDS + ${XT_ATTACH_TIMEOUT:-45}))
for n in "${RUNS[@]}" "${COMPARE[@]/#/bt.}"; do
	[ -n "$n" ] || continue
	while ((SECONDS < end)) && alive "$n" && ! attached "$n"; do sleep 0.05; done
done

# --- the workloads -----------------------------------------------------------------
# opensnoop: openat of a missing file (cat) and open(2) itself (perl's syscall 2)
cat "$W/$U-open" 2>/dev/null &
OPEN_PID=$!
wait $OPEN_PID
perl -e 'syscall(2, $ARGV[0], 0)' "$W/$U-open2" &
OPEN2_PID=$!
wait $OPEN2_PID
# statsnoop: statx (stat(1)) and newstat (perl's syscall 4)
stat "$W/$U-stat" >/dev/null 2>&1 &
STAT_PID=$!
wait $STAT_PID
perl -e 'my $b = "\0" x 256; syscall(4, $ARGV[0], $b)' "$W/$U-stat2" &
STAT2_PID=$!
wait $STAT2_PID
# execsnoop: a unique command line
/bin/echo "$U-exec" one two >/dev/null &
EXEC_PID=$!
wait $EXEC_PID
# killsnoop: SIGCONT (18) to a known process, from /bin/kill
sleep 60 &
VICTIM=$!
/bin/kill -s CONT $VICTIM &
KILL_PID=$!
wait $KILL_PID
kill $VICTIM
wait $VICTIM 2>/dev/null
# naptime: nanosleep(2) of 0.2 s (sleep(1) uses clock_nanosleep)
perl -e 'my $t = pack("qq", 0, 200000000); syscall(35, $t, 0)' &
NAP_PID=$!
wait $NAP_PID
# syncsnoop: sync(2); writeback: the pages of a file just written, synced
printf '%s\n' "$U" >"$W/$U-wb"
sync &
SYNC_PID=$!
wait $SYNC_PID
# setuids: setuid(2) and setresuid(2) of a child that drops to nobody
PY=/usr/bin/python3
if [ -x $PY ]; then
	$PY -c 'import os; os.setuid(65534)' &
	SETUID_PID=$!
	wait $SETUID_PID
	$PY -c 'import os; os.setresuid(65534, 65534, 65534)' &
	SETRESUID_PID=$!
	wait $SETRESUID_PID
fi
# gethostlatency: getaddrinfo of localhost (getent ahosts)
getent ahosts localhost >/dev/null &
GETENT_PID=$!
wait $GETENT_PID
# syscount: a million getppid calls, among the top ten of a busy machine
"$TARGETS/getppid_loop" 1000000 &
LOOP_PID=$!
wait $LOOP_PID
# bitesize: direct writes of 64 KiB
dd if=/dev/zero of="$W/$U-dd" bs=64k count=8 oflag=direct 2>/dev/null
# threadsnoop: a thread
if [ -x $PY ]; then
	$PY -c 'import threading; t = threading.Thread(target=lambda: None); t.start(); t.join()' &
	THREAD_PID=$!
	wait $THREAD_PID
fi
# bashreadline: a line typed into an interactive bash
command -v script >/dev/null &&
	printf 'echo %s-readline\nexit\n' "$U" | script -qfc "bash --norc -i" /dev/null >/dev/null 2>&1
# sslsnoop, ssllatency: a TLS handshake of openssl's s_client with its
# s_server on a port the server chose (an EC key: quick to make)
SSL_CLI_PID=
if command -v openssl >/dev/null; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$W/key.pem" \
		-out "$W/cert.pem" -subj /CN=xtrace -days 1 >/dev/null 2>&1
	openssl s_server -accept 127.0.0.1:0 -cert "$W/cert.pem" -key "$W/key.pem" -naccept 1 \
		</dev/null >"$W/s_server.out" 2>&1 &
	SSL_SRV_PID=$!
	for _ in $(seq 200); do
		grep -q '^ACCEPT ' "$W/s_server.out" || ! kill -0 $SSL_SRV_PID 2>/dev/null && break
		sleep 0.05
	done
	SSL_PORT=$(sed -n 's/^ACCEPT 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$W/s_server.out")
	openssl s_client -connect "127.0.0.1:$SSL_PORT" </dev/null >"$W/s_client.out" 2>&1 &
	SSL_CLI_PID=$!
	wait $SSL_CLI_PID
	kill $SSL_SRV_PID 2>/dev/null
	wait $SSL_SRV_PID 2>/dev/null
fi
# tcpdrop: a SYN that a qdisc drops (a pfifo of limit 0 on the loopback of a
# network namespace of this test's own, deleted at once), sent by perl's
# connect: a drop with a reason, from a socket
TD_PID=
TD_NS=xtbt$$
if command -v tc >/dev/null && command -v ip >/dev/null && ip netns add "$TD_NS" 2>/dev/null; then
	trap 'ip netns del "$TD_NS" 2>/dev/null; rm -rf "$XT_TMP"' EXIT
	if ip -n "$TD_NS" link set lo up && ip netns exec "$TD_NS" tc qdisc add dev lo root pfifo limit 0; then
		ip netns exec "$TD_NS" perl -MIO::Socket::INET -e 'IO::Socket::INET->new(PeerAddr => "127.0.0.1:7777", Timeout => 0.3)' &
		TD_PID=$!
		wait $TD_PID
	fi
	ip netns del "$TD_NS"
fi
# cpuwalk, runqlen, runqlat: a second of work to sample
"$TARGETS/busyloop" 300 &
BUSY_PID=$!
wait $BUSY_PID

# Each tool's lines for the workload; then Ctrl-C. Tools that print on a timer
# (pidpersec) are waited for.
wait_for opensnoop "$U-open2$"
wait_for pidpersec 'PIDs/sec: @: [0-9]+' 5
for n in "${RUNS[@]}" "${COMPARE[@]/#/bt.}"; do
	[ -n "$n" ] || continue
	if [[ $n == bt.* ]]; then # bpftrace 0.17 reads its buffers on a timer: the workload's last line first
		case $n in
		bt.opensnoop) wait_for "$n" "$U-open2$" ;;
		bt.statsnoop) wait_for "$n" "$U-stat2$" ;;
		bt.execsnoop) wait_for "$n" "$U-exec" ;;
		bt.killsnoop) wait_for "$n" " $VICTIM " ;;
		bt.naptime) wait_for "$n" " perl " ;;
		bt.syncsnoop) wait_for "$n" " $SYNC_PID " ;;
		bt.setuids) [ -x $PY ] && wait_for "$n" " $SETRESUID_PID " ;;
		bt.bashreadline) command -v script >/dev/null && wait_for "$n" "$U-readline$" ;;
		esac
	fi
done
for n in "${RUNS[@]}" "${COMPARE[@]/#/bt.}"; do [ -n "$n" ] && stop "$n"; done

# --- checks --------------------------------------------------------------------------
# check TOOL WHAT REGEX: a line of TOOL's output matches REGEX (grep -E)
check() {
	if [ "${RC[$1]}" = 0 ] && out "$1" | grep -Eq -- "$3"; then tool_pass "$1" "$1: $2"; else
		tool_fail "$1" "$1: $2" "$(printf 'status %s; no line matches: %s\n--- stdout\n%s\n--- stderr\n%s' \
			"${RC[$1]}" "$3" "$(out "$1" | head -30)" "$(err "$1" | head -30)")"
	fi
}
# header TOOL LINE...: the tool's BEGIN prints these lines, in a row. Not
# necessarily first: xtrace runs BEGIN once every probe is attached, so on a
# busy machine a few events can come before it (bpftrace runs BEGIN before
# attaching the others).
header() {
	local t=$1 want got
	shift
	want=$(printf '%s\n' "$@")
	got=$(out "$t" | grep -Fx -A$(($# - 1)) -- "$1" | head -$#)
	COVERED[$t]=1
	if [ "$got" = "$want" ]; then pass "$t: header"; else
		tool_fail "$t" "$t: header" "$(printf -- '--- expected\n%s\n--- actual\n%s' "$want" "$(out "$t" | head -5)")"
	fi
}
# same TOOL REGEX [FROM [HEADER]]: bpftrace's and xtrace's lines matching
# REGEX are the same from field FROM on (before it: times), and so are their
# first HEADER lines (default 2)
same() {
	local t=$1 re=$2 from=${3:-1} nh=${4:-2}
	[ -n "$BPFTRACE" ] || return 0
	local a b
	a=$(out "bt.$t" | grep -E -- "$re" | cut -d' ' -f"$from"- | sed 's/^ *//')
	b=$(out "$t" | grep -E -- "$re" | cut -d' ' -f"$from"- | sed 's/^ *//')
	if [ -n "$a" ] && [ "$a" = "$b" ]; then pass "$t: the same lines as bpftrace 0.17"; else
		fail "$t: the same lines as bpftrace 0.17" "$(printf -- '--- bpftrace\n%s\n--- xtrace\n%s\n--- bpftrace stderr\n%s' "$a" "$b" "$(err "bt.$t")")"
	fi
	a=$(out "bt.$t" | head -"$nh")
	b=$(out "$t" | grep -Fx -A$((nh - 1)) -- "$(printf '%s\n' "$a" | head -1)" | head -"$nh")
	[ "$a" = "$b" ] && pass "$t: the same header as bpftrace 0.17" ||
		fail "$t: the same header as bpftrace 0.17" "$(printf -- '--- bpftrace\n%s\n--- xtrace\n%s' "$a" "$(out "$t" | head -"$nh")")"
}
has() { [[ " ${RUNS[*]} " == *" $1 "* ]]; }

if has opensnoop; then
	header opensnoop "Tracing open syscalls... Hit Ctrl-C to end." "PID    COMM               FD ERR PATH"
	check opensnoop "openat of a missing file, by cat, with its pid" "^$OPEN_PID +cat +-1 +2 $W/$U-open$"
	check opensnoop "open(2), whose filename sits elsewhere" "^$OPEN2_PID +perl +-1 +2 $W/$U-open2$"
	same opensnoop "$U-open"
	check opensnoop_perf "on perf-event tracepoints: openat" "^$OPEN_PID +cat +-1 +2 $W/$U-open$"
	check opensnoop_perf "on perf-event tracepoints: open(2)" "^$OPEN2_PID +perl +-1 +2 $W/$U-open2$"
fi
if has statsnoop; then
	header statsnoop "Tracing stat syscalls... Hit Ctrl-C to end." "PID    COMM             ERR PATH"
	check statsnoop "statx of a missing path, by stat, with its pid" "^$STAT_PID +stat +2 $W/$U-stat$"
	check statsnoop "newstat, whose filename sits elsewhere" "^$STAT2_PID +perl +2 $W/$U-stat2$"
	same statsnoop "$U-stat"
fi
if has execsnoop; then
	header execsnoop "TIME(ms)   PID   ARGS"
	check execsnoop "the unique command line with its pid" "^[0-9]+ +$EXEC_PID +/bin/echo $U-exec one two$"
	same execsnoop "$U-exec" 2 1
fi
if has killsnoop; then
	header killsnoop "Tracing kill() signals... Hit Ctrl-C to end." "TIME      PID    COMM             SIG  TPID   RESULT"
	check killsnoop "SIGCONT to the known pid, from /bin/kill" "^[0-9:]{8}  $KILL_PID +kill +18 +$VICTIM +0$"
	same killsnoop " $VICTIM " 2
fi
if has naptime; then
	header naptime "Tracing sleeps. Hit Ctrl-C to end." "TIME     PPID   PCOMM            PID    COMM             SECONDS"
	check naptime "perl's 0.2 s nanosleep, with its parent" "^[0-9:]{8} $$ +[^ ]+ +$NAP_PID +perl +0\.200$"
	same naptime " $NAP_PID " 2
fi
if has syncsnoop; then
	header syncsnoop "Tracing sync syscalls... Hit Ctrl-C to end." "TIME      PID    COMM             EVENT"
	check syncsnoop "sync(2) with its pid" "^[0-9:]{8}  $SYNC_PID +sync +tracepoint:syscalls:sys_enter_sync$"
	same syncsnoop " $SYNC_PID " 2
fi
if has setuids && [ -x $PY ]; then
	header setuids "Tracing setuid(2) family syscalls. Hit Ctrl-C to end." "TIME     PID    COMM             UID    SYSCALL   ARGS (RET)"
	check setuids "setuid to nobody" "^[0-9:]{8} $SETUID_PID +python3 +0 +setuid +uid=65534 \(0\)$"
	check setuids "setresuid to nobody" "^[0-9:]{8} $SETRESUID_PID +python3 +0 +setresuid ruid=65534 euid=65534 suid=65534 \(0\)$"
	same setuids " ($SETUID_PID|$SETRESUID_PID) " 2
fi
if has gethostlatency; then
	header gethostlatency "Tracing getaddr/gethost calls... Hit Ctrl-C to end." "TIME      PID    COMM              LATms HOST"
	check gethostlatency "getent's getaddrinfo of localhost" "^[0-9:]{8}  $GETENT_PID +getent +[0-9]+ localhost$"
fi
if has syscount; then
	header syscount "Counting syscalls... Hit Ctrl-C to end." "" "Top 10 syscalls IDs:"
	n=$(out syscount | sed -n 's/^@process\[getppid_loop\]: //p' | head -1)
	[ "${n:-0}" -ge 1000000 ] && pass "syscount: getppid_loop's million calls counted ($n)" ||
		fail "syscount: getppid_loop's million calls counted" "$(out syscount)"
	n=$(out syscount | sed -n 's/^@syscall\[110\]: //p' | head -1)
	[ "${n:-0}" -ge 1000000 ] && pass "syscount: so many getppid (110) ($n)" ||
		fail "syscount: so many getppid (110)" "$(out syscount)"
	check syscount "the processes' part" "^Top 10 processes:$"
	extra=$(out syscount | sed -n '/^Top 10 processes:$/,$p' | grep -Ev '^(@process\[.*\]: [0-9]+|Top 10 processes:|)$')
	expect_eq "syscount: nothing after them (END cleared the maps; the probes were stopped before it)" "" "$extra"
fi
if has bitesize; then
	header bitesize "Tracing block device I/O... Hit Ctrl-C to end."
	if out bitesize | grep -q '^@\[dd\]:$'; then
		check bitesize "dd's 64 KiB writes in their bucket" '^\[64K, 128K\) +[0-9]+ \|@+ *\|$'
	else
		echo "# bitesize: no block I/O from dd seen (is $W on a block device?)"
	fi
fi
if has bashreadline && command -v script >/dev/null; then
	header bashreadline "Tracing bash commands... Hit Ctrl-C to end." "TIME      PID    COMMAND"
	check bashreadline "the typed line" "^[0-9:]{8}  [0-9]+ +echo $U-readline$"
	same bashreadline "$U-readline" 2
fi
if has cpuwalk; then
	header cpuwalk "Sampling CPU at 99hz... Hit Ctrl-C to end."
	check cpuwalk "the CPU histogram" '^\[[0-9]+, [0-9]+\) +[0-9]+ \|@+ *\|$'
fi
if has pidpersec; then
	header pidpersec "Tracing new processes... Hit Ctrl-C to end."
	check pidpersec "a rate each second" '^[0-9:]{8} PIDs/sec: @: [0-9]+$'
fi
if has writeback; then
	header writeback "Tracing writeback... Hit Ctrl-C to end." "TIME      DEVICE   PAGES    REASON           ms"
	if [ "$(stat -f -c %T "$W")" = tmpfs ]; then
		echo "# writeback: $W is on tmpfs, which writes nothing back"
	else
		check writeback "sync(2)'s writeback of the file written" '^[0-9:]{8}  [^ ]+ +[0-9]+ +sync +[0-9]+\.[0-9]{3}$'
	fi
fi
if has threadsnoop && [ -x $PY ]; then
	header threadsnoop "TIME(ms)   PID    COMM             FUNC"
	check threadsnoop "python's thread, with its pid" "^[0-9]+ +$THREAD_PID +python3 +"
fi
# threadsnoop.bt as bpftrace 0.24 ships it: both libraries named, missing
# probes ignored; libpthread's pthread_create is libc's, attached once. Only the
# -c command counts: other tests (chromium) create threads meanwhile.
if [ -x $PY ]; then
	xt -q -c "$PY -c 'import threading; t = threading.Thread(target=lambda: None); t.start(); t.join()'" \
		-e 'config = { missing_probes = ignore; } uprobe:libpthread:pthread_create, uprobe:libc:pthread_create /pid == cpid/ { @[comm] = count(); }'
	expect_eq "threadsnoop (0.24's): each thread once" "@[python3]: 1" "$(printf '%s\n' "$XT_OUT" | grep .)"
fi
for t in sslsnoop ssllatency; do
	has $t || continue
	check $t "runs" "^Tracing SSL/TLS handshake... Hit Ctrl-C to end.$"
	# FUNC is func kept in a map: the name while the process lives, else its
	# address, as bpftrace 0.17 prints it
	if [ -n "$SSL_CLI_PID" ] && [ $t = sslsnoop ]; then
		header sslsnoop "Tracing SSL/TLS handshake... Hit Ctrl-C to end." "TIME(us)   TID      COMM     LAT(us)   RET FUNC"
		check sslsnoop "s_client's handshake" "^[0-9]+ +$SSL_CLI_PID +openssl +[0-9]+ +-?[0-9]+ (SSL_[a-z_]+|0x[0-9a-f]+)$"
	elif [ -n "$SSL_CLI_PID" ]; then
		header ssllatency "Tracing SSL/TLS handshake... Hit Ctrl-C to end." "" "Latency distribution in microsecond:"
		check ssllatency "the handshake's latency histogram" '^@histF?\[(SSL_[a-z_]+|0x[0-9a-f]+)\]:$'
		check ssllatency "and its stats" '^@statF?\[(SSL_[a-z_]+|0x[0-9a-f]+)\]: \{ \.count = [0-9]+, \.average = [0-9]+, \.total = [0-9]+ \}$'
	fi
	if err $t | grep -q "warning: no function 'rsa_ossl_public_encrypt' in .*libcrypto.*; the probe attaches to its other attach points"; then
		pass "$t: the libcrypto functions that are missing: a warning"
	else
		fail "$t: the libcrypto functions that are missing: a warning" "$(err $t)"
	fi
done
# runqlat takes TASK_RUNNING from <linux/sched.h>, a kernel header this
# machine does not have (the uapi one lacks it): xtrace has it from the
# running kernel (sched_switch's format; test_ctypes.sh checks the values).
if has runqlat; then
	header runqlat "Tracing CPU scheduler... Hit Ctrl-C to end."
	check runqlat "the latency histogram" '^\[[0-9]+(, [0-9]+[KM]?\))?\]? +[0-9]+ \|@+ *\|$'
fi
# runqlen cannot run unchanged here, under bpftrace 0.17 either: it reads
# cfs_rq->nr_running, which this kernel renamed nr_queued. It must stop at
# that one honest error; test_ctypes.sh runs it with the one-line fix.
declare -A UNRUNNABLE=(
	[runqlen]="error: struct cfs_rq has no field 'nr_running'"
)
for t in runqlen; do
	has $t || continue
	errs=$(err $t | grep -c 'error:')
	if [ "${RC[$t]}" = 1 ] && [ "$errs" = 1 ] && err $t | grep -qF -- "${UNRUNNABLE[$t]}"; then
		tool_pass "$t" "$t: stops at the one honest error"
	else
		tool_fail "$t" "$t: stops at the one honest error" "$(printf 'status %s\n%s' "${RC[$t]}" "$(err $t | head -20)")"
	fi
done
if has tcpdrop; then
	header tcpdrop "Tracing tcp drops. Hit Ctrl-C to end." "TIME     PID      COMM             SADDR:SPORT           DADDR:DPORT           STATE   "
	# DPORT is bswap() of a u16 variable ($dport keeps skc_dport's type):
	# the 2 bytes swapped, the port perl connected to
	[ -n "$TD_PID" ] && check tcpdrop "perl's SYN dropped by the qdisc, with its socket's addresses and state" \
		"^[0-9:]{8} $TD_PID +perl +127\.0\.0\.1:[0-9]+ +127\.0\.0\.1:7777 +SYN_SENT +$"
fi
if has loads; then
	if ! grep -Eq ' [dDbB] [a-z]' /proc/kallsyms; then # no variables in kallsyms: kaddr("avenrun") cannot be had
		first=$(err loads | head -1)
		[[ ${RC[loads]} = 1 && $first == *"error: unknown kernel symbol 'avenrun': this kernel's /proc/kallsyms lists functions only"* ]] &&
			tool_pass loads "loads: says why avenrun is missing" || tool_fail loads "loads: says why avenrun is missing" "$(err loads)"
	else
		check loads "load averages" '^[0-9:]{8} load averages: [0-9]+\.[0-9]{3} [0-9]+\.[0-9]{3} [0-9]+\.[0-9]{3}$'
	fi
fi
# Every tool that ran stopped on Ctrl-C with status 0 (loads aside, above);
# for the kprobe tools on a kernel with kprobes, that is their check.
for t in "${RUNS[@]}"; do
	[[ $t = loads || -n ${UNRUNNABLE[$t]:-} ]] && continue
	[ $KPROBES = yes ] && [ -f "$BT/$t.bt" ] && uses_kprobes "$t" && COVERED[$t]=1
	[ "${RC[$t]}" = 0 ] && pass "$t: ends on Ctrl-C with status 0" ||
		tool_fail "$t" "$t: ends on Ctrl-C with status 0" "$(printf 'status %s\n%s' "${RC[$t]}" "$(err "$t" | head -20)")"
done
for f in "$BT"/*.bt; do
	t=$(basename "$f" .bt)
	[ -n "${COVERED[$t]:-}" ] || fail "$t: checked by this test" "no check above covers $f"
done
echo "# $SECONDS s"
finish
