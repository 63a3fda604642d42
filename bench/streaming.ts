/**
 * Benchmark 7: a run's events while exec streams an LLM reply. How soon a piece of the reply that
 * left the LLM shows up in `pocketflow-temporal watch --json`, what streaming adds to the run's
 * history, and whether answering a waiting run gets slower while its reply streams and 20 readers
 * watch it.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { answerFlow, flowResult, getFlowState, startFlow } from '../src/temporal/client.js';
import { type Cpu, cpuSince, type LineChild, spawnLines, stopChild, waitUntil } from './child.js';
import { fetchHistory, type HistoryStats } from './history.js';
import { type LlmStandIn, pieceIndex } from './llm-stand-in.js';

const CLI = join(import.meta.dirname, '..', 'bin', 'pocketflow-temporal.mjs');
const WATCHERS = join(import.meta.dirname, 'watchers.ts');

/** How long the client lets a prompt sit before it answers, so that its own state reads are over. */
export const APPROVAL_SETTLE_MS = 50;
/** Pieces the stand-in has sent before the first answer of a streaming run: the reply is under way. */
const PIECES_BEFORE_ANSWERING = 10;
/** Pieces of the reply while answering: far more than the answers take; the reply ends after the last answer. */
const ENDLESS_PIECES = 100_000;

export interface StreamingSettings {
  /** Pieces per reply, and milliseconds from one piece to the next. */
  pieces: number;
  gapMs: number;
  /** Rounds of a quiet and a busy run (after one unmeasured busy run), answers per run. */
  approvalRounds: number;
  answersPerRun: number;
  /** Readers of a busy run. */
  watchers: number;
}

/** The section's settings: `--quick` runs a shorter reply and fewer rounds, to check the wiring. */
export function streamingSettings(quick: boolean): StreamingSettings {
  return { pieces: quick ? 200 : 1000, gapMs: 20, approvalRounds: quick ? 1 : 4, answersPerRun: quick ? 4 : 8, watchers: 20 };
}

export interface StreamingBench {
  client: Client;
  taskQueue: string;
  address: string;
  llm: LlmStandIn;
  serverPid?: number;
}

export interface WatchedReply {
  /** Per piece: written to the socket by the stand-in → its line read from `watch --json`'s stdout, ms. */
  printedMs: number[];
  /** Per piece: written by the stand-in → received by exec from the `openai` client, ms. */
  receivedMs: number[];
  /** Pieces the stand-in sent that `watch` never printed. */
  unprinted: number;
  history: HistoryStats;
}

/** Quiet: the run only asks. Busy: it also streams a reply meanwhile, and the readers watch it. */
export type ApprovalCondition = 'quiet' | 'busy';

export interface ApprovalRun {
  condition: ApprovalCondition;
  /** Per answer: answerFlow() called → resolved (the run accepted the answer), ms. */
  answerMs: number[];
  /** Events read by the readers: the fewest and the most (none when no one reads). */
  watcherEvents?: [number, number];
  wallMs: number;
  /** CPU over the run: the dev server, the bench process (worker, client, stand-in), the readers' process. */
  cpu: Cpu;
}

export interface StreamingRun {
  settings: StreamingSettings;
  watched: WatchedReply;
  /** The same reply read by exec without stream(): the history of the same work, not streamed. */
  plain: { history: HistoryStats };
  approvals: ApprovalRun[];
}

function cliEnv(bench: StreamingBench): NodeJS.ProcessEnv {
  return { ...process.env, TEMPORAL_ADDRESS: bench.address, TEMPORAL_NAMESPACE: 'default' };
}

/** Runs the flow `reply`, streamed or not, and `during` once it started; returns its history when it ended. */
async function reply(bench: StreamingBench, workflowId: string, stream: boolean, during = async (): Promise<void> => {}): Promise<HistoryStats> {
  await startFlow(bench.client, { flow: 'reply', taskQueue: bench.taskQueue, workflowId, shared: { key: workflowId, stream } });
  await during();
  const { shared } = await flowResult(bench.client, workflowId);
  if ((shared as { pieces?: number }).pieces === undefined) {
    throw new Error(`The reply ${workflowId} ended without reading its pieces.`);
  }
  return (await fetchHistory(bench.client, workflowId)).stats;
}

/**
 * One streamed reply of `pieces` pieces, watched by `pocketflow-temporal watch <id> --json`. The
 * reply starts once `watch` printed its first line, so that every piece is printed as it arrives
 * rather than read back from the run's past.
 */
async function watchedReply(bench: StreamingBench, settings: StreamingSettings, pieces: number): Promise<WatchedReply> {
  const workflowId = `bench-reply-watched-${randomUUID().slice(0, 8)}`;
  let watcherReady = (): void => {};
  const record = bench.llm.plan(workflowId, { pieces, gapMs: settings.gapMs, startWhen: new Promise<void>((resolve) => (watcherReady = resolve)) });
  const printedAt: number[] = [];
  const history = await reply(bench, workflowId, true, async () => {
    const watch = spawnLines([process.execPath, CLI, 'watch', workflowId, '--json'], cliEnv(bench), (line, at) => {
      watcherReady();
      const event = line.startsWith('{') ? (JSON.parse(line) as { type: string; text?: string }) : undefined;
      const index = event?.type === 'text' ? pieceIndex(event.text ?? '') : undefined;
      if (index !== undefined) {
        printedAt[index] = at;
      }
    });
    // A watch that ends before its first line must not leave the reply waiting for it.
    const exit = await watch.exited.finally(() => watcherReady());
    if (exit.code !== 0) {
      throw new Error(`watch ${workflowId} --json exited with ${String(exit.code)}:\n${exit.stderr.slice(-2000)}`);
    }
  });
  await record.ended;
  const printedMs = record.sentAt.flatMap((sent, index) => (printedAt[index] === undefined ? [] : [(printedAt[index] as number) - sent]));
  const receivedMs = record.sentAt.flatMap((sent, index) => (record.receivedAt[index] === undefined ? [] : [(record.receivedAt[index] as number) - sent]));
  return { printedMs, receivedMs, unprinted: record.sentAt.length - printedMs.length, history };
}

/** The readers' process (watchers.ts): `count` connections, told by stdin which run to read. */
class Watchers {
  readonly #process: LineChild;
  readonly #listeners = new Set<(line: string) => void>();
  readonly ready: Promise<unknown>;

  constructor(bench: StreamingBench, count: number) {
    const command = [process.execPath, '--import', 'tsx', WATCHERS, bench.address, String(count)];
    this.#process = spawnLines(command, process.env, (line) => this.#listeners.forEach((listener) => listener(line)), 'pipe');
    this.ready = this.#await((line) => line === 'ready' || undefined);
  }

  get pid(): number | undefined {
    return this.#process.child.pid;
  }

  /** Resolves on the first line that `accept` takes (its result), rejects when one starts with `failed` or the process exits. */
  #await<T>(accept: (line: string) => T | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const listener = (line: string): void => {
        const taken = accept(line);
        if (taken !== undefined || line.startsWith('failed ')) {
          this.#listeners.delete(listener);
          if (taken !== undefined) {
            resolve(taken);
          } else {
            reject(new Error(`The readers' process said: ${line}`));
          }
        }
      };
      this.#listeners.add(listener);
      void this.#process.exited.then(({ code, stderr }) => reject(new Error(`The readers' process exited with ${String(code)}:\n${stderr.slice(-2000)}`)));
    });
  }

  /** Starts the readers on run `workflowId`: `watching` once each has an event; `done` with the fewest and most events a reader read. */
  watch(workflowId: string): { watching: Promise<unknown>; done: Promise<[number, number]> } {
    const watching = this.#await((line) => line === `watching ${workflowId}` || undefined);
    const done = this.#await((line) => {
      const match = new RegExp(`^done ${workflowId} (\\d+) (\\d+)$`).exec(line);
      return match === null ? undefined : ([Number(match[1]), Number(match[2])] as [number, number]);
    });
    // Awaited only after `watching`: a failure before then is reported there.
    done.catch(() => {});
    this.#process.child.stdin?.write(`watch ${workflowId}\n`);
    return { watching, done };
  }

  close(): Promise<void> {
    this.#process.child.stdin?.end();
    return stopChild(this.#process);
  }
}

/**
 * One run that waits for `answers` answers, one after another, each given by update the moment
 * the client sees the prompt (after a short settle). Quiet: that is all the run does. Busy: the
 * same run also streams a reply meanwhile, in a second param set of the same parallel batch flow
 * (an activity on the same worker), and the readers watch it.
 */
async function approvalRun(bench: StreamingBench, settings: StreamingSettings, condition: ApprovalCondition, answers: number, watchers: Watchers): Promise<ApprovalRun> {
  const workflowId = `bench-approval-${condition}-${randomUUID().slice(0, 8)}`;
  const busy = condition === 'busy';
  let stopStreaming = (): void => {};
  const stopWhen = new Promise<void>((resolve) => (stopStreaming = resolve));
  const record = busy ? bench.llm.plan(workflowId, { pieces: ENDLESS_PIECES, gapMs: settings.gapMs, stopWhen }) : undefined;
  const cpu = cpuSince(bench.serverPid, busy ? watchers.pid : undefined);
  const start = performance.now();
  const shared = { key: workflowId, stream: true, parts: busy ? ['ask', 'stream'] : ['ask'], total: answers };
  await startFlow(bench.client, { flow: 'approval-while-streaming', taskQueue: bench.taskQueue, workflowId, shared });
  const watch = busy ? watchers.watch(workflowId) : undefined;
  await watch?.watching;
  if (record !== undefined) {
    await waitUntil(`the reply of ${workflowId} to stream`, () => record.sentAt.length >= PIECES_BEFORE_ANSWERING, 10);
  }
  const answerMs: number[] = [];
  let answered = -1;
  for (let answer = 1; answer <= answers; answer++) {
    const asked = async () => (await getFlowState(bench.client, workflowId)).pending.some((prompt) => prompt.requestId > answered);
    await waitUntil(`prompt ${answer} of ${workflowId}`, asked, 10);
    await sleep(APPROVAL_SETTLE_MS);
    const sentAt = performance.now();
    const accepted = await answerFlow(bench.client, workflowId, 'yes');
    answerMs.push(performance.now() - sentAt);
    answered = accepted?.requestId ?? answered + 1;
  }
  stopStreaming();
  await flowResult(bench.client, workflowId);
  const watcherEvents = await watch?.done;
  const wallMs = performance.now() - start;
  const used = cpu();
  await record?.ended;
  return { condition, answerMs, ...(watcherEvents === undefined ? {} : { watcherEvents }), wallMs, cpu: used };
}

/** Runs benchmark 7 on the bench's worker (which has `bench.llm` as its LLM). */
export async function runStreaming(bench: StreamingBench, settings: StreamingSettings, log: (message: string) => void): Promise<StreamingRun> {
  log(`streaming: one unmeasured watched reply, then one of ${settings.pieces} pieces ${settings.gapMs} ms apart, and one not streamed`);
  await watchedReply(bench, settings, 20);
  const watched = await watchedReply(bench, settings, settings.pieces);
  log(`streaming watched: ${watched.printedMs.length} pieces printed, ${watched.history.events} history events`);
  const plainId = `bench-reply-plain-${randomUUID().slice(0, 8)}`;
  const plainRecord = bench.llm.plan(plainId, { pieces: settings.pieces, gapMs: settings.gapMs });
  const plain = { history: await reply(bench, plainId, false) };
  await plainRecord.ended;
  log(`streaming not streamed: ${plain.history.events} history events`);
  const watchers = new Watchers(bench, settings.watchers);
  const approvals: ApprovalRun[] = [];
  try {
    await watchers.ready;
    log(`approval: ${settings.watchers} readers ready; one unmeasured busy run, then ${settings.approvalRounds} rounds`);
    // Warms the paths a busy run takes: the update, the readers' process, the streaming exec.
    await approvalRun(bench, settings, 'busy', 2, watchers);
    for (let round = 0; round < settings.approvalRounds; round++) {
      for (const condition of round % 2 === 0 ? (['quiet', 'busy'] as const) : (['busy', 'quiet'] as const)) {
        const run = await approvalRun(bench, settings, condition, settings.answersPerRun, watchers);
        approvals.push(run);
        const sorted = [...run.answerMs].sort((a, b) => a - b);
        log(`approval ${round + 1}/${settings.approvalRounds} ${condition}: answers ${sorted.map((ms) => ms.toFixed(0)).join(', ')} ms; readers read ${run.watcherEvents?.join('–') ?? 'nothing'}`);
      }
    }
  } finally {
    await watchers.close();
  }
  return { settings, watched, plain, approvals };
}
