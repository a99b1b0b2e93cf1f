#!/usr/bin/env python3
"""How long a process's threads wait on the run queue (runnable but not running): samples
/proc/PID/task/*/schedstat every 2 ms for SECONDS and prints, per thread, its time slices,
its run time, its total wait and the longest single wait. A thread that should answer
within a deadline (an audio callback, PulseAudio's client thread) and waits longer is
starved, not blocked.

    python3 scripts/thread-waits.py PID SECONDS [NAME,NAME...]   # only threads whose
                                                                 # name contains one
"""
import os
import sys
import time


def snapshot(pid, names):
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return None
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                comm = f.read().strip()
            if names and not any(n in comm for n in names):
                continue
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                run, wait, slices = map(int, f.read().split())
            out[tid] = (comm, run, wait, slices)
        except (FileNotFoundError, ProcessLookupError, ValueError):
            pass
    return out


def main(pid, seconds, names):
    first = prev = snapshot(pid, names) or {}
    longest, current = {}, {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.002)
        now = snapshot(pid, names)
        if now is None:
            break
        for tid, (_, run, wait, _) in now.items():
            if tid not in prev:
                continue
            _, prun, pwait, _ = prev[tid]
            # A wait goes on while the thread waits and does not run; it ends when it runs.
            current[tid] = current.get(tid, 0) + (wait - pwait)
            if run != prun or wait == pwait:
                longest[tid] = max(longest.get(tid, 0), current[tid])
                current[tid] = 0
        prev = now
    for tid, (comm, run, wait, slices) in sorted(prev.items(), key=lambda kv: kv[1][0]):
        if tid not in first:
            continue
        _, run0, wait0, slices0 = first[tid]
        worst = max(longest.get(tid, 0), current.get(tid, 0)) / 1e6
        print(f"{comm:>18} {tid}: {slices - slices0} slices, ran {(run - run0) / 1e6:.0f} ms, "
              f"waited {(wait - wait0) / 1e6:.0f} ms, longest wait {worst:.0f} ms")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(int(sys.argv[1]), float(sys.argv[2]), sys.argv[3].split(",") if len(sys.argv) > 3 else [])
