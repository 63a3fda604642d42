/** Benchmark 3: each side in fresh child processes, alternating, so that each gets a clean heap. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { InProcessSample } from './inprocess.js';

const run = promisify(execFile);

export const IN_PROCESS_ENTRY = join(import.meta.dirname, 'inprocess.ts');

/** The node arguments of one child run. */
export function childArgs(kind: 'loop' | 'batch', impl: 'ours' | 'pocketflow', warmRuns: number): string[] {
  return ['--expose-gc', '--import', 'tsx', IN_PROCESS_ENTRY, kind, impl, String(warmRuns)];
}

async function child(kind: 'loop' | 'batch', impl: 'ours' | 'pocketflow', warmRuns: number): Promise<InProcessSample> {
  const { stdout } = await run(process.execPath, childArgs(kind, impl, warmRuns), {
    cwd: join(import.meta.dirname, '..'),
  });
  return JSON.parse(stdout.trim().split('\n').pop() as string) as InProcessSample;
}

/** Runs `processes` fresh children per case and side, alternating which side goes first. */
export async function runInProcess(
  processes: number,
  warmRuns: number,
  log: (message: string) => void,
): Promise<InProcessSample[]> {
  const samples: InProcessSample[] = [];
  for (let p = 0; p < processes; p++) {
    for (const kind of ['loop', 'batch'] as const) {
      const order = p % 2 === 0 ? (['ours', 'pocketflow'] as const) : (['pocketflow', 'ours'] as const);
      for (const impl of order) {
        const sample = await child(kind, impl, warmRuns);
        samples.push(sample);
        log(`in-process ${kind} ${impl} ${p + 1}/${processes}: cold ${sample.coldMs.toFixed(1)} ms`);
      }
    }
  }
  return samples;
}
