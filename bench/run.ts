/** `npm run bench`: every benchmark against one local dev server; writes bench/results.json and bench/REPORT.md. `--help` for the options. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { Command, Option } from 'commander';
import { resolveTemporalCli } from '../src/temporal/cli-binary.js';
import { DEV_SERVER_DYNAMIC_CONFIG, startDevServer } from '../src/temporal/dev-server.js';
import { bundleFlowWorkflows } from '../src/temporal/bundle.js';
import { clientDataConverter } from '../src/temporal/data-converter.js';
import { benchWorker, quietRuntime, workerSettings, workerWarnings } from './bench-worker.js';
import { runImportCost } from './import-cost-runner.js';
import { runInProcess } from './inprocess-runner.js';
import { startLlmStandIn } from './llm-stand-in.js';
import { replayCost } from './replay-runner.js';
import { type ReportInfo, renderReport, renderSection } from './report.js';
import { buildSections, type RawResults, type TemporalResults } from './sections.js';
import { runStreaming, streamingSettings } from './streaming.js';
import { chain, compare, fanOut, human, SETTLE_MS, StampBoard, type TemporalBench, type WorkflowRun } from './temporal.js';
import { runWorkerProcesses } from './worker-process.js';
import { ACTIVITY_TIMEOUT } from './work.js';

const BENCH_DIR = import.meta.dirname;
const RESULTS = join(BENCH_DIR, 'results.json');
const PARTS = ['in-process', 'import', 'temporal', 'streaming', 'workers'] as const;
type Part = (typeof PARTS)[number];

const options = new Command('npm run bench --')
  .description(
    'Runs the benchmarks and writes bench/REPORT.md, with the raw per-run numbers in bench/results.json (not kept in git). ' +
      'With --only, runs those parts and prints their sections, writing neither file.',
  )
  .option('--quick', 'run each measurement once or twice: a check of the wiring, not a measurement', false)
  .addOption(new Option('--only <parts...>', 'run only these parts').choices(PARTS))
  .option('--render', 'render bench/REPORT.md again from bench/results.json (after a change to its wording), measuring nothing', false)
  .parse()
  .opts<{ quick: boolean; only?: Part[]; render: boolean }>();

const quick = options.quick;
const parts = new Set<Part>(options.only ?? PARTS);
const reps = {
  chain: quick ? 1 : 9,
  fanOut: quick ? 1 : 9,
  human: quick ? 1 : 3,
  workerStart: quick ? 1 : 5,
  restartRuns: quick ? 50 : 1000,
  restartRounds: quick ? 1 : 2,
  restartAnswers: quick ? 3 : 10,
  replay: quick ? 2 : 10,
  inProcessProcesses: quick ? 1 : 7,
  inProcessWarmRuns: quick ? 3 : 20,
  importProcesses: quick ? 1 : 7,
};
const streaming = streamingSettings(quick);

const log = (message: string): void => console.error(`[bench] ${message}`);

function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(join(BENCH_DIR, '..', 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

async function runTemporal(bench: TemporalBench, bundleCode: string): Promise<TemporalResults> {
  const results = {
    chain: await compare('chain', reps.chain, (side) => chain(bench, side), log),
    chainLocal: await compare('chain, local activities', reps.chain, (side) => chain(bench, side, true), log),
    fanOut: await compare('fan-out', reps.fanOut, (side) => fanOut(bench, side), log),
    fanOutGrouped: await compare('fan-out, grouped', reps.fanOut, (side) => fanOut(bench, side, true), log),
    human: await compare('human', reps.human, (side) => human(bench, side), log),
  };
  log(`replaying one history of each side ${reps.replay} times`);
  const last = (runs: WorkflowRun[]) => (runs.at(-1) as WorkflowRun).workflowId;
  const histories = {
    'chain-ours': last(results.chain.ours),
    'chain-baseline': last(results.chain.baseline),
    'fan-out-ours': last(results.fanOut.ours),
    'fan-out-baseline': last(results.fanOut.baseline),
  };
  return { ...results, replay: await replayCost(bench.client, bundleCode, histories, reps.replay) };
}

/** The parts on Temporal, on one dev server: the bench's own worker serves the first two, the Recipe Finder's worker processes the last. */
async function onServer(raw: RawResults): Promise<void> {
  quietRuntime();
  const llm = await startLlmStandIn();
  const server = await startDevServer({ log });
  log(`dev server at ${server.address}`);
  const client = new Client({ connection: await Connection.connect({ address: server.address }), dataConverter: clientDataConverter() });
  try {
    if (parts.has('temporal') || parts.has('streaming')) {
      const bundle = await bundleFlowWorkflows(join(BENCH_DIR, 'workflows.ts'));
      const connection = await NativeConnection.connect({ address: server.address });
      const taskQueue = `bench-${Date.now()}`;
      const stamps = new StampBoard();
      const worker = await benchWorker(connection, taskQueue, bundle, stamps, llm);
      const running = worker.run();
      try {
        if (parts.has('temporal')) {
          raw.temporal = await runTemporal({ client, taskQueue, stamps, serverPid: server.pid }, bundle.code);
        }
        if (parts.has('streaming')) {
          raw.streaming = await runStreaming({ client, taskQueue, address: server.address, llm, serverPid: server.pid }, streaming, log);
        }
      } finally {
        if (worker.getState() === 'RUNNING') {
          worker.shutdown();
        }
        await running;
        await connection.close();
      }
    }
    if (parts.has('workers')) {
      const { workerStart: startReps, restartRuns, restartRounds, restartAnswers: answersPerRound } = reps;
      raw.workerProcess = await runWorkerProcesses({ client, address: server.address, startReps, restartRuns, restartRounds, answersPerRound, log });
    }
  } finally {
    await client.connection.close();
    await server.stop();
    await llm.close();
    log('dev server stopped');
  }
}

async function measure(): Promise<{ info: ReportInfo; raw: RawResults }> {
  const generatedAt = new Date().toISOString();
  const start = performance.now();
  const raw: RawResults = {};
  if (parts.has('in-process')) {
    log(`in-process: ${reps.inProcessProcesses} fresh processes per side and case, ${reps.inProcessWarmRuns} warm runs each`);
    raw.inProcess = await runInProcess(reps.inProcessProcesses, reps.inProcessWarmRuns, log);
  }
  if (parts.has('import')) {
    log(`import cost: ${reps.importProcesses} fresh processes per entry and for pocketflow`);
    raw.importCost = await runImportCost(reps.importProcesses, log);
  }
  const cliPath = resolveTemporalCli(log);
  if (parts.has('temporal') || parts.has('streaming') || parts.has('workers')) {
    await onServer(raw);
  }
  const info: ReportInfo = {
    generatedAt,
    durationSeconds: (performance.now() - start) / 1000,
    quick,
    machine: { cpuModel: cpus()[0]?.model ?? 'unknown', cores: cpus().length, totalMemBytes: totalmem(), platform: `${platform()} ${release()} ${arch()}` },
    versions: {
      Node: process.version,
      'Temporal TypeScript SDK': packageVersion('@temporalio/worker'),
      'Temporal CLI (dev server)': execFileSync(cliPath, ['--version'], { encoding: 'utf8' }).trim(),
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
      '# a wiring check, one run of everything: npm run bench -- --quick',
      `# some parts alone, printed and not written: npm run bench -- --only ${PARTS.join(' ')}`,
      `# one side of benchmark 3 alone: node --expose-gc --import tsx bench/inprocess.ts <loop|batch> <ours|pocketflow> ${reps.inProcessWarmRuns}`,
    ],
    workerWarnings: Object.fromEntries(workerWarnings),
  };
  return { info, raw };
}

if (options.render) {
  if (!existsSync(RESULTS)) {
    throw new Error('bench/results.json is not here (it is not kept in git): run npm run bench first, which writes it and the report.');
  }
  const { raw, ...info } = JSON.parse(readFileSync(RESULTS, 'utf8')) as ReportInfo & { raw: RawResults };
  writeFileSync(join(BENCH_DIR, 'REPORT.md'), renderReport(info, buildSections(raw, info)));
  log(`bench/REPORT.md rendered from the run of ${info.generatedAt}.`);
} else {
  const { info, raw } = await measure();
  const sections = buildSections(raw, info);
  if (options.only === undefined) {
    writeFileSync(RESULTS, `${JSON.stringify({ ...info, raw }, null, 2)}\n`);
    writeFileSync(join(BENCH_DIR, 'REPORT.md'), renderReport(info, sections));
    log(`wrote bench/results.json and bench/REPORT.md in ${info.durationSeconds.toFixed(0)} s`);
  } else {
    console.log(sections.map(renderSection).join('\n'));
  }
}
