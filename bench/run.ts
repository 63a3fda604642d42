/** `npm run bench`: every benchmark against one local dev server; writes bench/results.json and bench/REPORT.md. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release, arch } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { resolveTemporalCli } from '../src/temporal/cli-binary.js';
import { DEV_SERVER_DYNAMIC_CONFIG, startDevServer } from '../src/temporal/dev-server.js';
import { bundleFlowWorkflows } from '../src/temporal/bundle.js';
import { clientDataConverter } from '../src/temporal/data-converter.js';
import type { FlowWorker } from '../src/temporal/worker.js';
import { benchWorker, quietRuntime, workerSettings, workerWarnings } from './bench-worker.js';
import { runImportCost } from './import-cost-runner.js';
import { runInProcess } from './inprocess-runner.js';
import { type LlmStandIn, startLlmStandIn } from './llm-stand-in.js';
import { replayCost } from './replay-runner.js';
import { type ReportInfo, renderReport } from './report.js';
import { buildSections, type RawResults, SERVER_DEFAULT_POLL_RPS } from './sections.js';
import { runStreaming, type StreamingRun, streamingSettings } from './streaming.js';
import {
  chainBaseline,
  chainOurs,
  compare,
  fanOutBaseline,
  fanOutOurs,
  humanBaseline,
  humanOurs,
  SETTLE_MS,
  StampBoard,
  type TemporalBench,
  type WorkflowRun,
} from './temporal.js';
import { runWorkerProcesses, type WorkerProcessRun } from './worker-process.js';
import { ACTIVITY_TIMEOUT } from './work.js';

const BENCH_DIR = import.meta.dirname;

/** Repetitions; BENCH_QUICK=1 runs each once or twice to check the wiring. */
const quick = process.env['BENCH_QUICK'] === '1';
const reps = {
  chain: quick ? 1 : 9,
  fanOut: quick ? 1 : 9,
  human: quick ? 1 : 3,
  untunedChain: quick ? 1 : 3,
  workerStart: quick ? 1 : 5,
  restartRuns: quick ? 50 : 1000,
  restartRounds: quick ? 1 : 2,
  restartAnswers: quick ? 3 : 10,
  replay: quick ? 2 : 10,
  inProcessProcesses: quick ? 1 : 7,
  inProcessWarmRuns: quick ? 3 : 20,
  importProcesses: quick ? 1 : 7,
};

/** Benchmark 8's replies, rounds and readers. */
const streaming = streamingSettings(quick);

const log = (message: string): void => console.log(`[bench] ${message}`);

function packageVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(join(BENCH_DIR, '..', 'node_modules', name, 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

function lastId(runs: WorkflowRun[]): string {
  return (runs[runs.length - 1] as WorkflowRun).workflowId;
}

async function runTemporal(bench: TemporalBench, bundleCode: string) {
  const chain = await compare('chain', reps.chain, () => chainOurs(bench), () => chainBaseline(bench), log);
  const chainLocal = await compare('chain, local activities', reps.chain, () => chainOurs(bench, true), () => chainBaseline(bench, true), log);
  const fanOut = await compare('fan-out', reps.fanOut, () => fanOutOurs(bench), () => fanOutBaseline(bench), log);
  const fanOutGrouped = await compare('fan-out, grouped', reps.fanOut, () => fanOutOurs(bench, true), () => fanOutBaseline(bench, true), log);
  const human = await compare('human', reps.human, () => humanOurs(bench), () => humanBaseline(bench), log);
  log(`replaying one history of each side ${reps.replay} times`);
  const replay = await replayCost(
    bench.client,
    bundleCode,
    {
      'chain-ours': lastId(chain.ours),
      'chain-baseline': lastId(chain.baseline),
      'fan-out-ours': lastId(fanOut.ours),
      'fan-out-baseline': lastId(fanOut.baseline),
    },
    reps.replay,
  );
  return { chain, chainLocal, fanOut, fanOutGrouped, human, replay };
}

/** Benchmark 1 once more, on a second dev server left at Temporal's default read rate: what the tuning changes. */
async function untunedChain(bundle: { code: string }, llm: LlmStandIn) {
  const server = await startDevServer({ log, dynamicConfig: { 'history.transferProcessorMaxPollRPS': SERVER_DEFAULT_POLL_RPS } });
  log(`second dev server at ${server.address}, history.transferProcessorMaxPollRPS=${SERVER_DEFAULT_POLL_RPS}`);
  const stamps = new StampBoard();
  const connection = await NativeConnection.connect({ address: server.address });
  let worker: FlowWorker | undefined;
  let running: Promise<void> | undefined;
  try {
    const taskQueue = `bench-untuned-${Date.now()}`;
    worker = await benchWorker(connection, taskQueue, bundle, stamps, llm);
    running = worker.run();
    const client = new Client({ connection: await Connection.connect({ address: server.address }), dataConverter: clientDataConverter() });
    const bench = { client, taskQueue, stamps, serverPid: server.pid };
    const chain = await compare('chain, server default', reps.untunedChain, () => chainOurs(bench), () => chainBaseline(bench), log);
    await client.connection.close();
    return chain;
  } finally {
    if (worker !== undefined && worker.getState() === 'RUNNING') {
      worker.shutdown();
      await running;
    }
    await connection.close();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const start = performance.now();
  log(`in-process: ${reps.inProcessProcesses} fresh processes per side and case, ${reps.inProcessWarmRuns} warm runs each`);
  const inProcessSamples = await runInProcess(reps.inProcessProcesses, reps.inProcessWarmRuns, log);
  log(`import cost: ${reps.importProcesses} fresh processes per entry and for pocketflow`);
  const importCost = await runImportCost(reps.importProcesses, log);
  const cliPath = resolveTemporalCli(log);
  const cliVersion = execFileSync(cliPath, ['--version'], { encoding: 'utf8' }).trim();
  quietRuntime();
  const llm = await startLlmStandIn();
  const server = await startDevServer({ log });
  log(`dev server at ${server.address}`);
  let worker: FlowWorker | undefined;
  let running: Promise<void> | undefined;
  let temporalResults: Awaited<ReturnType<typeof runTemporal>>;
  let workerProcess: WorkerProcessRun;
  let chainUntuned: Awaited<ReturnType<typeof untunedChain>>;
  let streamingRun: StreamingRun;
  try {
    const bundle = await bundleFlowWorkflows(join(BENCH_DIR, 'workflows.ts'));
    const stamps = new StampBoard();
    const connection = await NativeConnection.connect({ address: server.address });
    const taskQueue = `bench-${Date.now()}`;
    worker = await benchWorker(connection, taskQueue, bundle, stamps, llm);
    running = worker.run();
    const client = new Client({ connection: await Connection.connect({ address: server.address }), dataConverter: clientDataConverter() });
    chainUntuned = await untunedChain(bundle, llm);
    temporalResults = await runTemporal({ client, taskQueue, stamps, serverPid: server.pid }, bundle.code);
    streamingRun = await runStreaming({ client, taskQueue, address: server.address, llm, serverPid: server.pid }, streaming, log);
    worker.shutdown();
    await running;
    await connection.close();
    workerProcess = await runWorkerProcesses({
      client,
      address: server.address,
      startReps: reps.workerStart,
      restartRuns: reps.restartRuns,
      restartRounds: reps.restartRounds,
      answersPerRound: reps.restartAnswers,
      log,
    });
    await client.connection.close();
  } finally {
    if (worker !== undefined && worker.getState() === 'RUNNING') {
      worker.shutdown();
      await running;
    }
    await server.stop();
    await llm.close();
    log('dev server stopped');
  }
  const info: ReportInfo = {
    generatedAt: startedAt.toISOString(),
    durationSeconds: (performance.now() - start) / 1000,
    quick,
    machine: { cpuModel: cpus()[0]?.model ?? 'unknown', cores: cpus().length, totalMemBytes: totalmem(), platform: `${platform()} ${release()} ${arch()}` },
    versions: {
      Node: process.version,
      'Temporal TypeScript SDK': packageVersion('@temporalio/worker'),
      'Temporal CLI (dev server)': cliVersion,
      'pocketflow (npm, the in-process baseline)': packageVersion('pocketflow'),
      tsx: packageVersion('tsx'),
    },
    settings: {
      reps,
      workerSettings,
      devServerDynamicConfig: DEV_SERVER_DYNAMIC_CONFIG,
      activityOptions: { startToCloseTimeout: ACTIVITY_TIMEOUT, retry: { maximumAttempts: 1 } },
      humanSettleMs: SETTLE_MS,
      streaming,
    },
    commands: [
      'npm ci',
      'npm run bench',
      '# a wiring check, one run of everything: BENCH_QUICK=1 npm run bench',
      `# one side of benchmark 3 alone: node --expose-gc --import tsx bench/inprocess.ts <loop|batch> <ours|pocketflow> ${reps.inProcessWarmRuns}`,
      `# the import cost alone: npx tsx bench/import-cost-alone.ts ${reps.importProcesses}`,
      '# benchmark 7 alone, on a dev server of its own: npx tsx bench/streaming-alone.ts',
    ],
    workerWarnings: Object.fromEntries(workerWarnings),
  };
  const raw: RawResults = { ...temporalResults, inProcess: inProcessSamples, importCost, workerProcess, chainUntuned, streaming: streamingRun };
  const sections = buildSections(raw, info);
  writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify({ ...info, sections, raw }, null, 2)}\n`);
  writeFileSync(join(BENCH_DIR, 'REPORT.md'), renderReport(info, sections));
  log(`wrote bench/results.json and bench/REPORT.md in ${info.durationSeconds.toFixed(0)} s`);
}

await main();
