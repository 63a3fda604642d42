/** Flows for the scale tests: parallel batches whose activities the run keeps within a bound. */
import { AsyncFlow, AsyncParallelBatchNode } from '../../src/core/index.js';

type Shared = { count?: number; doubled?: number[] };

/** How many exec calls of `Doubles` run at this moment in this process, and the most seen at once. */
export const concurrency = { now: 0, most: 0 };

class Doubles extends AsyncParallelBatchNode<Shared, number, number> {
  constructor(private readonly sleepMs: number) {
    super({ name: 'Doubles' });
  }
  override async prepAsync(shared: Shared): Promise<number[]> {
    return Array.from({ length: shared.count ?? 0 }, (_, i) => i);
  }
  override async execAsync(item: number): Promise<number> {
    concurrency.now++;
    concurrency.most = Math.max(concurrency.most, concurrency.now);
    try {
      await new Promise((resolve) => setTimeout(resolve, this.sleepMs));
      return item * 2;
    } finally {
      concurrency.now--;
    }
  }
  override async postAsync(shared: Shared, _items: number[], doubled: number[]): Promise<undefined> {
    shared.doubled = doubled;
    return undefined;
  }
}

/** A parallel batch over `shared.count` items, with at most `maxPending` activities pending when given. */
export function createDoublingFlow(maxPending?: number, sleepMs = 0): AsyncFlow<Shared> {
  return new AsyncFlow({ start: new Doubles(sleepMs), temporal: maxPending === undefined ? undefined : { maxPendingActivities: maxPending } });
}
