/**
 * What a run keeps of the events exec sends it (retries, text, data, fallbacks, in batches by
 * signal): the one rule, applied by the run as it takes each batch, and by a reader that takes the
 * same batches from the run's history, so that both number the same events the same way.
 */
import type { FlowEvent } from '../core/index.js';

/** An event exec publishes. */
export type ExecEvent = Extract<FlowEvent, { type: 'retry' | 'text' | 'data' | 'fallback' }>;

/** The steps under way, each with the latest try that published for each of its items (-1 for a step with no items). */
export type TriesUnderWay = [step: number, tries: [item: number, attempt: number][]][];

const EXEC_EVENT_TYPES = new Set(['retry', 'text', 'data', 'fallback']);

export class StepsUnderWay {
  readonly #open: Map<number, Map<number, number>>;

  constructor(tries: TriesUnderWay = []) {
    this.#open = new Map(tries.map(([step, items]) => [step, new Map(items)]));
  }

  started(step: number): void {
    this.#open.set(step, new Map());
  }

  finished(step: number): void {
    this.#open.delete(step);
  }

  /**
   * The events of `batch` the run keeps, in order: only those of a step under way, and of its
   * latest try (text of an older try, or of a finished step, comes too late). `refuse` hears of
   * anything that is not a batch of exec's events.
   */
  take(batch: unknown, refuse: (what: string) => void = () => {}): ExecEvent[] {
    const events = (batch as { events?: unknown } | null)?.events;
    if (!Array.isArray(events)) {
      refuse('a batch with no list of events');
      return [];
    }
    const kept: ExecEvent[] = [];
    for (const event of events as unknown[]) {
      if (!isExecEvent(event)) {
        refuse('an event that is not a retry, text, data or fallback of a step');
        continue;
      }
      const tries = this.#open.get(event.step);
      if (tries === undefined) {
        // A try that outlived its step (its result was taken from a later try): nothing it says is current.
        continue;
      }
      if (event.type === 'fallback') {
        // A group's item ran its fallback in the group's activity (an ungrouped one runs it in a fallback activity of its own).
        kept.push(event);
        continue;
      }
      const item = event.item ?? -1;
      if (event.attempt < (tries.get(item) ?? 1)) {
        continue;
      }
      tries.set(item, event.attempt);
      kept.push(event);
    }
    return kept;
  }

  /** The state this rule weighs by, as a page of the run's events carries it. */
  record(): TriesUnderWay {
    return [...this.#open].map(([step, tries]) => [step, [...tries]]);
  }
}

function isExecEvent(value: unknown): value is ExecEvent {
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
