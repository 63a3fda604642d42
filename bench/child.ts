/** What several benchmarks do with processes: spawn a child read line by line, stop it, wait for a condition, read CPU time. */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = join(import.meta.dirname, '..');

/** A child process whose stdout is read line by line, each line with the performance.now() it was read at. */
export interface LineChild {
  child: ChildProcess;
  /** Resolves when the child exits, with its status and all it wrote to stderr. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

export function spawnLines(command: string[], env: NodeJS.ProcessEnv, onLine: (line: string, at: number) => void, stdin: 'pipe' | 'ignore' = 'ignore'): LineChild {
  const [file, ...args] = command as [string, ...string[]];
  const child = spawn(file, args, { cwd: ROOT, env, stdio: [stdin, 'pipe', 'pipe'] });
  let stderr = '';
  createInterface({ input: child.stdout as Readable }).on('line', (line) => onLine(line, performance.now()));
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<Awaited<LineChild['exited']>>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, exited };
}

/** Sends `signal` unless the child has exited, and waits for it to exit (SIGKILL after 10 s). */
export async function stopChild({ child, exited }: LineChild, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    child.kill(signal);
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Polls `check` every `pollMs` until it holds; throws after `timeoutMs`. */
export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, pollMs = 5, timeoutMs = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}.`);
    }
    await sleep(pollMs);
  }
}

/** User plus system CPU time of a process so far, in ms, from /proc/<pid>/stat; NaN where there is none. */
function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) {
    return Number.NaN;
  }
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** CPU time from now on: the dev server's (by its pid), the bench process's own, and another process's. */
export interface Cpu {
  serverMs: number;
  benchMs: number;
  otherMs: number;
}

/** Starts counting; the function it returns says how much CPU each process used since. */
export function cpuSince(serverPid: number | undefined, otherPid?: number): () => Cpu {
  const server = processCpuMs(serverPid);
  const other = processCpuMs(otherPid);
  const bench = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(bench);
    return { serverMs: processCpuMs(serverPid) - server, benchMs: (used.user + used.system) / 1000, otherMs: processCpuMs(otherPid) - other };
  };
}
