/**
 * The activity side of a run's events: what exec publishes (text, data, a new try) goes to its run
 * by signal, in batches, so that a streamed answer costs a signal per batch, not per token.
 */
import type { Client } from '@temporalio/client';
import type { FlowEvent } from '../core/index.js';
import type { Logger } from '../core/index.js';
import { eventsSignal } from './definitions.js';

/** How long events wait to go out together, in milliseconds. */
export const EVENT_BATCH_MS = 150;
/** A batch goes out at once when its text reaches this many characters (a signal's payload stays small). */
const BATCH_CHARS = 64_000;

export class EventPublisher {
  readonly #send: (events: FlowEvent[]) => Promise<void>;
  readonly #logger: Logger;
  #buffer: FlowEvent[] = [];
  #chars = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The batch on its way: batches go out one after another, in order. */
  #sending: Promise<void> = Promise.resolve();
  #failedSaid = false;

  constructor(client: Client, execution: { workflowId: string; runId: string }, logger: Logger) {
    const handle = client.workflow.getHandle(execution.workflowId, execution.runId);
    this.#send = (events) => handle.signal(eventsSignal, { events });
    this.#logger = logger;
  }

  /** Queues `event`; a new try goes out at once, so that a reader drops the earlier try's text without delay. */
  push(event: FlowEvent): void {
    this.#buffer.push(event);
    this.#chars += event.type === 'text' ? event.text.length : 64;
    if (event.type === 'retry' || this.#chars >= BATCH_CHARS) {
      this.#flushSoon(0);
      return;
    }
    this.#flushSoon(EVENT_BATCH_MS);
  }

  /** Sends what is queued and waits until every batch reached the run. */
  async close(): Promise<void> {
    this.#flush();
    await this.#sending;
  }

  #flushSoon(ms: number): void {
    if (ms === 0) {
      this.#flush();
      return;
    }
    this.#timer ??= setTimeout(() => this.#flush(), ms);
  }

  #flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#buffer.length === 0) {
      return;
    }
    const events = this.#buffer;
    this.#buffer = [];
    this.#chars = 0;
    this.#sending = this.#sending.then(() =>
      this.#send(events).catch((error: unknown) => {
        // Watching is not the work: exec goes on, and its result is what counts.
        if (!this.#failedSaid) {
          this.#failedSaid = true;
          this.#logger.warn(`Could not send exec's events to its run (${error instanceof Error ? error.message : String(error)}); exec goes on without them.`);
        }
      }),
    );
  }
}
