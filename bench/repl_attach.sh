#!/usr/bin/env bash
# Time from pressing Enter on a REPL entry to its "[N] attached" line, through
# a pseudo-terminal as a person sees it (compile, load, attach, print). Target:
# well under 100 ms for a typical entry. Not part of the test suite; needs root.
#
# usage: bench/repl_attach.sh [-n REPS]
# env:   XTRACE  xtrace binary (default: <repo>/build/xtrace)
set -uo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
XTRACE=${XTRACE:-$repo/build/xtrace}
N=10
while getopts "n:h" opt; do
	case $opt in
	n) N=$OPTARG ;;
	*) sed -n '2,8s/^# \{0,1\}//p' "$0"; exit 2 ;;
	esac
done
[ -x "$XTRACE" ] || { echo "no xtrace at $XTRACE (build it first)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }

exec python3 - "$XTRACE" "$N" <<'EOF'
import os, pty, re, select, statistics, sys, tempfile, time

xtrace, reps = sys.argv[1], int(sys.argv[2])
entries = [
    ("tracepoint, count by comm", 'tracepoint:syscalls:sys_enter_openat { @c[comm] = count(); }'),
    ("tracepoint + printf", 'tracepoint:sched:sched_process_exec { printf("%s\\n", comm); @e = count(); }'),
    ("hist of a syscall arg", 'tracepoint:syscalls:sys_enter_read { @r = hist(args.count); }'),
    ("interval", 'interval:ms:500 { @t = count(); }'),
]
home = tempfile.mkdtemp()
pid, fd = pty.fork()
if pid == 0:
    os.environ["HOME"] = home
    os.execv(xtrace, [xtrace])

buf = b""
def wait_for(pattern, timeout=10.0):
    global buf
    end = time.monotonic() + timeout
    rx = re.compile(pattern)
    while time.monotonic() < end:
        m = rx.search(buf)
        if m:
            buf = buf[m.end():]
            return True
        r, _, _ = select.select([fd], [], [], 0.05)
        if r:
            try:
                buf += os.read(fd, 65536)
            except OSError:
                return False
    return False

if not wait_for(rb"xtrace> "):
    sys.exit("xtrace did not show its prompt")
n = 0
print(f"{'entry':28} {'median':>8} {'min':>8} {'max':>8}   (ms, {reps} runs)")
for name, text in entries:
    times = []
    for _ in range(reps):
        n += 1
        t0 = time.monotonic()
        os.write(fd, text.encode() + b"\r")
        if not wait_for(rb"\[%d\] attached[^\r\n]*\r?\n" % n):
            sys.exit(f"entry {n} did not attach:\n{buf.decode(errors='replace')}")
        times.append((time.monotonic() - t0) * 1000)
        os.write(fd, b".detach %d\r" % n)
        wait_for(rb"\[%d\] detached" % n)
    print(f"{name:28} {statistics.median(times):8.1f} {min(times):8.1f} {max(times):8.1f}")
os.write(fd, b"\x04")
wait_for(rb"$^", 0.5)
os.waitpid(pid, 0)
EOF
