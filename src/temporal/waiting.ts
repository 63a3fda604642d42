/**
 * What a client can know of a waiting run with no worker up: the prompts the run recorded in its
 * memo, whether any worker polls its task queue, and whether an answer can ever be taken.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import proto from '@temporalio/proto';
import { refusalOf } from '../core/internal.js';
import { WAITING_MEMO, type RecordedPrompt, type WaitingRecord } from './definitions.js';
import { failingTaskMessage } from './deployments.js';

/** What the run recorded about its waiting, from its memo (a description or a listed run); undefined when it recorded none. */
export function waitingRecordOf(run: { memo?: Record<string, unknown> }): WaitingRecord | undefined {
  const record = run.memo?.[WAITING_MEMO] as Partial<WaitingRecord> | undefined;
  if (typeof record !== 'object' || record === null || !Array.isArray(record.prompts)) {
    return undefined;
  }
  return { node: record.node ?? null, prompts: record.prompts, refused: record.refused ?? [], shared: record.shared, sharedOmitted: record.sharedOmitted };
}

/**
 * How many workers polled `taskQueue` for workflow tasks in the last `POLLER_ALIVE_MS` (the server
 * lists a stopped worker for minutes, and a live one polls at least every minute or so);
 * undefined when the server does not say.
 */
export async function workflowPollers(client: Client, taskQueue: string): Promise<number | undefined> {
  try {
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue, kind: proto.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    const since = Date.now() - POLLER_ALIVE_MS;
    return (pollers ?? []).filter((poller) => {
      const seconds = Number(poller.lastAccessTime?.seconds ?? 0);
      return seconds * 1000 >= since;
    }).length;
  } catch {
    return undefined;
  }
}

/** How recently a worker must have polled to count as up. */
const POLLER_ALIVE_MS = 75_000;

/** The recorded prompt that `requestId` (or, unset, the oldest pending one) names. */
export function recordedPrompt(record: WaitingRecord | undefined, requestId: number | undefined): RecordedPrompt | undefined {
  return record?.prompts.find((prompt) => requestId === undefined || prompt.requestId === requestId);
}

/**
 * Why the recorded prompt refuses `answer` by its allowed answers (a validator runs only in the
 * run), or undefined when it may take it.
 */
export function recordedRefusal(prompt: RecordedPrompt | undefined, answer: string): string | undefined {
  return prompt === undefined ? undefined : refusalOf({ choices: prompt.choices }, answer);
}

/** The command that starts a worker for the project, as a person types it in its folder. */
export const START_WORKER_COMMAND = 'npx pocketflow-temporal worker';

/**
 * When no worker confirmed an answer in time because the run's workflow task fails (a bug in a
 * prep or post, such as the one right after the prompt): what to tell the person, who must not
 * answer again, since the server keeps the answer with the failing task and a fixed build takes it.
 * Undefined when the run's task does not fail.
 */
export async function answerHeldByFailingTask(client: Client, described: WorkflowExecutionDescription): Promise<string | undefined> {
  const { workflowId } = described;
  const failing = await failingTaskMessage(client, described, { anyAttempt: true });
  return failing === undefined
    ? undefined
    : `Run ${workflowId} got the answer, but its workflow task fails: ${failing}. The run stays open and the server keeps ` +
        'the answer with the failing task, so do not answer again: once a fixed build runs it, the run takes this answer ' +
        `(README, "Deploying a changed flow"; see npx pocketflow-temporal status ${workflowId}).`;
}
