/** Turns what `npm run bench` measured into the report's sections; the targets live here. */
import { EVENT_BATCH_MS } from '../src/temporal/event-publisher.js';
import type { HistoryStats } from './history.js';
import type { ImportCostRun } from './import-cost-runner.js';
import type { InProcessSample } from './inprocess.js';
import type { ReplaySample } from './replay.js';
import { type ReportInfo, type Row, row, type Section } from './report.js';
import { APPROVAL_SETTLE_MS, type ApprovalCondition, type StreamingRun } from './streaming.js';
import type { HumanRun, Side, WorkflowRun } from './temporal.js';
import type { WorkerProcessRun } from './worker-process.js';
import { CHAIN_STEPS, FAN_OUT_GROUP, FAN_OUT_ITEMS, HUMAN_ANSWERS, IN_PROCESS_STEPS, ITEM_SLEEP_MS } from './work.js';

export interface TemporalResults {
  chain: Record<Side, WorkflowRun[]>;
  chainLocal: Record<Side, WorkflowRun[]>;
  fanOut: Record<Side, WorkflowRun[]>;
  /** Benchmark 2 with `FAN_OUT_GROUP` items per activity, both sides. */
  fanOutGrouped: Record<Side, WorkflowRun[]>;
  human: Record<Side, HumanRun[]>;
  replay: ReplaySample[];
}

/** What each part of a bench run measured; a part that did not run is absent, and so are its sections. */
export interface RawResults {
  inProcess?: InProcessSample[];
  importCost?: ImportCostRun;
  temporal?: TemporalResults;
  streaming?: StreamingRun;
  workerProcess?: WorkerProcessRun;
}

const MIB = 1024 * 1024;
const HAND_WRITTEN = ['ours', 'hand-written'] as const;

function pair<T>(measure: string, runs: Record<Side, T[]>, pick: (run: T) => number, options?: Omit<Row, 'measure' | 'ours' | 'baseline'>): Row {
  return row(measure, runs.ours.map(pick), runs.baseline.map(pick), options);
}

function count(history: HistoryStats, type: string): number {
  return history.byType[type] ?? 0;
}

/** Events of each side's first run, by type. */
function eventTypes(runs: Record<Side, { history: HistoryStats }[]>, sides: readonly [string, string]): NonNullable<Section['tables']>[number] {
  const ours = runs.ours[0]?.history.byType ?? {};
  const baseline = runs.baseline[0]?.history.byType ?? {};
  const types = [...new Set([...Object.keys(ours), ...Object.keys(baseline)])];
  return { caption: 'Events of one run of each side, by type:', header: ['event type', ...sides], rows: types.map((type) => [type, String(ours[type] ?? 0), String(baseline[type] ?? 0)]) };
}

function replayRows(samples: ReplaySample[], prefix: string, steps: number, unit: string): Row[] {
  const side = (name: string): ReplaySample => {
    const sample = samples.find((s) => s.name === `${prefix}-${name}`);
    if (sample === undefined) {
      throw new Error(`No replay of ${prefix}-${name}.`);
    }
    return sample;
  };
  const ours = side('ours');
  const baseline = side('baseline');
  return [
    row(`workflow code per ${unit}, one history replayed without a server, ms`, ours.ms.map((ms) => ms / steps), baseline.ms.map((ms) => ms / steps), { digits: 3 }),
    row(`promises created in the workflow sandbox per ${unit} (replay)`, [ours.sandboxPromises / steps], [baseline.sandboxPromises / steps], { digits: 2 }),
  ];
}

function chainSection(raw: TemporalResults, info: ReportInfo): Section {
  const perStep = (pick: (run: WorkflowRun) => number) => (run: WorkflowRun) => pick(run) / CHAIN_STEPS;
  const tuned = Object.entries(info.settings['devServerDynamicConfig'] as Record<string, unknown>).map(([key, v]) => `\`${key}=${String(v)}\``);
  return {
    title: '1. Step overhead on Temporal',
    sides: HAND_WRITTEN,
    about:
      `A linear flow of ${CHAIN_STEPS} \`AsyncNode\`s whose \`execAsync\` returns at once (an activity each), against a hand-written workflow ` +
      `that awaits the same no-op activity ${CHAIN_STEPS} times: same worker, same activity options, ${raw.chain.ours.length} runs per side. ` +
      `The bench's dev server runs with ${tuned.join(', ')} (NOTES.md, "The dev server's read-rate floor").`,
    rows: [
      pair('wall ms per step (client: start → result)', raw.chain, perStep((r) => r.wallMs), { headline: true, target: { kind: 'ratio', max: 1.05 } }),
      pair('server ms per step (history: first → last event)', raw.chain, perStep((r) => r.history.serverMs)),
      pair('workflow-task ms per step (Started → Completed, summed)', raw.chain, perStep((r) => r.history.workflowTaskMs)),
      pair('median wait of a workflow task for the worker (Scheduled → Started), ms', raw.chain, (r) => r.history.workflowTaskWaitMedianMs),
      pair('median activity run (Started → Completed), ms', raw.chain, (r) => r.history.activityRunMedianMs),
      pair('history events per step', raw.chain, perStep((r) => r.history.events), { headline: true, digits: 2, target: { kind: 'equal' } }),
      pair('history bytes per step', raw.chain, perStep((r) => r.history.bytes), { digits: 0 }),
      ...replayRows(raw.replay, 'chain', CHAIN_STEPS, 'step'),
    ],
    tables: [eventTypes(raw.chain, HAND_WRITTEN)],
  };
}

function localSection(raw: TemporalResults): Section {
  const runs = raw.chainLocal;
  return {
    title: '1b. Step overhead, local activities',
    sides: HAND_WRITTEN,
    about:
      `The same ${CHAIN_STEPS}-node chain with every node \`temporal: { local: true }\`, against a hand-written workflow that calls the same ` +
      `no-op through \`proxyLocalActivities\` with the same options; ${runs.ours.length} runs per side. The last row is benchmark 1's own side: the chain with normal activities.`,
    rows: [
      pair('wall ms per step (client: start → result)', runs, (r) => r.wallMs / CHAIN_STEPS, { headline: true, target: { kind: 'ratio', max: 1.1 } }),
      pair('server ms per step', runs, (r) => r.history.serverMs / CHAIN_STEPS),
      pair('bench-process CPU ms per step (worker and client)', runs, (r) => r.cpu.benchMs / CHAIN_STEPS),
      pair('workflow tasks', runs, (r) => count(r.history, 'WorkflowTaskStarted'), { digits: 0 }),
      pair('history events', runs, (r) => r.history.events, { digits: 0 }),
      pair('MarkerRecorded events (one per local activity)', runs, (r) => count(r.history, 'MarkerRecorded'), { digits: 0 }),
      row('wall ms per step with normal activities', raw.chain.ours.map((r) => r.wallMs / CHAIN_STEPS)),
    ],
  };
}

function fanOutSection(raw: TemporalResults, info: ReportInfo): Section {
  const runs = raw.fanOut;
  const worker = Object.entries(info.settings['workerSettings'] as Record<string, number>).map(([key, v]) => `\`${key}: ${v}\``);
  return {
    title: `2. Fan-out of ${FAN_OUT_ITEMS} × ${ITEM_SLEEP_MS} ms`,
    sides: HAND_WRITTEN,
    about:
      `One \`AsyncParallelBatchNode\` over ${FAN_OUT_ITEMS} items whose exec awaits ${ITEM_SLEEP_MS} ms (an activity each), against a hand-written ` +
      `\`Promise.all\` of ${FAN_OUT_ITEMS} such activities; ${runs.ours.length} runs per side. The floor is ${ITEM_SLEEP_MS} ms, every item at once. ` +
      `Worker settings, both sides: ${worker.join(', ')} (NOTES.md, "Worker settings for a wide fan-out"). Times in ms from ` +
      'WorkflowExecutionStarted, by the history; CPU read from /proc for the dev server and from `process.cpuUsage()` for the bench process.',
    rows: [
      pair('wall ms (client: start → result)', runs, (r) => r.wallMs, { headline: true, digits: 0, target: { kind: 'at-most', max: 5 * ITEM_SLEEP_MS, unit: ` ms, 5× the floor` } }),
      pair('workflow-task ms (Started → Completed, summed)', runs, (r) => r.history.workflowTaskMs, { digits: 0 }),
      pair('workflow tasks', runs, (r) => count(r.history, 'WorkflowTaskStarted'), { digits: 0 }),
      pair('workflow tasks failed by the server (force-closed)', runs, (r) => count(r.history, 'WorkflowTaskFailed'), { digits: 0 }),
      pair('activity run, Started → Completed: median of the run, ms', runs, (r) => r.history.activityRunMedianMs, { digits: 0 }),
      pair('CPU ms of the dev server per item', runs, (r) => r.cpu.serverMs / FAN_OUT_ITEMS),
      pair('CPU ms of the bench process (worker, client) per item', runs, (r) => r.cpu.benchMs / FAN_OUT_ITEMS),
      pair(`cores kept busy (both CPUs over wall time, of ${info.machine.cores})`, runs, (r) => (r.cpu.serverMs + r.cpu.benchMs) / r.wallMs),
      pair('history events per item', runs, (r) => r.history.events / FAN_OUT_ITEMS, { digits: 2 }),
      ...replayRows(raw.replay, 'fan-out', FAN_OUT_ITEMS, 'item'),
    ],
  };
}

function groupedSection(raw: TemporalResults): Section {
  const runs = raw.fanOutGrouped;
  const perItem = (type: string) => (r: WorkflowRun) => count(r.history, type) / FAN_OUT_ITEMS;
  return {
    title: `2b. Fan-out, ${FAN_OUT_GROUP} items per activity`,
    sides: HAND_WRITTEN,
    about:
      `\`temporal: { itemsPerActivity: ${FAN_OUT_GROUP} }\` on benchmark 2's node: ${FAN_OUT_ITEMS / FAN_OUT_GROUP} activities of ${FAN_OUT_GROUP} items each, ` +
      `against a hand-written \`Promise.all\` of as many activities that each sleep their items at once; ${runs.ours.length} runs per side. ` +
      'The last row is benchmark 2\'s own side: one activity per item.',
    rows: [
      pair('wall ms (client: start → result)', runs, (r) => r.wallMs, { headline: true, digits: 0, target: { kind: 'at-most', max: 5 * ITEM_SLEEP_MS, unit: ' ms, 5× the floor' } }),
      pair('activities per item', runs, perItem('ActivityTaskScheduled'), { headline: true, digits: 3, target: { kind: 'at-most', max: 0.1, unit: '' } }),
      pair('history events per item', runs, (r) => r.history.events / FAN_OUT_ITEMS, { headline: true, digits: 3, target: { kind: 'at-most', max: 0.5, unit: '' } }),
      row('wall ms with an activity per item', raw.fanOut.ours.map((r) => r.wallMs), undefined, { digits: 0 }),
    ],
  };
}

function inProcessSection(samples: InProcessSample[], info: ReportInfo): Section {
  const reps = info.settings['reps'] as Record<string, number>;
  const rows = (kind: 'loop' | 'batch'): Row[] => {
    const side = (impl: 'ours' | 'pocketflow') => samples.filter((s) => s.case === kind && s.impl === impl);
    const both = (pick: (s: InProcessSample) => number[]) => [side('ours').flatMap(pick), side('pocketflow').flatMap(pick)] as const;
    const label = kind === 'loop' ? `loop of ${IN_PROCESS_STEPS.toLocaleString('en')} steps` : `parallel batch of ${IN_PROCESS_STEPS.toLocaleString('en')} items`;
    const target = { kind: 'ratio', max: 1 } as const;
    return [
      row(`${label}: warm µs per step`, ...both((s) => s.warmMs.map((ms) => (ms * 1000) / s.steps)), { headline: true, digits: 3, target }),
      row(`${label}: cold µs per step (first run)`, ...both((s) => [(s.coldMs * 1000) / s.steps]), { digits: 3 }),
      row(`${label}: peak heap growth, MiB`, ...both((s) => [s.peakHeapDelta / MIB]), { headline: true, target }),
      row(`${label}: peak RSS growth, MiB`, ...both((s) => [s.peakRssDelta / MIB])),
      row(`${label}: heap kept after GC, MiB`, ...both((s) => [s.retainedAfterGcDelta / MIB])),
    ];
  };
  return {
    title: '3. In-process, against the `pocketflow` npm package',
    sides: ['ours', 'pocketflow'],
    about:
      `A looping flow (one node whose post returns \`'again'\` to itself ${IN_PROCESS_STEPS.toLocaleString('en')} times, then \`'done'\`) and a parallel batch ` +
      `node over ${IN_PROCESS_STEPS.toLocaleString('en')} items, the same exec on both sides. Each side runs in fresh processes (\`node --expose-gc\`), ` +
      `${reps['inProcessProcesses']} per side and case: a cold first run sampled for memory every 100 steps, then GC, then ${reps['inProcessWarmRuns']} warm runs timed without sampling.`,
    rows: [...rows('loop'), ...rows('batch')],
  };
}

function importSection(run: ImportCostRun): Section {
  const of = (name: string) => run.samples.filter((s) => s.name === name);
  const baseline = of(run.baseline);
  const rows = run.entries.flatMap((entry): Row[] => {
    const mine = of(entry.name);
    const core = entry.name === 'core';
    const label = `\`${entry.name}\` (${entry.source}, ${entry.what})`;
    return [
      row(`${label}: import ms`, mine.map((s) => s.importMs), baseline.map((s) => s.importMs), core ? { headline: true, target: { kind: 'extra', max: 10, unit: 'ms' } } : {}),
      row(`${label}: private RSS growth (anonymous pages), MiB`, mine.map((s) => s.anonDelta / MIB), baseline.map((s) => s.anonDelta / MIB), core ? { headline: true, target: { kind: 'extra', max: 5, unit: 'MiB' } } : {}),
      row(`${label}: RSS growth, MiB`, mine.map((s) => s.rssDelta / MIB), baseline.map((s) => s.rssDelta / MIB)),
      row(`${label}: of it, the node executable's own pages (shared), MiB`, mine.map((s) => s.executableDelta / MIB), baseline.map((s) => s.executableDelta / MIB)),
      row(`${label}: heap growth, MiB`, mine.map((s) => s.heapDelta / MIB), baseline.map((s) => s.heapDelta / MIB)),
      row(`${label}: Temporal SDK files loaded`, [Math.max(0, ...mine.map((s) => s.temporalFiles))], [0], { digits: 0, ...(core ? { target: { kind: 'equal' } } : {}) }),
    ];
  });
  return {
    title: '3b. Import cost, against the `pocketflow` npm package',
    sides: ['ours', 'pocketflow'],
    about:
      'The package compiled once (`tsc -p tsconfig.build.json`) into `bench/.tmp/import-cost/` and loaded as ESM: each entry, and `pocketflow` by ' +
      `its package name, imported in a fresh \`node --expose-gc\` process (${baseline.length} per entry after one unmeasured, alternating which goes first): ` +
      'the time of the `await import()`, and the growth of resident memory and heap between two GCs before and two after. Resident memory is ' +
      "read from /proc: the process's anonymous pages (what the import allocates) and, apart, the pages of the node executable that the import " +
      'made resident (code of node itself, shared between processes). Only `core` has a target: a worker or a client process loads the Temporal SDK anyway.',
    rows,
    notes: [`Compiling took ${(run.compileMs / 1000).toFixed(1)} s.`],
  };
}

function humanSection(raw: TemporalResults, info: ReportInfo): Section {
  const runs = raw.human;
  const flat = (pick: (r: HumanRun) => number[]) => [runs.ours.flatMap(pick), runs.baseline.flatMap(pick)] as const;
  return {
    title: '4. Human in the loop',
    sides: HAND_WRITTEN,
    about:
      `A flow that loops \`ask\` (an \`AsyncHumanNode\`) → \`work\` (an exec that records when it starts) → \`ask\`, ${HUMAN_ANSWERS} answers per run, ` +
      `${runs.ours.length} runs per side, against a hand-written workflow that waits on \`condition()\` for a signal and runs the same activity. The client ` +
      `waits until the run is waiting (state query), lets it idle ${String(info.settings['humanSettleMs'])} ms, and signals the answer (\`answerFlow(..., { wait: 'signal' })\`). ` +
      'Client clock: just before the signal → the next activity\'s first line (one process). Server clock: WorkflowExecutionSignaled → the next ActivityTaskStarted.',
    rows: [
      row('answer → next activity started, client clock, ms', ...flat((r) => r.clientLatencyMs), { headline: true }),
      row('answer → next activity started, client clock, p95 ms', ...flat((r) => r.clientLatencyMs), { stat: 'p95' }),
      row('answer → next activity started, server clock, ms', ...flat((r) => r.history.signalToActivityStartMs)),
      pair('workflow-task ms per answer', runs, (r) => r.history.workflowTaskMs / HUMAN_ANSWERS),
      pair('history events per answer', runs, (r) => r.history.events / HUMAN_ANSWERS, { headline: true, digits: 2, target: { kind: 'equal' } }),
      pair('history bytes per answer', runs, (r) => r.history.bytes / HUMAN_ANSWERS, { digits: 0 }),
    ],
    tables: [eventTypes(runs, HAND_WRITTEN)],
  };
}

function workerStartSection(run: WorkerProcessRun): Section {
  const ms = (variant: string) => run.starts.filter((s) => s.variant === variant).map((s) => s.ms);
  const used = [...new Set(run.starts.map((s) => `${s.variant}: ${s.workflowCode}`))];
  return {
    title: '5. Worker start',
    sides: ['ours', 'bundling at start'],
    about:
      'The Recipe Finder\'s worker as a fresh process, from `spawn()` to its "Worker polling task queue" line, against the bench\'s dev server. ' +
      'The bench first builds dist/ and the prebuilt bundle, warms the file cache with one process per variant, then the variants take turns.',
    rows: [
      row('compiled (`node dist/workers/recipe-worker.js`) with the prebuilt bundle: ms, spawn → polling', ms('compiled-prebuilt'), ms('compiled-bundling'), {
        headline: true,
        digits: 0,
        target: { kind: 'below', max: 1500, unit: ' ms' },
      }),
      row('from source (`node --import tsx`) with the prebuilt bundle: ms, spawn → polling', ms('source-prebuilt'), undefined, { digits: 0 }),
      row('`npm run build`, ms', [run.buildMs], undefined, { digits: 0 }),
      row('`npm run build:workflows`, ms', [run.bundleMs], undefined, { digits: 0 }),
    ],
    notes: [`Workflow code each variant's workers said they used: ${used.join('; ')}.`],
  };
}

function restartSection(run: WorkerProcessRun): Section {
  const rounds = (ours: boolean) => run.restarts.filter((r) => (r.stickyEnv === '') === ours);
  const both = (pick: (r: WorkerProcessRun['restarts'][number]) => number[]) => [rounds(true).flatMap(pick), rounds(false).flatMap(pick)] as const;
  const sdk = rounds(false)[0]?.stickyEnv ?? '';
  const refused = run.restarts.filter((r) => r.update.refused !== undefined);
  return {
    title: '6. First answer after a worker restart',
    sides: [`sticky ${run.defaultStickyTimeout} (ours)`, `sticky ${sdk} (SDK)`],
    about:
      `${run.restarts[0]?.runs ?? 0} Recipe Finder runs wait at their first prompt; the bench kills the worker (SIGKILL), starts a new one (compiled, prebuilt ` +
      `bundle) and, the moment it polls, signals an answer to ${run.answersPerRound} runs. Measured by the history (server and bench share the clock): from ` +
      'that line to the WorkflowTaskCompleted that took the answer. Both sides in the same run: the library\'s sticky timeout and the SDK\'s.',
    rows: [
      row('ms, new worker polling → answer taken', ...both((r) => r.answerMs), { headline: true, digits: 0, target: { kind: 'below', max: 2000, unit: ' ms' } }),
      row('ms, new worker polling → task picked up', ...both((r) => r.pickedUpMs), { digits: 0 }),
      row('ms, SIGKILL → new worker polling', ...both((r) => [r.killToPollingMs]), { digits: 0 }),
      row('ms, start the runs → all waiting', ...both((r) => [r.settleMs]), { digits: 0 }),
      row('ms, an update sent at the same moment → resolved', ...both((r) => (r.update.refused === undefined ? [r.update.ms] : [])), { digits: 0 }),
    ],
    notes: refused.map((r) => `An update was refused after ${r.update.ms.toFixed(0)} ms (sticky ${r.stickyEnv || run.defaultStickyTimeout}): "${r.update.refused ?? ''}".`),
  };
}

function streamingSection(run: StreamingRun, info: ReportInfo): Section {
  const s = run.settings;
  const per1000 = (n: number) => (n * 1000) / s.pieces;
  type Approval = StreamingRun['approvals'][number];
  const answers = (condition: ApprovalCondition) => run.approvals.filter((a) => a.condition === condition);
  const busyVsQuiet = (pick: (a: Approval) => number[]) => [answers('busy').flatMap(pick), answers('quiet').flatMap(pick)] as const;
  const cores = (pick: (cpu: Approval['cpu']) => number) => (a: Approval) => [pick(a.cpu) / a.wallMs];
  const { watched, plain } = run;
  const read = answers('busy').flatMap((a) => a.watcherEvents ?? []);
  return {
    title: '7. Streaming and watching a run',
    sides: ['measured', 'against'],
    about:
      `The flow \`reply\` is one node whose exec streams a reply from an OpenAI-compatible stand-in (bench/llm-stand-in.ts) through the \`openai\` client ` +
      `with \`stream: true\`, passing each token on with \`this.stream()\`: ${s.pieces} tokens, ${s.gapMs} ms apart. Token latency: from the stand-in's write ` +
      'to the bench reading the token\'s line from a `watch <id> --json` child process, against the same write to exec having the token (one clock). ' +
      `Events travel in batches of ${EVENT_BATCH_MS} ms. Approvals: a run waits for ${s.answersPerRun} answers, each sent by update ${APPROVAL_SETTLE_MS} ms after its prompt; ` +
      `quiet runs only ask, busy ones also stream a reply and are read by ${s.watchers} \`streamFlow\` readers in one other process; ` +
      `${s.approvalRounds} rounds of a quiet and a busy run. CPU cores: each process's CPU over the run's wall time, of ${info.machine.cores}.`,
    rows: [
      row('token, stand-in → `watch --json` line, ms (against: stand-in → exec)', watched.printedMs, watched.receivedMs, { headline: true }),
      row('token, stand-in → `watch --json` line, p95 ms (against: stand-in → exec)', watched.printedMs, watched.receivedMs, { headline: true, stat: 'p95' }),
      row(`history events of a ${s.pieces}-token reply, streamed (against: not streamed)`, [watched.history.events], [plain.history.events], { headline: true, digits: 0 }),
      row('history events added per 1,000 tokens streamed', [per1000(watched.history.events - plain.history.events)], undefined, { digits: 0 }),
      row('history bytes added per 1,000 tokens streamed', [per1000(watched.history.bytes - plain.history.bytes)], undefined, { digits: 0 }),
      row('signals per 1,000 tokens streamed', [per1000(count(watched.history, 'WorkflowExecutionSignaled'))], undefined, { digits: 0 }),
      row('answer ms, busy (against: quiet)', ...busyVsQuiet((a) => a.answerMs), { headline: true, target: { kind: 'ratio', max: 1.1 } }),
      row('answer p95 ms, busy (against: quiet)', ...busyVsQuiet((a) => a.answerMs), { stat: 'p95' }),
      row('CPU cores of the dev server, busy (against: quiet)', ...busyVsQuiet(cores((cpu) => cpu.serverMs))),
      row('CPU cores of the bench process, busy (against: quiet)', ...busyVsQuiet(cores((cpu) => cpu.benchMs))),
      row("CPU cores of the readers' process, busy", answers('busy').flatMap(cores((cpu) => cpu.otherMs))),
    ],
    notes: [
      watched.unprinted === 0 ? 'Every token sent was printed by `watch`.' : `${watched.unprinted} tokens sent were never printed by \`watch\`.`,
      `A reader of a busy run read ${Math.min(...read)} to ${Math.max(...read)} events (the runs differ in how long their reply streamed).`,
    ],
  };
}

/** Every section of the report, in its order: those of the parts that ran. */
export function buildSections(raw: RawResults, info: ReportInfo): Section[] {
  const t = raw.temporal;
  return [
    ...(t === undefined ? [] : [chainSection(t, info), localSection(t), fanOutSection(t, info), groupedSection(t)]),
    ...(raw.inProcess === undefined ? [] : [inProcessSection(raw.inProcess, info)]),
    ...(raw.importCost === undefined ? [] : [importSection(raw.importCost)]),
    ...(t === undefined ? [] : [humanSection(t, info)]),
    ...(raw.workerProcess === undefined ? [] : [workerStartSection(raw.workerProcess), restartSection(raw.workerProcess)]),
    ...(raw.streaming === undefined ? [] : [streamingSection(raw.streaming, info)]),
  ];
}
