/** `npm run bench`: every benchmark against one local dev server; writes bench/results.json and bench/REPORT.md. */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release, arch } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createFlowActivities } from '../src/temporal/activities.js';
import { resolveTemporalCli } from '../src/temporal/cli-binary.js';
import { startDevServer } from '../src/temporal/dev-server.js';
import { bundleFlowWorkflows, createFlowWorker } from '../src/temporal/worker.js';
import { createHandWrittenActivities } from './activities.js';
import { benchFlows } from './flows.js';
import { runInProcess } from './inprocess-runner.js';
import { renderReport } from './report.js';
import { ratio, summarize } from './stats.js';
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
import { ACTIVITY_TIMEOUT, CHAIN_STEPS, FAN_OUT_ITEMS, HUMAN_ANSWERS, IN_PROCESS_STEPS, ITEM_SLEEP_MS } from './work.js';

const BENCH_DIR = import.meta.dirname;

/** Repetitions; BENCH_QUICK=1 runs each once or twice to check the wiring. */
const quick = process.env['BENCH_QUICK'] === '1';
const reps = {
  chain: quick ? 1 : 9,
  fanOut: quick ? 1 : 5,
  human: quick ? 1 : 3,
  inProcessProcesses: quick ? 1 : 7,
  inProcessWarmRuns: quick ? 3 : 20,
};

/** Worker settings shared by every Temporal benchmark, ours and hand-written. */
const workerSettings = {
  maxConcurrentActivityTaskExecutions: 1000,
  maxConcurrentActivityTaskPolls: 100,
  maxConcurrentWorkflowTaskExecutions: 40,
  maxConcurrentWorkflowTaskPolls: 10,
  maxCachedWorkflows: 100,
};

const log = (message: string): void => console.log(`[bench] ${message}`);

function packageVersion(name: string): string {
  const manifest = JSON.parse(readFileSync(join(BENCH_DIR, '..', 'node_modules', name, 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

/** Worker and core warnings by message, counted instead of printed. */
const workerWarnings = new Map<string, number>();

function countWarning(message: string): void {
  workerWarnings.set(message, (workerWarnings.get(message) ?? 0) + 1);
}

function quietRuntime(): void {
  Runtime.install({
    logger: {
      log(level: string, message: string) {
        if (level === 'WARN' || level === 'ERROR') {
          countWarning(message);
        }
      },
      trace() {},
      debug() {},
      info() {},
      warn(message: string) {
        countWarning(message);
      },
      error(message: string) {
        countWarning(message);
      },
    },
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} } },
  });
}

function perStep(runs: WorkflowRun[], steps: number, pick: (run: WorkflowRun) => number) {
  return summarize(runs.map((run) => pick(run) / steps));
}

function historySummary(runs: WorkflowRun[], steps: number) {
  const first = runs[0] as WorkflowRun;
  return {
    events: summarize(runs.map((run) => run.history.events)),
    eventsPerStep: summarize(runs.map((run) => run.history.events / steps)),
    bytes: summarize(runs.map((run) => run.history.bytes)),
    bytesPerStep: summarize(runs.map((run) => run.history.bytes / steps)),
    byTypeOfFirstRun: first.history.byType,
  };
}

async function runTemporal(bench: TemporalBench) {
  const chain = await compare('chain', reps.chain, () => chainOurs(bench), () => chainBaseline(bench), log);
  const fanOut = await compare('fan-out', reps.fanOut, () => fanOutOurs(bench), () => fanOutBaseline(bench), log);
  const human = await compare('human', reps.human, () => humanOurs(bench), () => humanBaseline(bench), log);
  return { chain, fanOut, human };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const start = performance.now();
  log(`in-process: ${reps.inProcessProcesses} fresh processes per side and case, ${reps.inProcessWarmRuns} warm runs each`);
  const inProcessSamples = await runInProcess(reps.inProcessProcesses, reps.inProcessWarmRuns, log);
  const cliPath = resolveTemporalCli(log);
  const cliVersion = execFileSync(cliPath, ['--version'], { encoding: 'utf8' }).trim();
  quietRuntime();
  const server = await startDevServer({ log });
  log(`dev server at ${server.address}`);
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let temporalResults: Awaited<ReturnType<typeof runTemporal>>;
  try {
    const bundle = await bundleFlowWorkflows(join(BENCH_DIR, 'workflows.ts'));
    const stamps = new StampBoard();
    const connection = await NativeConnection.connect({ address: server.address });
    const taskQueue = `bench-${Date.now()}`;
    worker = await createFlowWorker({
      flows: benchFlows,
      taskQueue,
      connection,
      workflowBundle: bundle,
      worker: {
        ...workerSettings,
        activities: {
          ...createFlowActivities(benchFlows, { services: stamps }),
          ...createHandWrittenActivities(stamps),
        },
      },
    });
    running = worker.run();
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    temporalResults = await runTemporal({ client, taskQueue, stamps });
    await client.connection.close();
    worker.shutdown();
    await running;
    await connection.close();
  } finally {
    if (worker !== undefined && worker.getState() === 'RUNNING') {
      worker.shutdown();
      await running;
    }
    await server.stop();
    log('dev server stopped');
  }
  const { chain, fanOut, human } = temporalResults;
  const chainOursWall = perStep(chain.ours, CHAIN_STEPS, (run) => run.wallMs);
  const chainBaseWall = perStep(chain.baseline, CHAIN_STEPS, (run) => run.wallMs);
  const chainOursServer = perStep(chain.ours, CHAIN_STEPS, (run) => run.history.serverMs);
  const chainBaseServer = perStep(chain.baseline, CHAIN_STEPS, (run) => run.history.serverMs);
  const fanOursWall = summarize(fanOut.ours.map((run) => run.wallMs));
  const fanBaseWall = summarize(fanOut.baseline.map((run) => run.wallMs));
  const fanOursServer = summarize(fanOut.ours.map((run) => run.history.serverMs));
  const fanBaseServer = summarize(fanOut.baseline.map((run) => run.history.serverMs));
  const humanOursClient = summarize(human.ours.flatMap((run) => run.clientLatencyMs));
  const humanBaseClient = summarize(human.baseline.flatMap((run) => run.clientLatencyMs));
  const humanOursServer = summarize(human.ours.flatMap((run) => run.serverLatencyMs));
  const humanBaseServer = summarize(human.baseline.flatMap((run) => run.serverLatencyMs));
  const inProcess = (['loop', 'batch'] as const).map((kind) => {
    const side = (impl: 'ours' | 'pocketflow') => {
      const samples = inProcessSamples.filter((s) => s.case === kind && s.impl === impl);
      return {
        processes: samples.length,
        warmUsPerStep: summarize(samples.flatMap((s) => s.warmMs.map((ms) => (ms * 1000) / s.steps))),
        coldUsPerStep: summarize(samples.map((s) => (s.coldMs * 1000) / s.steps)),
        peakHeapDeltaBytes: summarize(samples.map((s) => s.peakHeapDelta)),
        peakRssDeltaBytes: summarize(samples.map((s) => s.peakRssDelta)),
        retainedAfterGcBytes: summarize(samples.map((s) => s.retainedAfterGcDelta)),
      };
    };
    const ours = side('ours');
    const pocketflow = side('pocketflow');
    return {
      case: kind,
      steps: IN_PROCESS_STEPS,
      ours,
      pocketflow,
      ratios: {
        warmTime: ratio(ours.warmUsPerStep, pocketflow.warmUsPerStep),
        coldTime: ratio(ours.coldUsPerStep, pocketflow.coldUsPerStep),
        peakHeap: ratio(ours.peakHeapDeltaBytes, pocketflow.peakHeapDeltaBytes),
        peakRss: ratio(ours.peakRssDeltaBytes, pocketflow.peakRssDeltaBytes),
      },
    };
  });
  const results = {
    generatedAt: startedAt.toISOString(),
    durationSeconds: (performance.now() - start) / 1000,
    quick,
    machine: {
      cpuModel: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      totalMemBytes: totalmem(),
      platform: `${platform()} ${release()} ${arch()}`,
    },
    versions: {
      node: process.version,
      temporalSdk: packageVersion('@temporalio/worker'),
      temporalCli: cliVersion,
      pocketflowNpm: packageVersion('pocketflow'),
      tsx: packageVersion('tsx'),
    },
    settings: {
      reps,
      workerSettings,
      activityOptions: { startToCloseTimeout: ACTIVITY_TIMEOUT, retry: { maximumAttempts: 1 } },
      chainSteps: CHAIN_STEPS,
      fanOutItems: FAN_OUT_ITEMS,
      itemSleepMs: ITEM_SLEEP_MS,
      humanAnswers: HUMAN_ANSWERS,
      humanSettleMs: SETTLE_MS,
      inProcessSteps: IN_PROCESS_STEPS,
    },
    stepOverhead: {
      target: 1.1,
      msPerStepWall: { ours: chainOursWall, baseline: chainBaseWall, ratio: ratio(chainOursWall, chainBaseWall) },
      msPerStepServer: { ours: chainOursServer, baseline: chainBaseServer, ratio: ratio(chainOursServer, chainBaseServer) },
    },
    fanOut: {
      floorMs: ITEM_SLEEP_MS,
      wallMs: {
        ours: fanOursWall,
        baseline: fanBaseWall,
        ratio: ratio(fanOursWall, fanBaseWall),
        oursOverFloor: fanOursWall.median / ITEM_SLEEP_MS,
        baselineOverFloor: fanBaseWall.median / ITEM_SLEEP_MS,
      },
      serverMs: { ours: fanOursServer, baseline: fanBaseServer, ratio: ratio(fanOursServer, fanBaseServer) },
    },
    inProcess: { target: 1.0, cases: inProcess },
    history: {
      chain: { ours: historySummary(chain.ours, CHAIN_STEPS), baseline: historySummary(chain.baseline, CHAIN_STEPS) },
      fanOut: {
        ours: historySummary(fanOut.ours, FAN_OUT_ITEMS),
        baseline: historySummary(fanOut.baseline, FAN_OUT_ITEMS),
      },
      human: {
        ours: historySummary(human.ours, HUMAN_ANSWERS),
        baseline: historySummary(human.baseline, HUMAN_ANSWERS),
      },
    },
    humanLatency: {
      answers: HUMAN_ANSWERS,
      clientMs: { ours: humanOursClient, baseline: humanBaseClient, ratio: ratio(humanOursClient, humanBaseClient) },
      serverMs: { ours: humanOursServer, baseline: humanBaseServer, ratio: ratio(humanOursServer, humanBaseServer) },
    },
    raw: {
      chain,
      fanOut,
      human,
      inProcess: inProcessSamples,
    },
  };
  writeFileSync(join(BENCH_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(BENCH_DIR, 'REPORT.md'), renderReport(results));
  log(`wrote bench/results.json and bench/REPORT.md in ${results.durationSeconds.toFixed(0)} s`);
}

await main();
