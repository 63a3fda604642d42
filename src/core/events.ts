/**
 * What a run tells as it goes: its lifecycle (each step started and finished, a try after a failed
 * one, the fallback, a wait for a person and the answer) and what exec publishes while it works
 * (text as it is produced, progress as data). Every runtime tells the same events in the same order.
 */

/** The step an event is about: its number in the run (steps counted as they start, from 1), its node, and a batch node's item. */
export interface EventStep {
  step: number;
  node: string;
  /** The item's index, for an exec of a batch node's item. */
  item?: number;
}

/** An error as an event carries it. */
export interface EventError {
  name: string;
  message: string;
}

/** One thing a run tells, without its place in the run's sequence. */
export type FlowEvent =
  | { type: 'run-started'; flow: string }
  | ({ type: 'node-started'; flow: string } & EventStep)
  /** Try `attempt` (from 1) of exec began after a failed one: text from earlier tries is void. */
  | ({ type: 'retry'; attempt: number } & EventStep)
  | ({ type: 'text'; attempt: number; text: string } & EventStep)
  | ({ type: 'data'; attempt: number; data: unknown } & EventStep)
  | ({ type: 'fallback'; error: EventError } & EventStep)
  | ({ type: 'waiting'; prompt: string; choices?: string[]; context?: string } & EventStep)
  /** The answer taken, or null when the wait timed out. */
  | ({ type: 'answered'; answer: string | null } & EventStep)
  | ({ type: 'node-finished'; action: string | null } & EventStep)
  | { type: 'run-finished'; action: string | null }
  | { type: 'run-failed'; error: EventError };

/** An event with its offset: its place in the run's sequence, from 0. */
export type RunEvent = FlowEvent & { offset: number };

/** Where a run's events go. */
export type EventSink = (event: FlowEvent) => void;

/** Where an exec try stands, as its events say it. */
export interface ExecPlace extends EventStep {
  /** The try, from 1. */
  attempt: number;
}

/** `error` as an event carries it. */
export function eventError(error: unknown): EventError {
  if (error instanceof Error) {
    return { name: error.name, message: error.message };
  }
  return { name: 'Error', message: String(error) };
}

/**
 * The sink of an in-process run: numbers the events and hands them to `onEvent`. A listener that
 * throws is reported once through `warn` and does not stop the run.
 */
export function numberedSink(onEvent: (event: RunEvent) => void, warn: (message: string) => void): EventSink {
  let offset = 0;
  let said = false;
  return (event) => {
    try {
      onEvent({ ...event, offset: offset++ } as RunEvent);
    } catch (error) {
      if (!said) {
        said = true;
        warn(`The run's onEvent listener threw (${eventError(error).message}); the run goes on and keeps calling it.`);
      }
    }
  };
}
