/** Reading a run's events as they happen, from any offset, across worker restarts and continue-as-new. */
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow/index.js';
import type { RunEvent } from '../core/index.js';
import { type EventPage, EVENTS_PER_PAGE, eventsQuery, type TaskEvents } from './definitions.js';
import { describeFlowRun, withKnownRun } from './client.js';
import { StepsUnderWay } from './exec-events.js';
import { HistoryFollower, type ToldTasks } from './history-follower.js';

/** Said by the stream in place of events it can no longer read: the run kept only later ones. */
export interface SkippedEvents {
  type: 'skipped';
  offset: number;
  count: number;
}

export interface StreamFlowOptions {
  /** The offset to read from (default 0, the run's first event): the `offset` after the last event read resumes exactly. */
  from?: number;
  /** Ends the stream when aborted. */
  signal?: AbortSignal;
  /** Called when no worker answered within `workerWaitMs`: the run's events are read from a worker, and the stream waits for one. */
  onNoWorker?: () => void;
  /** How long a read waits for a worker before `onNoWorker`, in milliseconds (default 5000). */
  workerWaitMs?: number;
}

/** How often an idle stream reads again when it cannot follow the run's history, in milliseconds: soon after events, less often while the run is quiet. */
const FIRST_WAIT_MS = 50;
const LONGEST_WAIT_MS = 250;
/** How long a stream reads no event before it checks that the run is still open, in milliseconds. */
const CLOSED_CHECK_MS = 3000;
/** How long one read waits for its answer before it is sent again, in milliseconds. */
const READ_AGAIN_MS = 1000;

/**
 * The events of run `workflowId` from `from` on, as they happen, until the run tells its last
 * (or is terminated, cancelled or times out): steps started and finished, retries, waits and
 * answers, and what exec published. Resumes from any offset; the events of a run that continued
 * as new go on in its next run.
 *
 * ```ts
 * for await (const event of streamFlow(client, 'recipe-1')) {
 *   if (event.type === 'text') process.stdout.write(event.text);
 * }
 * ```
 */
export async function* streamFlow(client: Client, workflowId: string, options: StreamFlowOptions = {}): AsyncGenerator<RunEvent | SkippedEvents> {
  let from = options.from ?? 0;
  let wait = FIRST_WAIT_MS;
  let saidNoWorker = false;
  const workerWaitMs = options.workerWaitMs ?? 5000;
  let unansweredSince: number | undefined;
  let idleSince = Date.now();
  const stopped = (): boolean => options.signal?.aborted === true;
  // A run that was terminated, cancelled or timed out tells no last event: a quiet run is looked at now and then.
  const closedWhileQuiet = async (): Promise<boolean> => {
    if (Date.now() - idleSince < CLOSED_CHECK_MS) {
      return false;
    }
    idleSince = Date.now();
    return closedWithoutTelling(client, workflowId);
  };
  // Between reads, the stream follows the run's history and reads again only once a workflow task
  // completed after the one its last read saw (or the run closed): an idle run's readers send it no
  // query, and need no worker, however far behind the history the follower is.
  const follower = new HistoryFollower(client, workflowId);
  try {
    await follower.ready();
    while (!stopped()) {
      const mark = follower.mark();
      const page = await readPage(client, workflowId, from, Math.min(READ_AGAIN_MS, workerWaitMs), options.signal);
      if (stopped()) {
        return;
      }
      if (page === undefined) {
        // Asked again at once: a query sent as the run's first task is under way can go unanswered while the next is answered.
        unansweredSince ??= Date.now() - Math.min(READ_AGAIN_MS, workerWaitMs);
        if (!saidNoWorker && Date.now() - unansweredSince >= workerWaitMs) {
          saidNoWorker = true;
          options.onNoWorker?.();
        }
        // A run stopped with no worker up would wait for one forever.
        if (await closedWhileQuiet()) {
          return;
        }
        continue;
      }
      unansweredSince = undefined;
      saidNoWorker = false;
      if (page.oldest > from) {
        yield { type: 'skipped', offset: from, count: page.oldest - from };
      }
      for (const event of page.events) {
        yield event;
      }
      from = page.next;
      if (page.done) {
        return;
      }
      if (page.events.length >= EVENTS_PER_PAGE) {
        // More is kept than one page holds: read on at once.
        continue;
      }
      if (!follower.over) {
        if (follower.closedUntold && page.events.length === 0) {
          // Terminated, cancelled or timed out, and every event it told is read.
          return;
        }
        if (page.readAt !== undefined && page.underWay !== undefined) {
          // Workflow tasks whose events the history tells are read from it: a task that took only
          // exec's batches (weighed as the run weighs them and numbered on from this page), and one
          // that asked for or took an answer (its memo write records its events). While a reply
          // streams, and while the run waits for a person, its readers ask it nothing. The run is
          // asked once a task told more than its history says, or a record cannot be read here.
          let steps = new StepsUnderWay(page.underWay);
          let readAt = page.readAt;
          let finished = false;
          for (;;) {
            const tasks = await follower.toldAfter(readAt, mark, options.signal);
            const told = tasks === undefined ? undefined : await decodeTold(client, tasks);
            let ask = told === undefined || stopped();
            for (const task of ask ? [] : (told as DecodedTask[])) {
              if (task.kind === 'batches') {
                for (const batch of task.batches) {
                  for (const event of steps.take(batch)) {
                    yield { ...event, offset: from++ } as RunEvent;
                  }
                }
                continue;
              }
              const record = task.record;
              if (record === undefined || record.task !== task.task || from < record.from || from > record.next) {
                ask = true;
                break;
              }
              for (const event of record.events.slice(from - record.from)) {
                finished ||= event.type === 'run-finished' || event.type === 'run-failed';
                yield event;
              }
              from = record.next;
              steps = new StepsUnderWay(record.underWay);
              if (task.closes && !finished) {
                // A run that closed without telling its last event in the record is asked.
                ask = true;
                break;
              }
            }
            if (finished) {
              return;
            }
            if (ask || tasks === undefined) {
              // Asked once the run changed after what it told last (at once, when a task told more than its history says).
              await follower.changedSince(mark, readAt, options.signal);
              break;
            }
            readAt = tasks.readAt;
          }
          continue;
        }
        // Read again once the run changed after this read (a worker of an earlier version says not where it read: after the mark).
        await follower.changedSince(mark, page.readAt, options.signal);
        continue;
      }
      if (page.events.length > 0) {
        wait = FIRST_WAIT_MS;
        idleSince = Date.now();
        await sleep(wait, options.signal);
        continue;
      }
      if (await closedWhileQuiet()) {
        return;
      }
      await sleep(wait, options.signal);
      wait = Math.min(wait * 2, LONGEST_WAIT_MS);
    }
  } finally {
    follower.close();
  }
}

/** A task the history tells, read: exec's batches, or its memo record of its events (undefined when the record is not one). */
type DecodedTask = { kind: 'batches'; batches: unknown[] } | { kind: 'memo'; task: number; record: TaskEvents | undefined; closes: boolean };

/** The tasks of `tasks`, their payloads read with the client's data converter; undefined when one cannot be read. */
async function decodeTold(client: Client, tasks: ToldTasks): Promise<DecodedTask[] | undefined> {
  const decode = (payloads: Payload[]): Promise<unknown> => decodeFromPayloadsAtIndex<unknown>(client.options.loadedDataConverter, 0, payloads);
  try {
    return await Promise.all(
      tasks.told.map(async (task): Promise<DecodedTask> => {
        if (task.kind === 'batches') {
          return { kind: 'batches', batches: await Promise.all(task.batches.map(decode)) };
        }
        return { kind: 'memo', task: task.task, record: taskEvents(await decode([task.payload])), closes: task.closes };
      }),
    );
  } catch {
    return undefined;
  }
}

/** `value` as a record of a task's events, when it is one: its events numbered on without a gap from its first offset to its next. */
function taskEvents(value: unknown): TaskEvents | undefined {
  const record = value as Partial<TaskEvents> | null;
  if (
    typeof record?.task !== 'number' ||
    typeof record.from !== 'number' ||
    typeof record.next !== 'number' ||
    !Array.isArray(record.events) ||
    !Array.isArray(record.underWay) ||
    !record.underWay.every((step: unknown) => Array.isArray(step) && typeof step[0] === 'number' && Array.isArray(step[1])) ||
    record.events.length !== record.next - record.from
  ) {
    return undefined;
  }
  const from = record.from;
  const numbered = record.events.every(
    (event: unknown, index) =>
      typeof event === 'object' && event !== null && typeof (event as RunEvent).type === 'string' && (event as RunEvent).offset === from + index,
  );
  return numbered ? (record as TaskEvents) : undefined;
}

/** Whether the run ended in a way that tells no last event (terminated, cancelled, timed out). */
async function closedWithoutTelling(client: Client, workflowId: string): Promise<boolean> {
  const { status } = await describeFlowRun(client, workflowId);
  return status.name === 'TERMINATED' || status.name === 'CANCELLED' || status.name === 'TIMED_OUT';
}

/** A page of the run's events, or undefined when no worker answered in time. */
async function readPage(
  client: Client,
  workflowId: string,
  from: number,
  waitMs: number,
  signal: AbortSignal | undefined,
): Promise<EventPage | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stop: (() => void) | undefined;
  // A query waits for a worker; past the wait (or once the stream is stopped), the stream reads
  // again or ends (a query in flight ends on its own).
  const unanswered = new Promise<undefined>((resolve) => {
    stop = () => resolve(undefined);
    timer = setTimeout(stop, waitMs);
    timer.unref();
    signal?.addEventListener('abort', stop, { once: true });
  });
  try {
    return await withKnownRun(workflowId, () => Promise.race([client.workflow.getHandle(workflowId).query(eventsQuery, from), unanswered]));
  } finally {
    clearTimeout(timer);
    if (stop !== undefined) {
      signal?.removeEventListener('abort', stop);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
