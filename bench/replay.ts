/**
 * Workflow-code cost without a server: replays recorded histories of both sides in debug mode (main
 * thread) and counts the promises created inside the workflow sandbox, each of which the SDK's stack
 * trace hook captures. `TEMPORAL_DEBUG=1 node --import tsx bench/replay.ts <dir> <reps>`, where
 * `<dir>` holds `bundle.js` and `<name>.history.json` files. Prints one JSON line.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promiseHooks } from 'node:v8';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Runtime, Worker } from '@temporalio/worker';

export interface ReplaySample {
  name: string;
  ms: number[];
  sandboxPromises: number;
}

let sandboxPromises = 0;

function countSandboxPromise(promise: Promise<unknown>): void {
  if ((promise as object).constructor !== Promise) {
    sandboxPromises += 1;
  }
}

async function main(): Promise<void> {
  const dir = process.argv[2] as string;
  const reps = Number(process.argv[3] ?? '10');
  if (process.env['TEMPORAL_DEBUG'] === undefined) {
    throw new Error('Set TEMPORAL_DEBUG=1 so that workflows replay on the main thread, where promises can be counted.');
  }
  Runtime.install({ logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
  const code = readFileSync(join(dir, 'bundle.js'), 'utf8');
  const names = readdirSync(dir)
    .filter((file) => file.endsWith('.history.json'))
    .map((file) => file.replace(/\.history\.json$/, ''))
    .sort();
  const histories = new Map(
    names.map((name) => [name, historyFromJSON(JSON.parse(readFileSync(join(dir, `${name}.history.json`), 'utf8')))]),
  );
  const order: string[] = [];
  for (let rep = 0; rep <= reps; rep++) {
    order.push(...(rep % 2 === 0 ? names : [...names].reverse()));
  }
  const samples = new Map<string, ReplaySample>(names.map((name) => [name, { name, ms: [], sandboxPromises: 0 }]));
  async function* feed() {
    for (const [index, name] of order.entries()) {
      yield { workflowId: `replay-${name}-${index}`, history: histories.get(name) };
    }
  }
  const stop = promiseHooks.onInit(countSandboxPromise);
  let last = performance.now();
  let index = 0;
  let promisesBefore = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: { code } }, feed())) {
    const now = performance.now();
    const name = order[index] as string;
    const sample = samples.get(name) as ReplaySample;
    if (result.error !== undefined) {
      throw new Error(`Replaying ${name} failed: ${String(result.error)}`);
    }
    if (index >= names.length) {
      sample.ms.push(now - last);
      sample.sandboxPromises = sandboxPromises - promisesBefore;
    }
    promisesBefore = sandboxPromises;
    last = now;
    index += 1;
  }
  stop();
  process.stdout.write(`${JSON.stringify([...samples.values()])}\n`);
}

await main();
