/** Benchmarks 1, 2 and 4: the bench flows on Temporal against hand-written workflows, same worker. */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { answerFlow, getFlowState, startFlow } from '../src/temporal/client.js';
import { type Cpu, cpuSince, waitUntil } from './child.js';
import { benchAnswerSignal, benchWaitingQuery } from './definitions.js';
import { fetchHistory, type HistoryStats } from './history.js';
import { type BenchServices, CHAIN_STEPS, FAN_OUT_GROUP, FAN_OUT_ITEMS, HUMAN_ANSWERS } from './work.js';

/** How long the client lets the run sit idle at a prompt before it answers. */
export const SETTLE_MS = 25;

export type Side = 'ours' | 'baseline';

export interface WorkflowRun {
  workflowId: string;
  wallMs: number;
  history: HistoryStats;
  /** CPU time spent during the run by the dev server process and by the bench process (worker and client). */
  cpu: Cpu;
}

export interface HumanRun extends WorkflowRun {
  /** Signal sent (client) to the next activity's exec started (inside the activity, same process). */
  clientLatencyMs: number[];
}

/** Records when the activity that follows each answer starts; the bench awaits those times. */
export class StampBoard implements BenchServices {
  readonly #stamps = new Map<number, { at: Promise<number>; stamp: (at: number) => void }>();

  #of(answer: number) {
    let entry = this.#stamps.get(answer);
    if (entry === undefined) {
      let stamp = (_at: number): void => {};
      entry = { at: new Promise<number>((resolve) => (stamp = resolve)), stamp };
      this.#stamps.set(answer, entry);
    }
    return entry;
  }

  stamp(answer: number): void {
    this.#of(answer).stamp(performance.now());
  }

  expect(answer: number): Promise<number> {
    return this.#of(answer).at;
  }

  clear(): void {
    this.#stamps.clear();
  }
}

export interface TemporalBench {
  client: Client;
  taskQueue: string;
  stamps: StampBoard;
  /** The dev server's process, whose CPU time each run reads from /proc (Linux; NaN elsewhere). */
  serverPid?: number;
}

/** Starts the run `workflowId`. */
type Start = (workflowId: string) => Promise<unknown>;

async function timedRun(bench: TemporalBench, kind: string, side: Side, start: Start, drive?: (id: string) => Promise<void>): Promise<WorkflowRun & { result: unknown }> {
  const workflowId = `bench-${kind}-${side}-${randomUUID().slice(0, 8)}`;
  const cpu = cpuSince(bench.serverPid);
  const began = performance.now();
  await start(workflowId);
  await drive?.(workflowId);
  const result: unknown = await bench.client.workflow.getHandle(workflowId).result();
  const wallMs = performance.now() - began;
  const used = cpu();
  return { workflowId, wallMs, history: (await fetchHistory(bench.client, workflowId)).stats, cpu: used, result };
}

function startOurs(bench: TemporalBench, flow: string, shared: object): Start {
  return (workflowId) => startFlow(bench.client, { flow, taskQueue: bench.taskQueue, workflowId, shared });
}

function startBaseline(bench: TemporalBench, workflow: string, args: unknown[]): Start {
  return (workflowId) => bench.client.workflow.start(workflow, { args, taskQueue: bench.taskQueue, workflowId });
}

/** Benchmark 1: the 100-node no-op flow against a hand-written loop of 100 no-op activities; `local` runs them as local activities. */
export async function chain(bench: TemporalBench, side: Side, local = false): Promise<WorkflowRun> {
  const kind = local ? 'chain-local' : 'chain';
  const { result: _result, ...run } = await timedRun(bench, kind, side, side === 'ours' ? startOurs(bench, kind, {}) : startBaseline(bench, local ? 'noopChainLocal' : 'noopChain', [CHAIN_STEPS]));
  return run;
}

/** Benchmark 2: the parallel batch node over 1,000 items against Promise.all of 1,000 activities (`grouped`: `FAN_OUT_GROUP` items per activity, both sides). */
export async function fanOut(bench: TemporalBench, side: Side, grouped = false): Promise<WorkflowRun> {
  const kind = grouped ? 'fan-out-grouped' : 'fan-out';
  const start = side === 'ours' ? startOurs(bench, kind, { items: FAN_OUT_ITEMS }) : startBaseline(bench, grouped ? 'fanOutGrouped' : 'fanOut', grouped ? [FAN_OUT_ITEMS, FAN_OUT_GROUP] : [FAN_OUT_ITEMS]);
  const { result, ...run } = await timedRun(bench, kind, side, start);
  // Ours returns the flow's result with its store, the hand-written workflow the number of items done.
  const done = side === 'ours' ? (result as { shared: { done?: number } }).shared.done : result;
  if (done !== FAN_OUT_ITEMS) {
    throw new Error(`The ${side} fan-out ${run.workflowId} finished ${String(done)} items instead of ${FAN_OUT_ITEMS}.`);
  }
  return run;
}

/** How the client sees that a run waits for answer `answer`, and answers it. */
interface HumanSide {
  start: Start;
  isWaiting(id: string, answer: number): Promise<boolean>;
  answer(id: string): Promise<unknown>;
}

function humanSide(bench: TemporalBench, side: Side): HumanSide {
  const handle = (id: string) => bench.client.workflow.getHandle(id);
  return side === 'ours'
    ? {
        start: startOurs(bench, 'human-loop', { total: HUMAN_ANSWERS }),
        isWaiting: async (id, answer) => (await getFlowState(bench.client, id)).pending.some((prompt) => prompt.requestId === answer),
        answer: (id) => answerFlow(bench.client, id, 'yes', { wait: 'signal' }),
      }
    : {
        start: startBaseline(bench, 'humanLoop', [HUMAN_ANSWERS]),
        isWaiting: async (id, answer) => {
          const state = await handle(id).query(benchWaitingQuery);
          return state.waiting && state.asked === answer;
        },
        answer: (id) => handle(id).signal(benchAnswerSignal, 'yes'),
      };
}

/** Benchmark 4: AsyncHumanNode asks and a node's exec runs, 50 times, against a hand-written signal wait and activity. */
export async function human(bench: TemporalBench, side: Side): Promise<HumanRun> {
  const driver = humanSide(bench, side);
  const clientLatencyMs: number[] = [];
  bench.stamps.clear();
  const { result: _result, ...run } = await timedRun(bench, 'human', side, driver.start, async (id) => {
    for (let answer = 1; answer <= HUMAN_ANSWERS; answer++) {
      await waitUntil(`prompt ${answer} of run ${id}`, () => driver.isWaiting(id, answer));
      await sleep(SETTLE_MS);
      const started = bench.stamps.expect(answer);
      const sentAt = performance.now();
      await driver.answer(id);
      clientLatencyMs.push((await started) - sentAt);
    }
  });
  return { ...run, clientLatencyMs };
}

/** Runs both sides `reps` times, alternating which goes first, after one unmeasured warm-up each. */
export async function compare<T extends WorkflowRun>(label: string, reps: number, run: (side: Side) => Promise<T>, log: (message: string) => void): Promise<Record<Side, T[]>> {
  await run('ours');
  await run('baseline');
  const results: Record<Side, T[]> = { ours: [], baseline: [] };
  for (let rep = 0; rep < reps; rep++) {
    for (const side of rep % 2 === 0 ? (['ours', 'baseline'] as const) : (['baseline', 'ours'] as const)) {
      const result = await run(side);
      results[side].push(result);
      log(`${label} ${rep + 1}/${reps} ${side}: ${result.wallMs.toFixed(0)} ms, ${result.history.events} events`);
    }
  }
  return results;
}
