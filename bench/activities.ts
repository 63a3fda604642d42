/** The hand-written baseline's activities: the same work as the bench flows' exec. */
import { type BenchServices, noop, sleepItem, sleepItems, stampAnswer } from './work.js';

/** Builds the hand-written activities; `services` is the same object the flows' activities get. */
export function createHandWrittenActivities(services: BenchServices) {
  return {
    noop,
    sleepItem,
    sleepItems,
    stamp: (answer: number) => stampAnswer(services, answer),
  };
}

export type HandWrittenActivities = ReturnType<typeof createHandWrittenActivities>;
