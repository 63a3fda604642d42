import {
  AsyncRunRequiredError,
  describeValue,
  FlowDefinitionError,
  InputUnavailableError,
  ServicesUnavailableError,
} from './errors.js';
import { execSync, mapWithLimit, settledResult } from './exec.js';
import { consoleLogger, type Logger } from './logger.js';
import { createRunContext, type FlowPosition, type InputRequest, type RunContext, type RunOptions } from './run.js';
import { assertPortable, isReference } from './serializable.js';
import {
  CALL_EXEC,
  CALL_FALLBACK,
  EXEC_PLACE,
  HAS_EXEC,
  HAS_FALLBACK,
  IN_EXEC,
  POSITION,
  POST,
  PREP,
  RUN,
  RUN_ASYNC,
  RUN_SYNC,
  SOURCE,
  STEP_NUMBER,
  WIRING_WARNINGS,
} from './symbols.js';
import { eventError, type ExecPlace } from './events.js';

/** The label on an edge; `post` returning nothing means `'default'`. */
export type Action = string;

/** Parameters a flow hands to each node it runs (PocketFlow's `params`). */
export type Params = Record<string, unknown>;

/** The shared store of a node that names no type for it. */
export type Store = Record<string, unknown>;

/** How exec is applied to the prep result: once, per item in order, or per item in parallel. */
export type BatchMode = 'none' | 'sequential' | 'parallel';

/**
 * Options that a runtime adds to every node's: a runtime's module augments this interface (the
 * durable runtime adds the options its tasks run with). Empty here, where nodes are only the model.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RuntimeNodeOptions {}

/** Options every node constructor takes. */
export interface NodeOptions extends RuntimeNodeOptions {
  /** The node's name in logs, errors and records of a run. Default: the class name. */
  name?: string;
  /** How many times exec is tried in all (1 means no retry). */
  maxRetries?: number;
  /** Seconds to wait between tries. */
  wait?: number;
  /** Names of errors (their `name`) that exec does not try again: the fallback gets them at once. */
  nonRetryableErrors?: readonly string[];
  /** Parallel batch nodes and flows only: how many items run at once (default: all). */
  maxConcurrency?: number;
  /**
   * True when exec must run again in a fork of a run even where its input is unchanged (a side
   * effect that must happen again: an email, a payment); by default a fork re-uses the recorded result.
   */
  rerunInForks?: boolean;
}

/**
 * Any node, whatever its types: what graphs are made of. `any` is earned here: a graph holds
 * nodes of unrelated shared, prep and exec types, and `unknown` would reject every one of them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyNode = Node<any, any, any, any, any, any>;

/** Options of `getUserInput`: accepted choices, a validator, a timeout in seconds. */
export type InputOptions = Omit<InputRequest, 'prompt'>;

/**
 * The smallest unit of a flow: `prep` reads the shared store, `exec` does the work, `post`
 * writes results back and returns the action that picks the next node. Exec is tried
 * `maxRetries` times, `wait` seconds apart, then `execFallback` runs.
 *
 * Prep and post are the flow's own steps: they read and write the store and may ask a person,
 * and must do no I/O. Exec is the work: it gets `this.services`, a copy of the prep result, and a
 * fresh copy of the node as it was built (what it sets on itself is gone after the try), and it
 * cannot ask a person (an AsyncHumanNode's exec can, and does nothing else).
 *
 * `S` is the shared store, `P` what prep returns, `E` what post receives from exec, `Svc` the
 * services exec reads through `this.services`. Batch nodes set `X` (one item) and `R` (one
 * item's result); for other nodes they equal `P` and `E`.
 */
export class Node<S extends object = Store, P = unknown, E = unknown, Svc = unknown, X = P, R = E> {
  params: Params = {};
  readonly successors = new Map<Action, AnyNode>();
  readonly name: string;
  maxRetries: number;
  wait: number;
  /** 0-based index of the current try, readable inside exec. */
  curRetry = 0;
  readonly options: NodeOptions;
  [RUN]: RunContext | undefined;
  [SOURCE]: AnyNode | undefined;
  [POSITION]: FlowPosition | undefined;
  [IN_EXEC]: boolean;
  [STEP_NUMBER]: number;
  [EXEC_PLACE]: ExecPlace | undefined;
  [WIRING_WARNINGS]?: string[];

  constructor(options?: NodeOptions | number, wait?: number) {
    const opts: NodeOptions = typeof options === 'number' ? { maxRetries: options, wait } : { ...options };
    if (wait !== undefined && typeof options !== 'number') {
      opts.wait = wait;
    }
    this.options = opts;
    this.name = opts.name ?? (new.target.name || 'Node');
    this.maxRetries = opts.maxRetries ?? 1;
    this.wait = opts.wait ?? 0;
    // Set here, so that every copy of a node has the same shape (a copy per step and per exec try).
    this[RUN] = undefined;
    this[SOURCE] = undefined;
    this[POSITION] = undefined;
    this[IN_EXEC] = false;
    this[STEP_NUMBER] = 0;
    this[EXEC_PLACE] = undefined;
    checkOptions(this.name, opts, this.maxRetries, this.wait);
  }

  setParams(params: Params): this {
    this.params = params;
    return this;
  }

  /** Adds the edge `this --action--> node` and returns `node`, so that chains read left to right. */
  next<T extends AnyNode>(node: T, action: Action = 'default'): T {
    if (!(node instanceof Node)) {
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
      // Reported through the run's logger when the flow is checked, not here, where no run exists yet.
      (this[WIRING_WARNINGS] ??= []).push(`Overwriting successor for action '${action}' of node '${this.name}'.`);
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
   * where the call is listed ("FetchRecipes: chicken"). Runs with prep and post, so it must be
   * deterministic. Default: nothing beyond the name.
   */
  execSummary(_input: X): string | undefined {
    return undefined;
  }

  /** Runs this node alone (its successors are not followed; use a Flow for that). */
  run(shared: S): Action | undefined {
    refuseIfAsync(this);
    const step = stepOf(this, this[RUN] ?? createRunContext(undefined));
    reportWiringWarnings(this, step.logger);
    warnIfSuccessors(this, 'Flow');
    return step[RUN_SYNC](shared);
  }

  /** Runs this node alone, asynchronously; sync nodes may be run this way too. */
  async runAsync(shared: S, options?: RunOptions<Svc>): Promise<Action | undefined> {
    const run = createRunContext(options, shared);
    const step = stepOf(this, run);
    reportWiringWarnings(this, step.logger);
    warnIfSuccessors(step, 'AsyncFlow');
    run.events?.({ type: 'run-started', flow: this.name });
    let action: Action | undefined;
    try {
      action = await step[RUN_ASYNC](shared);
    } catch (error) {
      run.events?.({ type: 'run-failed', error: eventError(error) });
      throw error;
    }
    run.events?.({ type: 'run-finished', action: action ?? null });
    return action;
  }

  /**
   * Returns a shallow copy. Each step and each exec try runs on a copy of its node that reads the
   * node's fields and keeps what it sets to itself; override `clone()` when a node holds state
   * (a list it fills, say) that its copies must not share, and they are made with it.
   */
  clone(): this {
    return Object.assign(Object.create(Object.getPrototypeOf(this)) as this, this);
  }

  /**
   * Asks a person and waits for the answer (from the run's input source in-process, from a message
   * to the run on a durable runtime). In prep or post, or in an AsyncHumanNode's exec.
   */
  getUserInput(prompt: string, options: InputOptions & { timeoutSeconds: number }): Promise<string | null>;
  getUserInput(prompt: string, options?: InputOptions): Promise<string>;
  async getUserInput(prompt: string, options?: InputOptions): Promise<string | null> {
    if (this[IN_EXEC] === true && !this.waitsForPerson) {
      throw new InputUnavailableError(this.name);
    }
    const run = runOf(this);
    // An AsyncHumanNode asks from its exec, which runs on a copy of the graph's node: its place says the step.
    const place = this[EXEC_PLACE];
    const step = place === undefined ? { step: this[STEP_NUMBER], node: this.name } : { step: place.step, node: place.node };
    if (run.events !== undefined) {
      run.events({
        type: 'waiting',
        ...step,
        prompt,
        ...(options?.choices === undefined ? {} : { choices: [...options.choices] }),
        ...(options?.context === undefined ? {} : { context: options.context }),
      });
    }
    const answer = await run.input.ask({ ...options, prompt, node: this.name });
    run.events?.({ type: 'answered', ...step, answer });
    return answer;
  }

  /**
   * Publishes text that exec produces as it goes (an LLM's tokens), for whoever watches the run.
   * Exec only; a retried try publishes its text again after a `retry` event. The final text is exec's result.
   */
  stream(text: string): void {
    const place = publishingPlace(this, 'stream');
    if (typeof text !== 'string') {
      throw new FlowDefinitionError(`Node '${this.name}': stream() takes a string, got ${describeValue(text)}. Use emit() for structured data.`, this.name);
    }
    if (place !== undefined) {
      this[RUN]?.events?.({ type: 'text', ...place, text });
    }
  }

  /** Publishes structured progress from exec (`{ done: 3, of: 10 }`) for whoever watches the run; it must be JSON-serialisable. */
  emit(data: unknown): void {
    const place = publishingPlace(this, 'emit');
    // Refused with or without a listener, so that a flow that works unwatched works watched.
    assertPortable(data, 'the data given to emit()', this.name);
    if (place !== undefined) {
      this[RUN]?.events?.({ type: 'data', ...place, data });
    }
  }

  /** The dependencies that the run hands to exec (for example an LLM client), typed by the node's `Svc`. Exec only. */
  get services(): Svc {
    if (this[IN_EXEC] !== true || this.waitsForPerson) {
      throw new ServicesUnavailableError(this.name, this.waitsForPerson ? 'a human node' : 'prep or post');
    }
    const services = runOf(this).services;
    if (services === undefined) {
      throw new FlowDefinitionError(
        `Node '${this.name}' read this.services, but this run was given none. Pass them where exec runs: ` +
          `runAsync(shared, { services }), or the services of the worker that runs the flow's exec.`,
        this.name,
      );
    }
    return services as Svc;
  }

  /** Reports that a long exec is alive, so that a runtime that watches for hung tries can tell; does nothing in-process. */
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

  /**
   * True when exec is a wait for a person rather than work (AsyncHumanNode): it may ask, gets no
   * services, and runs with the flow's own steps instead of as a task of its own.
   */
  get waitsForPerson(): boolean {
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
    return this.execFallback !== Node.prototype.execFallback;
  }

  get [HAS_EXEC](): boolean {
    return this.exec !== Node.prototype.exec;
  }

  async [RUN_ASYNC](shared: S): Promise<Action | undefined> {
    const prepRes = await this[PREP](shared);
    const execRes = settledExec(this, await execStep(this, prepRes)) as E;
    return (await this[POST](shared, prepRes, execRes)) ?? undefined;
  }

  [RUN_SYNC](shared: S): Action | undefined {
    refuseIfAsync(this);
    const prepRes = this.prep(shared);
    const execRes = settledExec(this, execStep(this, prepRes, true)) as E;
    return this.post(shared, prepRes, execRes) ?? undefined;
  }
}

/** PocketFlow's BaseNode: here the same class as Node (every node can retry). */
export const BaseNode = Node;
export type BaseNode<S extends object = Store, P = unknown, E = unknown, Svc = unknown, X = P, R = E> = Node<S, P, E, Svc, X, R>;

/** A node whose exec runs once per item of the list that prep returns; post receives the results in order. */
export class BatchNode<S extends object = Store, I = unknown, R = unknown, Svc = unknown> extends Node<S, I[], R[], Svc, I, R> {
  override get batchMode(): BatchMode {
    return 'sequential';
  }
}

/** A node with an async lifecycle: `prepAsync`, `execAsync`, `postAsync`, `execFallbackAsync`. */
export class AsyncNode<S extends object = Store, P = unknown, E = unknown, Svc = unknown, X = P, R = E> extends Node<S, P, E, Svc, X, R> {
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

  // The same lifecycle as Node's, calling the async methods directly, and not at all when the
  // node keeps the default (which does nothing): each call is a promise, and in a
  // sandboxed runtime every promise costs a captured stack trace.
  override [RUN_ASYNC](shared: S): Promise<Action | undefined> {
    if (this.prepAsync !== AsyncNode.prototype.prepAsync || this.postAsync !== AsyncNode.prototype.postAsync) {
      return asyncLifecycle(this, shared);
    }
    // Exec alone: one promise for the step, where an async function makes two (its own, and one per await).
    try {
      return Promise.resolve(execStep(this, undefined)).then((result) => {
        settledExec(this, result);
        return undefined;
      });
    } catch (error) {
      return Promise.reject(error as Error);
    }
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

/** An async node's step with a prep or post of its own: each awaited, and not at all when the node keeps the default (which does nothing). */
async function asyncLifecycle<S extends object, P, E, Svc, X, R>(node: AsyncNode<S, P, E, Svc, X, R>, shared: S): Promise<Action | undefined> {
  const prepRes = node.prepAsync === AsyncNode.prototype.prepAsync ? (undefined as P) : await node.prepAsync(shared);
  const execRes = settledExec(node, await execStep(node, prepRes)) as E;
  if (node.postAsync === AsyncNode.prototype.postAsync) {
    return undefined;
  }
  return (await node.postAsync(shared, prepRes, execRes)) ?? undefined;
}

/** An async node whose exec runs once per item, one after another. */
export class AsyncBatchNode<S extends object = Store, I = unknown, R = unknown, Svc = unknown> extends AsyncNode<S, I[], R[], Svc, I, R> {
  override get batchMode(): BatchMode {
    return 'sequential';
  }
}

/** An async node whose exec runs on all items at once (at most `maxConcurrency` at a time when set). */
export class AsyncParallelBatchNode<S extends object = Store, I = unknown, R = unknown, Svc = unknown> extends AsyncBatchNode<S, I, R, Svc> {
  override get batchMode(): BatchMode {
    return 'parallel';
  }
}

/**
 * An async node whose exec is a wait for a person: it calls `getUserInput` and does nothing else.
 * Its exec gets no services (reading them fails, in every runtime) and runs with the flow's own
 * steps, so that a durable runtime can wait for the answer for days.
 */
export class AsyncHumanNode<S extends object = Store, P = unknown, E = unknown> extends AsyncNode<S, P, E> {
  override get waitsForPerson(): boolean {
    return true;
  }
}

/** Where an exec try publishes from (none when no one listens); refuses a call outside exec. */
function publishingPlace(node: AnyNode, method: string): ExecPlace | undefined {
  if (node[IN_EXEC] !== true || node.waitsForPerson) {
    throw new FlowDefinitionError(
      `Node '${node.name}' called ${method}() outside exec. Only exec publishes as it works: prep and post are the flow's own ` +
        `deterministic steps (what they tell belongs in the store), and a human node's exec only waits.`,
      node.name,
    );
  }
  return node[EXEC_PLACE];
}

/** The run a node belongs to; a node used outside any run gets a default one (no input, the console). */
export function runOf(node: AnyNode): RunContext {
  if (node[RUN] === undefined) {
    node[RUN] = createRunContext(undefined);
  }
  return node[RUN];
}

/** The copy of `node` that runs as a step of `run`. */
export function stepOf<T extends AnyNode>(node: T, run: RunContext): T {
  const step = copyOf(node);
  step[SOURCE] = node;
  step[RUN] = run;
  return step;
}

/**
 * A copy of `node` for one step or one exec try: one that reads the node's fields and keeps what
 * it sets to itself (cheap, and a copy per step is made often), or the node's own `clone()` when it
 * overrides it.
 */
export function copyOf<T extends AnyNode>(node: T): T {
  return node.clone === Node.prototype.clone ? (Object.create(node) as T) : node.clone();
}

/** Reports, once, the warnings found while `node`'s edges were wired. */
export function reportWiringWarnings(node: AnyNode, logger: Logger): void {
  for (const warning of node[WIRING_WARNINGS] ?? []) {
    logger.warn(warning);
  }
  delete node[WIRING_WARNINGS];
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
 * Exec on the prep result, or on each of its items: through the run's executor, or in a sync run
 * (`sync`) one call after another here.
 */
function execStep(step: AnyNode, prepRes: unknown, sync = false): unknown {
  if (!step[HAS_EXEC]) {
    return step.batchMode === 'none' ? undefined : batchItems(step, prepRes).map(() => undefined);
  }
  checkPrepResult(step, prepRes);
  if (sync) {
    if (step.batchMode === 'none') {
      return execSync(step, prepRes);
    }
    const items = batchItems(step, prepRes);
    return items.map((item, index) => execSync(step, item, { index, count: items.length }));
  }
  const executor = runOf(step).executor;
  if (step.batchMode === 'none') {
    return executor.exec(step, prepRes);
  }
  const items = batchItems(step, prepRes);
  // The runtime may run a big batch elsewhere (in child runs); else item by item here.
  return executor.execBatch?.(step, items) ?? execItems(step, items);
}

/** Exec's result as post receives it (a batch node's, item by item): checked and copied, unless the executor did. */
function settledExec(step: AnyNode, result: unknown): unknown {
  if (!step[HAS_EXEC] || runOf(step).executor.settlesResults === true) {
    return result;
  }
  if (step.batchMode === 'none') {
    return settledResult(step, result, undefined);
  }
  return (result as unknown[]).map((one, index, all) => settledResult(step, one, { index, count: all.length }));
}

/**
 * A batch node's exec on each of `items`, one after another or at once as its batch mode says,
 * through the run's executor. The items are those from `offset` of a list of `count` (a part of
 * the list, when a runtime splits a big batch).
 */
export async function execItems(step: AnyNode, items: readonly unknown[], offset = 0, count = items.length): Promise<unknown[]> {
  const executor = runOf(step).executor;
  const grouped = executor.execItems?.(step, items, offset, count);
  if (grouped !== undefined) {
    return grouped;
  }
  if (step.batchMode === 'parallel') {
    return mapWithLimit(items, step.options.maxConcurrency, (item, index) => executor.exec(step, item, { index: offset + index, count }));
  }
  const results: unknown[] = [];
  for (let index = 0; index < items.length; index++) {
    results.push(await executor.exec(step, items[index], { index: offset + index, count }));
  }
  return results;
}

/** The nodes of a flow's own graph, without descending into nested flows. */
export function ownNodes(flow: { startNode: AnyNode | undefined }): AnyNode[] {
  const seen = new Set<AnyNode>();
  const stack = flow.startNode === undefined ? [] : [flow.startNode];
  while (stack.length > 0) {
    const node = stack.pop() as AnyNode;
    if (!seen.has(node)) {
      seen.add(node);
      stack.push(...[...node.successors.values()].reverse());
    }
  }
  return [...seen];
}

/** A node's prep result crosses to its exec, which a durable runtime runs in a task of its own. */
function checkPrepResult(node: AnyNode, prepRes: unknown): void {
  // Primitives first: this runs every step, and the getter costs more than the check.
  if (isReference(prepRes) && node[HAS_EXEC]) {
    assertPortable(prepRes, 'the prep result', node.name);
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

function checkOptions(name: string, options: NodeOptions, maxRetries: number, wait: number): void {
  if (!(Number.isInteger(maxRetries) && maxRetries >= 1)) {
    throw new FlowDefinitionError(
      `Node '${name}': maxRetries must be a whole number of at least 1 (the number of tries), got ${String(maxRetries)}.`,
      name,
    );
  }
  if (!(typeof wait === 'number' && Number.isFinite(wait) && wait >= 0)) {
    throw new FlowDefinitionError(`Node '${name}': wait must be a number of seconds, 0 or more, got ${String(wait)}.`, name);
  }
  const max = options.maxConcurrency;
  if (max !== undefined && !(Number.isInteger(max) && max >= 1)) {
    throw new FlowDefinitionError(`Node '${name}': maxConcurrency must be a whole number of at least 1, got ${String(max)}.`, name);
  }
  const names = options.nonRetryableErrors;
  if (names !== undefined && !(Array.isArray(names) && names.every((n) => typeof n === 'string'))) {
    throw new FlowDefinitionError(`Node '${name}': nonRetryableErrors must be a list of error names, got ${describeValue(names)}.`, name);
  }
}
