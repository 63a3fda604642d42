/** Turns the raw measurements into the summaries that results.json and REPORT.md show. */
import type { ImportSample } from './import-cost.js';
import type { ImportCostRun } from './import-cost-runner.js';
import type { InProcessSample } from './inprocess.js';
import type { ReplaySample } from './replay.js';
import { ratio, summarize } from './stats.js';
import type { HumanRun, WorkflowRun } from './temporal.js';
import { START_VARIANTS, type WorkerProcessRun } from './worker-process.js';
import { CHAIN_STEPS, FAN_OUT_ITEMS, HUMAN_ANSWERS, IN_PROCESS_STEPS, ITEM_SLEEP_MS } from './work.js';

export interface RawResults {
  chain: { ours: WorkflowRun[]; baseline: WorkflowRun[] };
  chainLocal: { ours: WorkflowRun[]; baseline: WorkflowRun[] };
  /** Benchmark 1 on a second dev server left at Temporal's default transfer-queue read rate. */
  chainUntuned: { ours: WorkflowRun[]; baseline: WorkflowRun[] };
  fanOut: { ours: WorkflowRun[]; baseline: WorkflowRun[] };
  human: { ours: HumanRun[]; baseline: HumanRun[] };
  replay: ReplaySample[];
  inProcess: InProcessSample[];
  importCost: ImportCostRun;
  workerProcess: WorkerProcessRun;
}

export interface RunInfo {
  generatedAt: string;
  durationSeconds: number;
  quick: boolean;
  machine: { cpuModel: string; cores: number; totalMemBytes: number; platform: string };
  versions: Record<string, string>;
  settings: Record<string, unknown>;
  commands: string[];
  workerWarnings: Record<string, number>;
}

function compareBy(ours: WorkflowRun[], baseline: WorkflowRun[], pick: (run: WorkflowRun) => number) {
  const o = summarize(ours.map(pick));
  const b = summarize(baseline.map(pick));
  return { ours: o, baseline: b, ratio: ratio(o, b) };
}

function historySide(runs: WorkflowRun[], steps: number) {
  const first = runs[0] as WorkflowRun;
  return {
    events: summarize(runs.map((run) => run.history.events)),
    eventsPerStep: summarize(runs.map((run) => run.history.events / steps)),
    bytes: summarize(runs.map((run) => run.history.bytes)),
    bytesPerStep: summarize(runs.map((run) => run.history.bytes / steps)),
    workflowTasks: summarize(runs.map((run) => run.history.byType['WorkflowTaskStarted'] ?? 0)),
    workflowTasksFailed: summarize(runs.map((run) => run.history.byType['WorkflowTaskFailed'] ?? 0)),
    byTypeOfFirstRun: first.history.byType,
  };
}

function historyOf(runs: { ours: WorkflowRun[]; baseline: WorkflowRun[] }, steps: number) {
  const ours = historySide(runs.ours, steps);
  const baseline = historySide(runs.baseline, steps);
  return {
    steps,
    ours,
    baseline,
    eventsRatio: ratio(ours.events, baseline.events),
    bytesRatio: ratio(ours.bytes, baseline.bytes),
  };
}

function inProcessCase(samples: InProcessSample[], kind: 'loop' | 'batch') {
  const side = (impl: 'ours' | 'pocketflow') => {
    const mine = samples.filter((s) => s.case === kind && s.impl === impl);
    return {
      processes: mine.length,
      warmUsPerStep: summarize(mine.flatMap((s) => s.warmMs.map((ms) => (ms * 1000) / s.steps))),
      coldUsPerStep: summarize(mine.map((s) => (s.coldMs * 1000) / s.steps)),
      peakHeapDeltaBytes: summarize(mine.map((s) => s.peakHeapDelta)),
      peakRssDeltaBytes: summarize(mine.map((s) => s.peakRssDelta)),
      retainedAfterGcBytes: summarize(mine.map((s) => s.retainedAfterGcDelta)),
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
}

function importSide(samples: ImportSample[], name: string) {
  const mine = samples.filter((s) => s.name === name);
  return {
    processes: mine.length,
    importMs: summarize(mine.map((s) => s.importMs)),
    rssDeltaBytes: summarize(mine.map((s) => s.rssDelta)),
    heapDeltaBytes: summarize(mine.map((s) => s.heapDelta)),
    temporalFiles: Math.max(0, ...mine.map((s) => s.temporalFiles)),
  };
}

/** The import cost of each entry and of the baseline, with each entry's ratios to the baseline. */
export function importCostSummary(run: ImportCostRun) {
  const baseline = importSide(run.samples, run.baseline);
  const entries = run.entries.map((entry) => {
    const side = importSide(run.samples, entry.name);
    return {
      ...entry,
      ...side,
      ratios: {
        importTime: ratio(side.importMs, baseline.importMs),
        rss: ratio(side.rssDeltaBytes, baseline.rssDeltaBytes),
        heap: ratio(side.heapDeltaBytes, baseline.heapDeltaBytes),
      },
    };
  });
  return {
    // The budget is absolute: what importing the core adds to a process beyond importing pocketflow.
    // 10 ms is 4% of the 0.25 s a 2,000,000-step in-process loop takes; pocketflow is one small file.
    target: { entry: 'core', extraImportMs: 10, extraRssMiB: 5 },
    baselineName: run.baseline,
    compileMs: run.compileMs,
    typeErrors: run.typeErrors,
    baseline,
    entries,
    skipped: run.skipped,
  };
}

export type ImportCostSummary = ReturnType<typeof importCostSummary>;

function replayPair(samples: ReplaySample[], prefix: string, steps: number) {
  const side = (name: string) => {
    const sample = samples.find((s) => s.name === `${prefix}-${name}`);
    if (sample === undefined) {
      throw new Error(`No replay of ${prefix}-${name}.`);
    }
    return {
      msPerStep: summarize(sample.ms.map((ms) => ms / steps)),
      sandboxPromisesPerStep: sample.sandboxPromises / steps,
    };
  };
  const ours = side('ours');
  const baseline = side('baseline');
  return {
    steps,
    ours,
    baseline,
    ratio: ratio(ours.msPerStep, baseline.msPerStep),
    extraMsPerStep: ours.msPerStep.median - baseline.msPerStep.median,
    extraPromisesPerStep: ours.sandboxPromisesPerStep - baseline.sandboxPromisesPerStep,
  };
}

type Timeline = WorkflowRun['history']['timeline'];

/** Each field of the runs' activity timelines, summarized over the runs. */
function timelineOf(runs: WorkflowRun[]) {
  const pick = (field: keyof Timeline) => summarize(runs.map((run) => run.history.timeline[field]));
  return {
    firstTaskCompletedMs: pick('firstTaskCompletedMs'),
    firstActivityStartedMs: pick('firstActivityStartedMs'),
    lastActivityStartedMs: pick('lastActivityStartedMs'),
    activityWaitMedianMs: pick('activityWaitMedianMs'),
    activityWaitP95Ms: pick('activityWaitP95Ms'),
    activityRunMedianMs: pick('activityRunMedianMs'),
    activityRunMaxMs: pick('activityRunMaxMs'),
    lastActivityCompletedMs: pick('lastActivityCompletedMs'),
    closedMs: pick('closedMs'),
    workflowTasks: pick('workflowTasks'),
    workflowTaskHeldMs: pick('workflowTaskHeldMs'),
    workflowTaskWaitedMs: pick('workflowTaskWaitedMs'),
    serverCpuMs: summarize(runs.map((run) => run.cpu.serverMs)),
    benchCpuMs: summarize(runs.map((run) => run.cpu.benchMs)),
    /** CPU of server and bench process together, over the wall time: how many cores the run kept busy. */
    coresBusy: summarize(runs.map((run) => (run.cpu.serverMs + run.cpu.benchMs) / run.wallMs)),
  };
}

/** Worker start times by variant, and the first answer after a restart by sticky setting. */
export function workerProcessSummary(run: WorkerProcessRun) {
  const variants = START_VARIANTS.map((variant) => {
    const mine = run.starts.filter((sample) => sample.variant === variant);
    const codes = [...new Set(mine.map((sample) => sample.workflowCode))];
    return { variant, processes: mine.length, ms: summarize(mine.map((sample) => sample.ms)), workflowCode: codes };
  });
  const stickies = [...new Set(run.restarts.map((round) => round.stickyEnv))].map((stickyEnv) => {
    const rounds = run.restarts.filter((round) => round.stickyEnv === stickyEnv);
    return {
      stickyEnv,
      sticky: stickyEnv === '' ? `${run.defaultStickyTimeout} (the library's default)` : `${stickyEnv} (TEMPORAL_WORKER_STICKY_TIMEOUT=${stickyEnv}, the SDK's default)`,
      rounds: rounds.length,
      runs: rounds[0]?.runs ?? 0,
      answerMs: summarize(rounds.flatMap((round) => round.answerMs)),
      pickedUpMs: summarize(rounds.flatMap((round) => round.pickedUpMs)),
      killToPollingMs: summarize(rounds.map((round) => round.killToPollingMs)),
      settleMs: summarize(rounds.map((round) => round.settleMs)),
      updates: rounds.map((round) => round.update),
    };
  });
  return {
    startTarget: { variant: 'compiled-prebuilt' as StartVariantName, ms: 1500 },
    answerTargetMs: 2000,
    build: { buildMs: run.buildMs, buildOk: run.buildOk, bundleMs: run.bundleMs, bundleOk: run.bundleOk, buildOutput: run.buildOutput },
    variants,
    restarts: stickies,
    answersPerRound: run.answersPerRound,
  };
}

type StartVariantName = (typeof START_VARIANTS)[number];

/** The summaries, with the run's context and the raw data. */
export function buildResults(info: RunInfo, raw: RawResults) {
  const { chain, chainLocal, fanOut, human } = raw;
  const humanClient = {
    ours: summarize(human.ours.flatMap((run) => run.clientLatencyMs)),
    baseline: summarize(human.baseline.flatMap((run) => run.clientLatencyMs)),
  };
  const humanServer = {
    ours: summarize(human.ours.flatMap((run) => run.serverLatencyMs)),
    baseline: summarize(human.baseline.flatMap((run) => run.serverLatencyMs)),
  };
  return {
    ...info,
    stepOverhead: {
      target: 1.05,
      steps: CHAIN_STEPS,
      wallMsPerStep: compareBy(chain.ours, chain.baseline, (run) => run.wallMs / CHAIN_STEPS),
      serverMsPerStep: compareBy(chain.ours, chain.baseline, (run) => run.history.serverMs / CHAIN_STEPS),
      workflowTaskMsPerStep: compareBy(chain.ours, chain.baseline, (run) => run.history.workflowTaskMs / CHAIN_STEPS),
      workflowTaskWaitMs: compareBy(chain.ours, chain.baseline, (run) => run.history.workflowTaskWaitMedianMs),
      activityRunMs: compareBy(chain.ours, chain.baseline, (run) => run.history.activityRunMedianMs),
      untuned: {
        wallMsPerStep: compareBy(raw.chainUntuned.ours, raw.chainUntuned.baseline, (run) => run.wallMs / CHAIN_STEPS),
        workflowTaskWaitMs: compareBy(raw.chainUntuned.ours, raw.chainUntuned.baseline, (run) => run.history.workflowTaskWaitMedianMs),
      },
    },
    localStepOverhead: {
      target: 1.1,
      steps: CHAIN_STEPS,
      wallMsPerStep: compareBy(chainLocal.ours, chainLocal.baseline, (run) => run.wallMs / CHAIN_STEPS),
      serverMsPerStep: compareBy(chainLocal.ours, chainLocal.baseline, (run) => run.history.serverMs / CHAIN_STEPS),
      workflowTaskMsPerStep: compareBy(chainLocal.ours, chainLocal.baseline, (run) => run.history.workflowTaskMs / CHAIN_STEPS),
      workflowTasks: compareBy(chainLocal.ours, chainLocal.baseline, (run) => run.history.byType['WorkflowTaskStarted'] ?? 0),
      events: compareBy(chainLocal.ours, chainLocal.baseline, (run) => run.history.events),
      markers: compareBy(chainLocal.ours, chainLocal.baseline, (run) => run.history.byType['MarkerRecorded'] ?? 0),
      bytes: compareBy(chainLocal.ours, chainLocal.baseline, (run) => run.history.bytes),
      benchCpuMsPerStep: compareBy(chainLocal.ours, chainLocal.baseline, (run) => run.cpu.benchMs / CHAIN_STEPS),
      viaActivitiesWallMsPerStep: summarize(chain.ours.map((run) => run.wallMs / CHAIN_STEPS)),
    },
    fanOut: {
      items: FAN_OUT_ITEMS,
      floorMs: ITEM_SLEEP_MS,
      /** Target: wall time at most this many times the floor. */
      targetTimesFloor: 5,
      timeline: { ours: timelineOf(fanOut.ours), baseline: timelineOf(fanOut.baseline) },
      wallMs: compareBy(fanOut.ours, fanOut.baseline, (run) => run.wallMs),
      serverMs: compareBy(fanOut.ours, fanOut.baseline, (run) => run.history.serverMs),
      workflowTaskMs: compareBy(fanOut.ours, fanOut.baseline, (run) => run.history.workflowTaskMs),
      workflowTasksFailed: compareBy(
        fanOut.ours,
        fanOut.baseline,
        (run) => run.history.byType['WorkflowTaskFailed'] ?? 0,
      ),
    },
    inProcess: { target: 1.0, steps: IN_PROCESS_STEPS, cases: [inProcessCase(raw.inProcess, 'loop'), inProcessCase(raw.inProcess, 'batch')] },
    importCost: importCostSummary(raw.importCost),
    workerProcess: workerProcessSummary(raw.workerProcess),
    workflowCode: {
      chain: replayPair(raw.replay, 'chain', CHAIN_STEPS),
      fanOut: replayPair(raw.replay, 'fan-out', FAN_OUT_ITEMS),
    },
    history: {
      chain: historyOf(chain, CHAIN_STEPS),
      fanOut: historyOf(fanOut, FAN_OUT_ITEMS),
      human: historyOf(human, HUMAN_ANSWERS),
    },
    humanLatency: {
      answers: HUMAN_ANSWERS,
      runs: { ours: human.ours.length, baseline: human.baseline.length },
      clientMs: { ...humanClient, ratio: ratio(humanClient.ours, humanClient.baseline) },
      serverMs: { ...humanServer, ratio: ratio(humanServer.ours, humanServer.baseline) },
      workflowTaskMsPerAnswer: compareBy(human.ours, human.baseline, (run) => run.history.workflowTaskMs / HUMAN_ANSWERS),
    },
    raw,
  };
}

export type BenchResults = ReturnType<typeof buildResults>;
