/**
 * Following a run's history by long poll, so that a reader of its events asks the run (by query,
 * which needs a worker) only once the run may have something new to tell: after a workflow task
 * completed, or once the run closed. A run that waits for a person costs its readers nothing.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { describeFlowRun } from './client.js';

type EventType = proto.temporal.api.enums.v1.EventType;
const EventType = proto.temporal.api.enums.v1.EventType;

/** Events after which a run's events may have changed. */
const CHANGES = new Set<EventType | null | undefined>([
  EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  // An update's task that follows a refused one takes the refused task's event ids (a refused update's task is not kept): the acceptance comes after them.
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);
/** Closes after which the run tells no more, and no last event either. */
const UNTOLD_CLOSES = new Set<EventType | null | undefined>([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
]);

/** A point in what the follower has seen: changes are counted over the runs of the chain. */
export type Mark = number;

/** Where a reader read the run: the run, and the event that started the last workflow task it had processed. */
export interface ReadAt {
  runId: string;
  eventId: number;
}

export class HistoryFollower {
  readonly #client: Client;
  readonly #workflowId: string;
  readonly #stop = new AbortController();
  /** Changes seen, over every run followed; those already in the history when following began are not counted. */
  #changes = 0;
  /** The runs followed so far, in the order of the chain. */
  readonly #runs: string[] = [];
  /** The run (its place in #runs) and event id of the latest change seen. */
  #latest = { run: -1, eventId: 0 };
  #untoldClose = false;
  #over = false;
  #wake: (() => void)[] = [];
  readonly #started: Promise<void>;

  constructor(client: Client, workflowId: string) {
    this.#client = client;
    this.#workflowId = workflowId;
    this.#started = this.#start();
  }

  /** Resolves once the follower knows where the history stands: a mark taken after it counts every later change. */
  ready(): Promise<void> {
    return this.#started;
  }

  /** What has been seen so far: `changedSince` tells whether the run changed after it. */
  mark(): Mark {
    return this.#changes;
  }

  /** True once the run was terminated, cancelled or timed out. */
  get closedUntold(): boolean {
    return this.#untoldClose;
  }

  /** True once the follower no longer follows (the history could not be read, or the last run of the chain closed): the reader looks for itself. */
  get over(): boolean {
    return this.#over;
  }

  /**
   * Resolves once the run changed after `since`, the follower is over, or `signal` is aborted.
   * After a mark, any change seen later counts. After a read, only a change the read could not
   * have seen does, however late the follower sees the history: a workflow task completed after the
   * one the read saw, or the run closed.
   */
  async changedSince(since: Mark | ReadAt, signal: AbortSignal | undefined): Promise<void> {
    const changed = typeof since === 'number' ? () => this.#changes > since : () => this.#changedAfter(since);
    while (!changed() && !this.#over && !this.#untoldClose && signal?.aborted !== true) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal?.removeEventListener('abort', done);
          resolve();
        };
        this.#wake.push(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  #changedAfter(read: ReadAt): boolean {
    const run = this.#runs.indexOf(read.runId);
    if (run === -1) {
      // The read was of a run the follower has not reached: all it has seen is older.
      return false;
    }
    // The task the read saw completed at the event after the one that started it.
    return this.#latest.run > run || (this.#latest.run === run && this.#latest.eventId > read.eventId + 1);
  }

  /** Stops following (a long poll in flight is cancelled). */
  close(): void {
    this.#stop.abort();
    this.#notify();
  }

  async #start(): Promise<void> {
    try {
      const { runId, historyLength } = await describeFlowRun(this.#client, this.#workflowId);
      void this.#follow(runId, historyLength);
    } catch {
      this.#end();
    }
  }

  /** Follows run `firstRunId` from after its event `skipUpTo`, and the runs it continued as new into from their first. */
  async #follow(firstRunId: string, skipUpTo: number): Promise<void> {
    let runId: string | undefined = firstRunId;
    let nextPageToken: Uint8Array | undefined;
    try {
      while (runId !== undefined && !this.#stop.signal.aborted) {
        const request = {
          namespace: this.#client.options.namespace,
          execution: { workflowId: this.#workflowId, runId },
          waitNewEvent: true,
          skipArchival: true,
          ...(nextPageToken === undefined ? {} : { nextPageToken }),
        };
        // A signal of its own per call: the connection adds a listener to the signal of each call and never takes it off.
        const call = new AbortController();
        const cancel = (): void => call.abort();
        this.#stop.signal.addEventListener('abort', cancel, { once: true });
        const response = await this.#client.connection
          .withAbortSignal(call.signal, () => this.#client.workflowService.getWorkflowExecutionHistory(request))
          .finally(() => this.#stop.signal.removeEventListener('abort', cancel));
        let changed = false;
        let nextRunId: string | undefined;
        if (this.#runs.at(-1) !== runId) {
          this.#runs.push(runId);
        }
        for (const event of response.history?.events ?? []) {
          const eventId = Number(event.eventId);
          if (CHANGES.has(event.eventType)) {
            this.#latest = { run: this.#runs.length - 1, eventId };
            changed = true;
          }
          if (eventId <= skipUpTo) {
            continue;
          }
          if (CHANGES.has(event.eventType)) {
            this.#changes += 1;
          }
          if (UNTOLD_CLOSES.has(event.eventType)) {
            this.#untoldClose = true;
            changed = true;
          }
          nextRunId ||= event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
        }
        if (changed) {
          this.#notify();
        }
        const token = response.nextPageToken;
        if (token !== undefined && token !== null && token.length > 0) {
          nextPageToken = token;
          continue;
        }
        // The history is complete: the run closed. One that continued as new goes on in its next run, from its first event.
        runId = nextRunId;
        nextPageToken = undefined;
        skipUpTo = 0;
      }
    } catch {
      // Cancelled by close(), or the history could not be read: either way the follower is over.
    }
    this.#end();
  }

  #end(): void {
    this.#over = true;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const done of wake) {
      done();
    }
  }
}
