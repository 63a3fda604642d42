import type { ExecRunner } from './context.js';
import type { AnyNode } from './node.js';
import { CALL_EXEC, CALL_FALLBACK, HAS_FALLBACK } from './symbols.js';

/** Turns anything thrown into an Error, keeping Errors as they are. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) {
    return thrown;
  }
  return new Error(typeof thrown === 'string' ? thrown : `Non-error thrown: ${String(thrown)}`);
}

/**
 * Runs exec in-process: up to `maxRetries` tries `wait` seconds apart, then the fallback. A node
 * with one try and no fallback gets exec's own promise, with no extra promise or tick per step;
 * what it rejects with becomes an Error where the flow's loop catches it.
 */
export const directExecutor: ExecRunner = {
  exec(node: AnyNode, prepRes: unknown): Promise<unknown> {
    if (node.maxRetries > 1 || node[HAS_FALLBACK]) {
      return execWithRetries(node, prepRes);
    }
    node.curRetry = 0;
    try {
      const result = node[CALL_EXEC](prepRes);
      return result instanceof Promise ? result : Promise.resolve(result);
    } catch (thrown) {
      return Promise.reject(toError(thrown));
    }
  },
};

async function execWithRetries(node: AnyNode, prepRes: unknown): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    node.curRetry = attempt;
    try {
      return await node[CALL_EXEC](prepRes);
    } catch (thrown) {
      if (attempt >= node.maxRetries - 1) {
        return await node[CALL_FALLBACK](prepRes, toError(thrown));
      }
      if (node.wait > 0) {
        await new Promise((resolve) => setTimeout(resolve, node.wait * 1000));
      }
    }
  }
}

/** The synchronous twin of `directExecutor.exec`, for `run()` on sync nodes and flows. */
export function execWithRetriesSync(node: AnyNode, prepRes: unknown): unknown {
  for (let attempt = 0; ; attempt++) {
    node.curRetry = attempt;
    try {
      return node[CALL_EXEC](prepRes);
    } catch (thrown) {
      if (attempt >= node.maxRetries - 1) {
        return node[CALL_FALLBACK](prepRes, toError(thrown));
      }
      if (node.wait > 0) {
        sleepSync(node.wait * 1000);
      }
    }
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
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
