#!/usr/bin/env bash
# The suite's short kill-cycle run (issue 15): 30 cycles of
# tests/stress/killcycle.py, every program kind in turn, SIGINT/SIGTERM/SIGKILL
# at a random moment from the exec to 0.5 s in. Fails on any leak (BPF
# objects, uprobe_events, pins, processes), a SIGINT/SIGTERM that killed or
# crashed xtrace, or an exit slower than 3 s (the target is a median of 50 ms
# and a maximum of 500 ms; docs/reliability.md has the 1,000-cycle figures --
# the suite's limits leave room for a loaded machine, and 30 cycles, not
# the issue's 50, keep it within ctest's 300 s there). The seed is printed:
# SEED=N re-runs the same cycles.
. "$(dirname "$0")/lib.sh"
need_root
command -v bpftool >/dev/null || skip "bpftool is not installed"
python3 "$(dirname "$0")/../stress/killcycle.py" --cycles 30 --round-robin --max-delay 0.5 \
	--max-exit-ms 3000 --settle 30 --build "${XT_BUILD_DIR:-build}" ${SEED:+--seed "$SEED"}
