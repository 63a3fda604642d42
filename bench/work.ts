/** The work both sides of each benchmark do, so that only the orchestration differs. Safe in the workflow bundle. */

/** Steps of the linear no-op flow (benchmark 1). */
export const CHAIN_STEPS = 100;

/** Items of the parallel fan-out (benchmark 2). */
export const FAN_OUT_ITEMS = 1000;

/** Items per activity of the grouped fan-out (benchmark 2, `itemsPerActivity`). */
export const FAN_OUT_GROUP = 100;

/** What each fan-out item's exec waits, in milliseconds: the floor of benchmark 2. */
export const ITEM_SLEEP_MS = 100;

/** Answers per human-in-the-loop run (benchmark 5). */
export const HUMAN_ANSWERS = 50;

/** Loop steps of the in-process looping flow, and items of its parallel batch (benchmark 3). */
export const IN_PROCESS_STEPS = 10_000;

/** The start-to-close timeout of every benchmark activity, ours and hand-written. */
export const ACTIVITY_TIMEOUT = '1 minute';

/** What the activities tell the bench process: when the step after an answer started. */
export interface BenchServices {
  stamp(answer: number): void;
}

/** The LLM of the streaming benchmark (section 8), as exec reaches it. */
export interface ReplyServices {
  /**
   * Asks the LLM stand-in for the reply it was told to give under `key`, streamed, and calls
   * `onPiece` with each piece as it arrives; resolves with the number of pieces.
   */
  reply(key: string, onPiece: (text: string) => void): Promise<number>;
}

/** The no-op exec: returns at once. */
export async function noop(): Promise<undefined> {
  return undefined;
}

/** The fan-out exec: waits `ITEM_SLEEP_MS` and returns the item. */
export async function sleepItem(item: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, ITEM_SLEEP_MS));
  return item;
}

/** A group of fan-out items in one activity, as the hand-written grouped fan-out runs them: all at once. */
export async function sleepItems(items: number[]): Promise<number[]> {
  return Promise.all(items.map(sleepItem));
}

/** The exec that follows an answer: reports its start to the bench process. */
export async function stampAnswer(services: BenchServices, answer: number): Promise<number> {
  services.stamp(answer);
  return answer;
}
