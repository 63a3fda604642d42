/**
 * Flows that run both in-process and on Temporal, with what each should end with. Imported by
 * the test workflow bundle, so it is deterministic apart from exec.
 */
import {
  AsyncBatchFlow,
  AsyncBatchNode,
  AsyncFlow,
  AsyncHumanNode,
  AsyncNode,
  AsyncParallelBatchFlow,
  AsyncParallelBatchNode,
  type AnyFlow,
  type FlowRunOptions,
  Node,
  type Params,
} from '../../src/workflow.js';

type Shared = Record<string, unknown>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class Flaky extends AsyncNode<Shared, string, string> {
  override async prepAsync(): Promise<string> {
    return 'payload';
  }
  override async execAsync(prepRes: string): Promise<string> {
    if (this.curRetry < 2) {
      throw new Error(`try ${this.curRetry} failed`);
    }
    return `${prepRes} on try ${this.curRetry}`;
  }
  override async postAsync(shared: Shared, _p: string, execRes: string): Promise<undefined> {
    shared['result'] = execRes;
    return undefined;
  }
}

class FailsWithFallback extends AsyncNode<Shared, string, string> {
  override async prepAsync(): Promise<string> {
    return 'input';
  }
  override async execAsync(): Promise<string> {
    throw new RangeError(`out of range on try ${this.curRetry}`);
  }
  override async execFallbackAsync(prepRes: string, error: Error): Promise<string> {
    return `fallback for ${prepRes} after ${error.name}: ${error.message}`;
  }
  override async postAsync(shared: Shared, _p: string, execRes: string): Promise<undefined> {
    shared['result'] = execRes;
    return undefined;
  }
}

class AlwaysFails extends AsyncNode<Shared> {
  override async execAsync(): Promise<never> {
    throw new TypeError(`broken on try ${this.curRetry}`);
  }
}

class TenTimes extends AsyncBatchNode<Shared, number, number> {
  override async prepAsync(): Promise<number[]> {
    return [3, 1, 2];
  }
  override async execAsync(item: number): Promise<number> {
    await sleep(item * 20);
    return item * 10;
  }
  override async postAsync(shared: Shared, _i: number[], results: number[]): Promise<undefined> {
    shared['results'] = results;
    return undefined;
  }
}

/** Even items fail their first try, item 5 every try (its fallback answers); results say which try. */
function triesPerItem<T extends typeof AsyncBatchNode | typeof AsyncParallelBatchNode>(Base: T) {
  return class extends (Base as typeof AsyncBatchNode<Shared, number, string>) {
    override async prepAsync(): Promise<number[]> {
      return [0, 1, 2, 3, 4, 5];
    }
    override async execAsync(item: number): Promise<string> {
      if (item === 5 || (item % 2 === 0 && this.curRetry === 0)) {
        throw new RangeError(`item ${item} failed on try ${this.curRetry}`);
      }
      return `${item} on try ${this.curRetry}`;
    }
    override async execFallbackAsync(item: number, error: Error): Promise<string> {
      return `fallback for ${item} after ${error.message}`;
    }
    override async postAsync(shared: Shared, _i: number[], results: string[]): Promise<undefined> {
      shared['results'] = results;
      return undefined;
    }
  };
}

const TriesPerItemInTurn = triesPerItem(AsyncBatchNode);
const TriesPerItemAtOnce = triesPerItem(AsyncParallelBatchNode);

/** What both batches of `triesPerItem` end with. */
const TRIES_PER_ITEM = [
  '0 on try 1',
  '1 on try 0',
  '2 on try 1',
  '3 on try 0',
  '4 on try 1',
  'fallback for 5 after item 5 failed on try 1',
];

/** Item 3 fails every try, and there is no fallback: the batch fails with its error. */
class BrokenAtThree extends AsyncParallelBatchNode<Shared, number, number> {
  override async prepAsync(): Promise<number[]> {
    return [1, 2, 3, 4];
  }
  override async execAsync(item: number): Promise<number> {
    if (item === 3) {
      throw new TypeError(`item ${item} broken on try ${this.curRetry}`);
    }
    return item;
  }
}

type Window = { item: number; start: number; end: number };

class Overlap extends AsyncParallelBatchNode<Shared, number, Window> {
  override async prepAsync(shared: Shared): Promise<number[]> {
    return shared['items'] as number[];
  }
  override async execAsync(item: number): Promise<Window> {
    const start = Date.now();
    await sleep(400);
    return { item, start, end: Date.now() };
  }
  override async postAsync(shared: Shared, _i: number[], windows: Window[]): Promise<undefined> {
    shared['order'] = windows.map((w) => w.item);
    shared['maxOverlap'] = maxOverlap(windows);
    return undefined;
  }
}

/** The largest number of windows open at one instant. */
export function maxOverlap(windows: Window[]): number {
  let most = 0;
  for (const w of windows) {
    most = Math.max(most, windows.filter((o) => o.start < w.end && w.start < o.end && o.start <= w.start).length);
  }
  return most;
}

class Mark extends AsyncNode<Shared> {
  constructor(
    private readonly label: string,
    private readonly action?: string,
  ) {
    super({ name: `Mark_${label}` });
  }
  override async execAsync(): Promise<string> {
    return `${this.label}:${JSON.stringify(this.params)}`;
  }
  override async postAsync(shared: Shared, _p: unknown, execRes: unknown): Promise<string | undefined> {
    const trail = (shared['trail'] as string[] | undefined) ?? [];
    trail.push(execRes as string);
    shared['trail'] = trail;
    return this.action;
  }
}

class SyncDouble extends Node<Shared, number, number> {
  override prep(shared: Shared): number {
    return shared['n'] as number;
  }
  override exec(n: number): number {
    return n * 2;
  }
  override post(shared: Shared, _p: number, doubled: number): undefined {
    shared['n'] = doubled;
    return undefined;
  }
}

class AskName extends AsyncNode<Shared> {
  override async prepAsync(shared: Shared): Promise<void> {
    shared['name'] = await this.getUserInput('Your name?');
  }
}

class Approve extends AsyncHumanNode<Shared, string, string> {
  override async prepAsync(shared: Shared): Promise<string> {
    return shared['name'] as string;
  }
  override async execAsync(name: string): Promise<string> {
    return this.getUserInput(`Hello ${name}, approve? (y/n)`, { choices: ['y', 'n'] });
  }
  override async postAsync(shared: Shared, _p: string, answer: string): Promise<string> {
    shared['approved'] = answer === 'y';
    return answer === 'y' ? 'approved' : 'rejected';
  }
}

class ApproveWithin extends AsyncHumanNode<Shared, void, string | null> {
  override async execAsync(): Promise<string | null> {
    return this.getUserInput('Approve within a second? (y/n)', { choices: ['y', 'n'], timeoutSeconds: 1 });
  }
  override async postAsync(shared: Shared, _p: void, answer: string | null): Promise<string> {
    shared['answer'] = answer;
    return answer ?? 'timeout';
  }
}

class CountTo12 extends AsyncNode<Shared, number, number> {
  override async prepAsync(shared: Shared): Promise<number> {
    return (shared['n'] as number | undefined) ?? 0;
  }
  override async execAsync(n: number): Promise<number> {
    return n + 1;
  }
  override async postAsync(shared: Shared, _p: number, n: number): Promise<string | undefined> {
    shared['n'] = n;
    return n < 12 ? 'again' : undefined;
  }
}

/** A flow with its own prep and post around a loop: both must survive a continue-as-new. */
class CountingFlow extends AsyncFlow<Shared, { from: number }> {
  override async prepAsync(shared: Shared): Promise<{ from: number }> {
    return { from: (shared['n'] as number | undefined) ?? 0 };
  }
  override async postAsync(shared: Shared, prep: { from: number }, last: string | undefined): Promise<string> {
    shared['countedFrom'] = prep.from;
    return last ?? 'counted';
  }
}

/** Counts `shared[<key param>]` up to 3 per param set, one step at a time. */
class TallyToThree extends AsyncNode<Shared, number, number> {
  constructor() {
    super({ name: 'TallyToThree' });
  }
  override async prepAsync(shared: Shared): Promise<number> {
    return (shared[`tally_${String(this.params['key'])}`] as number | undefined) ?? 0;
  }
  override async execAsync(n: number): Promise<number> {
    return n + 1;
  }
  override async postAsync(shared: Shared, _p: number, n: number): Promise<string | undefined> {
    shared[`tally_${String(this.params['key'])}`] = n;
    return n < 3 ? 'again' : undefined;
  }
}

/** Three param sets, whose count it writes after the walks. */
class Tallies extends AsyncBatchFlow<Shared> {
  override async prepAsync(): Promise<Params[]> {
    return [{ key: 'a' }, { key: 'b' }, { key: 'c' }];
  }
  override async postAsync(shared: Shared, paramSets: Params[]): Promise<undefined> {
    shared['paramSets'] = paramSets.length;
    return undefined;
  }
}

/** One step per param set: marks its key, appends it to a list, and (when counting) adds one to a count. */
class Visit extends AsyncNode<Shared, number, string> {
  constructor(private readonly counting: boolean) {
    super({ name: counting ? 'VisitAndCount' : 'Visit' });
  }
  override async prepAsync(shared: Shared): Promise<number> {
    return (shared['count'] as number | undefined) ?? 0;
  }
  override async execAsync(): Promise<string> {
    return String(this.params['key']);
  }
  override async postAsync(shared: Shared, count: number, key: string): Promise<undefined> {
    shared[`visited_${key}`] = true;
    shared['seen'] = [...((shared['seen'] as string[] | undefined) ?? []), key];
    if (this.counting) {
      shared['count'] = count + 1;
    }
    return undefined;
  }
}

const SEVEN_KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];

/** Seven param sets, one after another. */
class SevenInTurn extends AsyncBatchFlow<Shared> {
  override async prepAsync(): Promise<Params[]> {
    return SEVEN_KEYS.map((key) => ({ key }));
  }
}

/** Seven param sets at once; post sorts the list the walks appended to. */
class SevenAtOnce extends AsyncParallelBatchFlow<Shared> {
  override async prepAsync(): Promise<Params[]> {
    return SEVEN_KEYS.map((key) => ({ key }));
  }
  override async postAsync(shared: Shared): Promise<undefined> {
    shared['seen'] = [...(shared['seen'] as string[])].sort();
    return undefined;
  }
}

const visitedAll = Object.fromEntries(SEVEN_KEYS.map((key) => [`visited_${key}`, true]));

/** A nested flow with a prep of its own, whose post says what it was. */
class InnerCounting extends AsyncFlow<Shared, string> {
  override async prepAsync(shared: Shared): Promise<string> {
    // Taken from the store when the nested flow starts: a resume that ran prep again would see n > 0.
    return `inner prep at n=${String(shared['n'] ?? 0)}`;
  }
  override async postAsync(shared: Shared, prep: string): Promise<undefined> {
    shared['innerPrep'] = prep;
    return undefined;
  }
}

class Files extends AsyncBatchFlow<Shared> {
  override async prepAsync(): Promise<Params[]> {
    return [{ file: 'a.txt' }, { file: 'b.txt', lang: 'fr' }];
  }
}

class ParallelFiles extends AsyncParallelBatchFlow<Shared> {
  override async prepAsync(): Promise<Params[]> {
    return [{ file: 'x' }, { file: 'y' }, { file: 'z' }];
  }
  override async postAsync(shared: Shared): Promise<string> {
    shared['trail'] = [...(shared['trail'] as string[])].sort();
    return 'all-done';
  }
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** Builds the value named by `kind` afresh (exec builds it in the activity, the test builds the expected one). */
export function valueOf(kind: string): unknown {
  switch (kind) {
    case 'date':
      return new Date(Date.UTC(2026, 10, 28, 12, 30));
    case 'map':
      return new Map<unknown, unknown>([
        ['chicken', new Date(5)],
        [7, { tags: new Set(['quick']) }],
      ]);
    case 'set-of-bigints':
      return new Set([10n, 2n ** 70n]);
    case 'bigint':
      return 12345678901234567890n;
    case 'nested':
      return { recipes: [{ name: 'Soup', at: new Date(0), ratings: new Map([['ada', 5]]) }], total: 1n, ratio: NaN };
    case 'undefined-inside':
      return { kept: undefined, list: [undefined, 1], deep: { also: undefined } };
    case 'cycle': {
      const node: Record<string, unknown> = { name: 'loop' };
      node['self'] = node;
      node['pair'] = [node, node];
      return node;
    }
    case 'class-instance':
      return { nested: { p: new Point(1, 2) } };
    case 'function':
      return { list: [1, () => 2] };
    default:
      throw new Error(`no value '${kind}'`);
  }
}

/** What post can tell about a value by using it, beyond what equality shows (own undefined keys, cycles, types). */
export function shapeOf(value: unknown, seen = new Set<unknown>()): string {
  if (typeof value !== 'object' || value === null) {
    return typeof value;
  }
  if (seen.has(value)) {
    return 'cycle';
  }
  seen.add(value);
  const inner = (v: unknown) => shapeOf(v, seen);
  if (value instanceof Date) {
    return `Date(${value.getTime()})`;
  }
  if (value instanceof Map) {
    return `Map{${[...value].map(([k, v]) => `${inner(k)}=>${inner(v)}`).join(',')}}`;
  }
  if (value instanceof Set) {
    return `Set{${[...value].map(inner).join(',')}}`;
  }
  if (Array.isArray(value)) {
    return `[${value.map(inner).join(',')}]`;
  }
  return `{${Object.keys(value)
    .map((k) => `${k}:${inner((value as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

/** Exec returns the value of `params.kind`; post keeps it and what using it shows; the next node marks the trail. */
class Produce extends AsyncNode<Shared, string, unknown> {
  override async prepAsync(): Promise<string> {
    return this.params['kind'] as string;
  }
  override async execAsync(kind: string): Promise<unknown> {
    return valueOf(kind);
  }
  override async postAsync(shared: Shared, _kind: string, value: unknown): Promise<undefined> {
    shared['value'] = value;
    shared['shape'] = shapeOf(value);
    return undefined;
  }
}

/** Post writes the value of `params.kind` into the store (no exec). */
class Keep extends AsyncNode<Shared> {
  override async postAsync(shared: Shared): Promise<undefined> {
    shared['kept'] = valueOf(this.params['kind'] as string);
    return undefined;
  }
}

function valueFlow(kind: string, where: 'exec' | 'post'): AnyFlow {
  const start = where === 'exec' ? new Produce() : new Keep();
  start.next(new Mark('after'));
  const flow = new AsyncFlow(start);
  flow.setParams({ kind });
  return flow;
}

/** A row whose exec returns a value that round-trips: post sees it as it was made, in both runtimes. */
function roundTrip(kind: string): FlowCase {
  const value = valueOf(kind);
  return {
    build: () => valueFlow(kind, 'exec'),
    shared: {},
    expected: { shared: { value, shape: shapeOf(value), trail: ['after:{"kind":"' + kind + '"}'] }, action: undefined },
  };
}

const valueCases: Record<string, FlowCase> = {
  ...Object.fromEntries(
    ['date', 'map', 'set-of-bigints', 'bigint', 'nested', 'undefined-inside', 'cycle'].map((kind) => [`value-${kind}`, roundTrip(kind)]),
  ),
  'value-class-instance': {
    build: () => valueFlow('class-instance', 'exec'),
    shared: {},
    expected: { error: /Node 'Produce': the exec result holds an instance of Point .* at \$\.nested\.p,/ },
  },
  'value-function': {
    build: () => valueFlow('function', 'exec'),
    shared: {},
    expected: { error: /Node 'Produce': the exec result holds a function at \$\.list\[1\],/ },
  },
  'value-function-in-store': {
    build: () => valueFlow('function', 'post'),
    shared: {},
    expected: { error: /Node 'Keep': the shared store holds a function at \$\.kept\.list\[1\],/, repairable: true },
  },
  'value-in-initial-store': {
    build: () => valueFlow('date', 'post'),
    shared: { since: new Date(0), counts: new Map([['a', 1n]]) },
    expected: {
      shared: { since: new Date(0), counts: new Map([['a', 1n]]), kept: valueOf('date'), trail: ['after:{"kind":"date"}'] },
      action: undefined,
    },
  },
};

/** The services the table's runs are given, in-process and by the table's worker. */
export const tableServices = {
  async greet(name: string): Promise<string> {
    return `hello ${name}`;
  },
};

type TableServices = typeof tableServices;

/** Reads this.services in prep (or in post): refused in both runtimes, where prep and post run. */
class GreetsOutsideExec extends AsyncNode<Shared, string, string, TableServices> {
  constructor(private readonly where: 'prep' | 'post') {
    super({ name: where === 'prep' ? 'GreetsInPrep' : 'GreetsInPost' });
  }
  override async prepAsync(): Promise<string> {
    return this.where === 'prep' ? this.services.greet('prep') : 'post';
  }
  override async execAsync(name: string): Promise<string> {
    return this.services.greet(name);
  }
  override async postAsync(shared: Shared, _p: string, greeting: string): Promise<undefined> {
    shared['greeting'] = this.where === 'post' ? await this.services.greet('post') : greeting;
    return undefined;
  }
}

/** Streams from prep: refused in both runtimes, as prep is the flow's own deterministic step. */
class StreamsInPrep extends AsyncNode<Shared, string, string> {
  constructor() {
    super({ name: 'StreamsInPrep' });
  }
  override async prepAsync(): Promise<string> {
    this.stream('thinking');
    return 'x';
  }
  override async execAsync(input: string): Promise<string> {
    return input;
  }
}

/** Emits data that cannot cross a process: refused in both runtimes, watched or not, and not tried again. */
class EmitsAFunction extends AsyncNode<Shared, void, string> {
  constructor() {
    super({ name: 'EmitsAFunction', maxRetries: 3, wait: 0.01 });
  }
  override async execAsync(): Promise<string> {
    this.emit({ progress: () => 3 });
    return 'done';
  }
}

/** Asks a person from a plain node's exec: refused in both runtimes, not tried again, and not handed to the fallback. */
class AsksInExec extends AsyncNode<Shared, void, string> {
  constructor() {
    super({ name: 'AsksInExec', maxRetries: 3, wait: 0.01 });
  }
  override async execAsync(): Promise<string> {
    return this.getUserInput('Anyone there?');
  }
  override async execFallbackAsync(): Promise<string> {
    return 'fallback';
  }
  override async postAsync(shared: Shared, _p: void, answer: string): Promise<undefined> {
    shared['answer'] = answer;
    return undefined;
  }
}

/** Counts in post, from the store, once per param set: 101 param sets count to 101. */
class CountOne extends AsyncNode<Shared, number, number> {
  constructor() {
    super({ name: 'CountOne' });
  }
  override async prepAsync(): Promise<number> {
    return this.params['i'] as number;
  }
  override async execAsync(i: number): Promise<number> {
    return i;
  }
  override async postAsync(shared: Shared): Promise<undefined> {
    shared['count'] = ((shared['count'] as number | undefined) ?? 0) + 1;
    return undefined;
  }
}

const OneHundredAndOne = Array.from({ length: 101 }, (_, i) => ({ i }));

class CountInTurn extends AsyncBatchFlow<Shared> {
  override async prepAsync(): Promise<Params[]> {
    return OneHundredAndOne;
  }
}

class CountAtOnce extends AsyncParallelBatchFlow<Shared> {
  override async prepAsync(): Promise<Params[]> {
    return OneHundredAndOne;
  }
}

/** What exec can see: a copy of the prep result, and the node as built (not what prep set on it). */
class SeesCopies extends AsyncNode<Shared, number[], { sum: number; note: string }> {
  note: string | undefined;
  override async prepAsync(shared: Shared): Promise<number[]> {
    this.note = 'set in prep';
    return shared['list'] as number[];
  }
  override async execAsync(list: number[]): Promise<{ sum: number; note: string }> {
    list.reverse();
    const note = this.note ?? 'unset';
    this.note = 'set in exec';
    return { sum: list.reduce((a, b) => a + b, 0), note };
  }
  override async postAsync(shared: Shared, list: number[], result: { sum: number; note: string }): Promise<undefined> {
    shared['seen'] = { ...result, prepList: list, noteInPost: this.note ?? 'unset' };
    return undefined;
  }
}

/** Exec assigns to its params, which are read-only in every runtime. */
class TouchesParams extends AsyncNode<Shared> {
  override async execAsync(): Promise<void> {
    this.params['touched'] = true;
  }
}

class QuotaError extends Error {
  readonly code = 429;
  constructor(message: string) {
    super(message);
    this.name = 'QuotaError';
  }
}

/** Its exec throws a QuotaError, which it names as not retried: the fallback gets it at once, as its name and message. */
class GivesUpOnQuota extends AsyncNode<Shared, void, string> {
  constructor() {
    super({ name: 'GivesUpOnQuota', maxRetries: 3, wait: 0.01, nonRetryableErrors: ['QuotaError'] });
  }
  override async execAsync(): Promise<string> {
    throw new QuotaError(`over quota on try ${this.curRetry}`);
  }
  override async execFallbackAsync(_p: void, error: Error): Promise<string> {
    const extra = (error as Error & { code?: number }).code;
    return `${error.name}: ${error.message}; instanceof ${String(error instanceof QuotaError)}; code ${String(extra)}; curRetry ${this.curRetry}`;
  }
  override async postAsync(shared: Shared, _p: void, result: string): Promise<undefined> {
    shared['result'] = result;
    return undefined;
  }
}

/** Asks who sits at the seat its params name: with a parallel batch flow, two people are asked at once. */
class AskWho extends AsyncHumanNode<Shared, string, string> {
  constructor() {
    super({ name: 'AskWho' });
  }
  override async prepAsync(): Promise<string> {
    return String(this.params['seat']);
  }
  override async execAsync(seat: string): Promise<string> {
    return this.getUserInput(`Who sits ${seat}?`);
  }
  override async postAsync(shared: Shared, seat: string, answer: string): Promise<undefined> {
    shared[`seat_${seat}`] = answer;
    return undefined;
  }
}

class TwoSeats extends AsyncParallelBatchFlow<Shared> {
  override async prepAsync(): Promise<Params[]> {
    return [{ seat: 'left' }, { seat: 'right' }];
  }
}

/** Asks for answer n, twelve times; the run continues as new every three steps. */
class AnswerTwelve extends AsyncHumanNode<Shared, number, string> {
  constructor() {
    super({ name: 'AnswerTwelve' });
  }
  override async prepAsync(shared: Shared): Promise<number> {
    return ((shared['answers'] as string[] | undefined) ?? []).length + 1;
  }
  override async execAsync(n: number): Promise<string> {
    return this.getUserInput(`Answer ${n} of 12?`, { validate: (answer) => (answer === `a${n}` ? undefined : `Please answer a${n}.`) });
  }
  override async postAsync(shared: Shared, _n: number, answer: string): Promise<string | undefined> {
    const answers = [...((shared['answers'] as string[] | undefined) ?? []), answer];
    shared['answers'] = answers;
    return answers.length < 12 ? 'again' : undefined;
  }
}

/** A flow whose only node asks twelve times, continuing as new every three steps on Temporal. */
export function createTwelveAnswersFlow(): AnyFlow {
  const ask = new AnswerTwelve();
  ask.next(ask, 'again');
  return new AsyncFlow(ask);
}

export const TWELVE_ANSWERS = Array.from({ length: 12 }, (_, i) => `a${i + 1}`);

/** One row of the table: a flow, its initial store, the answers a person gives, what it ends with. */
export interface FlowCase {
  build: () => AnyFlow;
  /** How its runs behave on Temporal, as registered (continue-as-new, ...). */
  runOptions?: FlowRunOptions;
  shared: Shared;
  /** What the person answers, in order; `null` is no answer before the prompt's timeout. */
  answers?: Array<string | null>;
  /**
   * The store and action it ends with, or the error (its message on Temporal; in-process too unless
   * `inProcess` says otherwise). A `repairable` error ends the run in-process; on Temporal it fails
   * only the workflow task (a fixed build would continue the run), and the run stays open.
   */
  expected: { shared: Shared; action: string | undefined } | { error: RegExp; inProcess?: RegExp; repairable?: true };
  /** Its steps run side by side, so their events interleave in whichever order they go. */
  sideBySide?: true;
  /** How many activities its run schedules on Temporal (where its items run in groups). */
  activities?: number;
}

export const flowCases: Record<string, FlowCase> = {
  'retries-counted-by-attempt': {
    build: () => new AsyncFlow(new Flaky({ maxRetries: 3, wait: 0.01 })),
    shared: {},
    expected: { shared: { result: 'payload on try 2' }, action: undefined },
  },
  fallback: {
    build: () => new AsyncFlow(new FailsWithFallback({ maxRetries: 2, wait: 0.01 })),
    shared: {},
    expected: {
      shared: { result: 'fallback for input after RangeError: out of range on try 1' },
      action: undefined,
    },
  },
  'default-fallback-rethrows': {
    build: () => new AsyncFlow(new AlwaysFails({ maxRetries: 2, wait: 0.01 })),
    shared: {},
    expected: { error: /AlwaysFails.*broken on try 1/, inProcess: /broken on try 1/ },
  },
  'batch-order': {
    build: () => new AsyncFlow(new TenTimes()),
    shared: {},
    expected: { shared: { results: [30, 10, 20] }, action: undefined },
  },
  'parallel-overlap': {
    build: () => new AsyncFlow(new Overlap()),
    shared: { items: [4, 3, 2, 1] },
    expected: { shared: { items: [4, 3, 2, 1], order: [4, 3, 2, 1], maxOverlap: 4 }, action: undefined },
  },
  'concurrency-limit': {
    build: () => new AsyncFlow(new Overlap({ maxConcurrency: 2 })),
    shared: { items: [1, 2, 3, 4, 5] },
    expected: { shared: { items: [1, 2, 3, 4, 5], order: [1, 2, 3, 4, 5], maxOverlap: 2 }, action: undefined },
  },
  'nested-flow': {
    build: () => {
      const innerStart = new Mark('inner-1');
      innerStart.next(new Mark('inner-2', 'inner-done'));
      const inner = new AsyncFlow({ start: innerStart, name: 'Inner' });
      const outerStart = new Mark('outer-1');
      outerStart.next(inner).next(new Mark('after-inner'), 'inner-done');
      const flow = new AsyncFlow(outerStart);
      flow.setParams({ run: 1 });
      return flow;
    },
    shared: {},
    expected: {
      shared: {
        trail: ['outer-1:{"run":1}', 'inner-1:{"run":1}', 'inner-2:{"run":1}', 'after-inner:{"run":1}'],
      },
      action: undefined,
    },
  },
  'batch-flow-params': {
    build: () => {
      const flow = new Files(new Mark('file'));
      flow.setParams({ lang: 'en' });
      return flow;
    },
    shared: {},
    expected: {
      shared: { trail: ['file:{"lang":"en","file":"a.txt"}', 'file:{"lang":"fr","file":"b.txt"}'] },
      action: undefined,
    },
  },
  'parallel-batch-flow': {
    build: () => new ParallelFiles(new Mark('each')),
    shared: { trail: [] },
    expected: {
      shared: { trail: ['each:{"file":"x"}', 'each:{"file":"y"}', 'each:{"file":"z"}'] },
      action: 'all-done',
    },
  },
  'unknown-action-ends-flow': {
    build: () => {
      const start = new Mark('start', 'sideways');
      start.next(new Mark('never'), 'forward');
      return new AsyncFlow(start);
    },
    shared: {},
    expected: { shared: { trail: ['start:{}'] }, action: 'sideways' },
  },
  'human-input': {
    build: () => {
      const ask = new AskName();
      const approve = ask.next(new Approve());
      approve.next(new Mark('welcome'), 'approved');
      return new AsyncFlow(ask);
    },
    shared: {},
    answers: ['Ada', 'maybe', 'y'],
    expected: { shared: { name: 'Ada', approved: true, trail: ['welcome:{}'] }, action: undefined },
  },
  'human-timeout-is-an-action': {
    build: () => {
      const approve = new ApproveWithin();
      approve.next(new Mark('escalated'), 'timeout');
      return new AsyncFlow(approve);
    },
    shared: {},
    answers: [null],
    expected: { shared: { answer: null, trail: ['escalated:{}'] }, action: undefined },
  },
  'long-loop-continues-as-new': {
    build: () => {
      const count = new CountTo12();
      count.next(count, 'again');
      return new AsyncFlow(count);
    },
    runOptions: { continueAsNewAfterSteps: 5 },
    shared: {},
    expected: { shared: { n: 12 }, action: undefined },
  },
  'batch-in-children-tries-per-item': {
    build: () =>
      new AsyncFlow(new TriesPerItemInTurn({ name: 'TriesInTurn', maxRetries: 2, wait: 0.01, temporal: { childBatches: { threshold: 2, chunkSize: 2 } } })),
    shared: {},
    expected: { shared: { results: TRIES_PER_ITEM }, action: undefined },
  },
  'parallel-batch-in-children-tries-per-item': {
    build: () =>
      new AsyncFlow(new TriesPerItemAtOnce({ name: 'TriesAtOnce', maxRetries: 2, wait: 0.01, temporal: { childBatches: { threshold: 2, chunkSize: 2 } } })),
    shared: {},
    expected: { shared: { results: TRIES_PER_ITEM }, action: undefined },
  },
  'batch-grouped-tries-per-item': {
    build: () => new AsyncFlow(new TriesPerItemInTurn({ name: 'TriesInTurnGrouped', maxRetries: 2, wait: 0.01, temporal: { itemsPerActivity: 4 } })),
    shared: {},
    activities: 2,
    expected: { shared: { results: TRIES_PER_ITEM }, action: undefined },
  },
  'parallel-batch-grouped-tries-per-item': {
    build: () => new AsyncFlow(new TriesPerItemAtOnce({ name: 'TriesAtOnceGrouped', maxRetries: 2, wait: 0.01, temporal: { itemsPerActivity: 4 } })),
    shared: {},
    activities: 2,
    expected: { shared: { results: TRIES_PER_ITEM }, action: undefined },
  },
  'concurrency-limit-grouped': {
    build: () => new AsyncFlow(new Overlap({ name: 'OverlapGrouped', maxConcurrency: 2, temporal: { itemsPerActivity: 2 } })),
    shared: { items: [1, 2, 3, 4, 5] },
    activities: 3,
    expected: { shared: { items: [1, 2, 3, 4, 5], order: [1, 2, 3, 4, 5], maxOverlap: 2 }, action: undefined },
  },
  'parallel-grouped-item-fails': {
    build: () => new AsyncFlow(new BrokenAtThree({ maxRetries: 2, wait: 0.01, temporal: { itemsPerActivity: 2 } })),
    shared: {},
    expected: { error: /BrokenAtThree.*item 3 broken on try 1/, inProcess: /item 3 broken on try 1/ },
  },
  'parallel-batch-in-children-grouped': {
    build: () =>
      new AsyncFlow(
        new TriesPerItemAtOnce({
          name: 'TriesAtOnceInChildrenGrouped',
          maxRetries: 2,
          wait: 0.01,
          temporal: { childBatches: { threshold: 2, chunkSize: 4 }, itemsPerActivity: 2 },
        }),
      ),
    shared: {},
    expected: { shared: { results: TRIES_PER_ITEM }, action: undefined },
  },
  'batch-flow-in-children': {
    build: () => new SevenInTurn({ start: new Visit(true), temporal: { childBatches: { threshold: 3, chunkSize: 3 } } }),
    shared: { seen: ['before'] },
    expected: { shared: { ...visitedAll, seen: ['before', ...SEVEN_KEYS], count: 7 }, action: undefined },
  },
  'parallel-batch-flow-in-children': {
    build: () => new SevenAtOnce({ start: new Visit(false), temporal: { childBatches: { threshold: 3, chunkSize: 3 } } }),
    shared: {},
    expected: { shared: { ...visitedAll, seen: SEVEN_KEYS }, action: undefined },
  },
  'nested-batch-flow-in-children': {
    build: () => {
      const first = new Mark('first');
      first.next(new SevenInTurn({ name: 'Seven', start: new Visit(true), temporal: { childBatches: { threshold: 3, chunkSize: 3 } } }));
      return new AsyncFlow(first);
    },
    shared: {},
    expected: { shared: { ...visitedAll, seen: SEVEN_KEYS, count: 7, trail: ['first:{}'] }, action: undefined },
  },
  'root-prep-loop-continues-as-new': {
    build: () => {
      const count = new CountTo12();
      count.next(count, 'again');
      return new CountingFlow(count);
    },
    runOptions: { continueAsNewAfterSteps: 5 },
    shared: { n: 2 },
    expected: { shared: { n: 12, countedFrom: 2 }, action: 'counted' },
  },
  'nested-loop-continues-as-new': {
    build: () => {
      const count = new CountTo12();
      count.next(count, 'again');
      const first = new Mark('first');
      first.next(new InnerCounting({ name: 'Inner', start: count })).next(new Mark('last'));
      return new AsyncFlow(first);
    },
    runOptions: { continueAsNewAfterSteps: 4 },
    shared: {},
    expected: { shared: { n: 12, innerPrep: 'inner prep at n=0', trail: ['first:{}', 'last:{}'] }, action: undefined },
  },
  'batch-flow-continues-as-new': {
    build: () => {
      const tally = new TallyToThree();
      tally.next(tally, 'again');
      return new Tallies(tally);
    },
    runOptions: { continueAsNewAfterSteps: 2 },
    shared: {},
    expected: { shared: { tally_a: 3, tally_b: 3, tally_c: 3, paramSets: 3 }, action: undefined },
  },
  'batch-of-one-step-walks-continues-as-new': {
    build: () => new SevenInTurn(new Visit(true)),
    runOptions: { continueAsNewAfterSteps: 2 },
    shared: {},
    expected: { shared: { ...visitedAll, seen: SEVEN_KEYS, count: 7 }, action: undefined },
  },
  'sync-nodes-in-async-flow': {
    build: () => {
      const start = new SyncDouble({ name: 'FirstDouble' });
      start.next(new SyncDouble({ name: 'SecondDouble' }));
      return new AsyncFlow(start);
    },
    shared: { n: 3 },
    expected: { shared: { n: 12 }, action: undefined },
  },
  'services-in-prep': {
    build: () => new AsyncFlow(new GreetsOutsideExec('prep')),
    shared: {},
    expected: { error: /Node 'GreetsInPrep' read this\.services outside exec\. Services are for exec only/, repairable: true },
  },
  'services-in-post': {
    build: () => new AsyncFlow(new GreetsOutsideExec('post')),
    shared: {},
    expected: { error: /Node 'GreetsInPost' read this\.services outside exec\. Services are for exec only/, repairable: true },
  },
  'stream-in-prep': {
    build: () => new AsyncFlow(new StreamsInPrep()),
    shared: {},
    expected: { error: /Node 'StreamsInPrep' called stream\(\) outside exec/, repairable: true },
  },
  'emit-not-portable': {
    build: () => new AsyncFlow(new EmitsAFunction()),
    shared: {},
    expected: { error: /the data given to emit\(\)/ },
  },
  'prompt-from-plain-exec': {
    build: () => new AsyncFlow(new AsksInExec()),
    shared: {},
    answers: [],
    expected: { error: /Node 'AsksInExec' asked a person for input in exec, where no person can answer/ },
  },
  'running-count-over-101-param-sets': {
    build: () => new CountInTurn(new CountOne()),
    shared: {},
    expected: { shared: { count: 101 }, action: undefined },
  },
  'parallel-running-count-over-101-param-sets': {
    build: () => new CountAtOnce(new CountOne()),
    shared: {},
    expected: { shared: { count: 101 }, action: undefined },
  },
  'exec-sees-copies': {
    build: () => new AsyncFlow(new SeesCopies()),
    shared: { list: [1, 2, 3] },
    expected: {
      shared: { list: [1, 2, 3], seen: { sum: 6, note: 'unset', prepList: [1, 2, 3], noteInPost: 'set in prep' } },
      action: undefined,
    },
  },
  'params-are-read-only': {
    build: () => new AsyncFlow(new TouchesParams()),
    shared: {},
    expected: { error: /Cannot add property touched, object is not extensible/ },
  },
  'non-retryable-error-to-fallback-by-name': {
    build: () => new AsyncFlow(new GivesUpOnQuota()),
    shared: {},
    expected: {
      shared: { result: 'QuotaError: over quota on try 0; instanceof false; code undefined; curRetry 2' },
      action: undefined,
    },
  },
  'two-people-at-once': {
    build: () => new TwoSeats(new AskWho()),
    shared: {},
    answers: ['Ada', 'Bo'],
    sideBySide: true,
    expected: { shared: { seat_left: 'Ada', seat_right: 'Bo' }, action: undefined },
  },
  'human-loop-of-12-answers-continues-as-new': {
    build: createTwelveAnswersFlow,
    runOptions: { continueAsNewAfterSteps: 3 },
    shared: {},
    answers: TWELVE_ANSWERS,
    expected: { shared: { answers: TWELVE_ANSWERS }, action: undefined },
  },
  ...valueCases,
};

