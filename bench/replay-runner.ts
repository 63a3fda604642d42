/** Saves one history of each side and replays them in a fresh debug-mode process (see replay.ts). */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { ReplaySample } from './replay.js';

const run = promisify(execFile);

/** Writes the bundle and the histories of `runs` (name to workflow id), replays each `reps` times. */
export async function replayCost(
  client: Client,
  bundleCode: string,
  runs: Record<string, string>,
  reps: number,
): Promise<ReplaySample[]> {
  const dir = mkdtempSync(join(tmpdir(), 'pft-bench-replay-'));
  try {
    writeFileSync(join(dir, 'bundle.js'), bundleCode);
    for (const [name, workflowId] of Object.entries(runs)) {
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      writeFileSync(join(dir, `${name}.history.json`), historyToJSON(history));
    }
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'replay.ts'), dir, String(reps)],
      { cwd: join(import.meta.dirname, '..'), env: { ...process.env, TEMPORAL_DEBUG: '1' }, maxBuffer: 1 << 24 },
    );
    return JSON.parse(stdout.trim().split('\n').pop() as string) as ReplaySample[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
