/**
 * The activity of a fork that reads what it may re-use: the exec results its source recorded from
 * the fork's step on, out of the source's history (each exec activity's input and its result, a
 * fallback's in place of a failed exec's). Runs in the worker, which can read histories and decode them.
 */
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow/index.js';
import type proto from '@temporalio/proto';
import type { ReusableExec } from '../core/index.js';
import { type ExecActivityInput, FORK_MEMO_ACTIVITY, type ForkMemoInput } from './definitions.js';
import { PayloadTooLargeError } from './errors.js';
import { MAX_PAYLOAD_BYTES, payloadBytes } from './payload-converter.js';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

/** The exec results of the source's runs at or after step `from`, in the order they completed. */
export async function readForkMemo(input: ForkMemoInput, client: Client = Context.current().client): Promise<ReusableExec[]> {
  const execs: ReusableExec[] = [];
  for (const runId of input.runIds) {
    const history = await client.workflow.getHandle(input.workflowId, runId).fetchHistory();
    execs.push(...(await execsOf(client, history.events ?? [], input.from)));
  }
  const bytes = payloadBytes(execs);
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw new PayloadTooLargeError(
      FORK_MEMO_ACTIVITY,
      bytes,
      `The exec results that a fork of ${input.workflowId} at step ${input.from} would re-use come to more than a payload carries: fork at a later step, or with --rerun all.`,
    );
  }
  return execs;
}

async function execsOf(client: Client, events: readonly HistoryEvent[], from: number): Promise<ReusableExec[]> {
  const converter = client.options.loadedDataConverter;
  const scheduled = new Map<string, HistoryEvent>();
  const execs: ReusableExec[] = [];
  for (const event of events) {
    const attributes = event.activityTaskScheduledEventAttributes;
    if (attributes != null && attributes.activityType?.name !== FORK_MEMO_ACTIVITY) {
      scheduled.set(String(event.eventId), event);
      continue;
    }
    const completed = event.activityTaskCompletedEventAttributes;
    const started = completed == null ? undefined : scheduled.get(String(completed.scheduledEventId));
    if (completed == null || started === undefined) {
      continue;
    }
    const exec = await decodeFromPayloadsAtIndex<ExecActivityInput>(converter, 0, started.activityTaskScheduledEventAttributes?.input?.payloads);
    // An exec's input names its step when its run keeps events (every flow run does); other activities are not a node's exec.
    if (typeof exec !== 'object' || exec === null || typeof exec.node !== 'string' || typeof exec.step !== 'number' || exec.step < from) {
      continue;
    }
    const result = await decodeFromPayloadsAtIndex<unknown>(converter, 0, completed.result?.payloads);
    execs.push({
      node: exec.node,
      step: exec.step,
      ...(exec.item === undefined ? {} : { item: exec.item.index }),
      params: exec.params ?? {},
      input: exec.input,
      result,
    });
  }
  return execs;
}
