// CPU time and memory of process trees, from /proc (Linux).
import { readdirSync, readFileSync, realpathSync } from 'node:fs';

const TICK = 100; // USER_HZ on Linux

function read(path) {
  try { return readFileSync(path, 'utf8'); } catch { return null; }
}

/** PIDs whose command line contains `needle` (e.g. a Chromium --user-data-dir). */
export function pidsMatching(needle) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const cmd = read(`/proc/${d}/cmdline`);
    if (cmd && cmd.includes(needle)) out.push(Number(d));
  }
  return out;
}

/** CPU seconds (user + system) used so far by `pids`. */
export function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const stat = read(`/proc/${pid}/stat`);
    if (!stat) continue;
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(f[11]) + Number(f[12]); // utime, stime
  }
  return ticks / TICK;
}

/** Sum of RSS and of PSS (shared pages split between sharers), MB. */
export function memoryMb(pids) {
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    const roll = read(`/proc/${pid}/smaps_rollup`);
    if (!roll) continue;
    rss += Number(/^Rss:\s+(\d+)/m.exec(roll)?.[1] || 0);
    pss += Number(/^Pss:\s+(\d+)/m.exec(roll)?.[1] || 0);
  }
  return { rss: rss / 1024, pss: pss / 1024 };
}

/** Samples CPU% (100 = one core) and peak memory of `pidsFn()` over `ms`. */
export async function sample(pidsFn, ms) {
  const start = performance.now();
  const c0 = cpuSeconds(pidsFn());
  let peak = { rss: 0, pss: 0 };
  while (performance.now() - start < ms) {
    await new Promise((r) => setTimeout(r, 1000));
    const m = memoryMb(pidsFn());
    peak = { rss: Math.max(peak.rss, m.rss), pss: Math.max(peak.pss, m.pss) };
  }
  const c1 = cpuSeconds(pidsFn());
  return { cpu: ((c1 - c0) / ((performance.now() - start) / 1000)) * 100, ...peak };
}

/** `roots` and all their descendants (Chromium's zygotes, renderers, GPU, utilities). */
export function withDescendants(roots) {
  const parent = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const stat = read(`/proc/${d}/stat`);
    if (stat) parent.set(Number(d), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const set = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!set.has(pid) && set.has(ppid)) { set.add(pid); grew = true; }
    }
  }
  return [...set];
}

/** The PID of a running process whose executable is `exe` (a resolved path), or null. */
export function pidOfExe(exe) {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (realpathSync(`/proc/${d}/exe`) === exe) return Number(d);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return null;
}

/** Children of `pid` whose command name starts with `comm` (the kernel cuts it to 15 characters). */
export function childrenNamed(pid, comm) {
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const stat = read(`/proc/${d}/stat`);
    if (!stat) continue;
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid && comm.startsWith(name)) out.push(Number(d));
  }
  return out;
}

/** CPU seconds used so far by each thread name of `pid` (threads of one name summed). */
export function threadCpuSeconds(pid) {
  const out = {};
  let tids = [];
  try { tids = readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const tid of tids) {
    const name = read(`/proc/${pid}/task/${tid}/comm`)?.trim();
    if (name) out[name] = (out[name] ?? 0) + cpuSeconds([`${pid}/task/${tid}`]);
  }
  return out;
}
