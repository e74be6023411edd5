/**
 * Process accounting from /proc (Linux) for benches that run other programs (ffmpeg, a GStreamer
 * server): CPU time of any pid, its memory, threads and open files, and the children this process started.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * USER_HZ, the unit of utime and stime in /proc/<pid>/stat (100 on every common Linux). Read once when
 * this module loads, before a bench starts its site: asked lazily, the first CPU reading forked
 * `getconf` from a process with 50 cameras running, and that synchronous fork stalled every thread of
 * the site for 50-160 ms at the very start of the measured hold.
 */
const ticksPerSecond = readTicksPerSecond();

function readTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

export function clockTicksPerSecond(): number {
  return ticksPerSecond;
}

/** The fields of a /proc stat file after the command name (which may hold spaces and parentheses). */
function statFields(file: string): string[] | null {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null; // exited
  }
}

/** utime + stime (fields 11 and 12 after the name) in milliseconds. */
const cpuMsOf = (f: string[]): number => ((Number(f[11]) + Number(f[12])) * 1000) / clockTicksPerSecond();

/** utime + stime of a process (all its threads) in milliseconds, or null once it has exited. */
export function procCpuMs(pid: number): number | null {
  const f = statFields(`/proc/${pid}/stat`);
  return f ? cpuMsOf(f) : null;
}

/** A thread of a process: its id, its name (comm) and its CPU (utime + stime) in milliseconds. */
export interface ThreadCpu {
  tid: number;
  name: string;
  ms: number;
}

/** Every thread of `pid` with its CPU; empty once the process has exited. */
export function threadCpu(pid: number): ThreadCpu[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: ThreadCpu[] = [];
  for (const tid of tids) {
    const f = statFields(`/proc/${pid}/task/${tid}/stat`);
    let name: string | null = null;
    try {
      name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    } catch {
      // the thread ended between the listing and the reads
    }
    if (f && name !== null) out.push({ tid: Number(tid), name, ms: cpuMsOf(f) });
  }
  return out;
}

/**
 * Proportional set size in bytes (shared library pages split between the processes that map them), so
 * summing it over 100 ffmpeg processes does not count libavcodec 100 times. Null once exited.
 */
export function procPssBytes(pid: number): number | null {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Memory and threads of a process from /proc/<pid>/status, bytes; null once it has exited. */
export interface ProcStatus {
  /** VmRSS: RssAnon + RssFile + RssShmem. */
  rssBytes: number;
  /** Private anonymous pages: malloc heaps and arenas, V8's heaps, ArrayBuffers, thread stacks. */
  rssAnonBytes: number;
  /** Mapped files: the binary, shared libraries, the addon. */
  rssFileBytes: number;
  /** Shared memory (memfd, /dev/shm, MAP_SHARED anonymous). */
  rssShmemBytes: number;
  threads: number;
}

export function procStatus(pid: number): ProcStatus | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    rssBytes: field('VmRSS') * 1024,
    rssAnonBytes: field('RssAnon') * 1024,
    rssFileBytes: field('RssFile') * 1024,
    rssShmemBytes: field('RssShmem') * 1024,
    threads: field('Threads'),
  };
}

/** Open file descriptors of a process (entries of /proc/<pid>/fd), or null once it has exited. */
export function openFds(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/** Busy CPU time of the whole machine (all cores, every process) in ms, from /proc/stat. */
export function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal ...: everything but idle and iowait.
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const ticks = [user, nice, system, irq, softirq, steal].reduce((sum: number, v) => sum + (v ?? 0), 0);
  return (ticks * 1000) / clockTicksPerSecond();
}

/** Pids whose parent is `ppid` and whose command line contains `needle`. */
export function childPids(ppid: number, needle: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    if (Number(statFields(`/proc/${pid}/stat`)?.[1]) !== ppid) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)) out.push(pid);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

let gcFn: (() => void) | undefined;

/** A full GC before reading RSS, so garbage of the setup is not counted as the cameras' memory. */
export function collectGarbage(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = vm.runInNewContext('gc') as () => void;
  }
  gcFn();
}
