/**
 * The open flow runs as the server keeps them, read with no worker: which are waiting for an answer
 * (and the prompts they recorded), which are at work, and whether a worker polls their task queues.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { WAITING_SEARCH_ATTRIBUTE, type PendingPrompt } from '../../temporal/definitions.js';
import { forkRecordOf, forkSummary } from '../../temporal/lineage.js';
import { listRuns } from '../../temporal/visibility.js';
import { waitingRecordOf, workflowPollers } from '../../temporal/waiting.js';

/** What the server keeps of one open flow run. */
export interface RunRecord {
  workflowId: string;
  /** The run's workflow type, which is its flow's name. */
  flow: string;
  startedAt: string;
  taskQueue: string;
  /** Whether a person's answer is pending (the PocketFlowWaiting search attribute). */
  waiting: boolean;
  /** The prompts the run recorded in its memo. */
  prompts: PendingPrompt[];
  /** How many workers poll its task queue; undefined when not asked, or when the server does not say. */
  workers?: number;
  /** For a fork: "fork of <id> at step N (node)". */
  fork?: string;
}

/** At most this many runs of each kind are listed (waiting, at work). */
export const MAX_RUNS = 100;

/*
 * A flow run's workflow type is its flow's name, so no one type finds the runs of every flow; but
 * every flow run starts with PocketFlowWaiting (false) and keeps it current, while the child runs
 * of batch chunks carry none. The inbox needs the attribute anyway (it refuses to start without it).
 */
const WAITING_QUERY = `${WAITING_SEARCH_ATTRIBUTE.name} = true AND ExecutionStatus = 'Running'`;
const AT_WORK_QUERY = `${WAITING_SEARCH_ATTRIBUTE.name} = false AND ExecutionStatus = 'Running'`;

/** The runs waiting for an answer, newest first, with the workers of their task queues. */
export async function listWaitingRuns(client: Client): Promise<RunRecord[]> {
  const waiting = await listRecords(client, WAITING_QUERY);
  await countWorkers(client, waiting);
  return waiting;
}

/** Every open flow run: those waiting for an answer first, then those at work, each newest first. */
export async function listOpenRuns(client: Client): Promise<RunRecord[]> {
  const waiting = await listRecords(client, WAITING_QUERY);
  const atWork = await listRecords(client, AT_WORK_QUERY);
  // A run answered between the two reads is in both: the second, newer, says it is at work.
  const answered = new Set(atWork.map((run) => run.workflowId));
  const runs = [...waiting.filter((run) => !answered.has(run.workflowId)), ...atWork];
  await countWorkers(client, runs);
  return runs;
}

/** A run's record from its listing or its description (which adds nothing the record needs). */
export function recordOf(run: Omit<WorkflowExecutionInfo, 'raw'>): RunRecord {
  const waiting = run.typedSearchAttributes.get(WAITING_SEARCH_ATTRIBUTE) === true;
  const fork = forkRecordOf(run);
  return {
    workflowId: run.workflowId,
    flow: run.type,
    startedAt: run.startTime.toISOString(),
    taskQueue: run.taskQueue,
    waiting,
    prompts: waiting ? (waitingRecordOf(run)?.prompts ?? []) : [],
    ...(fork === undefined ? {} : { fork: forkSummary(fork) }),
  };
}

async function listRecords(client: Client, query: string): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  for await (const run of listRuns(client, query)) {
    runs.push(recordOf(run));
    if (runs.length >= MAX_RUNS) {
      break;
    }
  }
  return runs;
}

/** Sets `workers` on each run, asking the server once per task queue. */
async function countWorkers(client: Client, runs: RunRecord[]): Promise<void> {
  const queues = new Map<string, Promise<number | undefined>>();
  for (const run of runs) {
    if (!queues.has(run.taskQueue)) {
      queues.set(run.taskQueue, workflowPollers(client, run.taskQueue));
    }
  }
  for (const run of runs) {
    run.workers = await queues.get(run.taskQueue);
  }
}
