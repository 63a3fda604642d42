/** Turns the raw measurements into the summaries that results.json and REPORT.md show. */
import type { ImportSample } from './import-cost.js';
import type { ImportCostRun } from './import-cost-runner.js';
import type { InProcessSample } from './inprocess.js';
import type { ReplaySample } from './replay.js';
import { ratio, summarize } from './stats.js';
import { APPROVAL_CONDITIONS, type ApprovalCondition, type ApprovalRun, type StreamingRun } from './streaming.js';
import type { HumanRun, WorkflowRun } from './temporal.js';
import { START_VARIANTS, type WorkerProcessRun } from './worker-process.js';
import { CHAIN_STEPS, FAN_OUT_GROUP, FAN_OUT_ITEMS, HUMAN_ANSWERS, IN_PROCESS_STEPS, ITEM_SLEEP_MS } from './work.js';

export interface RawResults {
  chain: { ours: WorkflowRun[]; baseline: WorkflowRun[] };
  chainLocal: { ours: WorkflowRun[]; baseline: WorkflowRun[] };
  /** Benchmark 1 on a second dev server left at Temporal's default transfer-queue read rate. */
  chainUntuned: { ours: WorkflowRun[]; baseline: WorkflowRun[] };
  fanOut: { ours: WorkflowRun[]; baseline: WorkflowRun[] };
  /** Benchmark 2 with `FAN_OUT_GROUP` items per activity, both sides. */
  fanOutGrouped: { ours: WorkflowRun[]; baseline: WorkflowRun[] };
  human: { ours: HumanRun[]; baseline: HumanRun[] };
  replay: ReplaySample[];
  inProcess: InProcessSample[];
  importCost: ImportCostRun;
  workerProcess: WorkerProcessRun;
  streaming: StreamingRun;
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

function approvalSide(runs: ApprovalRun[], condition: ApprovalCondition) {
  const mine = runs.filter((run) => run.condition === condition);
  const cores = (pick: (run: ApprovalRun) => number) => summarize(mine.map((run) => pick(run) / run.wallMs));
  return {
    runs: mine.length,
    answerMs: summarize(mine.flatMap((run) => run.answerMs)),
    runMedianMs: summarize(mine.map((run) => summarize(run.answerMs).median)),
    stateReadMs: summarize(mine.flatMap((run) => run.stateReadMs)),
    /** Per run, the p50 and p95 of stand-in → reader over every reader and token (runs that stream and are read). */
    readerLatencyP50Ms: summarize(mine.flatMap((run) => (run.readerLatency === undefined ? [] : [run.readerLatency.median]))),
    readerLatencyP95Ms: summarize(mine.flatMap((run) => (run.readerLatency === undefined ? [] : [run.readerLatency.p95]))),
    piecesStreamed: summarize(mine.map((run) => run.piecesStreamed)),
    watcherEventsFewest: Math.min(...mine.map((run) => run.watcherEvents[0])),
    /** Run started → every reader had its first event (0 when no one reads). */
    readersReadingMs: summarize(mine.map((run) => run.phasesMs.watchingMs)),
    signals: summarize(mine.map((run) => run.history.byType['WorkflowExecutionSignaled'] ?? 0)),
    workflowTasks: summarize(mine.map((run) => run.history.byType['WorkflowTaskStarted'] ?? 0)),
    /** CPU time over wall time: how many cores' worth each process used during the run. */
    serverCores: cores((run) => run.cpu.serverMs),
    benchCores: cores((run) => run.cpu.benchMs),
    watchersCores: cores((run) => run.cpu.watchersMs),
  };
}

/** Benchmark 8: token latency through `watch --json`, what streaming adds to a history, answers while streaming and watched. */
export function streamingSummary(run: StreamingRun) {
  const { settings } = run;
  const per1000 = 1000 / settings.pieces;
  const signals = (stats: WorkflowRun['history']) => stats.byType['WorkflowExecutionSignaled'] ?? 0;
  const streamedEvents = summarize(run.watched.map((reply) => reply.history.events));
  const plainEvents = summarize(run.plain.map((reply) => reply.history.events));
  const streamedBytes = summarize(run.watched.map((reply) => reply.history.bytes));
  const plainBytes = summarize(run.plain.map((reply) => reply.history.bytes));
  const signalsPerRun = summarize(run.watched.map((reply) => signals(reply.history)));
  const sides = Object.fromEntries(APPROVAL_CONDITIONS.map((condition) => [condition, approvalSide(run.approvals, condition)])) as Record<
    ApprovalCondition,
    ReturnType<typeof approvalSide>
  >;
  const { quiet, busy } = sides;
  return {
    settings,
    tokenLatency: {
      runs: run.watched.length,
      /** Stand-in wrote the piece → `watch --json` printed it, over every piece of every watched run. */
      printedMs: summarize(run.watched.flatMap((reply) => reply.printedMs)),
      /** Stand-in wrote the piece → exec had it from the `openai` client: the floor under the above. */
      receivedMs: summarize(run.watched.flatMap((reply) => reply.receivedMs)),
      perRun: run.watched.map((reply) => ({ printedMs: summarize(reply.printedMs), receivedMs: summarize(reply.receivedMs) })),
      unprinted: run.watched.reduce((total, reply) => total + reply.unprinted, 0),
      watchStartMs: summarize(run.watched.map((reply) => reply.watchStartMs)),
    },
    history: {
      pieces: settings.pieces,
      streamed: { runs: run.watched.length, events: streamedEvents, bytes: streamedBytes, signals: signalsPerRun, byTypeOfFirstRun: run.watched[0]?.history.byType ?? {} },
      plain: { runs: run.plain.length, events: plainEvents, bytes: plainBytes, byTypeOfFirstRun: run.plain[0]?.history.byType ?? {} },
      extraEventsPer1000: (streamedEvents.median - plainEvents.median) * per1000,
      extraBytesPer1000: (streamedBytes.median - plainBytes.median) * per1000,
      signalsPer1000: signalsPerRun.median * per1000,
      piecesPerSignal: settings.pieces / signalsPerRun.median,
    },
    approval: {
      target: 1.1,
      watchers: settings.watchers,
      answersPerRun: settings.answersPerRun,
      sides,
      ratio: ratio(busy.answerMs, quiet.answerMs),
      p95Ratio: busy.answerMs.p95 / quiet.answerMs.p95,
      /** Each condition's median answer over the quiet one's. */
      ratios: Object.fromEntries(APPROVAL_CONDITIONS.map((condition) => [condition, ratio(sides[condition].answerMs, quiet.answerMs)])) as Record<ApprovalCondition, number>,
    },
    watchersStartMs: run.watchersStartMs,
  };
}

export type StreamingSummary = ReturnType<typeof streamingSummary>;

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
    fanOutGrouped: {
      items: FAN_OUT_ITEMS,
      itemsPerActivity: FAN_OUT_GROUP,
      floorMs: ITEM_SLEEP_MS,
      targetTimesFloor: 5,
      /** Targets per item: at most this many activities, and history events. */
      targetActivitiesPerItem: 0.1,
      targetEventsPerItem: 0.5,
      wallMs: compareBy(raw.fanOutGrouped.ours, raw.fanOutGrouped.baseline, (run) => run.wallMs),
      activitiesPerItem: compareBy(raw.fanOutGrouped.ours, raw.fanOutGrouped.baseline, (run) => (run.history.byType['ActivityTaskScheduled'] ?? 0) / FAN_OUT_ITEMS),
      eventsPerItem: compareBy(raw.fanOutGrouped.ours, raw.fanOutGrouped.baseline, (run) => run.history.events / FAN_OUT_ITEMS),
      /** Against the same 1,000 items one activity each (benchmark 2's own side). */
      wallMsUngrouped: summarize(fanOut.ours.map((run) => run.wallMs)),
    },
    inProcess: { target: 1.0, steps: IN_PROCESS_STEPS, cases: [inProcessCase(raw.inProcess, 'loop'), inProcessCase(raw.inProcess, 'batch')] },
    importCost: importCostSummary(raw.importCost),
    workerProcess: workerProcessSummary(raw.workerProcess),
    streaming: streamingSummary(raw.streaming),
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
