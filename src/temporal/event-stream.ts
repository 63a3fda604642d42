/** Reading a run's events as they happen, from any offset, across worker restarts and continue-as-new. */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { RunEvent } from '../core/index.js';
import { type EventPage, eventsQuery } from './definitions.js';
import { UnknownRunError } from './errors.js';

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

/** How often an idle stream reads again, in milliseconds: soon after events, less often while the run is quiet. */
const FIRST_WAIT_MS = 50;
const LONGEST_WAIT_MS = 250;

/**
 * The events of run `workflowId` from `from` on, as they happen, until the run tells its last:
 * steps started and finished, retries, waits and answers, and what exec published. Resumes from
 * any offset; the events of a run that continued as new go on in its next run.
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
  while (options.signal?.aborted !== true) {
    const page = await readPage(client, workflowId, from, options.workerWaitMs ?? 5000);
    if (page === undefined) {
      if (!saidNoWorker) {
        saidNoWorker = true;
        options.onNoWorker?.();
      }
      await sleep(LONGEST_WAIT_MS, options.signal);
      continue;
    }
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
    if (page.events.length > 0) {
      wait = FIRST_WAIT_MS;
      continue;
    }
    await sleep(wait, options.signal);
    wait = Math.min(wait * 2, LONGEST_WAIT_MS);
  }
}

/** A page of the run's events, or undefined when no worker answered in time. */
async function readPage(client: Client, workflowId: string, from: number, workerWaitMs: number): Promise<EventPage | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // A query waits for a worker; past the wait, the stream says so and reads again (a query in flight ends on its own).
  const noWorker = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), workerWaitMs);
    timer.unref();
  });
  try {
    return await Promise.race([client.workflow.getHandle(workflowId).query(eventsQuery, from), noWorker]);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      throw new UnknownRunError(workflowId);
    }
    throw error;
  } finally {
    clearTimeout(timer);
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
