#!/usr/bin/env python3
"""How long a program's attachments take to come and go.

tests/stress/detach_time.py [--xtrace PATH] [--runs N] [--trace-s SEC] PROGRAM...

Each PROGRAM is an xtrace program whose map is written `@M` (replaced by a
name unique to the run, by which its kernel objects are found). Each run
starts xtrace, measures start -> "Attached" on stderr (compile, load and
attach), traces for --trace-s seconds, sends SIGINT and measures signal ->
exit, then polls `bpftool prog/link show` until no program or link of the
run is left, and samples the states of the children xtrace left (the releasing child)
meanwhile. One JSON line per run:

  {"program", "attach_ms", "exit_ms", "gone_ms", "links_at_exit", "child_ms", "child_states"}

gone_ms: exit -> no program or link left; child_ms: exit -> no process of the
binary left; child_states: the states seen, with how many samples each
(100 ms apart; D is uninterruptible sleep). Environment variables given with
--env NAME=VALUE are passed to xtrace (XTRACE_NO_RAW_TP=1: the perf-event path).
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time


def bpftool(what):
    try:
        out = subprocess.run(["bpftool", "-j", what, "show"], capture_output=True, text=True, timeout=120).stdout
        return json.loads(out or "[]")
    except (subprocess.SubprocessError, json.JSONDecodeError):
        return []


def ours(prefix):
    """(program ids, link count) of the run whose maps start with prefix."""
    maps = {m["id"] for m in bpftool("map") if m.get("name", "").startswith(prefix)}
    progs = {p["id"] for p in bpftool("prog") if maps & set(p.get("map_ids", []))}
    links = [x for x in bpftool("link") if x.get("prog_id") in progs]
    return progs, len(links)


def states(exe, skip=()):
    """{pid: state} of every process named as exe, but those in skip. By
    name, not /proc/PID/exe: an exiting process has no exe link left while
    it closes its files (where the releasing child spends its time)."""
    comm = os.path.basename(exe)[:15]
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) in skip:
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if stat[stat.find("(") + 1:stat.rfind(")")] == comm:
            out[int(d)] = stat[stat.rfind(")") + 2:].split()[0]
    return out


def run(xtrace, program, trace_s, env, settle_s):
    tag = "".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))
    prog = program.replace("@M", f"@dt{tag}")
    others = set(states(xtrace))  # other users' xtrace processes
    t0 = time.monotonic()
    p = subprocess.Popen([xtrace, "-e", prog], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=dict(os.environ, **env))
    line = p.stderr.readline().decode(errors="replace")
    attach_ms = (time.monotonic() - t0) * 1000 if line.startswith("Attached") else None
    if attach_ms is None:
        p.kill()
        p.wait()
        return dict(program=program, error=line.strip())
    time.sleep(trace_s)
    _, links_at_exit = ours(f"m_dt{tag}")
    t_sig = time.monotonic()
    p.send_signal(signal.SIGINT)
    kids = set()  # the releasing child: forked at exit, then in its own session
    while p.poll() is None:
        try:
            with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
                kids.update(int(x) for x in f.read().split())
        except OSError:
            pass
    t_exit = time.monotonic()
    exit_ms = (t_exit - t_sig) * 1000
    gone_ms = child_ms = None
    seen = {}
    while time.monotonic() - t_exit < settle_s:
        st = {pid: s for pid, s in states(xtrace, others).items() if pid in kids}
        for s in st.values():
            seen[s] = seen.get(s, 0) + 1
        if not st and child_ms is None:
            child_ms = (time.monotonic() - t_exit) * 1000
        if gone_ms is None:
            progs, links = ours(f"m_dt{tag}")
            if not progs and not links:
                gone_ms = (time.monotonic() - t_exit) * 1000
        if gone_ms is not None and child_ms is not None:
            break
        time.sleep(0.1)
    p.stderr.close()
    return dict(program=program, env=env, children=len(kids), attach_ms=round(attach_ms), exit_ms=round(exit_ms, 1),
                gone_ms=None if gone_ms is None else round(gone_ms), links_at_exit=links_at_exit,
                child_ms=None if child_ms is None else round(child_ms), child_states=seen)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("programs", nargs="+")
    ap.add_argument("--xtrace", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "..", "..", "build", "xtrace"))
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--trace-s", type=float, default=3)
    ap.add_argument("--settle-s", type=float, default=300)
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for xtrace")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("SKIP: needs root")
        return 77
    xtrace = os.path.realpath(args.xtrace)
    env = dict(e.split("=", 1) for e in args.env)
    for _ in range(args.runs):
        for prog in args.programs:
            print(json.dumps(run(xtrace, prog, args.trace_s, env, args.settle_s)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
