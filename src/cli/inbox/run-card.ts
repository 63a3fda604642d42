/**
 * What the inbox knows of one open run, and the card the page draws from it: the server's record
 * (waiting or not, the prompts, the workers), and, from the run's events, the step under way with
 * the text its latest try streamed so far.
 */
import type { RunEvent } from '../../core/index.js';
import type { PendingPrompt } from '../../temporal/definitions.js';
import type { SkippedEvents } from '../../temporal/event-stream.js';
import { START_WORKER_COMMAND } from '../../temporal/waiting.js';
import type { RunRecord } from './run-list.js';

/** A step under way, with the text its latest try streamed so far. */
export interface StepUnderWay {
  step: number;
  node: string;
  /** The try, from 1. */
  attempt: number;
  text: string;
}

/** One run as its card shows it; the page draws it as it is, and only text goes into it. */
export interface RunCard {
  workflowId: string;
  flow: string;
  startedAt: string;
  link?: string;
  /** `failed` and `ended` (terminated, cancelled, timed out, gone from the server) are runs that stopped without finishing. */
  status: 'working' | 'waiting' | 'failed' | 'ended';
  /** While working: the latest started of the steps under way. */
  step?: StepUnderWay;
  /** While waiting: what the run asks. */
  prompts: PendingPrompt[];
  /** Said while no worker runs the run. */
  noWorker?: string;
  /** Why the run stopped, or why its events cannot be read. */
  problem?: string;
  /** For a fork: "fork of <id> at step N (node)". */
  fork?: string;
}

/** How much of a step's text a card keeps: the latest part of a longer one. */
const MAX_TEXT_CHARS = 16_000;

/** How long a run's own description outranks the visibility list, which lags it. */
const LIST_LAG_MS = 3000;

/** What the card says while no worker runs the run. */
export function noWorkerNotice(taskQueue: string, waiting: boolean): string {
  const meanwhile = waiting ? 'an answer is queued, and taken' : 'the run goes on';
  return `No worker polls task queue '${taskQueue}': ${meanwhile} when one runs (${START_WORKER_COMMAND}).`;
}

/** One run's state in the inbox, changed by its record and its events. */
export class RunState {
  #record: RunRecord;
  #describedAt = 0;
  readonly #link: string | undefined;
  /** The steps started and not finished, by number (nested flows have several). */
  readonly #steps = new Map<number, StepUnderWay>();
  #next = 0;
  #streamFoundNoWorker = false;
  #stopped: { status: 'failed' | 'ended'; why: string } | undefined;
  #problem: string | undefined;

  constructor(record: RunRecord, link: string | undefined) {
    this.#record = record;
    this.#link = link;
  }

  get workflowId(): string {
    return this.#record.workflowId;
  }

  /** The offset of the next event to read. */
  get next(): number {
    return this.#next;
  }

  get waiting(): boolean {
    return this.#record.waiting;
  }

  /** True once the run failed or ended without finishing. */
  get stopped(): boolean {
    return this.#stopped !== undefined;
  }

  /** Takes the run's record from the visibility list, unless the run's own description is newer. */
  takeListed(record: RunRecord): void {
    if (Date.now() - this.#describedAt < LIST_LAG_MS) {
      this.#record = { ...this.#record, workers: record.workers };
      return;
    }
    this.#record = record;
  }

  /** Takes the run's record from its description, which is current (it does not count workers). */
  takeDescribed(record: RunRecord): void {
    this.#describedAt = Date.now();
    this.#record = { ...record, workers: this.#record.workers };
  }

  /** Takes the run's next event. */
  apply(event: RunEvent | SkippedEvents): void {
    if (event.type === 'skipped') {
      // The events between are lost, the end of a step among them maybe: what is under way shows again as it goes on.
      this.#steps.clear();
      this.#next = event.offset + event.count;
      return;
    }
    this.#next = event.offset + 1;
    // A worker answered the read.
    this.#streamFoundNoWorker = false;
    this.#problem = undefined;
    switch (event.type) {
      case 'node-started':
        this.#steps.set(event.step, { step: event.step, node: event.node, attempt: 1, text: '' });
        break;
      case 'retry':
        this.#steps.set(event.step, { step: event.step, node: event.node, attempt: event.attempt, text: '' });
        break;
      case 'text':
        this.#addText(event.step, event.node, event.attempt, event.text);
        break;
      case 'node-finished':
        this.#steps.delete(event.step);
        break;
      case 'run-failed':
        this.#steps.clear();
        this.#stopped = { status: 'failed', why: `The run failed: ${event.error.name}: ${event.error.message}` };
        break;
      case 'run-finished':
        this.#steps.clear();
        break;
      default:
        break;
    }
  }

  /** Notes that no worker answered a read of the run's events. */
  noWorkerAnswered(): void {
    this.#streamFoundNoWorker = true;
  }

  /** Notes why the run's events could not be read. */
  unreadable(why: string): void {
    this.#problem = why;
  }

  /** Marks the run as stopped without finishing. */
  stop(status: 'failed' | 'ended', why: string): void {
    this.#steps.clear();
    this.#stopped = { status, why };
  }

  card(): RunCard {
    const record = this.#record;
    const status = this.#stopped?.status ?? (record.waiting ? 'waiting' : 'working');
    const card: RunCard = {
      workflowId: record.workflowId,
      flow: record.flow,
      startedAt: record.startedAt,
      link: this.#link,
      status,
      prompts: status === 'waiting' ? record.prompts : [],
      problem: this.#stopped?.why ?? this.#problem,
      ...(record.fork === undefined ? {} : { fork: record.fork }),
    };
    if (status === 'working') {
      card.step = this.#shownStep();
    }
    if (this.#stopped === undefined && (record.workers === 0 || (status === 'working' && this.#streamFoundNoWorker))) {
      card.noWorker = noWorkerNotice(record.taskQueue, status === 'waiting');
    }
    return card;
  }

  #addText(step: number, node: string, attempt: number, text: string): void {
    const current = this.#steps.get(step);
    if (current !== undefined && attempt < current.attempt) {
      // From a try that a later one replaced.
      return;
    }
    const kept = current === undefined || attempt > current.attempt ? '' : current.text;
    this.#steps.set(step, { step, node, attempt, text: (kept + text).slice(-MAX_TEXT_CHARS) });
  }

  #shownStep(): StepUnderWay | undefined {
    let shown: StepUnderWay | undefined;
    for (const step of this.#steps.values()) {
      if (shown === undefined || step.step > shown.step) {
        shown = step;
      }
    }
    return shown === undefined ? undefined : { ...shown };
  }
}
