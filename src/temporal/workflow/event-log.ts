/**
 * A run's events on Temporal, kept in the workflow: the lifecycle that the orchestration loop
 * tells as the workflow code runs (rebuilt exactly when the history is replayed, so it costs no
 * history event), and what exec publishes, which arrives in batches by signal. Read by query.
 */
import { log } from '@temporalio/workflow';
import type { FlowEvent, RunEvent } from '../../core/index.js';
import { type CarriedEvents, type EventPage, EVENTS_PER_PAGE } from '../definitions.js';

/** How many events a run keeps: a reader further behind misses the oldest. */
export const KEPT_EVENTS = 5000;
/** How many of them a run that continues as new carries into the next. */
export const CARRIED_EVENTS = 500;

const EXEC_EVENT_TYPES = new Set(['retry', 'text', 'data', 'fallback']);

export class EventLog {
  readonly #events: RunEvent[];
  #next: number;
  #done = false;
  /**
   * The steps under way, each with the latest try that published for each of its items (-1 for a
   * step with no items): text of an older try, or of a finished step, comes too late.
   */
  readonly #open = new Map<number, Map<number, number>>();
  #refusedSaid = false;

  constructor(carried?: CarriedEvents) {
    this.#events = [...(carried?.tail ?? [])];
    this.#next = carried?.next ?? 0;
  }

  append(event: FlowEvent): void {
    if (event.type === 'node-started') {
      this.#open.set(event.step, new Map());
    } else if (event.type === 'node-finished') {
      this.#open.delete(event.step);
    } else if (event.type === 'run-finished' || event.type === 'run-failed') {
      this.#done = true;
    }
    this.#events.push({ ...event, offset: this.#next++ } as RunEvent);
    if (this.#events.length > KEPT_EVENTS) {
      this.#events.splice(0, this.#events.length - KEPT_EVENTS);
    }
  }

  /** Adds the events exec sent: only retries, text, data and fallbacks of a step under way, from its latest try. */
  receive(batch: unknown): void {
    const events = (batch as { events?: unknown } | null)?.events;
    if (!Array.isArray(events)) {
      this.#refuse('a batch with no list of events');
      return;
    }
    for (const event of events as unknown[]) {
      if (!isExecEvent(event)) {
        this.#refuse('an event that is not a retry, text, data or fallback of a step');
        continue;
      }
      const tries = this.#open.get(event.step);
      if (tries === undefined) {
        // A try that outlived its step (its result was taken from a later try): nothing it says is current.
        continue;
      }
      const item = event.item ?? -1;
      if (event.type === 'fallback') {
        // A group's item ran its fallback in the group's activity (an ungrouped one runs it in a fallback activity of its own).
        this.append(event);
        continue;
      }
      if (event.attempt < (tries.get(item) ?? 1)) {
        continue;
      }
      tries.set(item, event.attempt);
      this.append(event);
    }
  }

  read(from: number, max = EVENTS_PER_PAGE): EventPage {
    const oldest = this.#events[0]?.offset ?? this.#next;
    // A reader past the end (reading from where the run stands now) reads on from the end.
    from = Math.min(from, this.#next);
    const start = Math.max(from, oldest) - oldest;
    const events = this.#events.slice(start, start + Math.max(1, Math.min(max, EVENTS_PER_PAGE)));
    const next = events.at(-1) === undefined ? Math.max(from, oldest) : (events.at(-1) as RunEvent).offset + 1;
    return { events, next, oldest, done: this.#done && next >= this.#next };
  }

  /** What the next run carries when this one continues as new. */
  carried(stepsStarted: number): CarriedEvents {
    return { tail: this.#events.slice(-CARRIED_EVENTS), next: this.#next, stepsStarted };
  }

  #refuse(what: string): void {
    if (!this.#refusedSaid) {
      this.#refusedSaid = true;
      log.warn(`Ignored ${what} sent to the run's events (signal 'pocketflowEvents' takes {"events": [...]} from exec).`);
    }
  }
}

function isExecEvent(value: unknown): value is Extract<FlowEvent, { type: 'retry' | 'text' | 'data' | 'fallback' }> {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const event = value as Record<string, unknown>;
  const error = event['error'] as Record<string, unknown> | null | undefined;
  return (
    typeof event['type'] === 'string' &&
    EXEC_EVENT_TYPES.has(event['type']) &&
    typeof event['step'] === 'number' &&
    typeof event['node'] === 'string' &&
    (event['type'] === 'fallback'
      ? typeof error === 'object' && error !== null && typeof error['name'] === 'string' && typeof error['message'] === 'string'
      : typeof event['attempt'] === 'number') &&
    (event['item'] === undefined || typeof event['item'] === 'number') &&
    (event['type'] !== 'text' || typeof event['text'] === 'string')
  );
}
