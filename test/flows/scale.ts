/** Flows for the scale tests: batches whose activities the run keeps within a bound, or runs in child workflows. */
import { AsyncBatchNode, AsyncFlow, AsyncParallelBatchNode, type ChildBatchOptions, type TemporalNodeOptions } from '../../src/workflow.js';

type Shared = { count?: number; doubled?: number[] };

/** How many exec calls of a doubling node run at this moment in this process, and the most seen at once. */
export const concurrency = { now: 0, most: 0 };

async function double(item: number, sleepMs: number): Promise<number> {
  concurrency.now++;
  concurrency.most = Math.max(concurrency.most, concurrency.now);
  try {
    await new Promise((resolve) => setTimeout(resolve, sleepMs));
    return item * 2;
  } finally {
    concurrency.now--;
  }
}

const numbers = (shared: Shared): number[] => Array.from({ length: shared.count ?? 0 }, (_, i) => i);

/** A batch node of `Base`'s kind that doubles each number below `shared.count`, into `shared.doubled`. */
function doubling(Base: typeof AsyncBatchNode | typeof AsyncParallelBatchNode) {
  return class extends (Base as typeof AsyncBatchNode<Shared, number, number>) {
    sleepMs = 0;
    override async prepAsync(shared: Shared): Promise<number[]> {
      return numbers(shared);
    }
    override async execAsync(item: number): Promise<number> {
      return double(item, this.sleepMs);
    }
    override async postAsync(shared: Shared, _items: number[], doubled: number[]): Promise<undefined> {
      shared.doubled = doubled;
      return undefined;
    }
  };
}

const Doubles = doubling(AsyncParallelBatchNode);
const DoublesInTurn = doubling(AsyncBatchNode);

/** A batch over `shared.count` items that doubles each; its results land in `shared.doubled`. */
export function createDoublingFlow(
  options: { sleepMs?: number; childBatches?: ChildBatchOptions | false; inTurn?: boolean; startToClose?: string } = {},
): AsyncFlow<Shared> {
  const temporal: TemporalNodeOptions = { childBatches: options.childBatches, startToCloseTimeout: options.startToClose };
  // In turn, with retries: a try on a killed worker times out and is tried again.
  const node =
    options.inTurn === true
      ? new DoublesInTurn({ name: 'DoublesInTurn', maxRetries: 3, wait: 0.1, temporal })
      : new Doubles({ name: 'Doubles', temporal });
  node.sleepMs = options.sleepMs ?? 0;
  return new AsyncFlow(node);
}
