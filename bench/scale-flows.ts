/** The flows of the scale benchmark: a long loop, a big parallel batch, a batch flow over many param sets. */
import { AsyncFlow, AsyncNode, AsyncParallelBatchFlow, AsyncParallelBatchNode, type Params } from '../src/core/index.js';
import { defineFlows } from '../src/temporal/registry.js';

type LoopShared = { n?: number; target: number };

/** One step of the loop: exec adds one (an activity), post goes round again until the target. */
class CountUp extends AsyncNode<LoopShared, number, number> {
  constructor() {
    super({ name: 'CountUp' });
  }
  override async prepAsync(shared: LoopShared): Promise<number> {
    return shared.n ?? 0;
  }
  override async execAsync(n: number): Promise<number> {
    return n + 1;
  }
  override async postAsync(shared: LoopShared, _p: number, n: number): Promise<string | undefined> {
    shared.n = n;
    return n < shared.target ? 'again' : undefined;
  }
}

type BatchShared = { items: number; doubled?: number[] };

/** Doubles each of `items` numbers, each an activity; the results land in the store in order. */
class DoubleAll extends AsyncParallelBatchNode<BatchShared, number, number> {
  constructor() {
    super({ name: 'DoubleAll' });
  }
  override async prepAsync(shared: BatchShared): Promise<number[]> {
    return Array.from({ length: shared.items }, (_, i) => i);
  }
  override async execAsync(item: number): Promise<number> {
    return item * 2;
  }
  override async postAsync(shared: BatchShared, _items: number[], doubled: number[]): Promise<undefined> {
    shared.doubled = doubled;
    return undefined;
  }
}

type FlowShared = { paramSets: number; squares?: Record<string, number> };

/** One walk per param set: its square, computed by an activity, written under its own key. */
class Square extends AsyncNode<FlowShared, number, number> {
  constructor() {
    super({ name: 'Square' });
  }
  override async prepAsync(): Promise<number> {
    return this.params['i'] as number;
  }
  override async execAsync(i: number): Promise<number> {
    return i * i;
  }
  override async postAsync(shared: FlowShared, i: number, square: number): Promise<undefined> {
    shared.squares = { ...shared.squares, [String(i)]: square };
    return undefined;
  }
}

class EveryParamSet extends AsyncParallelBatchFlow<FlowShared> {
  override async prepAsync(shared: FlowShared): Promise<Params[]> {
    return Array.from({ length: shared.paramSets }, (_, i) => ({ i }));
  }
}

export const scaleFlows = defineFlows({
  'scale-loop': () => {
    const count = new CountUp();
    count.next(count, 'again');
    return new AsyncFlow(count);
  },
  'scale-batch': () => new AsyncFlow(new DoubleAll()),
  // Param sets in child workflows of 100 (the defaults), each writing its own key.
  'scale-batch-flow': () => new EveryParamSet({ start: new Square(), temporal: { childBatches: {} } }),
});
