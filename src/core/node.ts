import type { InputRequest, RunContext, RunOptions } from './context.js';
import { AsyncRunRequiredError, describeValue, FlowDefinitionError } from './errors.js';
import { execWithRetriesSync, mapWithLimit } from './exec.js';
import { createRunContext } from './run-context.js';
import { assertExecResult, assertExecResults, assertPortable, isReference } from './serializable.js';
import { consoleLogger, type Logger } from './logger.js';
import {
  CALL_EXEC,
  CALL_FALLBACK,
  EXEC_STEP,
  EXEC_STEP_SYNC,
  HAS_EXEC,
  HAS_FALLBACK,
  POST,
  PREP,
  RUN,
  RUN_ASYNC,
  RUN_SYNC,
} from './symbols.js';

/** The label on an edge; `post` returning nothing means `'default'`. */
export type Action = string;

/** Parameters a flow hands to each node it runs (PocketFlow's `params`). */
export type Params = Record<string, unknown>;

/** A duration as Temporal takes it: milliseconds, or a string such as `'30s'` or `'2 minutes'`. */
export type Duration = number | string;

/** How exec is applied to the prep result: once, per item in order, or per item in parallel. */
export type BatchMode = 'none' | 'sequential' | 'parallel';

/** How a node's exec runs as a Temporal activity. Unset fields take the runtime's defaults. */
export interface TemporalNodeOptions {
  startToCloseTimeout?: Duration;
  scheduleToCloseTimeout?: Duration;
  heartbeatTimeout?: Duration;
  /** Multiplier between retry intervals (default 1: PocketFlow's fixed `wait`). */
  backoffCoefficient?: number;
  maximumInterval?: Duration;
  /** Error names (the `name` of the thrown error) that are never retried. */
  nonRetryableErrorTypes?: string[];
  /** Run this node's activities on another task queue (for example, workers with a GPU). */
  taskQueue?: string;
  /**
   * Run exec as a local activity: in the worker that runs the workflow, inside its workflow task,
   * with no task-queue hop and history markers instead of activity events. For quick execs
   * (parsing, small lookups, cheap model calls); no `taskQueue`, no heartbeats.
   */
  local?: boolean;
  /**
   * Registered flows only: continue as new (a fresh history, same shared store) after this many
   * steps in one run, counting the steps of nested flows; Temporal's own suggestion (a long
   * history) triggers it too. It happens between two steps of any flow of the run (a loop inside a
   * nested flow, between the param sets of a batch flow), except inside a parallel batch flow.
   */
  continueAsNewAfterSteps?: number;
  /**
   * Top-level flows only: when the run updates its `PocketFlowNode` search attribute. `'every-node'`
   * (the default): each time the node running or waiting changes, one history event (and a
   * visibility write) each time. `'waiting'`: only when the run starts or stops waiting for a
   * person, for loops of quick steps where an event per step costs too much.
   */
  searchAttributes?: 'every-node' | 'waiting';
  /**
   * Registered flows only, under Worker Versioning: `'pinned'` (the default) finishes each run on
   * the build it started on; `'auto-upgrade'` moves open runs to each new current build, whose
   * code must then replay their histories (check with `pocketflow-temporal check-replay`).
   */
  versioning?: 'pinned' | 'auto-upgrade';
  /**
   * Registered flows only: at most this many exec activities of a run pending at once, across
   * every batch, parallel flow and nested flow of the run; more wait for a slot. Temporal refuses a
   * workflow task that would leave more than 2,000 pending (a run that then never moves), so the
   * default is 1,000 and the most is 2,000.
   */
  maxPendingActivities?: number;
  /**
   * Batch nodes: a batch of more than `threshold` items (default 1,000) runs its items in child
   * workflows of `chunkSize` items each (default 1,000; fewer when their payload would pass
   * Temporal's limit), a parallel batch at most `concurrentChunks` at once (default 10), so that no
   * history holds more than a chunk's activities. Results come back in order, as in-process.
   * Batch flows: the same for param sets (defaults 100 and 100), each chunk returning what it
   * changed in the shared store, merged in param-set order (README, "Long loops and big batches").
   * `false` keeps every batch in the run.
   */
  childBatches?: ChildBatchOptions | false;
}

/** How a big batch is split into child workflows (see `TemporalNodeOptions.childBatches`). */
export interface ChildBatchOptions {
  threshold?: number;
  chunkSize?: number;
  concurrentChunks?: number;
}

/** Options every node constructor takes. */
export interface NodeOptions {
  /** The node's name in logs, errors, and Temporal (its activity type). Default: the class name. */
  name?: string;
  /** How many times exec is tried in all (1 means no retry). */
  maxRetries?: number;
  /** Seconds to wait between tries. */
  wait?: number;
  /** Parallel batch nodes and flows only: how many items run at once (default: all). */
  maxConcurrency?: number;
  /** Activity options used when the node runs on Temporal. */
  temporal?: TemporalNodeOptions;
}

/**
 * Any node, whatever its types: what graphs are made of. `any` is earned here: a graph holds
 * nodes of unrelated shared, prep and exec types, and `unknown` would reject every one of them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyNode = BaseNode<any, any, any, any, any, any>;

/** Options of `getUserInput`: accepted choices, a validator, a timeout in seconds. */
export type InputOptions = Omit<InputRequest, 'prompt'>;

/**
 * The smallest unit of a flow: `prep` reads the shared store, `exec` does the work, `post`
 * writes results back and returns the action that picks the next node.
 *
 * `S` is the shared store, `P` what prep returns, `E` what post receives from exec, `Svc` the
 * services exec reads through `this.services`. Batch nodes set `X` (one item) and `R` (one
 * item's result); for other nodes they equal `P` and `E`.
 */
export class BaseNode<S extends object = Record<string, unknown>, P = unknown, E = unknown, Svc = unknown, X = P, R = E> {
  params: Params = {};
  successors = new Map<Action, AnyNode>();
  name: string;
  maxRetries: number;
  wait: number;
  /** 0-based index of the current try, readable inside exec. */
  curRetry = 0;
  readonly options: NodeOptions;
  [RUN]: RunContext | undefined;

  constructor(options?: NodeOptions | number, wait?: number) {
    const opts: NodeOptions = typeof options === 'number' ? { maxRetries: options, wait } : { ...options };
    if (wait !== undefined && typeof options !== 'number') {
      opts.wait = wait;
    }
    this.options = opts;
    this.name = opts.name ?? new.target.name;
    if (opts.name !== undefined) {
      namesFixed.add(this);
    }
    this.maxRetries = opts.maxRetries ?? 1;
    this.wait = opts.wait ?? 0;
    this[RUN] = undefined;
    checkRetryOptions(this.name, this.maxRetries, this.wait);
    if (opts.maxConcurrency !== undefined && !(Number.isInteger(opts.maxConcurrency) && opts.maxConcurrency >= 1)) {
      throw new FlowDefinitionError(
        `Node '${this.name}': maxConcurrency must be a whole number of at least 1, got ${String(opts.maxConcurrency)}.`,
        this.name,
      );
    }
  }

  setParams(params: Params): this {
    this.params = params;
    return this;
  }

  /** Adds the edge `this --action--> node` and returns `node`, so that chains read left to right. */
  next<T extends AnyNode>(node: T, action: Action = 'default'): T {
    if (!(node instanceof BaseNode)) {
      throw new FlowDefinitionError(
        `Node '${this.name}'.next() needs a node, got ${describeValue(node)}. Pass an instance of Node, AsyncNode or a flow.`,
        this.name,
      );
    }
    if (typeof action !== 'string' || action.length === 0) {
      throw new FlowDefinitionError(
        `Node '${this.name}'.next(): the action must be a non-empty string, got ${describeValue(action)}.`,
        this.name,
      );
    }
    if (this.successors.has(action)) {
      // Reported through the run's logger when the flow is prepared, not here, where no run exists yet.
      wiringWarnings.set(this, [
        ...(wiringWarnings.get(this) ?? []),
        `Overwriting successor for action '${action}' of node '${this.name}'.`,
      ]);
    }
    this.successors.set(action, node);
    return node;
  }

  /** Adds the edge `this --action--> node` and returns `this`, so that several edges chain. */
  on(action: Action, node: AnyNode): this {
    if (typeof action !== 'string') {
      throw new FlowDefinitionError(
        `Node '${this.name}'.on(): the action must be a non-empty string, got ${describeValue(action)}.`,
        this.name,
      );
    }
    this.next(node, action);
    return this;
  }

  prep(_shared: S): P {
    return undefined as P;
  }

  exec(_prepRes: X): R {
    return undefined as R;
  }

  post(_shared: S, _prepRes: P, _execRes: E): Action | undefined | void {
    return undefined;
  }

  execFallback(_prepRes: X, error: Error): R {
    throw error;
  }

  /**
   * What one exec call is about, from its input (a batch node's item): shown after the node's name
   * where the call is listed (the Web UI's activity summary: "FetchRecipes: chicken"). Runs in the
   * workflow on Temporal, so it must be deterministic. Default: nothing beyond the name.
   */
  execSummary(_input: X): string | undefined {
    return undefined;
  }

  /** Runs this node alone (its successors are not followed; use a Flow for that). */
  run(shared: S): Action | undefined {
    refuseIfAsync(this);
    reportWiringWarnings(this, this.logger);
    warnIfSuccessors(this, 'Flow');
    return this[RUN_SYNC](shared);
  }

  /** Runs this node alone, asynchronously; sync nodes may be run this way too. */
  async runAsync(shared: S, options?: RunOptions<Svc>): Promise<Action | undefined> {
    const node = this.clone();
    node[RUN] = createRunContext(options);
    reportWiringWarnings(this, node[RUN].logger);
    warnIfSuccessors(node, 'AsyncFlow');
    return node[RUN_ASYNC](shared);
  }

  /** Returns a shallow copy; each step of a flow runs on its own copy. Override if a node holds state that must not be shared. */
  clone(): this {
    return Object.assign(Object.create(Object.getPrototypeOf(this)) as this, this);
  }

  /** Asks a person and waits for the answer (an input source in-process, a signal or update on Temporal). */
  getUserInput(prompt: string, options: InputOptions & { timeoutSeconds: number }): Promise<string | null>;
  getUserInput(prompt: string, options?: InputOptions): Promise<string>;
  async getUserInput(prompt: string, options?: InputOptions): Promise<string | null> {
    return runOf(this).input.ask({ ...options, prompt, node: this.name });
  }

  /** The dependencies that the runtime hands to exec (for example an LLM client), typed by the node's `Svc`. */
  get services(): Svc {
    const services = runOf(this).services;
    if (services === undefined) {
      throw new FlowDefinitionError(
        `Node '${this.name}' asked for services, but none were given to this run. ` +
          `Pass them with runAsync(shared, { services }) or to the worker: createFlowWorker({ flows, services }).`,
        this.name,
      );
    }
    return services as Svc;
  }

  /** Tells Temporal that a long exec is alive (an activity heartbeat); does nothing in-process. */
  heartbeat(details?: unknown): void {
    this[RUN]?.heartbeat?.(details);
  }

  /** The run's logger. */
  get logger(): Logger {
    return this[RUN]?.logger ?? consoleLogger;
  }

  /** True for nodes whose lifecycle is async. */
  get isAsync(): boolean {
    return false;
  }

  /** How exec is applied to the prep result: once, per item in order, or per item in parallel. */
  get batchMode(): BatchMode {
    return 'none';
  }

  [PREP](shared: S): P | Promise<P> {
    return this.prep(shared);
  }

  [POST](shared: S, prepRes: P, execRes: E): Action | undefined | void | Promise<Action | undefined | void> {
    return this.post(shared, prepRes, execRes);
  }

  [CALL_EXEC](prepRes: unknown): unknown {
    return this.exec(prepRes as X);
  }

  [CALL_FALLBACK](prepRes: unknown, error: Error): unknown {
    return this.execFallback(prepRes as X, error);
  }

  get [HAS_FALLBACK](): boolean {
    return this.execFallback !== BaseNode.prototype.execFallback;
  }

  get [HAS_EXEC](): boolean {
    return this.exec !== BaseNode.prototype.exec;
  }

  async [RUN_ASYNC](shared: S): Promise<Action | undefined> {
    const prepRes = await this[PREP](shared);
    checkPrepResult(this, prepRes);
    const execRes = (await this[EXEC_STEP](shared, prepRes)) as E;
    checkExecResult(this, execRes);
    return (await this[POST](shared, prepRes, execRes)) ?? undefined;
  }

  [RUN_SYNC](shared: S): Action | undefined {
    refuseIfAsync(this);
    const prepRes = this.prep(shared);
    checkPrepResult(this, prepRes);
    const execRes = this[EXEC_STEP_SYNC](shared, prepRes) as E;
    checkExecResult(this, execRes);
    return this.post(shared, prepRes, execRes) ?? undefined;
  }

  /** Exec on the prep result, or on each of its items, through the run's executor. */
  [EXEC_STEP](_shared: S, prepRes: unknown): Promise<unknown> {
    const executor = runOf(this).executor;
    switch (this.batchMode) {
      case 'none':
        return executor.exec(this, prepRes);
      default: {
        const items = batchItems(this, prepRes);
        // The runtime may run a big batch elsewhere (on Temporal, in child workflows); else item by item here.
        return executor.execBatch?.(this, items) ?? execItems(this, items);
      }
    }
  }

  [EXEC_STEP_SYNC](_shared: S, prepRes: unknown): unknown {
    if (this.batchMode === 'none') {
      return execWithRetriesSync(this, prepRes);
    }
    return assertExecResults(
      this.name,
      batchItems(this, prepRes).map((item) => execWithRetriesSync(this, item)),
    );
  }
}

/** A node with retries: exec is tried `maxRetries` times, `wait` seconds apart, then `execFallback` runs. */
export class Node<S extends object = Record<string, unknown>, P = unknown, E = unknown, Svc = unknown, X = P, R = E> extends BaseNode<
  S,
  P,
  E,
  Svc,
  X,
  R
> {}

/** A node whose exec runs once per item of the list that prep returns; post receives the results in order. */
export class BatchNode<S extends object = Record<string, unknown>, I = unknown, R = unknown, Svc = unknown> extends Node<
  S,
  I[],
  R[],
  Svc,
  I,
  R
> {
  override get batchMode(): BatchMode {
    return 'sequential';
  }
}

/** A node with an async lifecycle: `prepAsync`, `execAsync`, `postAsync`, `execFallbackAsync`. */
export class AsyncNode<S extends object = Record<string, unknown>, P = unknown, E = unknown, Svc = unknown, X = P, R = E> extends Node<
  S,
  P,
  E,
  Svc,
  X,
  R
> {
  async prepAsync(_shared: S): Promise<P> {
    return undefined as P;
  }

  async execAsync(_prepRes: X): Promise<R> {
    return undefined as R;
  }

  async postAsync(_shared: S, _prepRes: P, _execRes: E): Promise<Action | undefined | void> {
    return undefined;
  }

  async execFallbackAsync(_prepRes: X, error: Error): Promise<R> {
    throw error;
  }

  override get isAsync(): boolean {
    return true;
  }

  // The same lifecycle as BaseNode's, calling the async methods directly, and not at all when the
  // node keeps the default (which does nothing): each call is a promise, and in Temporal's workflow
  // sandbox every promise costs a captured stack trace.
  override async [RUN_ASYNC](shared: S): Promise<Action | undefined> {
    const prepRes = this.prepAsync === AsyncNode.prototype.prepAsync ? (undefined as P) : await this.prepAsync(shared);
    checkPrepResult(this, prepRes);
    const execRes = (await this[EXEC_STEP](shared, prepRes)) as E;
    checkExecResult(this, execRes);
    if (this.postAsync === AsyncNode.prototype.postAsync) {
      return undefined;
    }
    return (await this.postAsync(shared, prepRes, execRes)) ?? undefined;
  }

  override [CALL_EXEC](prepRes: unknown): unknown {
    return this.execAsync(prepRes as X);
  }

  override [CALL_FALLBACK](prepRes: unknown, error: Error): unknown {
    return this.execFallbackAsync(prepRes as X, error);
  }

  override get [HAS_FALLBACK](): boolean {
    return this.execFallbackAsync !== AsyncNode.prototype.execFallbackAsync;
  }

  override get [HAS_EXEC](): boolean {
    return this.execAsync !== AsyncNode.prototype.execAsync;
  }
}

/** An async node whose exec runs once per item, one after another. */
export class AsyncBatchNode<S extends object = Record<string, unknown>, I = unknown, R = unknown, Svc = unknown> extends AsyncNode<
  S,
  I[],
  R[],
  Svc,
  I,
  R
> {
  override get batchMode(): BatchMode {
    return 'sequential';
  }
}

/** An async node whose exec runs on all items at once (at most `maxConcurrency` at a time when set). */
export class AsyncParallelBatchNode<
  S extends object = Record<string, unknown>,
  I = unknown,
  R = unknown,
  Svc = unknown,
> extends AsyncBatchNode<S, I, R, Svc> {
  override get batchMode(): BatchMode {
    return 'parallel';
  }
}

/**
 * An async node whose exec is a wait for a person (it calls `getUserInput`). On Temporal its
 * exec runs inside the workflow, waiting for a signal, instead of in an activity; it must do no I/O.
 */
export class AsyncHumanNode<S extends object = Record<string, unknown>, P = unknown, E = unknown> extends AsyncNode<
  S,
  P,
  E
> {}

/** The run a node belongs to; a node used outside any run gets a default one (no input, the console). */
export function runOf(node: AnyNode): RunContext {
  if (node[RUN] === undefined) {
    node[RUN] = createRunContext(undefined);
  }
  return node[RUN];
}

// Build-time facts about a graph's nodes, kept beside them rather than on them, so that the copy
// each step makes stays small.
const namesFixed = new WeakSet<AnyNode>();
const wiringWarnings = new WeakMap<AnyNode, string[]>();

/** True once the node's name is final: given by the user, or made unique in its flow. */
export function isNameFixed(node: AnyNode): boolean {
  return namesFixed.has(node);
}

/** Makes `name` the node's final name. */
export function fixName(node: AnyNode, name: string): void {
  node.name = name;
  namesFixed.add(node);
}

/** Reports, once, the warnings found while `node`'s edges were wired. */
export function reportWiringWarnings(node: AnyNode, logger: Logger): void {
  for (const warning of wiringWarnings.get(node) ?? []) {
    logger.warn(warning);
  }
  wiringWarnings.delete(node);
}

/** Throws AsyncRunRequiredError when `node` can only run asynchronously. */
export function refuseIfAsync(node: AnyNode): void {
  if (node.isAsync) {
    throw new AsyncRunRequiredError(node.name);
  }
}

/** Warns that a node run alone leaves its successors out. */
export function warnIfSuccessors(node: AnyNode, flowKind: string): void {
  if (node.successors.size > 0) {
    node.logger.warn(`Node '${node.name}' won't run its successors. Use ${flowKind}.`);
  }
}

/**
 * A batch node's exec on each of `items`, one after another or at once as its batch mode says,
 * through the run's executor. The items are those from `offset` of a list of `count` (a part of
 * the list, when a runtime splits a big batch).
 */
export async function execItems(node: AnyNode, items: readonly unknown[], offset = 0, count = items.length): Promise<unknown[]> {
  const executor = runOf(node).executor;
  if (node.batchMode === 'parallel') {
    // Items that can retry get their own view of the node, so that curRetry is not shared between items.
    const retries = node.maxRetries > 1;
    // Results are checked together once all are in: a promise per item would double the cost of an item.
    const results = await mapWithLimit(items, node.options.maxConcurrency, (item, index) =>
      executor.exec(retries ? (Object.create(node) as AnyNode) : node, item, { index: offset + index, count }),
    );
    return assertExecResults(node.name, results);
  }
  const results: unknown[] = [];
  for (let index = 0; index < items.length; index++) {
    const item = { index: offset + index, count };
    const result = await executor.exec(node, items[index], item);
    assertExecResult(node.name, result, item);
    results.push(result);
  }
  return results;
}

/** A node's prep result crosses to its exec, which runs in an activity on Temporal. */
function checkPrepResult(node: AnyNode, prepRes: unknown): void {
  // Primitives first: this runs every step, and the getter costs more than the check.
  if (isReference(prepRes) && node[HAS_EXEC]) {
    assertPortable(prepRes, 'the prep result', node.name);
  }
}

/** A node's exec result crosses back from its activity (a batch node's items are checked one by one). */
function checkExecResult(node: AnyNode, execRes: unknown): void {
  if (isReference(execRes) && node[HAS_EXEC] && node.batchMode === 'none') {
    assertExecResult(node.name, execRes);
  }
}

function batchItems(node: AnyNode, prepRes: unknown): unknown[] {
  if (prepRes === undefined || prepRes === null) {
    return [];
  }
  if (!Array.isArray(prepRes)) {
    throw new FlowDefinitionError(
      `Batch node '${node.name}': prep must return an array of items, got ${describeValue(prepRes)}.`,
      node.name,
    );
  }
  return prepRes;
}

function checkRetryOptions(name: string, maxRetries: number, wait: number): void {
  if (!(Number.isInteger(maxRetries) && maxRetries >= 1)) {
    throw new FlowDefinitionError(
      `Node '${name}': maxRetries must be a whole number of at least 1 (the number of tries), got ${String(maxRetries)}.`,
      name,
    );
  }
  if (!(typeof wait === 'number' && Number.isFinite(wait) && wait >= 0)) {
    throw new FlowDefinitionError(`Node '${name}': wait must be a number of seconds, 0 or more, got ${String(wait)}.`, name);
  }
}
