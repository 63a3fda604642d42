/**
 * How one exec runs in-process: on a fresh copy of its node, with copies of its input and result,
 * tried `maxRetries` times `wait` seconds apart, then the fallback. A durable runtime runs exec in
 * a task of its own, which sees the same: that is why the copies are made here too.
 */
import { isFlowMistake } from './errors.js';
import { type AnyNode, copyOf, type Params } from './node.js';
import type { BatchItem, Executor, RunContext } from './run.js';
import { assertExecResult, copyPortable } from './serializable.js';
import { CALL_EXEC, CALL_FALLBACK, EXEC_PLACE, HAS_FALLBACK, IN_EXEC, RUN, SOURCE, STEP_NUMBER } from './symbols.js';
import type { EventStep } from './events.js';

/** Turns anything thrown into an Error, keeping Errors as they are. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) {
    return thrown;
  }
  return new Error(typeof thrown === 'string' ? thrown : `Non-error thrown: ${String(thrown)}`);
}

/**
 * A fresh view of the node a step was made from, to run one exec try (or the fallback) on: exec
 * sees the node as it was built, with the step's params, and nothing that prep, post or an
 * earlier try set on it; what it sets stays on the view.
 */
export function execCopy(source: AnyNode, params: Params, run: RunContext | undefined, curRetry: number, place?: EventStep): AnyNode {
  const copy = copyOf(source);
  copy.params = params;
  copy[RUN] = run;
  copy[IN_EXEC] = true;
  copy.curRetry = curRetry;
  copy[EXEC_PLACE] = place === undefined ? undefined : { ...place, attempt: curRetry + 1 };
  return copy;
}

/** The step (and item) that an exec is about, as its events say it. */
export function eventPlace(step: number, node: string, item: number | undefined): EventStep {
  return item === undefined ? { step, node } : { step, node, item };
}

/** Where the events of an exec of `step` come from; none when the run keeps no events, so that a run without listeners pays nothing. */
export function placeOf(step: AnyNode, item: BatchItem | undefined): EventStep | undefined {
  return step[RUN]?.events === undefined ? undefined : eventPlace(step[STEP_NUMBER], step.name, item?.index);
}

/** Tells the run that try `curRetry` (from 0) of exec begins, when it follows a failed one. */
export function announceTry(run: RunContext | undefined, place: EventStep | undefined, curRetry: number): void {
  if (curRetry > 0 && place !== undefined) {
    run?.events?.({ type: 'retry', ...place, attempt: curRetry + 1 });
  }
}

/** Tells the run that the fallback runs, with the error of the last try. */
export function announceFallback(run: RunContext | undefined, place: EventStep | undefined, error: { name: string; message: string }): void {
  if (place === undefined) {
    return;
  }
  run?.events?.({ type: 'fallback', ...place, error: { name: error.name, message: error.message } });
}

/** The error a fallback receives: the name and message of what the last try threw, which is what crosses a process. */
export function errorForFallback(thrown: { name: string; message: string }): Error {
  const error = new Error(thrown.message);
  error.name = thrown.name;
  return error;
}

/** What follows a failed try: another try, the fallback with the error it receives, or the error thrown on. */
export function afterFailedTry(node: AnyNode, thrown: unknown, attempt: number): 'again' | { fallback: Error } | { fail: Error } {
  const error = toError(thrown);
  if (isFlowMistake(error)) {
    return { fail: error };
  }
  if (attempt < node.maxRetries - 1 && node.options.nonRetryableErrors?.includes(error.name) !== true) {
    return 'again';
  }
  return node[HAS_FALLBACK] ? { fallback: errorForFallback(error) } : { fail: error };
}

/**
 * Runs exec where the flow runs: the executor of in-process runs, and of a human node's exec
 * everywhere. Its results are exec's own; the core checks them and hands post copies.
 */
export const directExecutor: Executor = {
  exec(step: AnyNode, input: unknown, item?: BatchItem): Promise<unknown> {
    if (step.maxRetries > 1 || step[HAS_FALLBACK]) {
      return execWithRetries(step, input, item);
    }
    // One try and no fallback: exec's own promise, with no extra promise or tick per call.
    try {
      const result = execCopy(step[SOURCE] ?? step, step.params, step[RUN], 0, placeOf(step, item))[CALL_EXEC](copyPortable(input));
      return result instanceof Promise ? result : Promise.resolve(result);
    } catch (thrown) {
      return Promise.reject(toError(thrown));
    }
  },
};

/** Exec with its tries and fallback, as `directExecutor.exec` runs it for a node that has more than one try or a fallback. */
async function execWithRetries(step: AnyNode, input: unknown, item: BatchItem | undefined): Promise<unknown> {
  const source = step[SOURCE] ?? step;
  const place = placeOf(step, item);
  for (let attempt = 0; ; attempt++) {
    try {
      announceTry(step[RUN], place, attempt);
      return await execCopy(source, step.params, step[RUN], attempt, place)[CALL_EXEC](copyPortable(input));
    } catch (thrown) {
      const next = afterFailedTry(step, thrown, attempt);
      if (next === 'again') {
        if (step.wait > 0) {
          await new Promise((resolve) => setTimeout(resolve, step.wait * 1000));
        }
        continue;
      }
      if ('fail' in next) {
        throw next.fail;
      }
      announceFallback(step[RUN], place, next.fallback);
      return execCopy(source, step.params, step[RUN], step.maxRetries - 1, place)[CALL_FALLBACK](copyPortable(input), next.fallback);
    }
  }
}

/** The synchronous twin of `directExecutor.exec`, for `run()` on sync nodes and flows. */
export function execSync(step: AnyNode, input: unknown, item?: BatchItem): unknown {
  const source = step[SOURCE] ?? step;
  const place = placeOf(step, item);
  for (let attempt = 0; ; attempt++) {
    try {
      announceTry(step[RUN], place, attempt);
      return execCopy(source, step.params, step[RUN], attempt, place)[CALL_EXEC](copyPortable(input));
    } catch (thrown) {
      const next = afterFailedTry(step, thrown, attempt);
      if (next === 'again') {
        sleepSync(step.wait * 1000);
        continue;
      }
      if ('fail' in next) {
        throw next.fail;
      }
      announceFallback(step[RUN], place, next.fallback);
      return execCopy(source, step.params, step[RUN], step.maxRetries - 1, place)[CALL_FALLBACK](copyPortable(input), next.fallback);
    }
  }
}

/** An exec result as post receives it: checked where it is made, and a copy. */
export function settledResult(step: AnyNode, result: unknown, item: BatchItem | undefined): unknown {
  assertExecResult(step.name, result, item);
  return copyPortable(result);
}

function sleepSync(ms: number): void {
  if (ms > 0) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  }
}

/**
 * Maps `fn` over `items` with at most `limit` calls in flight (all at once when `limit` is
 * unset), returning results in input order. Deterministic: items start in index order.
 */
export async function mapWithLimit<T, U>(
  items: readonly T[],
  limit: number | undefined,
  fn: (item: T, index: number) => Promise<U>,
): Promise<U[]> {
  if (limit === undefined || limit >= items.length) {
    return Promise.all(items.map(fn));
  }
  const results = new Array<U>(items.length);
  let nextIndex = 0;
  const lane = async (): Promise<void> => {
    while (nextIndex < items.length) {
      const index = nextIndex++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: limit }, lane));
  return results;
}
