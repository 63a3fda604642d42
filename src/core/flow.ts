import type { RunContext, RunOptions } from './context.js';
import { FlowDefinitionError, quoteList, SyncFlowAsyncNodeError } from './errors.js';
import { mapWithLimit } from './exec.js';
import { type Action, type AnyNode, BaseNode, describe, type NodeOptions, type Params } from './node.js';

/** Options of a flow's constructor. */
export interface FlowOptions extends NodeOptions {
  start?: AnyNode;
}

const failedNodes = new WeakMap<object, string>();

/** The name of the innermost node whose step threw `error`, if it was thrown by a flow's step. */
export function failedNodeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? failedNodes.get(error) : undefined;
}

/**
 * A flow is a node whose work is walking a graph: it runs a copy of the start node, follows
 * the edge labelled with the action that node's post returned, and so on until no edge
 * matches. Its run returns the last action (unless its post says otherwise), so flows nest.
 */
export class Flow<S extends object = Record<string, unknown>, P = unknown> extends BaseNode<S, P, Action | undefined> {
  startNode: AnyNode | undefined;

  constructor(start?: AnyNode | FlowOptions) {
    const options = start instanceof BaseNode ? {} : { ...start };
    const startNode = start instanceof BaseNode ? start : options.start;
    delete options.start;
    super(options);
    if (start !== undefined && !(start instanceof BaseNode) && (typeof start !== 'object' || start === null)) {
      throw new FlowDefinitionError(`${new.target.name}: the start must be a node, got ${describe(start)}.`);
    }
    this.startNode = undefined;
    if (startNode !== undefined) {
      this.start(startNode);
    }
  }

  /** Sets the node the flow starts at and returns it. */
  start<T extends AnyNode>(node: T): T {
    if (!(node instanceof BaseNode)) {
      throw new FlowDefinitionError(
        `Flow '${this.name}'.start() needs a node, got ${describe(node)}. Pass an instance of Node, AsyncNode or a flow.`,
      );
    }
    this.startNode = node;
    return node;
  }

  /** The successor of `curr` for `action`; warns and returns undefined when there is none. */
  getNextNode(curr: AnyNode, action: Action | undefined): AnyNode | undefined {
    const next = curr.successors.get(action ?? 'default');
    if (next === undefined && curr.successors.size > 0) {
      this.logger.warn(
        `Flow '${this.name}' ends: action '${action ?? 'default'}' of node '${curr.name}' has no successor ` +
          `(known: ${quoteList([...curr.successors.keys()])}).`,
      );
    }
    return next;
  }

  override post(_shared: S, _prepRes: P, execRes: Action | undefined): Action | undefined | void {
    return execRes;
  }

  override run(shared: S): Action | undefined {
    this._refuseIfAsync();
    prepareFlow(this);
    for (const node of reachableNodes(this)) {
      if (node.isAsync) {
        throw new SyncFlowAsyncNodeError(this.name, node.name);
      }
    }
    this._warnIfSuccessors('a parent Flow');
    return this._runSync(shared);
  }

  override async runAsync(shared: S, options?: RunOptions): Promise<Action | undefined> {
    prepareFlow(this);
    return super.runAsync(shared, options);
  }

  override _runSync(shared: S): Action | undefined {
    this._refuseIfAsync();
    const prepRes = this.prep(shared);
    const last = this._orchestrateSync(shared, undefined);
    return this.post(shared, prepRes, last) ?? undefined;
  }

  /** Inside an AsyncFlow a sync flow's steps go through the run's executor like any other. */
  override async _runAsync(shared: S): Promise<Action | undefined> {
    const prepRes = this.prep(shared);
    const last = await orchestrate(this, shared, undefined);
    return this.post(shared, prepRes, last) ?? undefined;
  }

  _orchestrateSync(shared: S, params: Params | undefined): Action | undefined {
    const ctx = this._context();
    const stepParams = params ?? { ...this.params };
    let curr: AnyNode | undefined = stepOf(requireStart(this), ctx);
    let last: Action | undefined;
    while (curr !== undefined) {
      curr.setParams(stepParams);
      ctx.observer?.onStepStart?.(curr);
      try {
        last = curr._runSync(shared);
      } catch (error) {
        throw markFailed(error, curr);
      }
      ctx.observer?.onStepEnd?.(curr, last);
      const next = this.getNextNode(curr, last);
      curr = next === undefined ? undefined : stepOf(next, ctx);
    }
    return last;
  }
}

/** A flow that runs its whole graph once per param set that prep returns, each merged over the flow's params. */
export class BatchFlow<S extends object = Record<string, unknown>> extends Flow<S, Params[]> {
  override _runSync(shared: S): Action | undefined {
    const paramSets = this.prep(shared) ?? [];
    for (const paramSet of checkParamSets(this, paramSets)) {
      this._orchestrateSync(shared, { ...this.params, ...paramSet });
    }
    return this.post(shared, paramSets, undefined) ?? undefined;
  }

  override async _runAsync(shared: S): Promise<Action | undefined> {
    const paramSets = this.prep(shared) ?? [];
    for (const paramSet of checkParamSets(this, paramSets)) {
      await orchestrate(this, shared, { ...this.params, ...paramSet });
    }
    return this.post(shared, paramSets, undefined) ?? undefined;
  }
}

/** A flow with an async lifecycle; its nodes may be sync or async. */
export class AsyncFlow<S extends object = Record<string, unknown>, P = unknown> extends Flow<S, P> {
  async prepAsync(_shared: S): Promise<P> {
    return undefined as P;
  }

  async postAsync(_shared: S, _prepRes: P, execRes: Action | undefined): Promise<Action | undefined | void> {
    return execRes;
  }

  override async _runAsync(shared: S): Promise<Action | undefined> {
    const prepRes = await this.prepAsync(shared);
    const last = await orchestrate(this, shared, undefined);
    return (await this.postAsync(shared, prepRes, last)) ?? undefined;
  }

  override get isAsync(): boolean {
    return true;
  }
}

/** An async flow that runs its graph once per param set, one after another. */
export class AsyncBatchFlow<S extends object = Record<string, unknown>> extends AsyncFlow<S, Params[]> {
  override async _runAsync(shared: S): Promise<Action | undefined> {
    const paramSets = (await this.prepAsync(shared)) ?? [];
    for (const paramSet of checkParamSets(this, paramSets)) {
      await orchestrate(this, shared, { ...this.params, ...paramSet });
    }
    return (await this.postAsync(shared, paramSets, undefined)) ?? undefined;
  }
}

/** An async flow that runs its graph for all param sets at once (at most `maxConcurrency` when set). */
export class AsyncParallelBatchFlow<S extends object = Record<string, unknown>> extends AsyncFlow<S, Params[]> {
  override async _runAsync(shared: S): Promise<Action | undefined> {
    const paramSets = (await this.prepAsync(shared)) ?? [];
    await mapWithLimit(checkParamSets(this, paramSets), this.options.maxConcurrency, (paramSet) =>
      orchestrate(this, shared, { ...this.params, ...paramSet }),
    );
    return (await this.postAsync(shared, paramSets, undefined)) ?? undefined;
  }
}

/**
 * The orchestration loop, shared by the in-process and the Temporal runtime: run a copy of
 * each node with the flow's params, follow the action, stop when no edge matches.
 */
export async function orchestrate(
  flow: Flow<any, any>,
  shared: object,
  params: Params | undefined,
  startAt?: AnyNode,
): Promise<Action | undefined> {
  const ctx = flow._context();
  const stepParams = params ?? { ...flow.params };
  let curr: AnyNode | undefined = stepOf(startAt ?? requireStart(flow), ctx);
  let last: Action | undefined;
  while (curr !== undefined) {
    curr.setParams(stepParams);
    ctx.observer?.onStepStart?.(curr);
    try {
      last = await curr._runAsync(shared);
    } catch (error) {
      throw markFailed(error, curr);
    }
    if (last !== undefined && typeof last !== 'string') {
      throw markFailed(
        new FlowDefinitionError(`Node '${curr.name}' returned ${describe(last)} from post; an action must be a string.`),
        curr,
      );
    }
    ctx.observer?.onStepEnd?.(curr, last);
    const next = flow.getNextNode(curr, last);
    const pause = next === undefined ? undefined : ctx.observer?.betweenSteps?.(flow, next);
    if (pause !== undefined) {
      await pause;
    }
    curr = next === undefined ? undefined : stepOf(next, ctx);
  }
  return last;
}

function stepOf(node: AnyNode, ctx: RunContext): AnyNode {
  const step = node.clone();
  step._ctx = ctx;
  return step;
}

function requireStart(flow: Flow<any, any>): AnyNode {
  if (flow.startNode === undefined) {
    throw new FlowDefinitionError(
      `Flow '${flow.name}' has no start node. Call flow.start(node) or pass the node to the constructor.`,
    );
  }
  return flow.startNode;
}

function markFailed(error: unknown, node: AnyNode): unknown {
  if (typeof error === 'object' && error !== null && !failedNodes.has(error)) {
    failedNodes.set(error, node.name);
  }
  return error;
}

function checkParamSets(flow: AnyNode, paramSets: unknown): Params[] {
  if (!Array.isArray(paramSets) || paramSets.some((p) => typeof p !== 'object' || p === null || Array.isArray(p))) {
    throw new FlowDefinitionError(
      `Batch flow '${flow.name}': prep must return an array of param objects, got ${describe(paramSets)}.`,
    );
  }
  return paramSets as Params[];
}

/** Every node reachable from a flow's start, nested flows' nodes included (not the flow itself). */
export function reachableNodes(flow: Flow<any, any>): AnyNode[] {
  const seen = new Set<AnyNode>();
  const order: AnyNode[] = [];
  const visit = (start: AnyNode | undefined): void => {
    const stack = start === undefined ? [] : [start];
    while (stack.length > 0) {
      const node = stack.pop() as AnyNode;
      if (seen.has(node)) {
        continue;
      }
      seen.add(node);
      order.push(node);
      if (node instanceof Flow) {
        visit(node.startNode);
      }
      stack.push(...[...node.successors.values()].reverse());
    }
  };
  visit(flow.startNode);
  return order;
}

/**
 * Checks a flow before it runs or is registered: every flow in it has a start node, and every
 * node has a name unique in the flow (a class used twice gets `Name_2`, `Name_3`, ...).
 */
export function prepareFlow(flow: Flow<any, any>): void {
  requireStart(flow);
  const nodes = reachableNodes(flow);
  const taken = new Map<string, AnyNode>();
  for (const node of nodes) {
    if (node instanceof Flow) {
      requireStart(node);
    }
    if (!node._nameFixed) {
      continue;
    }
    const other = taken.get(node.name);
    if (other !== undefined) {
      throw new FlowDefinitionError(
        `Flow '${flow.name}' has two nodes named '${node.name}'. Give each node a unique name: new MyNode({ name: '...' }).`,
      );
    }
    taken.set(node.name, node);
  }
  for (const node of nodes) {
    if (node._nameFixed) {
      continue;
    }
    let name = node.name;
    for (let n = 2; taken.has(name); n++) {
      name = `${node.name}_${n}`;
    }
    node.name = name;
    node._nameFixed = true;
    taken.set(name, node);
  }
}
