#!/usr/bin/env python3
"""How fast a Peercall host on the LAN is found (issue 15).

The real `peercall-lan` (crates/discovery) in two network namespaces joined by a veth pair,
as two machines on one Ethernet. Prints, over RUNS runs (default 5), min / median / max of:
  new       a browser already running lists a host that starts announcing
            (includes the announcer's mDNS probing, about 0.75 s by RFC 6762)
  goodbye   that browser drops the host when it stops announcing
  existing  a newly started browser lists a host that is already announcing
Needs root and `ip`; nothing leaves the namespaces (no veth end is in the root one).

  cargo build -p peercall-discovery && scripts/bench-lan-discovery.py
  RUNS=10 scripts/bench-lan-discovery.py
"""
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target"))
BIN = os.path.join(TARGET, "debug", "peercall-lan")
RUNS = int(os.environ.get("RUNS", "5"))
A, B = f"pclan{os.getpid()}-a", f"pclan{os.getpid()}-b"


def sh(*args):
    subprocess.run(args, check=True)


def in_ns(ns, *args, **kw):
    return subprocess.Popen(["ip", "netns", "exec", ns, *args], **kw)


class Browser:
    """`peercall-lan browse` in B; each list it prints, stamped on arrival."""

    def __init__(self):
        self.proc = in_ns(B, BIN, "browse", "--timeout", "60", stdout=subprocess.PIPE, text=True)
        self.lists = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lists.put((time.monotonic(), json.loads(line)))

    def wait(self, done, limit=20.0):
        """The arrival time of the first list for which done(list) holds."""
        end = time.monotonic() + limit
        while True:
            at, hosts = self.lists.get(timeout=max(0.0, end - time.monotonic()))
            if done(hosts):
                return at

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def announce():
    proc = in_ns(A, BIN, "announce", "--name", "bench", "--port", "7788",
                 stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().startswith("announcing"), "announce failed"
    return proc


def stop(proc):
    proc.terminate()
    proc.wait()


def main():
    if not os.access(BIN, os.X_OK):
        sys.exit(f"{BIN} not built: cargo build -p peercall-discovery")
    for ns in (A, B):
        sh("ip", "netns", "add", ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    try:
        sh("ip", "link", "add", "eth0", "netns", A, "type", "veth", "peer", "name", "eth0",
           "netns", B)
        for ns, ip in ((A, "10.0.9.1"), (B, "10.0.9.2")):
            sh("ip", "-n", ns, "addr", "add", f"{ip}/24", "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
        for ns in (A, B):
            while subprocess.run(["ip", "netns", "exec", ns, "cat", "/sys/class/net/eth0/operstate"],
                                 capture_output=True, text=True).stdout.strip() != "up":
                time.sleep(0.02)
        found = {"new": [], "goodbye": [], "existing": []}
        for _ in range(RUNS):
            browser = Browser()
            browser.wait(lambda hosts: hosts == [])  # its first, empty list: it runs
            t0 = time.monotonic()
            host = announce()
            found["new"].append(browser.wait(lambda hosts: len(hosts) == 1) - t0)
            t0 = time.monotonic()
            stop(host)
            found["goodbye"].append(browser.wait(lambda hosts: hosts == []) - t0)
            browser.stop()
            host = announce()
            # Past its probing and first announcements (0.75 s, then 1 s apart), as a host
            # up for a while. (Not a browser run just before: mdns-sd then leaves the next
            # query of the same address and port unanswered, and the answer waits for the
            # repeat a second later.)
            time.sleep(3)
            t0 = time.monotonic()
            fresh = Browser()
            found["existing"].append(fresh.wait(lambda hosts: len(hosts) == 1) - t0)
            fresh.stop()
            stop(host)
        for name, secs in found.items():
            ms = sorted(round(s * 1000) for s in secs)
            print(f"{name:9} min {ms[0]:5d} ms  median {round(statistics.median(ms)):5d} ms  "
                  f"max {ms[-1]:5d} ms  ({len(ms)} runs: {ms})")
    finally:
        for ns in (A, B):
            pids = subprocess.run(["ip", "netns", "pids", ns], capture_output=True,
                                  text=True).stdout.split()
            for pid in pids:
                subprocess.run(["kill", "-9", pid])
            subprocess.run(["ip", "netns", "del", ns])


if __name__ == "__main__":
    main()
