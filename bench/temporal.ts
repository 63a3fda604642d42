/** Benchmarks 1, 2, 4 and 5: the bench flows on Temporal against hand-written workflows, same worker. */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { answerFlow, flowResult, getFlowState, startFlow } from '../src/temporal/client.js';
import { benchAnswerSignal, benchWaitingQuery } from './definitions.js';
import { fetchHistory, type HistoryStats, signalToActivityStart } from './history.js';
import { type BenchServices, CHAIN_STEPS, FAN_OUT_GROUP, FAN_OUT_ITEMS, HUMAN_ANSWERS } from './work.js';

/** How long the client lets the run sit idle at a prompt before it answers. */
export const SETTLE_MS = 25;

const POLL_MS = 5;

export type Side = 'ours' | 'baseline';

export interface WorkflowRun {
  side: Side;
  workflowId: string;
  wallMs: number;
  history: HistoryStats;
  /** CPU time spent during the run by the dev server process and by the bench process (worker and client). */
  cpu: { serverMs: number; benchMs: number };
}

export interface HumanRun extends WorkflowRun {
  /** Signal sent (client) to the next activity's exec started (inside the activity, same process). */
  clientLatencyMs: number[];
  /** WorkflowExecutionSignaled to the next ActivityTaskStarted, by the server's clock. */
  serverLatencyMs: number[];
}

/** Records when the activity that follows each answer starts; the bench awaits those times. */
export class StampBoard implements BenchServices {
  readonly #waiters = new Map<number, (at: number) => void>();
  readonly #early = new Map<number, number>();

  stamp(answer: number): void {
    const at = performance.now();
    const waiter = this.#waiters.get(answer);
    if (waiter === undefined) {
      this.#early.set(answer, at);
      return;
    }
    this.#waiters.delete(answer);
    waiter(at);
  }

  expect(answer: number): Promise<number> {
    const early = this.#early.get(answer);
    if (early !== undefined) {
      this.#early.delete(answer);
      return Promise.resolve(early);
    }
    return new Promise((resolve) => this.#waiters.set(answer, resolve));
  }

  clear(): void {
    this.#waiters.clear();
    this.#early.clear();
  }
}

export interface TemporalBench {
  client: Client;
  taskQueue: string;
  stamps: StampBoard;
  /** The dev server's process, whose CPU time each run reads from /proc (Linux; NaN elsewhere). */
  serverPid?: number;
}

/** User plus system CPU time of a process so far, in ms, from /proc/<pid>/stat; NaN where there is none. */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) {
    return Number.NaN;
  }
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

function workflowId(kind: string, side: Side): string {
  return `bench-${kind}-${side}-${randomUUID().slice(0, 8)}`;
}

async function timedRun(
  bench: TemporalBench,
  side: Side,
  id: string,
  run: () => Promise<unknown>,
): Promise<WorkflowRun> {
  const serverCpu = processCpuMs(bench.serverPid);
  const benchCpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const wallMs = performance.now() - start;
  const benchUsed = process.cpuUsage(benchCpu);
  const cpu = { serverMs: processCpuMs(bench.serverPid) - serverCpu, benchMs: (benchUsed.user + benchUsed.system) / 1000 };
  const { stats } = await fetchHistory(bench.client, id);
  return { side, workflowId: id, wallMs, history: stats, cpu };
}

/** Benchmark 1, our side: the 100-node no-op flow; `local` runs each exec as a local activity. */
export async function chainOurs(bench: TemporalBench, local = false): Promise<WorkflowRun> {
  const id = workflowId(local ? 'chain-local' : 'chain', 'ours');
  return timedRun(bench, 'ours', id, async () => {
    await startFlow(bench.client, {
      flow: local ? 'chain-local' : 'chain',
      taskQueue: bench.taskQueue,
      workflowId: id,
      shared: {},
    });
    await flowResult(bench.client, id);
  });
}

/** Benchmark 1, baseline: the hand-written loop of 100 no-op activities (local ones when `local`). */
export async function chainBaseline(bench: TemporalBench, local = false): Promise<WorkflowRun> {
  const id = workflowId(local ? 'chain-local' : 'chain', 'baseline');
  return timedRun(bench, 'baseline', id, async () => {
    const handle = await bench.client.workflow.start(local ? 'noopChainLocal' : 'noopChain', {
      args: [CHAIN_STEPS],
      taskQueue: bench.taskQueue,
      workflowId: id,
    });
    await handle.result();
  });
}

/** Benchmark 2, our side: the parallel batch node over 1,000 items (`grouped`: `FAN_OUT_GROUP` items per activity). */
export async function fanOutOurs(bench: TemporalBench, grouped = false): Promise<WorkflowRun> {
  const flow = grouped ? 'fan-out-grouped' : 'fan-out';
  const id = workflowId(flow, 'ours');
  return timedRun(bench, 'ours', id, async () => {
    await startFlow(bench.client, {
      flow,
      taskQueue: bench.taskQueue,
      workflowId: id,
      shared: { items: FAN_OUT_ITEMS },
    });
    const result = await flowResult(bench.client, id);
    const done = (result.shared as { done?: number }).done;
    if (done !== FAN_OUT_ITEMS) {
      throw new Error(`The fan-out flow finished ${String(done)} items instead of ${FAN_OUT_ITEMS}.`);
    }
  });
}

/** Benchmark 2, baseline: Promise.all of 1,000 activities (`grouped`: of 10 activities of `FAN_OUT_GROUP` items each). */
export async function fanOutBaseline(bench: TemporalBench, grouped = false): Promise<WorkflowRun> {
  const id = workflowId(grouped ? 'fan-out-grouped' : 'fan-out', 'baseline');
  return timedRun(bench, 'baseline', id, async () => {
    const handle = await bench.client.workflow.start(grouped ? 'fanOutGrouped' : 'fanOut', {
      args: grouped ? [FAN_OUT_ITEMS, FAN_OUT_GROUP] : [FAN_OUT_ITEMS],
      taskQueue: bench.taskQueue,
      workflowId: id,
    });
    const done = (await handle.result()) as number;
    if (done !== FAN_OUT_ITEMS) {
      throw new Error(`The hand-written fan-out finished ${done} items instead of ${FAN_OUT_ITEMS}.`);
    }
  });
}

async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (!(await check())) {
    if (performance.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}.`);
    }
    await sleep(POLL_MS);
  }
}

interface HumanDriver {
  start(id: string): Promise<void>;
  isWaiting(id: string, answer: number): Promise<boolean>;
  answer(id: string): Promise<void>;
  result(id: string): Promise<void>;
}

const ourHumanDriver = (bench: TemporalBench): HumanDriver => ({
  async start(id) {
    await startFlow(bench.client, {
      flow: 'human-loop',
      taskQueue: bench.taskQueue,
      workflowId: id,
      shared: { total: HUMAN_ANSWERS },
    });
  },
  async isWaiting(id, answer) {
    const state = await getFlowState(bench.client, id);
    return state.pending.some((prompt) => prompt.requestId === answer);
  },
  async answer(id) {
    await answerFlow(bench.client, id, 'yes', { wait: 'signal' });
  },
  async result(id) {
    await flowResult(bench.client, id);
  },
});

const baselineHumanDriver = (bench: TemporalBench): HumanDriver => ({
  async start(id) {
    await bench.client.workflow.start('humanLoop', { args: [HUMAN_ANSWERS], taskQueue: bench.taskQueue, workflowId: id });
  },
  async isWaiting(id, answer) {
    const state = await bench.client.workflow.getHandle(id).query(benchWaitingQuery);
    return state.waiting && state.asked === answer;
  },
  async answer(id) {
    await bench.client.workflow.getHandle(id).signal(benchAnswerSignal, 'yes');
  },
  async result(id) {
    await bench.client.workflow.getHandle(id).result();
  },
});

async function humanRun(bench: TemporalBench, side: Side, driver: HumanDriver): Promise<HumanRun> {
  const id = workflowId('human', side);
  bench.stamps.clear();
  const clientLatencyMs: number[] = [];
  const start = performance.now();
  const serverCpu = processCpuMs(bench.serverPid);
  const benchCpu = process.cpuUsage();
  await driver.start(id);
  for (let answer = 1; answer <= HUMAN_ANSWERS; answer++) {
    await waitUntil(`prompt ${answer} of run ${id}`, () => driver.isWaiting(id, answer));
    await sleep(SETTLE_MS);
    const started = bench.stamps.expect(answer);
    const sentAt = performance.now();
    await driver.answer(id);
    clientLatencyMs.push((await started) - sentAt);
  }
  await driver.result(id);
  const wallMs = performance.now() - start;
  const benchUsed = process.cpuUsage(benchCpu);
  const cpu = { serverMs: processCpuMs(bench.serverPid) - serverCpu, benchMs: (benchUsed.user + benchUsed.system) / 1000 };
  const { stats, events } = await fetchHistory(bench.client, id);
  return { side, workflowId: id, wallMs, history: stats, cpu, clientLatencyMs, serverLatencyMs: signalToActivityStart(events) };
}

/** Benchmark 5, our side: AsyncHumanNode asks, a node's exec runs, 50 times. */
export function humanOurs(bench: TemporalBench): Promise<HumanRun> {
  return humanRun(bench, 'ours', ourHumanDriver(bench));
}

/** Benchmark 5, baseline: a hand-written signal wait and activity, 50 times. */
export function humanBaseline(bench: TemporalBench): Promise<HumanRun> {
  return humanRun(bench, 'baseline', baselineHumanDriver(bench));
}

/** Runs both sides `reps` times, alternating which goes first, after one unmeasured warm-up each. */
export async function compare<T extends WorkflowRun>(
  label: string,
  reps: number,
  ours: () => Promise<T>,
  baseline: () => Promise<T>,
  log: (message: string) => void,
): Promise<{ ours: T[]; baseline: T[] }> {
  await ours();
  await baseline();
  const results = { ours: [] as T[], baseline: [] as T[] };
  for (let rep = 0; rep < reps; rep++) {
    const order: Array<[Side, () => Promise<T>]> =
      rep % 2 === 0
        ? [
            ['ours', ours],
            ['baseline', baseline],
          ]
        : [
            ['baseline', baseline],
            ['ours', ours],
          ];
    for (const [side, run] of order) {
      const result = await run();
      results[side].push(result);
      log(`${label} ${rep + 1}/${reps} ${side}: ${result.wallMs.toFixed(0)} ms, ${result.history.events} events`);
    }
  }
  return results;
}
