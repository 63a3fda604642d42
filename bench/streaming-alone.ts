/**
 * `npx tsx bench/streaming-alone.ts`: benchmark 7 alone, on a dev server and worker of its own, as
 * `npm run bench` runs it (BENCH_QUICK=1 for the short wiring check). Leaves bench/results.json and
 * bench/REPORT.md alone: writes streaming.json and streaming.md to BENCH_OUT (default
 * /tmp/pocketflow-bench-streaming) and prints the section.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { bundleFlowWorkflows } from '../src/temporal/bundle.js';
import { clientDataConverter } from '../src/temporal/data-converter.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import type { FlowWorker } from '../src/temporal/worker.js';
import { benchWorker, quietRuntime, workerWarnings } from './bench-worker.js';
import { startLlmStandIn } from './llm-stand-in.js';
import { renderSection } from './report.js';
import { streamingSection } from './sections.js';
import { runStreaming, streamingSettings } from './streaming.js';
import { StampBoard } from './temporal.js';

const log = (message: string): void => console.error(`[bench] ${message}`);
const quick = process.env['BENCH_QUICK'] === '1';
const out = process.env['BENCH_OUT'] || join(tmpdir(), 'pocketflow-bench-streaming');

const start = performance.now();
quietRuntime();
const llm = await startLlmStandIn();
const server = await startDevServer({ log });
log(`dev server at ${server.address}`);
let worker: FlowWorker | undefined;
let running: Promise<void> | undefined;
let connection: NativeConnection | undefined;
try {
  const bundle = await bundleFlowWorkflows(join(import.meta.dirname, 'workflows.ts'));
  connection = await NativeConnection.connect({ address: server.address });
  const taskQueue = `bench-streaming-${Date.now()}`;
  worker = await benchWorker(connection, taskQueue, bundle, new StampBoard(), llm);
  running = worker.run();
  const client = new Client({ connection: await Connection.connect({ address: server.address }), dataConverter: clientDataConverter() });
  const run = await runStreaming({ client, taskQueue, address: server.address, llm, serverPid: server.pid }, streamingSettings(quick), log);
  await client.connection.close();
  const seconds = (performance.now() - start) / 1000;
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'streaming.json'), `${JSON.stringify({ quick, durationSeconds: seconds, workerWarnings: Object.fromEntries(workerWarnings), raw: run }, null, 2)}\n`);
  const info = { generatedAt: new Date().toISOString(), durationSeconds: seconds, quick, machine: { cpuModel: '', cores: cpus().length, totalMemBytes: 0, platform: '' }, versions: {}, settings: {}, commands: [], workerWarnings: {} };
  const markdown = renderSection(streamingSection(run, info));
  writeFileSync(join(out, 'streaming.md'), markdown);
  console.log(markdown);
  log(`wrote ${join(out, 'streaming.json')} and streaming.md in ${seconds.toFixed(0)} s`);
} finally {
  if (worker !== undefined && worker.getState() === 'RUNNING') {
    worker.shutdown();
    await running;
  }
  await connection?.close();
  await server.stop();
  await llm.close();
}
