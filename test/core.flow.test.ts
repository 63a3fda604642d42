// Ports the behaviour of PocketFlow's tests/test_flow_basic.py, test_flow_composition.py and
// test_async_flow.py, plus the behaviours the TypeScript API adds.
import { describe, expect, it } from 'vitest';
import {
  AsyncFlow,
  AsyncNode,
  AsyncRunRequiredError,
  BaseNode,
  Flow,
  FlowDefinitionError,
  FlowFailure,
  Node,
  PocketFlowError,
  silentLogger,
  SyncFlowAsyncNodeError,
  type Logger,
} from '../src/core/index.js';
import * as mainEntry from '../src/index.js';
import { defineFlows } from '../src/workflow.js';
import * as workflowEntry from '../src/workflow.js';

type NumShared = { current?: number; log?: string[] };

class SetNumber extends Node<NumShared> {
  constructor(private readonly value: number) {
    super();
  }
  override prep(shared: NumShared): void {
    shared.current = this.value;
  }
}

class AddNumber extends Node<NumShared> {
  constructor(private readonly value: number) {
    super();
  }
  override prep(shared: NumShared): void {
    shared.current = (shared.current ?? 0) + this.value;
  }
}

class MultiplyNumber extends Node<NumShared> {
  constructor(private readonly value: number) {
    super();
  }
  override prep(shared: NumShared): void {
    shared.current = (shared.current ?? 0) * this.value;
  }
}

class CheckPositive extends Node<NumShared> {
  override post(shared: NumShared): string {
    return (shared.current ?? 0) >= 0 ? 'positive' : 'negative';
  }
}

class NoOp extends Node<NumShared> {}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...silentLogger, warnings, warn: (message: string) => void warnings.push(message) };
}

describe('Flow (sync)', () => {
  it('runs a single node and returns its action', () => {
    const shared: NumShared = {};
    const flow = new Flow(new SetNumber(5));
    flow.run(shared);
    expect(shared.current).toBe(5);
  });

  it('runs a chain built with next, which returns its argument', () => {
    const shared: NumShared = {};
    const start = new SetNumber(5);
    start.next(new AddNumber(3)).next(new MultiplyNumber(2));
    new Flow(start).run(shared);
    expect(shared.current).toBe(16);
  });

  it('follows the edge named by the action that post returns', () => {
    const run = (value: number): number | undefined => {
      const shared: NumShared = {};
      const start = new SetNumber(value);
      const check = new CheckPositive();
      start.next(check);
      check.next(new AddNumber(-3), 'negative');
      check.next(new AddNumber(10), 'positive');
      new Flow(start).run(shared);
      return shared.current;
    };
    expect(run(5)).toBe(15);
    expect(run(-5)).toBe(-8);
  });

  it('wires edges with on(action, node), which returns the source node', () => {
    const shared: NumShared = {};
    const check = new CheckPositive();
    const returned = check.on('positive', new AddNumber(1)).on('negative', new AddNumber(-1));
    expect(returned).toBe(check);
    const start = new SetNumber(-2);
    start.next(check);
    new Flow(start).run(shared);
    expect(shared.current).toBe(-3);
  });

  it('loops until a branch ends the flow', () => {
    const shared: NumShared = {};
    const start = new SetNumber(10);
    const check = new CheckPositive();
    const subtract = new AddNumber(-3);
    start.next(check);
    check.next(subtract, 'positive');
    subtract.next(check);
    new Flow(start).run(shared);
    expect(shared.current).toBe(-2);
  });

  it('returns the last action from run unless its post says otherwise', () => {
    class Finish extends Node<NumShared> {
      override post(): string {
        return 'finished';
      }
    }
    expect(new Flow(new Finish()).run({})).toBe('finished');

    class Renaming extends Flow<NumShared> {
      override post(): string {
        return 'renamed';
      }
    }
    expect(new Renaming(new Finish()).run({})).toBe('renamed');
  });

  it('ends with a warning naming the action and the known ones when no edge matches', () => {
    const logger = recordingLogger();
    class Goes extends Node<NumShared> {
      override post(): string {
        return 'sideways';
      }
    }
    const start = new Goes();
    start.next(new NoOp(), 'up');
    start.next(new NoOp(), 'down');
    const flow = new Flow<NumShared>(start);
    return flow.runAsync({}, { logger }).then((action) => {
      expect(action).toBe('sideways');
      expect(logger.warnings).toHaveLength(1);
      expect(logger.warnings[0]).toContain("action 'sideways'");
      expect(logger.warnings[0]).toContain("'up', 'down'");
    });
  });

  it('treats a post that returns nothing as the default action', () => {
    const shared: NumShared = {};
    const start = new SetNumber(1);
    start.next(new AddNumber(1), 'default');
    new Flow(start).run(shared);
    expect(shared.current).toBe(2);
  });

  it('nests flows: a flow is a node, and the outer flow branches on the inner flow’s last action', () => {
    const shared: NumShared = {};
    const innerStart = new SetNumber(-4);
    innerStart.next(new CheckPositive());
    const inner = new Flow(innerStart);
    inner.next(new AddNumber(100), 'positive');
    inner.next(new AddNumber(-100), 'negative');
    new Flow(inner).run(shared);
    expect(shared.current).toBe(-104);
  });

  it('hands the flow’s params to each node, and to nested flows’ nodes', () => {
    const seen: unknown[] = [];
    class Spy extends Node<NumShared> {
      override prep(): void {
        seen.push(this.params['who']);
      }
    }
    const inner = new Flow(new Spy());
    const start = new Spy();
    start.next(inner);
    const flow = new Flow(start);
    flow.setParams({ who: 'everyone' });
    flow.run({});
    expect(seen).toEqual(['everyone', 'everyone']);
  });

  it('runs a copy of each node per step, so one flow object can run many times and at once', async () => {
    class Counter extends AsyncNode<{ counts: number[] }> {
      count = 0;
      override async execAsync(): Promise<number> {
        this.count += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
        return this.count;
      }
      override async postAsync(shared: { counts: number[] }, _p: unknown, execRes: unknown): Promise<undefined> {
        shared.counts.push(execRes as number);
        return undefined;
      }
    }
    const node = new Counter();
    const flow = new AsyncFlow(node);
    const shareds = [{ counts: [] }, { counts: [] }, { counts: [] }];
    await Promise.all(shareds.map((s) => flow.runAsync(s)));
    await flow.runAsync(shareds[0]!);
    expect(shareds.map((s) => s.counts)).toEqual([[1, 1], [1], [1]]);
    expect(node.count).toBe(0);
  });

  it('refuses to run an async node with run(), pointing to runAsync', () => {
    class A extends AsyncNode {}
    expect(() => new A().run({})).toThrow(AsyncRunRequiredError);
    expect(() => new A().run({})).toThrow("Node 'A' is async: call runAsync(shared) instead of run(shared).");
    expect(() => new AsyncFlow(new A()).run({})).toThrow(AsyncRunRequiredError);
  });

  it('refuses to run a sync Flow that contains an async node, before any node runs', () => {
    const shared: NumShared = {};
    class Later extends AsyncNode<NumShared> {}
    const start = new SetNumber(7);
    start.next(new Later());
    expect(() => new Flow(start).run(shared)).toThrow(SyncFlowAsyncNodeError);
    expect(() => new Flow(start).run(shared)).toThrow(/node 'Later' is async\. Use AsyncFlow/);
    expect(shared.current).toBeUndefined();
  });

  it('warns when a node with successors is run alone', () => {
    const logger = recordingLogger();
    const start = new NoOp();
    start.next(new NoOp());
    return start.runAsync({}, { logger }).then(() => {
      expect(logger.warnings[0]).toContain("won't run its successors");
    });
  });

  it('warns through the run’s logger, once, when an edge was overwritten', async () => {
    const logger = recordingLogger();
    const start = new NoOp();
    start.next(new NoOp(), 'go');
    start.next(new NoOp(), 'go');
    const flow = new AsyncFlow(start);
    await flow.runAsync({}, { logger });
    await flow.runAsync({}, { logger });
    expect(logger.warnings.filter((w) => w.includes("Overwriting successor for action 'go' of node 'NoOp'"))).toHaveLength(1);
  });

  it('warns about an overwritten edge of a node run alone too', async () => {
    const logger = recordingLogger();
    const start = new NoOp();
    start.next(new NoOp(), 'go');
    start.next(new NoOp(), 'go');
    await start.runAsync({}, { logger });
    expect(logger.warnings).toContain("Overwriting successor for action 'go' of node 'NoOp'.");
  });

  it('checks the action type in the sync loop too', () => {
    class Numeric extends Node<NumShared> {
      override post(): string {
        return 7 as unknown as string;
      }
    }
    expect(() => new Flow(new Numeric()).run({})).toThrow("Node 'Numeric' returned number 7 from post; an action must be a string.");
  });

  it('runs 10,000 steps without growing the stack', async () => {
    const depths: number[] = [];
    class Step extends AsyncNode<{ n: number }> {
      override async postAsync(shared: { n: number }): Promise<string | undefined> {
        shared.n += 1;
        if (shared.n === 2 || shared.n === 10_000) {
          depths.push((new Error().stack ?? '').split('\n').length);
        }
        return shared.n < 10_000 ? 'again' : undefined;
      }
    }
    const step = new Step();
    step.next(step, 'again');
    const shared = { n: 0 };
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = Infinity;
    try {
      await new AsyncFlow(step).runAsync(shared);
    } finally {
      Error.stackTraceLimit = limit;
    }
    expect(shared.n).toBe(10_000);
    // The stack (async frames included) at the 10,000th step is the one of the second.
    expect(depths[1]).toBe(depths[0]);

    const syncShared = { current: 0 };
    class SyncStep extends Node<{ current: number }> {
      override post(shared: { current: number }): string | undefined {
        shared.current += 1;
        return shared.current < 10_000 ? 'again' : undefined;
      }
    }
    const syncStep = new SyncStep();
    syncStep.next(syncStep, 'again');
    new Flow(syncStep).run(syncShared);
    expect(syncShared.current).toBe(10_000);
  });
});

describe('ending a run on purpose', () => {
  class NoRecipe extends FlowFailure {}

  it('a FlowFailure thrown in post ends the run with that error, and no later node runs', async () => {
    const thrown = new FlowFailure('No recipe fits');
    const ran: string[] = [];
    class GiveUp extends AsyncNode {
      override async postAsync(): Promise<undefined> {
        throw thrown;
      }
    }
    class Later extends AsyncNode {
      override async prepAsync(): Promise<void> {
        ran.push('Later');
      }
    }
    const start = new GiveUp();
    start.next(new Later());
    await expect(new AsyncFlow(start).runAsync({})).rejects.toBe(thrown);
    expect(ran).toEqual([]);
  });

  it('a FlowFailure thrown in a sync flow’s prep ends the run with that error', () => {
    class Refuse extends Node {
      override prep(): void {
        throw new NoRecipe('Nothing to cook with');
      }
    }
    expect(() => new Flow(new Refuse()).run({})).toThrow(NoRecipe);
  });

  it('a FlowFailure carries its type (by default its class name), its details and its cause', () => {
    const plain = new FlowFailure('No recipe fits');
    expect(plain).toBeInstanceOf(PocketFlowError);
    expect({ name: plain.name, type: plain.type, details: plain.details, cause: plain.cause }).toEqual({
      name: 'FlowFailure',
      type: 'FlowFailure',
      details: [],
      cause: undefined,
    });
    const cause = new RangeError('too few');
    const typed = new FlowFailure('No recipe fits', { type: 'NoRecipe', details: [{ tried: 3 }], cause });
    expect({ type: typed.type, details: typed.details, cause: typed.cause }).toEqual({ type: 'NoRecipe', details: [{ tried: 3 }], cause });
    expect(new NoRecipe('No recipe fits').type).toBe('NoRecipe');
  });

  it('a FlowFailure thrown in exec is retried and handed to the fallback like any other error', async () => {
    const tries: number[] = [];
    class Fetch extends AsyncNode<{ got?: string }, void, string> {
      override async execAsync(): Promise<string> {
        tries.push(this.curRetry);
        throw new FlowFailure(`down on try ${this.curRetry}`);
      }
      override async execFallbackAsync(_p: void, error: Error): Promise<string> {
        return `${error.name}: ${error.message}`;
      }
      override async postAsync(shared: { got?: string }, _p: void, got: string): Promise<undefined> {
        shared.got = got;
        return undefined;
      }
    }
    const shared: { got?: string } = {};
    await new AsyncFlow(new Fetch({ maxRetries: 2 })).runAsync(shared);
    expect(tries).toEqual([0, 1]);
    expect(shared.got).toBe('FlowFailure: down on try 1');
  });

  it('FlowFailure is exported by the main entry and the workflow entry', () => {
    expect(mainEntry.FlowFailure).toBe(FlowFailure);
    expect(workflowEntry.FlowFailure).toBe(FlowFailure);
  });
});

describe('mistakes a user can make', () => {
  it('passing a non-node to next names what was passed', () => {
    expect(() => new NoOp().next({} as unknown as BaseNode)).toThrow(
      "Node 'NoOp'.next() needs a node, got a plain object. Pass an instance of Node, AsyncNode or a flow.",
    );
    expect(() => new NoOp().next('Other' as unknown as BaseNode)).toThrow(FlowDefinitionError);
  });

  it('an action that is not a string names the action', () => {
    expect(() => new NoOp().next(new NoOp(), 42 as unknown as string)).toThrow(
      "Node 'NoOp'.next(): the action must be a non-empty string, got number 42.",
    );
    expect(() => new NoOp().on(undefined as unknown as string, new NoOp())).toThrow(FlowDefinitionError);
  });

  it('a post that returns a non-string action names the node', async () => {
    class Bad extends AsyncNode {
      override async postAsync(): Promise<string> {
        return 7 as unknown as string;
      }
    }
    await expect(new AsyncFlow(new Bad()).runAsync({})).rejects.toThrow(
      "Node 'Bad' returned number 7 from post; an action must be a string.",
    );
  });

  it('a flow with no start node says how to give it one', async () => {
    expect(() => new Flow().run({})).toThrow(
      "Flow 'Flow' has no start node. Call flow.start(node) or pass the node to the constructor.",
    );
    await expect(new AsyncFlow().runAsync({})).rejects.toThrow(FlowDefinitionError);
    const outer = new AsyncFlow(new AsyncFlow({ name: 'Inner' }));
    await expect(outer.runAsync({})).rejects.toThrow("Flow 'Inner' has no start node.");
  });

  it('start() returns its node and refuses a non-node', () => {
    const flow = new Flow();
    const node = new NoOp();
    expect(flow.start(node)).toBe(node);
    expect(() => flow.start(null as unknown as BaseNode)).toThrow("Flow 'Flow'.start() needs a node, got null.");
  });

  it('bad retry options are refused when the node is built', () => {
    expect(() => new Node({ maxRetries: 0 })).toThrow(/maxRetries must be a whole number of at least 1/);
    expect(() => new Node(2, -1)).toThrow(/wait must be a number of seconds, 0 or more, got -1/);
  });

  it('two nodes given the same name in one flow are refused; unnamed repeats keep their class name, unchanged by a run', () => {
    const a = new NoOp({ name: 'Same' });
    a.next(new NoOp({ name: 'Same' }));
    expect(() => new Flow(a).run({})).toThrow("Flow 'Flow' has two nodes named 'Same'.");

    const first = new NoOp();
    const second = first.next(new NoOp());
    const third = second.next(new NoOp());
    new Flow(first).run({});
    expect([first.name, second.name, third.name]).toEqual(['NoOp', 'NoOp', 'NoOp']);
  });

  it('names a registered flow by its registered name when two of its nodes share a name', () => {
    const build = () => {
      const a = new NoOp({ name: 'Same' });
      a.next(new NoOp({ name: 'Same' }));
      return new AsyncFlow(a);
    };
    expect(() => defineFlows({ 'my-flow': build })).toThrow("Flow 'my-flow' has two nodes named 'Same'.");
  });
});
