/**
 * Flows for the durability tests: a slow middle step to crash in, a small flow to replay, and
 * errors in prep and post, some that a fixed build repairs and some that end the run.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { AsyncFlow, AsyncHumanNode, AsyncNode, AsyncParallelBatchNode, FlowFailure } from '../../src/core/index.js';

type Shared = { posts?: Record<string, number>; trail?: string[] };

class Counted extends AsyncNode<Shared> {
  constructor(
    name: string,
    private readonly sleepMs: number,
    temporal?: { startToCloseTimeout: string },
  ) {
    super({ name, maxRetries: 5, wait: 0.2, temporal });
  }
  override async execAsync(): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, this.sleepMs));
    return `${this.name} done`;
  }
  override async postAsync(shared: Shared, _p: unknown, execRes: unknown): Promise<undefined> {
    shared.posts = { ...shared.posts, [this.name]: (shared.posts?.[this.name] ?? 0) + 1 };
    shared.trail = [...(shared.trail ?? []), execRes as string];
    return undefined;
  }
}

/** First → Slow (3 s, timing out after 6 s so a killed worker's try is retried soon) → Last. */
export function createCrashableFlow(): AsyncFlow<Shared> {
  const first = new Counted('First', 10);
  first.next(new Counted('Slow', 3000, { startToCloseTimeout: '6s' })).next(new Counted('Last', 10));
  return new AsyncFlow(first);
}

/** Items 0-2 take 50 ms, items 3-5 four seconds; each result says which worker process ran it. */
class SlowHalf extends AsyncParallelBatchNode<Shared & { ranBy?: string[] }, number, string> {
  override async prepAsync(): Promise<number[]> {
    return [0, 1, 2, 3, 4, 5];
  }
  override async execAsync(item: number): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, item < 3 ? 50 : 4000));
    return `${item} by ${(globalThis as { process?: { pid: number } }).process?.pid}`;
  }
  override async postAsync(shared: Shared & { ranBy?: string[] }, _items: number[], results: string[]): Promise<undefined> {
    shared.ranBy = results;
    return undefined;
  }
}

/** One group of six items in one activity, heartbeating, retried soon after its worker is gone. */
export function createGroupedCrashableFlow(): AsyncFlow<Shared> {
  return new AsyncFlow(new SlowHalf({ name: 'SlowHalf', maxRetries: 3, wait: 0.1, temporal: { itemsPerActivity: 6, heartbeatTimeout: '2s' } }));
}

/** One → Two; with `changed`, One → Three: a graph change that breaks replay. */
export function createReplayDemoFlow(changed = false): AsyncFlow<Shared> {
  const one = new Counted('One', 0);
  one.next(new Counted(changed ? 'Three' : 'Two', 0));
  return new AsyncFlow(one);
}

class HugeInput extends AsyncNode<Shared, string, number> {
  /** 700,000 euro signs: 0.7 million UTF-16 units, but 2.1 MB of UTF-8 in the payload. */
  override async prepAsync(): Promise<string> {
    return '\u20ac'.repeat(700_000);
  }
  override async execAsync(input: string): Promise<number> {
    return input.length;
  }
}

/** A node whose prep result is past Temporal's payload limit in bytes, though not in characters. */
export function createHugeInputFlow(): AsyncFlow<Shared> {
  return new AsyncFlow(new HugeInput());
}

/** Post puts a function in the store, then waits for a person; the next node's exec must never run. */
class KeepsCallbackThenAsks extends AsyncNode<Shared & { callback?: unknown }> {
  override async postAsync(shared: Shared & { callback?: unknown }): Promise<undefined> {
    shared.trail = ['kept'];
    shared.callback = function callback() {};
    await this.getUserInput('Go on? (y/n)', { choices: ['y', 'n'] });
    return undefined;
  }
}

/** KeepsCallbackThenAsks → After (an exec activity). */
export function createUnportableStoreFlow(): AsyncFlow<Shared> {
  const keeps = new KeepsCallbackThenAsks();
  keeps.next(new Counted('After', 0));
  return new AsyncFlow(keeps);
}

type Recipe = { title: string };

/** Post reads the title of a recipe that the store does not hold: a TypeError, unless `fixed`. */
class ReadsTitle extends AsyncNode<Shared & { recipe?: Recipe }> {
  constructor(private readonly fixed: boolean) {
    super({ name: 'ReadsTitle' });
  }
  override async postAsync(shared: Shared & { recipe?: Recipe }): Promise<undefined> {
    const title = this.fixed ? (shared.recipe?.title ?? 'no recipe') : (shared.recipe as Recipe).title;
    shared.trail = [...(shared.trail ?? []), title];
    return undefined;
  }
}

/** Before (an exec activity) → ReadsTitle, whose post throws a TypeError; `fixed`: the build that repairs it. */
export function createPostThrowsFlow(fixed = false): AsyncFlow<Shared> {
  const before = new Counted('Before', 0);
  before.next(new ReadsTitle(fixed));
  return new AsyncFlow(before);
}

/** Asks for a yes or no, then its post reads a field of nothing (a TypeError): the answer is taken and the task fails. */
class ApprovesThenThrows extends AsyncHumanNode<Shared & { recipe?: Recipe }, void, string> {
  constructor(private readonly fixed: boolean) {
    super({ name: 'ApprovesThenThrows' });
  }
  override async execAsync(): Promise<string> {
    return this.getUserInput('Approve? (y/n)', { choices: ['y', 'n'] });
  }
  override async postAsync(shared: Shared & { recipe?: Recipe }, _prep: void, answer: string): Promise<undefined> {
    const title = this.fixed ? (shared.recipe?.title ?? 'no recipe') : (shared.recipe as Recipe).title;
    shared.trail = [title, `answered ${answer}`];
    return undefined;
  }
}

/** ApprovesThenThrows, whose post throws a TypeError right after it takes the answer, unless `fixed`. */
export function createApprovalThenPostThrowsFlow(fixed = false): AsyncFlow<Shared> {
  return new AsyncFlow(new ApprovesThenThrows(fixed));
}

/** Post returns a number where an action (a string) belongs. */
class ReturnsNumber extends AsyncNode<Shared> {
  override async postAsync(): Promise<string> {
    return 42 as unknown as string;
  }
}

export function createNumberActionFlow(): AsyncFlow<Shared> {
  return new AsyncFlow(new ReturnsNumber());
}

/** Post ends the run on purpose (with a plain error as the cause, which must not make the failure repairable). */
class GivesUp extends AsyncNode<Shared> {
  override async postAsync(): Promise<undefined> {
    const cause = new RangeError('0 of 3 recipes match');
    throw new FlowFailure('No recipe fits', { type: 'NoRecipe', details: [{ tried: 3 }], cause });
  }
}

export function createFlowFailureFlow(): AsyncFlow<Shared> {
  return new AsyncFlow(new GivesUp());
}

/** Prep ends the run with a Temporal failure of its own. */
class RefusesInput extends AsyncNode<Shared> {
  override async prepAsync(): Promise<undefined> {
    throw ApplicationFailure.create({ message: 'The ingredient list is empty', type: 'EmptyInput' });
  }
}

export function createApplicationFailureFlow(): AsyncFlow<Shared> {
  return new AsyncFlow(new RefusesInput());
}

/** Counts to `to`, one step (and one exec) at a time. */
class CountTo extends AsyncNode<Shared & { n?: number }, number, number> {
  /** A plain field: each step runs on a copy of the node, which has none of its #private fields. */
  readonly to: number;
  constructor(to: number) {
    super({ name: 'Count' });
    this.to = to;
  }
  override async prepAsync(shared: Shared & { n?: number }): Promise<number> {
    return shared.n ?? 0;
  }
  override async execAsync(n: number): Promise<number> {
    return n + 1;
  }
  override async postAsync(shared: Shared & { n?: number }, _n: number, next: number): Promise<string | undefined> {
    shared.n = next;
    return next < this.to ? 'again' : undefined;
  }
}

/** A loop of 300 steps: a long run whose steps are read back from its histories. */
export function createThreeHundredStepsFlow(): AsyncFlow<Shared> {
  const count = new CountTo(300);
  count.next(count, 'again');
  return new AsyncFlow(count);
}
