/**
 * Benchmark 8: a run's events while exec streams an LLM reply. How soon a piece of the reply that
 * left the LLM shows up in `pocketflow-temporal watch --json`, what streaming adds to the run's
 * history, and whether answering a waiting run gets slower while its reply streams and 20 readers
 * watch it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { answerFlow, flowResult, getFlowState, startFlow } from '../src/temporal/client.js';
import { fetchHistory, type HistoryStats } from './history.js';
import { type LlmStandIn, pieceIndex, type ReplyRecord } from './llm-stand-in.js';
import { type Summary, summarize } from './stats.js';
import { processCpuMs } from './temporal.js';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'pocketflow-temporal.mjs');
const WATCHERS = join(import.meta.dirname, 'watchers.ts');

/** How long the client lets a prompt sit before it answers, so that its own state reads are over. */
export const APPROVAL_SETTLE_MS = 50;
/** How often the client reads the run's state while it waits for the next prompt. */
const PROMPT_POLL_MS = 10;
/** Pieces the stand-in has sent before the first answer of a streaming run: the reply is under way. */
const PIECES_BEFORE_ANSWERING = 10;
/** Pieces of the reply while answering: far more than the answers take; the reply ends after the last answer. */
const ENDLESS_PIECES = 100_000;

export interface StreamingSettings {
  /** Watched streamed replies (after one short unmeasured one), and not-streamed replies. */
  watchedRuns: number;
  plainRuns: number;
  /** Pieces per reply, and milliseconds from one piece to the next. */
  pieces: number;
  gapMs: number;
  /** Rounds of one approval run of each condition (after one unmeasured busy run), answers per run. */
  approvalRounds: number;
  answersPerRun: number;
  /** Readers of the watched and busy runs. */
  watchers: number;
}

/** The section's settings: BENCH_QUICK=1 runs a shorter reply and fewer rounds, to check the wiring. */
export function streamingSettings(quick: boolean): StreamingSettings {
  return {
    watchedRuns: 1,
    plainRuns: 1,
    pieces: quick ? 200 : 1000,
    gapMs: 20,
    approvalRounds: quick ? 1 : 3,
    answersPerRun: quick ? 4 : 8,
    watchers: 20,
  };
}

export interface StreamingBench {
  client: Client;
  taskQueue: string;
  address: string;
  llm: LlmStandIn;
  serverPid?: number;
}

export interface WatchedReply {
  workflowId: string;
  pieces: number;
  /** Per piece: written to the socket by the stand-in → its line read from `watch --json`'s stdout, ms. */
  printedMs: number[];
  /** Per piece: written by the stand-in → received by exec from the `openai` client, ms. */
  receivedMs: number[];
  /** Pieces the stand-in sent that `watch` never printed. */
  unprinted: number;
  /** spawn() of `watch` to its first line. */
  watchStartMs: number;
  history: HistoryStats;
}

export interface PlainReply {
  workflowId: string;
  pieces: number;
  history: HistoryStats;
}

/** What else goes on while a run is answered: nothing, its reply streaming, its readers watching, or both. */
export type ApprovalCondition = 'quiet' | 'streaming' | 'watched' | 'busy';

export const APPROVAL_CONDITIONS: readonly ApprovalCondition[] = ['quiet', 'streaming', 'watched', 'busy'];

const streams = (condition: ApprovalCondition): boolean => condition === 'streaming' || condition === 'busy';
const watched = (condition: ApprovalCondition): boolean => condition === 'watched' || condition === 'busy';

export interface ApprovalRun {
  condition: ApprovalCondition;
  workflowId: string;
  /** Per answer: answerFlow() called → resolved (the run accepted the answer), ms. */
  answerMs: number[];
  /** Every state query the client made while it waited for the next prompt: called → resolved, ms. */
  stateReadMs: number[];
  /** Pieces of the reply streamed while the run waited and was answered (0 when it does not stream). */
  piecesStreamed: number;
  /** Events read by the readers: the fewest and the most (0 when no one reads). */
  watcherEvents: [number, number];
  /** The readers' calls on the run, all readers together: queries, and history reads (long polls and their pages). */
  readerCalls: { queries: number; historyReads: number };
  /** Stand-in wrote a token → a reader had it, over every reader and token (when read and streamed), ms. */
  readerLatency?: Summary;
  wallMs: number;
  /** When each part of the run was over, ms from just before it started: started, readers reading, reply under way, answered, finished, readers done. */
  phasesMs: { startedMs: number; watchingMs: number; streamingMs: number; answeredMs: number; finishedMs: number; readMs: number };
  /** CPU over the run: the dev server, the bench process (worker, client, stand-in), the readers' process. */
  cpu: { serverMs: number; benchMs: number; watchersMs: number };
  history: HistoryStats;
}

export interface StreamingRun {
  settings: StreamingSettings;
  watched: WatchedReply[];
  plain: PlainReply[];
  approvals: ApprovalRun[];
  /** spawn() of the readers' process to all its connections open. */
  watchersStartMs: number;
}

/** A child process whose stdout is read line by line, each line with the performance.now() it was read at. */
interface LineChild {
  child: ChildProcess;
  exited: Promise<{ code: number | null; stderr: string }>;
}

function spawnLines(args: string[], env: NodeJS.ProcessEnv, onLine: (line: string, at: number) => void, stdin: 'pipe' | 'ignore' = 'ignore'): LineChild {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: [stdin, 'pipe', 'pipe'] });
  let stderr = '';
  createInterface({ input: child.stdout as Readable }).on('line', (line) => onLine(line, performance.now()));
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
  return { child, exited };
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, pollMs = PROMPT_POLL_MS): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (!(await check())) {
    if (performance.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}.`);
    }
    await sleep(pollMs);
  }
}

function cliEnv(bench: StreamingBench): NodeJS.ProcessEnv {
  return { ...process.env, TEMPORAL_ADDRESS: bench.address, TEMPORAL_NAMESPACE: 'default' };
}

/**
 * One streamed reply of `pieces` pieces, watched by `pocketflow-temporal watch <id> --json`. The
 * reply starts once `watch` printed its first line, so that every piece is printed as it arrives
 * rather than read back from the run's past.
 */
async function watchedReply(bench: StreamingBench, settings: StreamingSettings, pieces: number): Promise<WatchedReply> {
  const workflowId = `bench-reply-watched-${randomUUID().slice(0, 8)}`;
  let watcherReady = (): void => {};
  const record = bench.llm.plan(workflowId, {
    pieces,
    gapMs: settings.gapMs,
    startWhen: new Promise<void>((resolve) => (watcherReady = resolve)),
  });
  await startFlow(bench.client, { flow: 'reply', taskQueue: bench.taskQueue, workflowId, shared: { key: workflowId, stream: true } });
  const printedAt: number[] = [];
  const spawnedAt = performance.now();
  let firstLineAt: number | undefined;
  const watch = spawnLines([CLI, 'watch', workflowId, '--json'], cliEnv(bench), (line, at) => {
    if (firstLineAt === undefined) {
      firstLineAt = at;
      watcherReady();
    }
    if (!line.startsWith('{')) {
      return;
    }
    const event = JSON.parse(line) as { type: string; text?: string };
    const index = event.type === 'text' ? pieceIndex(event.text ?? '') : undefined;
    if (index !== undefined) {
      printedAt[index] = at;
    }
  });
  // A watch that ends before its first line must not leave the reply waiting for it.
  const { code, stderr } = await watch.exited.finally(() => watcherReady());
  if (code !== 0) {
    throw new Error(`watch ${workflowId} --json exited with ${String(code)}:\n${stderr.slice(-2000)}`);
  }
  await flowResult(bench.client, workflowId);
  await record.ended;
  const { stats } = await fetchHistory(bench.client, workflowId);
  return { workflowId, pieces, ...latencies(record, printedAt), watchStartMs: (firstLineAt ?? Number.NaN) - spawnedAt, history: stats };
}

function latencies(record: ReplyRecord, printedAt: number[]): Pick<WatchedReply, 'printedMs' | 'receivedMs' | 'unprinted'> {
  const printedMs: number[] = [];
  const receivedMs: number[] = [];
  let unprinted = 0;
  record.sentAt.forEach((sent, index) => {
    const printed = printedAt[index];
    const received = record.receivedAt[index];
    if (printed === undefined) {
      unprinted += 1;
    } else {
      printedMs.push(printed - sent);
    }
    if (received !== undefined) {
      receivedMs.push(received - sent);
    }
  });
  return { printedMs, receivedMs, unprinted };
}

/** The same reply read by exec without stream(), unwatched: the history of the same work, not streamed. */
async function plainReply(bench: StreamingBench, settings: StreamingSettings): Promise<PlainReply> {
  const workflowId = `bench-reply-plain-${randomUUID().slice(0, 8)}`;
  const record = bench.llm.plan(workflowId, { pieces: settings.pieces, gapMs: settings.gapMs });
  await startFlow(bench.client, { flow: 'reply', taskQueue: bench.taskQueue, workflowId, shared: { key: workflowId, stream: false } });
  const result = await flowResult(bench.client, workflowId);
  await record.ended;
  const pieces = (result.shared as { pieces?: number }).pieces;
  if (pieces !== settings.pieces) {
    throw new Error(`The not-streamed reply read ${String(pieces)} pieces instead of ${settings.pieces}.`);
  }
  const { stats } = await fetchHistory(bench.client, workflowId);
  return { workflowId, pieces: settings.pieces, history: stats };
}

/** The readers' process (watchers.ts): `count` connections, told by stdin which run to read. */
class Watchers {
  readonly #process: LineChild;
  readonly #listeners = new Set<(line: string) => void>();

  constructor(bench: StreamingBench, count: number) {
    this.#process = spawnLines(['--import', 'tsx', WATCHERS, bench.address, String(count)], process.env, (line) => {
      for (const listener of this.#listeners) {
        listener(line);
      }
    }, 'pipe');
  }

  get pid(): number | undefined {
    return this.#process.child.pid;
  }

  /** Resolves on the first line that `accept` takes (its result), rejects when one starts with `failed` or the process exits. */
  #await<T>(accept: (line: string) => T | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const listener = (line: string): void => {
        const taken = accept(line);
        if (taken !== undefined) {
          this.#listeners.delete(listener);
          resolve(taken);
        } else if (line.startsWith('failed ')) {
          this.#listeners.delete(listener);
          reject(new Error(`The readers' process said: ${line}`));
        }
      };
      this.#listeners.add(listener);
      void this.#process.exited.then(({ code, stderr }) => reject(new Error(`The readers' process exited with ${String(code)}:\n${stderr.slice(-2000)}`)));
    });
  }

  ready(): Promise<true> {
    return this.#await((line) => (line === 'ready' ? true : undefined));
  }

  /**
   * Starts the readers on run `workflowId`: `watching` once each has an event; `done` with the
   * fewest and most events a reader read, and per reader the epoch ms each token arrived.
   */
  watch(workflowId: string): { watching: Promise<true>; done: Promise<{ events: [number, number]; calls: ApprovalRun['readerCalls']; arrivedAt: number[][] }> } {
    const watching = this.#await((line) => (line === `watching ${workflowId}` ? true : undefined));
    const prefix = `arrivals ${workflowId} `;
    const arrivals = this.#await((line) => (line.startsWith(prefix) ? (JSON.parse(line.slice(prefix.length)) as number[][]) : undefined));
    const events = this.#await((line) => {
      const match = new RegExp(`^done ${workflowId} (\\d+) (\\d+) (\\d+) (\\d+)$`).exec(line);
      return match === null
        ? undefined
        : { events: [Number(match[1]), Number(match[2])] as [number, number], calls: { queries: Number(match[3]), historyReads: Number(match[4]) } };
    });
    const done = Promise.all([events, arrivals]).then(([read, arrivedAt]) => ({ ...read, arrivedAt }));
    // Awaited only after `watching`: a failure before then is reported there.
    done.catch(() => {});
    this.#process.child.stdin?.write(`watch ${workflowId}\n`);
    return { watching, done };
  }

  async close(): Promise<void> {
    this.#process.child.stdin?.end();
    const timer = setTimeout(() => this.#process.child.kill('SIGKILL'), 10_000);
    await this.#process.exited;
    clearTimeout(timer);
  }
}

/**
 * One run that waits for `answers` answers, one after another, each given by update the moment
 * the client sees the prompt (after a short settle). Quiet: that is all the run does. Streaming:
 * the same run also streams a reply meanwhile, in a second param set of the same parallel batch
 * flow (an activity on the same worker). Watched: the readers watch the run. Busy: both.
 */
async function approvalRun(bench: StreamingBench, settings: StreamingSettings, condition: ApprovalCondition, answers: number, watchers: Watchers): Promise<ApprovalRun> {
  const workflowId = `bench-approval-${condition}-${randomUUID().slice(0, 8)}`;
  let stopStreaming = (): void => {};
  const record = streams(condition)
    ? bench.llm.plan(workflowId, { pieces: ENDLESS_PIECES, gapMs: settings.gapMs, stopWhen: new Promise<void>((resolve) => (stopStreaming = resolve)) })
    : undefined;
  const serverCpu = processCpuMs(bench.serverPid);
  const watchersCpu = processCpuMs(watchers.pid);
  const benchCpu = process.cpuUsage();
  const start = performance.now();
  await startFlow(bench.client, {
    flow: 'approval-while-streaming',
    taskQueue: bench.taskQueue,
    workflowId,
    shared: { key: workflowId, stream: true, parts: record === undefined ? ['ask'] : ['ask', 'stream'], total: answers },
  });
  const phases = { startedMs: performance.now() - start, watchingMs: 0, streamingMs: 0, answeredMs: 0, finishedMs: 0, readMs: 0 };
  let read: ReturnType<Watchers['watch']>['done'] = Promise.resolve({ events: [0, 0], calls: { queries: 0, historyReads: 0 }, arrivedAt: [] });
  if (watched(condition)) {
    const watch = watchers.watch(workflowId);
    read = watch.done;
    await watch.watching;
    phases.watchingMs = performance.now() - start;
  }
  if (record !== undefined) {
    await waitUntil(`the reply of ${workflowId} to stream`, () => record.sentAt.length >= PIECES_BEFORE_ANSWERING);
    phases.streamingMs = performance.now() - start;
  }
  const answerMs: number[] = [];
  const stateReadMs: number[] = [];
  let answered = -1;
  for (let answer = 1; answer <= answers; answer++) {
    await waitUntil(`prompt ${answer} of ${workflowId}`, async () => {
      const readAt = performance.now();
      const state = await getFlowState(bench.client, workflowId);
      stateReadMs.push(performance.now() - readAt);
      return state.pending.some((prompt) => prompt.requestId > answered);
    });
    await sleep(APPROVAL_SETTLE_MS);
    const sentAt = performance.now();
    const accepted = await answerFlow(bench.client, workflowId, 'yes');
    answerMs.push(performance.now() - sentAt);
    answered = accepted?.requestId ?? answered + 1;
  }
  phases.answeredMs = performance.now() - start;
  stopStreaming();
  await flowResult(bench.client, workflowId);
  phases.finishedMs = performance.now() - start;
  const readers = await read;
  phases.readMs = performance.now() - start;
  const wallMs = performance.now() - start;
  const benchUsed = process.cpuUsage(benchCpu);
  const cpu = {
    serverMs: processCpuMs(bench.serverPid) - serverCpu,
    benchMs: (benchUsed.user + benchUsed.system) / 1000,
    watchersMs: watched(condition) ? processCpuMs(watchers.pid) - watchersCpu : 0,
  };
  await record?.ended;
  const { stats } = await fetchHistory(bench.client, workflowId);
  return {
    condition,
    workflowId,
    answerMs,
    stateReadMs,
    piecesStreamed: record?.sentAt.length ?? 0,
    watcherEvents: readers.events,
    readerCalls: readers.calls,
    ...(record === undefined || readers.arrivedAt.length === 0 ? {} : { readerLatency: readerLatency(record, readers.arrivedAt) }),
    wallMs,
    phasesMs: phases,
    cpu,
    history: stats,
  };
}

/** Stand-in wrote a token → a reader had it, over every reader and token; the readers' times are epoch ms from another process. */
function readerLatency(record: ReplyRecord, arrivedAt: number[][]): Summary {
  const latencies: number[] = [];
  for (const reader of arrivedAt) {
    record.sentAt.forEach((sent, index) => {
      const arrived = reader[index];
      if (arrived !== undefined && arrived !== null) {
        latencies.push(arrived - (performance.timeOrigin + sent));
      }
    });
  }
  return summarize(latencies);
}

/** Runs benchmark 8 on the bench's worker (which has `bench.llm` as its LLM). */
export async function runStreaming(bench: StreamingBench, settings: StreamingSettings, log: (message: string) => void): Promise<StreamingRun> {
  log(`streaming: one unmeasured watched reply, then ${settings.watchedRuns} of ${settings.pieces} pieces ${settings.gapMs} ms apart`);
  await watchedReply(bench, settings, 20);
  const watched: WatchedReply[] = [];
  for (let run = 0; run < settings.watchedRuns; run++) {
    const reply = await watchedReply(bench, settings, settings.pieces);
    watched.push(reply);
    log(
      `streaming watched ${run + 1}/${settings.watchedRuns}: ${reply.printedMs.length} pieces printed, ` +
        `${reply.history.events} history events, ${reply.history.byType['WorkflowExecutionSignaled'] ?? 0} signals`,
    );
  }
  const plain: PlainReply[] = [];
  for (let run = 0; run < settings.plainRuns; run++) {
    const reply = await plainReply(bench, settings);
    plain.push(reply);
    log(`streaming not streamed ${run + 1}/${settings.plainRuns}: ${reply.history.events} history events`);
  }
  const spawnedAt = performance.now();
  const watchers = new Watchers(bench, settings.watchers);
  const approvals: ApprovalRun[] = [];
  let watchersStartMs = Number.NaN;
  try {
    await watchers.ready();
    watchersStartMs = performance.now() - spawnedAt;
    log(`approval: ${settings.watchers} readers ready in ${watchersStartMs.toFixed(0)} ms; one unmeasured busy run, then ${settings.approvalRounds} rounds`);
    // Warms the paths every condition takes: the update, the readers' process, the streaming exec.
    await approvalRun(bench, settings, 'busy', 2, watchers);
    for (let round = 0; round < settings.approvalRounds; round++) {
      // Each round starts one condition later, so that no condition always runs first.
      const order = APPROVAL_CONDITIONS.map((_, i) => APPROVAL_CONDITIONS[(i + round) % APPROVAL_CONDITIONS.length] as ApprovalCondition);
      for (const condition of order) {
        const run = await approvalRun(bench, settings, condition, settings.answersPerRun, watchers);
        approvals.push(run);
        const sorted = [...run.answerMs].sort((a, b) => a - b);
        log(
          `approval ${round + 1}/${settings.approvalRounds} ${condition}: answers ${sorted.map((ms) => ms.toFixed(0)).join(', ')} ms; ` +
            `state reads median ${summarize(run.stateReadMs).median.toFixed(0)} ms; ${run.piecesStreamed} pieces streamed, readers read ${run.watcherEvents.join('–')} events with ${run.readerCalls.queries} queries, ${run.readerCalls.historyReads} history reads` +
            (run.readerLatency === undefined ? '' : `, token latency p50 ${run.readerLatency.median.toFixed(0)} p95 ${run.readerLatency.p95.toFixed(0)} ms`) +
            `; phases ${Object.values(run.phasesMs).map((ms) => ms.toFixed(0)).join(' / ')} ms`,
        );
      }
    }
  } finally {
    await watchers.close();
  }
  return { settings, watched, plain, approvals, watchersStartMs };
}
