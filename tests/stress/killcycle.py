#!/usr/bin/env python3
"""Kill cycles: xtrace started, signalled at a random moment, and the kernel
and the process table compared with what they held before.

tests/stress/killcycle.py [--cycles N] [--seed S] [--max-delay SEC] ...

Each cycle starts xtrace with one program kind (tracepoint wildcards,
uprobe/uretprobe, usdt, interval, profile, software events, a printf flood,
the REPL with several entries, -c and -p; tracepoint:*:* and a wildcard
reading a field only when named with --kinds), waits a random delay (0 lands in
the compile, a little more in the attach), sends SIGINT, SIGTERM or SIGKILL
and measures how long xtrace takes to exit. It then waits for what xtrace
leaves to the kernel to go (slow perf-event links are released by a detached
child) and checks, against a baseline taken before the cycle:

  - BPF maps, programs and links of the cycle (its maps have a name unique to
    the run and the cycle; its programs use them; its links run them);
  - uprobe_events entries naming the targets or xtrace's pid;
  - pinned objects under /sys/fs/bpf;
  - processes: any xtrace of this build (the releasing child included) and
    any target started by the cycle (-c) that is still there, and the
    perf-event fds such leftovers hold.

Other tracers may run on the machine meanwhile: only what is the cycle's own
counts. In a session with its input open, Ctrl-C cancels and must not end it:
SIGINT is followed by SIGTERM 300 ms later, whose exit is measured
("SIGINT,TERM"). Prints one line per cycle with -v, then the exit-time distribution
per signal and program kind, and the leaks. Exit status 1 when anything
leaked, a SIGINT/SIGTERM was not handled (xtrace died of it, crashed, or took
longer than --hang-ms), or --max-exit-ms was passed.
"""
import argparse
import json
import os
import shutil
import random
import signal
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def bpftool(what):
    try:
        out = subprocess.run(["bpftool", "-j", what, "show"], capture_output=True, text=True, timeout=60).stdout
        return json.loads(out or "[]")
    except (subprocess.SubprocessError, json.JSONDecodeError):
        return []


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def procs():
    """{pid: (exe, ppid, state)} of every process."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            exe = os.readlink(f"/proc/{d}/exe")
        except OSError:
            continue
        stat = read(f"/proc/{d}/stat")
        rest = stat[stat.rfind(")") + 2:].split()
        if len(rest) > 2:
            out[int(d)] = (exe, int(rest[1]), rest[0])
    return out


def become_subreaper():
    """Orphans of our children (xtrace's releasing child once xtrace exits)
    become ours: their parent pid says whose they are."""
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def reap_orphans(work):
    """Reaps the exited orphans we inherited as the subreaper (not our own
    workloads, whose Popen objects reap them)."""
    me = os.getpid()
    for pid, (_, ppid, st) in zombies().items():
        if ppid == me and pid not in work.pids():
            try:
                os.waitpid(pid, os.WNOHANG)
            except OSError:
                pass


def zombies():
    """{pid: (exe, ppid, state)} of the zombie processes (no exe link left)."""
    out = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            stat = read(f"/proc/{d}/stat")
            rest = stat[stat.rfind(")") + 2:].split()
            if len(rest) > 2 and rest[0] == "Z":
                out[int(d)] = ("", int(rest[1]), "Z")
    return out


def perf_fds(pid):
    n = 0
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                n += os.readlink(f"/proc/{pid}/fd/{fd}") == "anon_inode:[perf_event]"
            except OSError:
                pass
    except OSError:
        pass
    return n


def pinned():
    out = set()
    for dirpath, _, files in os.walk("/sys/fs/bpf"):
        out.update(os.path.join(dirpath, f) for f in files)
    return out


class Workloads:
    """Processes the programs trace, kept running for the whole run: a
    ucalls calling xt_add (uprobes, -p) and a usdt_ticks."""

    def __init__(self, targets):
        self.targets = targets
        self.procs = {}

    def pid(self, name, args):
        p = self.procs.get(name)
        if p is None or p.poll() is not None:
            p = subprocess.Popen([os.path.join(self.targets, name)] + args,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.procs[name] = p
        return p.pid

    def pids(self):
        return {p.pid for p in self.procs.values()}

    def stop(self):
        for p in self.procs.values():
            p.kill()
            p.wait()


def kinds(t, m, work):
    """Program kinds: name -> (argv after xtrace, stdin lines or None, stdin closed after them)."""
    uc, us, sl = (os.path.join(t, n) for n in ("ucalls", "usdt_ticks", "sleeper"))
    repl_lines = [
        f"interval:ms:5 {{ @{m} = count(); }}",
        f"tracepoint:syscalls:sys_enter_getpid {{ @{m}g = count(); }}",
        f"uprobe:{uc}:xt_add {{ @{m}u = count(); }}",
        f"@{m}",
        ".probes",
    ]
    return {
        "tracepoint*": ([f"tracepoint:syscalls:sys_enter_open* {{ @{m}[probe] = count(); }}"], None, False),
        # every tracepoint (raw tracepoints, syscalls through sys_enter/sys_exit)
        "tracepoint:*:*": ([f"tracepoint:*:* {{ @{m} = count(); }}"], None, False),
        # a field the 47 tracepoints compute (dev): perf events
        "tracepoint-field*": ([f"tracepoint:jbd2:*, tracepoint:iomap:*, tracepoint:fs_dax:* "
                               f"{{ @{m}[args.dev] = count(); }}"], None, False),
        "uprobe": ([f"uprobe:{uc}:xt_add {{ @{m} = count(); }} uretprobe:{uc}:xt_add {{ @{m}r = count(); }}"],
                   None, False),
        "usdt": ([f"usdt:{us}:xt:tick {{ @{m} = count(); }} usdt:{us}:xt:plain {{ @{m}p = count(); }}"],
                 None, False),
        "interval": ([f"interval:ms:1 {{ @{m} = count(); }}"], None, False),
        "profile": ([f"profile:hz:997 {{ @{m}[kstack] = count(); }}"], None, False),
        "software": ([f"software:cpu-clock:100000 {{ @{m} = count(); }} "
                      f"software:page-faults:1 {{ @{m}f = count(); }}"], None, False),
        "printf-flood": ([f"tracepoint:raw_syscalls:sys_enter {{ @{m} = count(); "
                          f"printf(\"%d %s %lld\\n\", pid, comm, nsecs); }}"], None, False),
        "repl": (["-i"], repl_lines, False),
        "repl-eof": (["-i"], repl_lines, True),
        "-c": ([f"tracepoint:sched:sched_switch {{ @{m} = count(); }} "
                f"uprobe:{uc}:xt_add /pid == cpid/ {{ @{m}u = count(); }}", "-c", f"{uc} 2000000000"], None, False),
        "-p": ([f"uprobe:{uc}:xt_add {{ @{m} = count(); }} "
                f"tracepoint:syscalls:sys_enter_nanosleep {{ @{m}s = count(); }}",
                "-p", str(work.pid("ucalls", ["2000000000"]))], None, False),
    }


# Kinds run only when named with --kinds: attaching every tracepoint slows
# the whole machine for seconds, and 47 perf-event links take seconds to go.
HEAVY = {"tracepoint:*:*", "tracepoint-field*"}


def drain_pipe(f, head):
    """Reads f to its end, keeping its first 4 KiB in head (a list)."""
    while True:
        b = f.read1(65536) if hasattr(f, "read1") else f.read(65536)
        if not b:
            break
        if sum(len(x) for x in head) < 4096:
            head.append(b)


def blocks_stops(pid):
    """Whether xtrace blocks SIGINT and SIGTERM yet: its main() blocks them
    first thing; before, the dynamic loader is still mapping LLVM and the
    signal's default action ends it (nothing is in the kernel then)."""
    for ln in read(f"/proc/{pid}/status").splitlines():
        if ln.startswith("SigBlk:"):
            return int(ln.split()[1], 16) & 0x4002 == 0x4002
    return False


def cycle(args, i, tag, work, xtrace, log):
    rnd = args.rnd
    m = f"kc{tag}{i}_"  # the cycle's maps: m_kc<tag><cycle>_ and that plus a letter
    table = kinds(args.targets, m, work)
    kind = args.kinds[i % len(args.kinds)] if args.round_robin else rnd.choice(args.kinds)
    argv, lines, close_in = table[kind]
    sig = rnd.choices([signal.SIGINT, signal.SIGTERM, signal.SIGKILL], weights=[4, 4, 2])[0]
    delay = rnd.uniform(0, args.max_delay)
    pin0 = pinned()
    before = procs()
    err = open(os.path.join(args.tmp, "stderr"), "w+")
    p = subprocess.Popen(
        [xtrace, "-e", argv[0]] + argv[1:] if argv[0] != "-i" else [xtrace] + argv,
        stdin=subprocess.PIPE if lines else subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
    # A signal before the exec would reach the forked Python, not xtrace.
    while p.poll() is None and os.path.realpath(f"/proc/{p.pid}/exe") != xtrace:
        time.sleep(0.001)
    head = []
    reader = threading.Thread(target=drain_pipe, args=(p.stdout, head), daemon=True)
    reader.start()
    if lines:
        try:
            p.stdin.write(("\n".join(lines) + "\n").encode())
            p.stdin.flush()
            if close_in:
                p.stdin.close()
        except OSError:
            pass
    time.sleep(delay)
    err.flush()
    blocked = blocks_stops(p.pid)
    attached = "Attached" in read(err.name) or b"] attached" in b"".join(head)
    ended_first = p.poll() is not None
    phase = "run" if attached else "init" if blocked else "exec"
    t_sig = time.monotonic()
    survived_int = None
    if not ended_first:
        p.send_signal(sig)
        if kind == "repl" and sig == signal.SIGINT and phase != "exec":
            # Ctrl-C in a session cancels the line or the attach, as in a
            # shell; the session must go on. SIGTERM then ends it.
            time.sleep(0.3)
            survived_int = p.poll() is None
            t_sig = time.monotonic()
            p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(timeout=args.hang_ms / 1000)
        hung = False
    except subprocess.TimeoutExpired:
        hung = True
        p.kill()
        rc = p.wait()
    exit_ms = (time.monotonic() - t_sig) * 1000
    reader.join(timeout=5)
    if lines and not p.stdin.closed:
        try:
            p.stdin.close()
        except OSError:
            pass
    p.stdout.close()
    stderr = read(err.name)
    err.close()

    # What is left: wait for the releasing child and the kernel's own frees.
    # Ours: this cycle's xtrace and what it started (its releasing child and
    # a -c command, reparented to us, the subreaper, once xtrace is gone),
    # never another test's xtrace running beside this one (ctest -j2).
    me = os.getpid()
    mine = lambda ps: {pid: v for pid, v in ps.items()
                       if (v[0] == xtrace and (pid == p.pid or v[1] in (p.pid, me)))
                       or (v[0].startswith(args.targets + "/") and pid not in work.pids()
                           and pid not in before)}
    t_exit = time.monotonic()
    deadline = t_exit + args.settle
    while True:
        left_procs = mine(procs())
        maps = [x for x in bpftool("map") if x.get("name", "").startswith("m_" + m)]
        map_ids = {x["id"] for x in maps}
        progs = [x for x in bpftool("prog") if map_ids & set(x.get("map_ids", []))]
        prog_ids = {x["id"] for x in progs}
        links = [x for x in bpftool("link") if x.get("prog_id") in prog_ids]
        ue = [ln for ln in read("/sys/kernel/tracing/uprobe_events").splitlines()
              if args.targets in ln or f"_{p.pid}_" in ln]
        pins = pinned() - pin0
        reap_orphans(work)
        if not (left_procs or maps or progs or links or ue or pins) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    settle_ms = (time.monotonic() - t_exit) * 1000
    leaks = []
    for pid, (exe, ppid, st) in left_procs.items():
        leaks.append(f"process {pid} {exe} state {st} ppid {ppid}, {perf_fds(pid)} perf-event fds")
    leaks += [f"map {x['id']} {x['name']}" for x in maps]
    leaks += [f"prog {x['id']} {x.get('name', '')}" for x in progs]
    leaks += [f"link {x['id']} {x.get('type', '')}" for x in links]
    leaks += [f"uprobe_events: {ln}" for ln in ue]
    leaks += [f"pinned {x}" for x in sorted(pins)]
    for pid in left_procs:  # clean up what leaked, so the next cycle starts clean
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    bad = []
    if sig != signal.SIGKILL and not ended_first and phase != "exec":
        if hung:
            bad.append(f"no exit {args.hang_ms} ms after SIG{sig.name[3:]}")
        elif rc < 0:
            bad.append(f"died of signal {-rc}")
    if survived_int is False:
        bad.append("the session ended on Ctrl-C")
    for word in ("internal error", "AddressSanitizer", "runtime error:", "LeakSanitizer", "Segmentation"):
        if word in stderr:
            bad.append(f"stderr says {word!r}")
    r = dict(cycle=i, kind=kind, sig="SIGINT,TERM" if survived_int is not None else sig.name, delay_ms=round(delay * 1000), phase=phase,
             ended_first=ended_first, rc=rc, exit_ms=round(exit_ms, 1), settle_ms=round(settle_ms),
             leaks=leaks, bad=bad, stderr_tail=stderr[-400:] if (bad or leaks) else "")
    if log:
        log.write(json.dumps(r) + "\n")
        log.flush()
    if args.verbose or bad or leaks:
        print(f"{i:5d} {kind:13s} {r['sig']:8s} +{r['delay_ms']:5d} ms {phase:4s} "
              f"rc {rc:4d} exit {exit_ms:7.1f} ms settle {settle_ms:6.0f} ms"
              + "".join(f"\n      LEAK {x}" for x in leaks) + "".join(f"\n      BAD {x}" for x in bad)
              + (f"\n      stderr: {stderr[-400:]!r}" if bad or leaks else ""), flush=True)
    return r


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(q * len(v)))]


def summary(results, out):
    rows = {}
    for r in results:
        if r["sig"] == "SIGKILL" or r["ended_first"] or r["phase"] == "exec":
            continue
        for phase in ("all", r["phase"]):
            rows.setdefault((r["sig"], r["kind"], phase), []).append(r["exit_ms"])
            rows.setdefault((r["sig"], "(every kind)", phase), []).append(r["exit_ms"])
    out.write("| signal | program kind | phase | cycles | median ms | p90 ms | max ms |\n")
    out.write("|---|---|---|---:|---:|---:|---:|\n")
    for (sig, kind, phase), v in sorted(rows.items(), key=lambda kv: (kv[0][0], kv[0][1] != "(every kind)",
                                                                      kv[0][1], kv[0][2])):
        out.write(f"| {sig} | {kind} | {phase} | {len(v)} | {statistics.median(v):.1f} | {pct(v, 0.9):.1f} "
                  f"| {max(v):.1f} |\n")
    n = len(results)
    leaks = sum(1 for r in results if r["leaks"])
    bad = sum(1 for r in results if r["bad"])
    kills = sum(1 for r in results if r["sig"] == "SIGKILL")
    settle = [r["settle_ms"] for r in results]
    phases = {ph: sum(1 for r in results if r["phase"] == ph) for ph in ("exec", "init", "run")}
    out.write(f"\n{n} cycles ({kills} SIGKILL; signalled {phases['exec']} while still loading (before main), "
              f"{phases['init']} while compiling or attaching, {phases['run']} while tracing; "
              f"{sum(1 for r in results if r['ended_first'])} ended first): "
              f"{leaks} with leaks, {bad} badly ended; kernel objects gone after exit: median "
              f"{statistics.median(settle):.0f} ms, max {max(settle):.0f} ms\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cycles", type=int, default=50)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--max-delay", type=float, default=1.0, help="the signal comes 0..SEC after the start")
    ap.add_argument("--hang-ms", type=int, default=10000, help="SIGINT/SIGTERM to exit beyond this is a hang")
    ap.add_argument("--max-exit-ms", type=float, default=0, help="fail when an exit takes longer (0: no limit)")
    ap.add_argument("--settle", type=float, default=60, help="seconds to wait for the kernel objects to go")
    ap.add_argument("--build", default=os.environ.get("XT_BUILD_DIR", os.path.join(ROOT, "build")))
    ap.add_argument("--kinds", default="", help="comma-separated subset of the program kinds")
    ap.add_argument("--round-robin", action="store_true", help="kinds in turn, not at random")
    ap.add_argument("--log", help="one JSON line per cycle to this file")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root to load BPF programs")
        return 77
    become_subreaper()
    xtrace = os.path.realpath(os.path.join(args.build, "xtrace"))
    args.targets = os.path.realpath(os.path.join(args.build, "targets"))
    if not os.access(xtrace, os.X_OK):
        print(f"killcycle: no {xtrace} (build first)", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little")
    args.rnd = random.Random(seed)
    tag = "".join(args.rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(2))
    every = list(kinds(args.targets, "x", type("NoWork", (), {"pid": lambda self, *a: 1})()))
    args.kinds = [k for k in args.kinds.split(",") if k] or [k for k in every if k not in HEAVY]
    unknown = set(args.kinds) - set(every)
    if unknown:
        print(f"killcycle: unknown kinds {sorted(unknown)}; known: {every}", file=sys.stderr)
        return 2
    args.tmp = f"/tmp/killcycle.{os.getpid()}"
    os.makedirs(args.tmp + "/targets", exist_ok=True)
    # Private copies of the targets: other tests' uprobes on the build's own
    # files must not count our workloads' calls (nor theirs ours).
    for name in ("ucalls", "usdt_ticks", "sleeper"):
        shutil.copy2(os.path.join(args.targets, name), os.path.join(args.tmp, "targets", name))
    args.targets = args.tmp + "/targets"
    work = Workloads(args.targets)
    print(f"killcycle: {args.cycles} cycles, seed {seed}, signal 0..{args.max_delay} s after the start, "
          f"kinds {', '.join(args.kinds)}", flush=True)
    log = open(args.log, "w") if args.log else None
    # SIGTERM ends the run as Ctrl-C does: the workloads are stopped first.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    results = []
    try:
        for i in range(args.cycles):
            results.append(cycle(args, i, tag, work, xtrace, log))
    finally:
        work.stop()
        shutil.rmtree(args.tmp, ignore_errors=True)
    summary(results, sys.stdout)
    slow = [r for r in results if args.max_exit_ms and r["sig"] != "SIGKILL" and not r["ended_first"]
            and r["exit_ms"] > args.max_exit_ms]
    for r in slow:
        print(f"cycle {r['cycle']} ({r['kind']}, {r['sig']}): exit took {r['exit_ms']} ms, "
              f"more than {args.max_exit_ms:.0f}")
    return 1 if slow or any(r["leaks"] or r["bad"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
