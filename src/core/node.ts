import type { ExecRunner, InputRequest, RunContext, RunOptions } from './context.js';
import { AsyncRunRequiredError, FlowDefinitionError } from './errors.js';
import { directExecutor, execWithRetriesSync, mapWithLimit } from './exec.js';
import { terminalInput } from './terminal-input.js';
import { consoleLogger, type Logger } from './logger.js';

/** The label on an edge; `post` returning nothing means `'default'`. */
export type Action = string;

/** Parameters a flow hands to each node it runs (PocketFlow's `params`). */
export type Params = Record<string, unknown>;

/** A duration as Temporal takes it: milliseconds, or a string such as `'30s'` or `'2 minutes'`. */
export type Duration = number | string;

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
   * Top-level flows only: continue as new (a fresh history, same shared store) after this many
   * steps in one run. Temporal's own suggestion (a long history) triggers it too.
   */
  continueAsNewAfterSteps?: number;
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

/** Any node, whatever its types: what graphs are made of. */
export type AnyNode = BaseNode<any, any, any, any, any>;

/** Options of `getUserInput`: accepted choices, a validator, a timeout in seconds. */
export type InputOptions = Omit<InputRequest, 'prompt'>;

/**
 * The smallest unit of a flow: `prep` reads the shared store, `exec` does the work, `post`
 * writes results back and returns the action that picks the next node.
 *
 * `S` is the shared store, `P` what prep returns, `E` what post receives from exec. Batch
 * nodes set `X` (one item) and `R` (one item's result); for other nodes they equal `P` and `E`.
 */
export class BaseNode<S extends object = Record<string, unknown>, P = unknown, E = unknown, X = P, R = E> {
  params: Params = {};
  successors = new Map<Action, AnyNode>();
  name: string;
  maxRetries: number;
  wait: number;
  /** 0-based index of the current try, readable inside exec. */
  curRetry = 0;
  readonly options: NodeOptions;
  /** Set once the name was given by the user or made unique in a flow. */
  _nameFixed: boolean;
  /** The run this copy of the node belongs to; set by the orchestrator on each step's copy. */
  _ctx: RunContext | undefined;

  constructor(options?: NodeOptions | number, wait?: number) {
    const opts: NodeOptions = typeof options === 'number' ? { maxRetries: options, wait } : { ...options };
    if (wait !== undefined && typeof options !== 'number') {
      opts.wait = wait;
    }
    this.options = opts;
    this.name = opts.name ?? new.target.name;
    this._nameFixed = opts.name !== undefined;
    this.maxRetries = opts.maxRetries ?? 1;
    this.wait = opts.wait ?? 0;
    this._ctx = undefined;
    checkRetryOptions(this.name, this.maxRetries, this.wait);
    if (opts.maxConcurrency !== undefined && !(Number.isInteger(opts.maxConcurrency) && opts.maxConcurrency >= 1)) {
      throw new FlowDefinitionError(
        `Node '${this.name}': maxConcurrency must be a whole number of at least 1, got ${String(opts.maxConcurrency)}.`,
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
        `Node '${this.name}'.next() needs a node, got ${describe(node)}. Pass an instance of Node, AsyncNode or a flow.`,
      );
    }
    if (typeof action !== 'string' || action.length === 0) {
      throw new FlowDefinitionError(
        `Node '${this.name}'.next(): the action must be a non-empty string, got ${describe(action)}.`,
      );
    }
    if (this.successors.has(action)) {
      consoleLogger.warn(`Overwriting successor for action '${action}' of node '${this.name}'.`);
    }
    this.successors.set(action, node);
    return node;
  }

  /** Adds the edge `this --action--> node` and returns `this`, so that several edges chain. */
  on(action: Action, node: AnyNode): this {
    if (typeof action !== 'string') {
      throw new FlowDefinitionError(
        `Node '${this.name}'.on(): the action must be a non-empty string, got ${describe(action)}.`,
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

  /** Runs this node alone (its successors are not followed; use a Flow for that). */
  run(shared: S): Action | undefined {
    this._refuseIfAsync();
    this._warnIfSuccessors('Flow');
    return this._runSync(shared);
  }

  /** Runs this node alone, asynchronously; sync nodes may be run this way too. */
  async runAsync(shared: S, options?: RunOptions): Promise<Action | undefined> {
    const node = this.clone();
    node._ctx = createRunContext(options);
    node._warnIfSuccessors('AsyncFlow');
    return node._runAsync(shared);
  }

  /** Returns a shallow copy; each step of a flow runs on its own copy. Override if a node holds state that must not be shared. */
  clone(): this {
    return Object.assign(Object.create(Object.getPrototypeOf(this)) as this, this);
  }

  /** Asks a person and waits for the answer (the terminal in-process, a signal on Temporal). */
  getUserInput(prompt: string, options: InputOptions & { timeoutSeconds: number }): Promise<string | null>;
  getUserInput(prompt: string, options?: InputOptions): Promise<string>;
  async getUserInput(prompt: string, options?: InputOptions): Promise<string | null> {
    const ctx = this._context();
    return ctx.input.ask({ ...options, prompt, node: this.name });
  }

  /** The dependencies that the runtime hands to exec (for example an LLM client); typed by the caller. */
  services<T>(): T {
    const services = this._context().services;
    if (services === undefined) {
      throw new FlowDefinitionError(
        `Node '${this.name}' asked for services, but none were given to this run. ` +
          `Pass them with runAsync(shared, { services }) or to the worker's createFlowActivities(flows, { services }).`,
      );
    }
    return services as T;
  }

  /** Tells Temporal that a long exec is alive (an activity heartbeat); does nothing in-process. */
  heartbeat(details?: unknown): void {
    this._ctx?.heartbeat?.(details);
  }

  /** The run's logger. */
  get logger(): Logger {
    return this._ctx?.logger ?? consoleLogger;
  }

  /** True for nodes whose lifecycle is async. */
  get isAsync(): boolean {
    return false;
  }

  /** How exec is applied to the prep result: once, per item in order, or per item in parallel. */
  get batchMode(): 'none' | 'sequential' | 'parallel' {
    return 'none';
  }

  _context(): RunContext {
    if (this._ctx === undefined) {
      this._ctx = createRunContext(undefined);
    }
    return this._ctx;
  }

  _refuseIfAsync(): void {
    if (this.isAsync) {
      throw new AsyncRunRequiredError(this.name);
    }
  }

  _warnIfSuccessors(flowKind: string): void {
    if (this.successors.size > 0) {
      this.logger.warn(`Node '${this.name}' won't run its successors. Use ${flowKind}.`);
    }
  }

  _runSync(shared: S): Action | undefined {
    this._refuseIfAsync();
    const prepRes = this.prep(shared);
    const execRes = this._execAllSync(prepRes) as E;
    return this.post(shared, prepRes, execRes) ?? undefined;
  }

  /** Runs inside an AsyncFlow: the lifecycle is called as written, exec goes through the run's executor. */
  async _runAsync(shared: S): Promise<Action | undefined> {
    const prepRes = this.prep(shared);
    const execRes = (await this._execAll(prepRes)) as E;
    return this.post(shared, prepRes, execRes) ?? undefined;
  }

  _execAllSync(prepRes: unknown): unknown {
    if (this.batchMode === 'none') {
      return execWithRetriesSync(this, prepRes);
    }
    return batchItems(this, prepRes).map((item) => execWithRetriesSync(this, item));
  }

  _execAll(prepRes: unknown): Promise<unknown> {
    if (this.batchMode === 'none') {
      return this._context().executor.exec({ node: this }, prepRes);
    }
    return this._execItems(prepRes);
  }

  async _execItems(prepRes: unknown): Promise<unknown> {
    const executor: ExecRunner = this._context().executor;
    switch (this.batchMode) {
      case 'none':
        return executor.exec({ node: this }, prepRes);
      case 'sequential': {
        const items = batchItems(this, prepRes);
        const results: unknown[] = [];
        for (let index = 0; index < items.length; index++) {
          results.push(await executor.exec({ node: this, index, count: items.length }, items[index]));
        }
        return results;
      }
      case 'parallel': {
        const items = batchItems(this, prepRes);
        // Items that can retry get their own view of the node, so that curRetry is not shared between items.
        const retries = this.maxRetries > 1;
        return mapWithLimit(items, this.options.maxConcurrency, (item, index) =>
          executor.exec({ node: retries ? (Object.create(this) as AnyNode) : this, index, count: items.length }, item),
        );
      }
    }
  }

  /** Calls the user's exec (sync or async). */
  _callExec(prepRes: unknown): unknown {
    return this.exec(prepRes as X);
  }

  /** Calls the user's fallback (sync or async). */
  _callFallback(prepRes: unknown, error: Error): unknown {
    return this.execFallback(prepRes as X, error);
  }

  /** True when the user overrode the fallback (the default one rethrows). */
  get hasCustomFallback(): boolean {
    return this.execFallback !== BaseNode.prototype.execFallback;
  }

  /** True when the node has an exec of its own (the default one does nothing). */
  get hasExec(): boolean {
    return this.exec !== BaseNode.prototype.exec;
  }
}

/** A node with retries: exec is tried `maxRetries` times, `wait` seconds apart, then `execFallback` runs. */
export class Node<S extends object = Record<string, unknown>, P = unknown, E = unknown, X = P, R = E> extends BaseNode<
  S,
  P,
  E,
  X,
  R
> {}

/** A node whose exec runs once per item of the list that prep returns; post receives the results in order. */
export class BatchNode<S extends object = Record<string, unknown>, I = unknown, R = unknown> extends Node<
  S,
  I[],
  R[],
  I,
  R
> {
  override get batchMode(): 'none' | 'sequential' | 'parallel' {
    return 'sequential';
  }
}

/** A node with an async lifecycle: `prepAsync`, `execAsync`, `postAsync`, `execFallbackAsync`. */
export class AsyncNode<S extends object = Record<string, unknown>, P = unknown, E = unknown, X = P, R = E> extends Node<
  S,
  P,
  E,
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

  override async _runAsync(shared: S): Promise<Action | undefined> {
    const prepRes = await this.prepAsync(shared);
    const execRes = (await this._execAll(prepRes)) as E;
    return (await this.postAsync(shared, prepRes, execRes)) ?? undefined;
  }

  override get isAsync(): boolean {
    return true;
  }

  override _callExec(prepRes: unknown): unknown {
    return this.execAsync(prepRes as X);
  }

  override _callFallback(prepRes: unknown, error: Error): unknown {
    return this.execFallbackAsync(prepRes as X, error);
  }

  override get hasCustomFallback(): boolean {
    return this.execFallbackAsync !== AsyncNode.prototype.execFallbackAsync;
  }

  override get hasExec(): boolean {
    return this.execAsync !== AsyncNode.prototype.execAsync;
  }
}

/** An async node whose exec runs once per item, one after another. */
export class AsyncBatchNode<S extends object = Record<string, unknown>, I = unknown, R = unknown> extends AsyncNode<
  S,
  I[],
  R[],
  I,
  R
> {
  override get batchMode(): 'none' | 'sequential' | 'parallel' {
    return 'sequential';
  }
}

/** An async node whose exec runs on all items at once (at most `maxConcurrency` at a time when set). */
export class AsyncParallelBatchNode<
  S extends object = Record<string, unknown>,
  I = unknown,
  R = unknown,
> extends AsyncBatchNode<S, I, R> {
  override get batchMode(): 'none' | 'sequential' | 'parallel' {
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

function batchItems(node: AnyNode, prepRes: unknown): unknown[] {
  if (prepRes === undefined || prepRes === null) {
    return [];
  }
  if (!Array.isArray(prepRes)) {
    throw new FlowDefinitionError(
      `Batch node '${node.name}': prep must return an array of items, got ${describe(prepRes)}.`,
    );
  }
  return prepRes;
}

function checkRetryOptions(name: string, maxRetries: number, wait: number): void {
  if (!(Number.isInteger(maxRetries) && maxRetries >= 1)) {
    throw new FlowDefinitionError(
      `Node '${name}': maxRetries must be a whole number of at least 1 (the number of tries), got ${String(maxRetries)}.`,
    );
  }
  if (!(typeof wait === 'number' && Number.isFinite(wait) && wait >= 0)) {
    throw new FlowDefinitionError(`Node '${name}': wait must be a number of seconds, 0 or more, got ${String(wait)}.`);
  }
}

/** Builds the context of an in-process run. */
export function createRunContext(options: RunOptions | undefined): RunContext {
  return {
    executor: options?.executor ?? directExecutor,
    input: options?.input ?? terminalInput,
    logger: options?.logger ?? consoleLogger,
    services: options?.services,
    observer: options?.observer,
  };
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (value === undefined) {
    return 'undefined';
  }
  if (typeof value === 'string') {
    return `the string ${JSON.stringify(value)}`;
  }
  if (typeof value === 'function') {
    return `a function${value.name ? ` '${value.name}'` : ''}`;
  }
  if (typeof value === 'object') {
    const ctor = (value as object).constructor;
    return ctor && ctor !== Object ? `an instance of ${ctor.name}` : 'a plain object';
  }
  return `${typeof value} ${String(value)}`;
}
