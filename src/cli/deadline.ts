/** Waiting at most so long for a server call that needs a worker. */
import { PocketFlowError } from '../core/index.js';

/** A call did not settle in time; its message says what that means for the person. */
export class DeadlineError extends PocketFlowError {
  override name = 'DeadlineError';
}

/** Rejects with a DeadlineError saying `message` when `promise` has not settled within `ms`. */
export async function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(message)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
