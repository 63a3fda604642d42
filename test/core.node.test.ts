// Ports the behaviour of PocketFlow's tests/test_batch_node.py, test_async_batch_node.py,
// test_async_parallel_batch_node.py, test_batch_flow.py, test_async_batch_flow.py,
// test_async_parallel_batch_flow.py and test_fall_back.py.
import { describe, expect, it } from 'vitest';
import {
  AsyncBatchFlow,
  AsyncBatchNode,
  AsyncFlow,
  AsyncHumanNode,
  AsyncNode,
  AsyncParallelBatchFlow,
  AsyncParallelBatchNode,
  BatchFlow,
  BatchNode,
  Flow,
  NoInputSourceError,
  NoMoreInputError,
  Node,
  type Params,
  ScriptedInput,
  ServicesUnavailableError,
} from '../src/core/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('retries and fallback', () => {
  it('retries exec up to maxRetries with curRetry counting from 0, then succeeds', async () => {
    const tries: number[] = [];
    class Flaky extends AsyncNode<{ out?: string }, void, string> {
      override async execAsync(): Promise<string> {
        tries.push(this.curRetry);
        if (this.curRetry < 2) {
          throw new Error(`fail ${this.curRetry}`);
        }
        return 'ok';
      }
      override async postAsync(shared: { out?: string }, _p: void, execRes: string): Promise<undefined> {
        shared.out = execRes;
        return undefined;
      }
    }
    const shared: { out?: string } = {};
    await new Flaky({ maxRetries: 3 }).runAsync(shared);
    expect(tries).toEqual([0, 1, 2]);
    expect(shared.out).toBe('ok');
  });

  it('waits `wait` seconds between tries', async () => {
    const times: number[] = [];
    class Flaky extends AsyncNode {
      override async execAsync(): Promise<string> {
        times.push(performance.now());
        if (this.curRetry === 0) {
          throw new Error('first try fails');
        }
        return 'ok';
      }
    }
    await new Flaky(2, 0.05).runAsync({});
    expect(times).toHaveLength(2);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(45);
  });

  it('takes positional (maxRetries, wait) like PocketFlow', () => {
    const node = new Node(4, 0.5);
    expect([node.maxRetries, node.wait]).toEqual([4, 0.5]);
  });

  it('calls the fallback with the prep result and the last error after the last try', async () => {
    const seen: Array<[unknown, string]> = [];
    class WithFallback extends AsyncNode<{ out?: string }, string, string> {
      override async prepAsync(): Promise<string> {
        return 'input';
      }
      override async execAsync(prepRes: string): Promise<string> {
        throw new Error(`boom ${this.curRetry} on ${prepRes}`);
      }
      override async execFallbackAsync(prepRes: string, error: Error): Promise<string> {
        seen.push([prepRes, error.message]);
        return 'fallback';
      }
      override async postAsync(shared: { out?: string }, _p: string, execRes: string): Promise<undefined> {
        shared.out = execRes;
        return undefined;
      }
    }
    const shared: { out?: string } = {};
    await new WithFallback({ maxRetries: 2 }).runAsync(shared);
    expect(seen).toEqual([['input', 'boom 1 on input']]);
    expect(shared.out).toBe('fallback');
  });

  it('rethrows the last error when the fallback is the default one', async () => {
    class AlwaysFails extends AsyncNode {
      override async execAsync(): Promise<never> {
        throw new TypeError(`try ${this.curRetry}`);
      }
    }
    await expect(new AsyncFlow(new AlwaysFails(3)).runAsync({})).rejects.toThrow(new TypeError('try 2'));
  });

  it('the sync Node retries and falls back too', () => {
    const tries: number[] = [];
    class SyncFlaky extends Node<{ out?: string }, void, string> {
      override exec(): string {
        tries.push(this.curRetry);
        throw new Error('nope');
      }
      override execFallback(_p: void, error: Error): string {
        return `fallback after ${error.message}`;
      }
      override post(shared: { out?: string }, _p: void, execRes: string): undefined {
        shared.out = execRes;
        return undefined;
      }
    }
    const shared: { out?: string } = {};
    new Flow(new SyncFlaky({ maxRetries: 3, wait: 0.001 })).run(shared);
    expect(tries).toEqual([0, 1, 2]);
    expect(shared.out).toBe('fallback after nope');
  });
});

describe('batch nodes', () => {
  type Shared = { items: number[]; results?: number[] };

  class Doubler extends BatchNode<Shared, number, number> {
    override prep(shared: Shared): number[] {
      return shared.items;
    }
    override exec(item: number): number {
      return item * 2;
    }
    override post(shared: Shared, _items: number[], results: number[]): undefined {
      shared.results = results;
      return undefined;
    }
  }

  it('BatchNode runs exec once per item and hands post the results in order', () => {
    const shared: Shared = { items: [1, 2, 3] };
    new Doubler().run(shared);
    expect(shared.results).toEqual([2, 4, 6]);
  });

  it('a batch node whose prep returns nothing runs no exec', () => {
    class Empty extends AsyncBatchNode<{ results?: unknown[] }> {
      override async postAsync(shared: { results?: unknown[] }, _p: unknown, results: unknown[]): Promise<undefined> {
        shared.results = results;
        return undefined;
      }
    }
    const shared: { results?: unknown[] } = {};
    return new Empty().runAsync(shared).then(() => expect(shared.results).toEqual([]));
  });

  it('AsyncBatchNode runs items one after another', async () => {
    const events: string[] = [];
    class Seq extends AsyncBatchNode<Shared, number, number> {
      override async prepAsync(shared: Shared): Promise<number[]> {
        return shared.items;
      }
      override async execAsync(item: number): Promise<number> {
        events.push(`start ${item}`);
        await sleep(5);
        events.push(`end ${item}`);
        return item + 1;
      }
      override async postAsync(shared: Shared, _items: number[], results: number[]): Promise<undefined> {
        shared.results = results;
        return undefined;
      }
    }
    const shared: Shared = { items: [1, 2, 3] };
    await new Seq().runAsync(shared);
    expect(events).toEqual(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
    expect(shared.results).toEqual([2, 3, 4]);
  });

  class Overlapping extends AsyncParallelBatchNode<Shared, number, number> {
    static windows: Array<[number, number, number]> = [];
    static clock = 0;
    override async prepAsync(shared: Shared): Promise<number[]> {
      return shared.items;
    }
    override async execAsync(item: number): Promise<number> {
      const start = Overlapping.clock++;
      await sleep(20 - item);
      const end = Overlapping.clock++;
      Overlapping.windows.push([item, start, end]);
      return item * 10;
    }
    override async postAsync(shared: Shared, _items: number[], results: number[]): Promise<undefined> {
      shared.results = results;
      return undefined;
    }
  }

  const maxOverlap = (windows: Array<[number, number, number]>): number => {
    const events = windows.flatMap(([, s, e]) => [
      [s, 1],
      [e, -1],
    ]);
    events.sort((a, b) => a[0]! - b[0]!);
    let open = 0;
    let most = 0;
    for (const [, delta] of events) {
      open += delta!;
      most = Math.max(most, open);
    }
    return most;
  };

  it('AsyncParallelBatchNode runs all items at once and keeps results in input order', async () => {
    Overlapping.windows = [];
    const shared: Shared = { items: [1, 2, 3, 4, 5] };
    await new Overlapping().runAsync(shared);
    expect(maxOverlap(Overlapping.windows)).toBe(5);
    expect(shared.results).toEqual([10, 20, 30, 40, 50]);
  });

  it('maxConcurrency bounds how many items run at once', async () => {
    Overlapping.windows = [];
    const shared: Shared = { items: [1, 2, 3, 4, 5, 6, 7] };
    await new Overlapping({ maxConcurrency: 2 }).runAsync(shared);
    expect(maxOverlap(Overlapping.windows)).toBe(2);
    expect(shared.results).toEqual([10, 20, 30, 40, 50, 60, 70]);
  });

  it('each parallel item counts its own retries', async () => {
    const seen: Array<[number, number]> = [];
    class PerItem extends AsyncParallelBatchNode<Shared, number, number> {
      override async prepAsync(): Promise<number[]> {
        return [0, 1, 2];
      }
      override async execAsync(item: number): Promise<number> {
        seen.push([item, this.curRetry]);
        await sleep(1);
        if (this.curRetry < item) {
          throw new Error('again');
        }
        return this.curRetry;
      }
      override async postAsync(shared: Shared, _i: number[], results: number[]): Promise<undefined> {
        shared.results = results;
        return undefined;
      }
    }
    const shared: Shared = { items: [] };
    await new PerItem({ maxRetries: 3 }).runAsync(shared);
    expect(shared.results).toEqual([0, 1, 2]);
    expect(seen.filter(([item]) => item === 2).map(([, r]) => r)).toEqual([0, 1, 2]);
  });

  it('a batch node whose prep returns a non-array says so', async () => {
    class NotAList extends AsyncBatchNode {
      override async prepAsync(): Promise<unknown[]> {
        return 'abc' as unknown as unknown[];
      }
    }
    await expect(new NotAList().runAsync({})).rejects.toThrow(
      `Batch node 'NotAList': prep must return an array of items, got the string "abc".`,
    );
  });
});

describe('batch flows', () => {
  type Shared = { seen: Params[] };
  class Record extends AsyncNode<Shared> {
    override async prepAsync(shared: Shared): Promise<void> {
      await sleep(Number(this.params['delay'] ?? 0));
      shared.seen.push({ ...this.params });
    }
  }
  class SyncRecord extends Node<Shared> {
    override prep(shared: Shared): void {
      shared.seen.push({ ...this.params });
    }
  }

  it('BatchFlow runs its graph once per param set, each merged over the flow’s params', () => {
    class Files extends BatchFlow<Shared> {
      override prep(): Params[] {
        return [{ file: 'a' }, { file: 'b', mode: 'override' }];
      }
    }
    const flow = new Files(new SyncRecord());
    flow.setParams({ mode: 'base' });
    const shared: Shared = { seen: [] };
    flow.run(shared);
    expect(shared.seen).toEqual([
      { mode: 'base', file: 'a' },
      { mode: 'override', file: 'b' },
    ]);
  });

  it('AsyncBatchFlow runs param sets one after another', async () => {
    class Files extends AsyncBatchFlow<Shared> {
      override async prepAsync(): Promise<Params[]> {
        return [
          { file: 'a', delay: 15 },
          { file: 'b', delay: 0 },
        ];
      }
    }
    const shared: Shared = { seen: [] };
    await new Files(new Record()).runAsync(shared);
    expect(shared.seen.map((p) => p['file'])).toEqual(['a', 'b']);
  });

  it('AsyncParallelBatchFlow runs param sets at once', async () => {
    class Files extends AsyncParallelBatchFlow<Shared> {
      override async prepAsync(): Promise<Params[]> {
        return [
          { file: 'a', delay: 30 },
          { file: 'b', delay: 0 },
        ];
      }
    }
    const shared: Shared = { seen: [] };
    await new Files(new Record()).runAsync(shared);
    expect(shared.seen.map((p) => p['file'])).toEqual(['b', 'a']);
  });

  it('a batch flow whose prep returns something other than param objects says so', async () => {
    class Bad extends AsyncBatchFlow {
      override async prepAsync(): Promise<Params[]> {
        return ['a'] as unknown as Params[];
      }
    }
    await expect(new Bad(new Record()).runAsync({})).rejects.toThrow(/prep must return an array of param objects/);
  });
});

describe('mixing sync and async', () => {
  it('runs sync nodes inside an AsyncFlow', async () => {
    type S = { trail: string[] };
    class SyncStep extends Node<S> {
      override exec(): string {
        return 'sync';
      }
      override post(shared: S, _p: unknown, e: unknown): undefined {
        shared.trail.push(e as string);
        return undefined;
      }
    }
    class AsyncStep extends AsyncNode<S> {
      override async postAsync(shared: S): Promise<undefined> {
        shared.trail.push('async');
        return undefined;
      }
    }
    const start = new AsyncStep();
    start.next(new SyncStep()).next(new AsyncStep());
    const shared: S = { trail: [] };
    await new AsyncFlow(start).runAsync(shared);
    expect(shared.trail).toEqual(['async', 'sync', 'async']);
  });
});

describe('asking a person', () => {
  type S = { ingredient?: string; verdict?: string };

  class AskIngredient extends AsyncNode<S> {
    override async prepAsync(shared: S): Promise<void> {
      shared.ingredient = await this.getUserInput('Ingredient:');
    }
  }

  class Approve extends AsyncHumanNode<S, string, string | null> {
    override async prepAsync(shared: S): Promise<string> {
      return shared.ingredient ?? '';
    }
    override async execAsync(ingredient: string): Promise<string | null> {
      return this.getUserInput(`Cook with ${ingredient}? (y/n)`, { choices: ['y', 'n'], timeoutSeconds: 60 });
    }
    override async postAsync(shared: S, _p: string, answer: string | null): Promise<string> {
      shared.verdict = answer ?? 'timeout';
      return answer === null ? 'timeout' : answer;
    }
  }

  it('asks in prep and in an exec that waits for a person, refusing answers outside the choices', async () => {
    const input = new ScriptedInput(['eggs', 'maybe', 'y']);
    const shared: S = {};
    const start = new AskIngredient();
    start.next(new Approve());
    const last = await new AsyncFlow(start).runAsync(shared, { input });
    expect(shared).toEqual({ ingredient: 'eggs', verdict: 'y' });
    expect(last).toBe('y');
    expect(input.asked.map((r) => [r.node, r.prompt])).toEqual([
      ['AskIngredient', 'Ingredient:'],
      ['Approve', 'Cook with eggs? (y/n)'],
    ]);
    expect(input.refused).toEqual([{ answer: 'maybe', reason: 'Please answer one of: y, n.' }]);
  });

  it('turns a timeout into an action the flow can branch on', async () => {
    const input = new ScriptedInput(['eggs', null]);
    const shared: S = {};
    const start = new AskIngredient();
    const approve = start.next(new Approve());
    class Remind extends AsyncNode<S> {
      override async postAsync(shared: S): Promise<undefined> {
        shared.verdict = 'reminded';
        return undefined;
      }
    }
    approve.next(new Remind(), 'timeout');
    await new AsyncFlow(start).runAsync(shared, { input });
    expect(shared.verdict).toBe('reminded');
  });

  it('a scripted input that runs out says which prompt was left unanswered', async () => {
    await expect(new AskIngredient().runAsync({}, { input: new ScriptedInput([]) })).rejects.toThrow(NoMoreInputError);
  });
});

describe('what a run hands to its nodes', () => {
  type S = { found?: string[] };
  interface Search {
    find(term: string): Promise<string[]>;
  }

  class Find extends AsyncNode<S, string, string[], Search> {
    override async execAsync(term: string): Promise<string[]> {
      return this.services.find(term);
    }
    override async prepAsync(): Promise<string> {
      return 'tides';
    }
    override async postAsync(shared: S, _t: string, found: string[]): Promise<undefined> {
      shared.found = found;
      return undefined;
    }
  }

  it('refuses services to an AsyncHumanNode’s exec, which only waits for a person', async () => {
    class AsksAndLooksUp extends AsyncHumanNode<S, void, string> {
      override async execAsync(): Promise<string> {
        await (this.services as Search).find('x');
        return this.getUserInput('Go?');
      }
    }
    const failure = await new AsyncFlow(new AsksAndLooksUp()).runAsync({}, { services: {}, input: new ScriptedInput(['y']) }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ServicesUnavailableError);
    expect((failure as Error).message).toMatch(/^Node 'AsksAndLooksUp' read this.services in the exec of an AsyncHumanNode/);
  });

  it('hands every step read-only params, so that no step changes what a later one sees', async () => {
    class Renames extends AsyncNode<S> {
      override async prepAsync(): Promise<void> {
        this.params['lang'] = 'fr';
      }
    }
    const flow = new AsyncFlow(new Renames());
    flow.setParams({ lang: 'en' });
    await expect(flow.runAsync({})).rejects.toThrow(TypeError);
    expect(flow.params).toEqual({ lang: 'en' });
  });

  it('gives exec the run’s services, typed by the node', async () => {
    const shared: S = {};
    const flow = new AsyncFlow<S, unknown, Search>(new Find());
    await flow.runAsync(shared, { services: { find: async (term) => [`${term}!`] } });
    expect(shared.found).toEqual(['tides!']);
  });

  it('says how to pass services when a run has none', async () => {
    await expect(new AsyncFlow(new Find()).runAsync({})).rejects.toThrow(
      "Node 'Find' read this.services, but this run was given none. Pass them where exec runs: runAsync(shared, { services })",
    );
  });

  it('says how to pass an input source when a node asks a person and the run has none', async () => {
    class Ask extends AsyncNode<S> {
      override async prepAsync(): Promise<void> {
        await this.getUserInput('Name?');
      }
    }
    const failure = await new AsyncFlow(new Ask()).runAsync({}).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(NoInputSourceError);
    expect((failure as Error).message).toContain('Pass one: runAsync(shared, { input: new TerminalInput() })');
  });

  it('keeps the runtime’s members out of the node’s own names, so a user’s members cannot clash with them', async () => {
    class Clashing extends AsyncNode<S> {
      _ctx = 'mine';
      _runAsync(): string {
        return 'mine';
      }
      override async postAsync(shared: S): Promise<undefined> {
        shared.found = [this._ctx, this._runAsync()];
        return undefined;
      }
    }
    const shared: S = {};
    await new AsyncFlow(new Clashing()).runAsync(shared);
    expect(shared.found).toEqual(['mine', 'mine']);
    expect(Object.keys(new Clashing()).filter((key) => key.startsWith('_'))).toEqual(['_ctx']);
  });
});
