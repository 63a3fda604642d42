/**
 * A run's events on Temporal, kept in the workflow: the lifecycle that the orchestration loop
 * tells as the workflow code runs (rebuilt exactly when the history is replayed, so it costs no
 * history event), and what exec publishes, which arrives in batches by signal. Read by query.
 */
import { log, workflowInfo } from '@temporalio/workflow';
import type { FlowEvent, RunEvent } from '../../core/index.js';
import { type CarriedEvents, type EventPage, EVENTS_PER_PAGE, type TaskEvents } from '../definitions.js';
import { StepsUnderWay } from '../exec-events.js';

/** How many events a run keeps: a reader further behind misses the oldest. */
export const KEPT_EVENTS = 5000;
/** How many of them a run that continues as new carries into the next. */
export const CARRIED_EVENTS = 500;

export class EventLog {
  readonly #events: RunEvent[];
  #next: number;
  #done = false;
  /** The steps under way and their latest tries: what exec sends is weighed by them. */
  readonly #steps = new StepsUnderWay();
  #refusedSaid = false;
  /** The workflow task (its history length) that told the latest event, and the offset of its first event. */
  #task = -1;
  #taskFrom = 0;

  constructor(carried?: CarriedEvents) {
    this.#events = [...(carried?.tail ?? [])];
    this.#next = carried?.next ?? 0;
  }

  append(event: FlowEvent): void {
    const task = workflowInfo().historyLength;
    if (task !== this.#task) {
      this.#task = task;
      this.#taskFrom = this.#next;
    }
    if (event.type === 'node-started') {
      this.#steps.started(event.step);
    } else if (event.type === 'node-finished') {
      this.#steps.finished(event.step);
    } else if (event.type === 'run-finished' || event.type === 'run-failed') {
      this.#done = true;
    }
    this.#events.push({ ...event, offset: this.#next++ } as RunEvent);
    if (this.#events.length > KEPT_EVENTS) {
      this.#events.splice(0, this.#events.length - KEPT_EVENTS);
    }
  }

  /** The events the current workflow task told so far, as its memo write records them. */
  told(): TaskEvents {
    const task = workflowInfo().historyLength;
    const from = task === this.#task ? this.#taskFrom : this.#next;
    const oldest = this.#events[0]?.offset ?? this.#next;
    return { task, from, events: this.#events.slice(Math.max(0, from - oldest)), next: this.#next, underWay: this.#steps.record() };
  }

  /** Adds the events exec sent: only retries, text, data and fallbacks of a step under way, from its latest try. */
  receive(batch: unknown): void {
    for (const event of this.#steps.take(batch, (what) => this.#refuse(what))) {
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
    const end = next >= this.#next;
    // A page that reaches the end says how the run weighs what exec sends next, for readers that take it from the history.
    return { events, next, oldest, done: this.#done && end, ...(end ? { underWay: this.#steps.record() } : {}) };
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
