// The public types carry the shared store, prep result and exec result, so user code needs no `any`.
import { describe, expectTypeOf, it } from 'vitest';
import { AsyncBatchNode, AsyncFlow, AsyncNode, BatchNode, type Action } from '../src/index.js';
import { defineFlows, type FlowRegistry } from '../src/workflow.js';
import type { FlowWorkerOptions } from '../src/worker.js';

type Shared = { words: string[]; lengths?: number[] };

describe('node types', () => {
  it('types prep, exec and post of a node from its parameters', () => {
    class Count extends AsyncNode<Shared, string[], number> {
      override async prepAsync(shared: Shared) {
        return shared.words;
      }
      override async execAsync(words: string[]) {
        return words.length;
      }
    }
    expectTypeOf<Parameters<Count['execAsync']>[0]>().toEqualTypeOf<string[]>();
    expectTypeOf<Parameters<Count['postAsync']>[2]>().toEqualTypeOf<number>();
  });

  it('types a batch node’s exec per item and its post with the list of results', () => {
    class Lengths extends AsyncBatchNode<Shared, string, number> {}
    expectTypeOf<Parameters<Lengths['execAsync']>[0]>().toEqualTypeOf<string>();
    expectTypeOf<ReturnType<Lengths['prepAsync']>>().toEqualTypeOf<Promise<string[]>>();
    expectTypeOf<Parameters<Lengths['postAsync']>[2]>().toEqualTypeOf<number[]>();
    class SyncLengths extends BatchNode<Shared, string, number> {}
    expectTypeOf<Parameters<SyncLengths['exec']>[0]>().toEqualTypeOf<string>();
  });

  it('returns the argument of next, so chains keep their types, and the last action from runAsync', () => {
    class A extends AsyncNode<Shared> {}
    class B extends AsyncNode<Shared> {}
    const b = new A().next(new B());
    expectTypeOf(b).toEqualTypeOf<B>();
    expectTypeOf(new AsyncFlow<Shared>(b).runAsync).returns.toEqualTypeOf<Promise<Action | undefined>>();
  });

  it('types the answer of getUserInput: null is possible only with a timeout', () => {
    class Ask extends AsyncNode<Shared> {
      async both() {
        expectTypeOf(await this.getUserInput('q')).toEqualTypeOf<string>();
        expectTypeOf(await this.getUserInput('q', { timeoutSeconds: 5 })).toEqualTypeOf<string | null>();
      }
    }
    expectTypeOf(new Ask().both).returns.resolves.toBeVoid();
  });

  it('types this.services from the node, and checks a worker’s services against the flows it runs', () => {
    interface Search {
      find(term: string): Promise<string[]>;
    }
    class Find extends AsyncNode<Shared, string, string[], Search> {
      override async execAsync(term: string) {
        expectTypeOf(this.services).toEqualTypeOf<Search>();
        return this.services.find(term);
      }
    }
    const flows = defineFlows({
      search: () => new AsyncFlow<Shared, unknown, Search>(new Find()),
      plain: () => new AsyncFlow<Shared>(new Find()),
    });
    expectTypeOf(flows).toEqualTypeOf<FlowRegistry<Search>>();
    const good: FlowWorkerOptions<Search> = { flows, taskQueue: 'q', services: { find: async () => [] } };
    // @ts-expect-error the services lack what the flows' nodes call
    const bad: FlowWorkerOptions<Search> = { flows, taskQueue: 'q', services: { search: async () => [] } };
    // @ts-expect-error flows that declare services need them
    const missing: FlowWorkerOptions<Search> = { flows, taskQueue: 'q' };
    expectTypeOf(good.services).toEqualTypeOf<Search>();
    expectTypeOf(bad.services).toEqualTypeOf<Search>();
    expectTypeOf(missing.services).toEqualTypeOf<Search>();
  });

  it('takes Temporal options for a node where the node is built, and flow-level options only where a flow is registered', () => {
    class Step extends AsyncNode<Shared> {}
    expectTypeOf(new Step({ temporal: { startToCloseTimeout: '30s', local: true } }).options.temporal?.local).toEqualTypeOf<boolean | undefined>();
    // @ts-expect-error continue-as-new is for a registered flow's runs, not a node
    new Step({ temporal: { continueAsNewAfterSteps: 5 } });
    // @ts-expect-error the versioning behaviour is the registered flow's
    new AsyncFlow<Shared>({ start: new Step(), temporal: { versioning: 'auto-upgrade' } });
    const flows = defineFlows({ loop: { build: () => new AsyncFlow<Shared>(new Step()), continueAsNewAfterSteps: 5, versioning: 'auto-upgrade' } });
    expectTypeOf(flows.runOptionsOf('loop').continueAsNewAfterSteps).toEqualTypeOf<number | undefined>();
  });
});
