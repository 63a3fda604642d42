import { describeValue, FlowDefinitionError, quoteList, SyncFlowAsyncNodeError } from './errors.js';
import { mapWithLimit } from './exec.js';
import type { Logger } from './logger.js';
import {
  type Action,
  type AnyNode,
  type BatchMode,
  Node,
  type NodeOptions,
  type Params,
  refuseIfAsync,
  reportWiringWarnings,
  runOf,
  stepOf,
  warnIfSuccessors,
} from './node.js';
import { createRunContext, type FlowPosition, type ResumePosition, type RunContext, type RunOptions } from './run.js';
import { assertPortable, assertStore } from './serializable.js';
import { POSITION, POST, PREP, RUN, RUN_ASYNC, RUN_SYNC, STEP_NUMBER } from './symbols.js';

/** Options of a flow's constructor. */
export interface FlowOptions extends NodeOptions {
  start?: AnyNode;
}

/**
 * Any flow, whatever its types. `any` is earned as for `AnyNode`: registries and runtimes hold
 * flows of unrelated shared-store types.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFlow = Flow<any, any, any>;

/**
 * A flow is a node whose exec is a walk through a graph: it runs a copy of the start node,
 * follows the edge labelled with the action that node's post returned, and so on until no
 * edge matches. Its run returns the last action (unless its post says otherwise), so flows
 * nest. A batch flow walks its graph once per param set that its prep returns.
 */
export class Flow<S extends object = Record<string, unknown>, P = unknown, Svc = unknown> extends Node<S, P, Action | undefined, Svc> {
  startNode: AnyNode | undefined;

  constructor(start?: AnyNode | FlowOptions) {
    const options = start instanceof Node ? {} : { ...start };
    const startNode = start instanceof Node ? start : options.start;
    delete options.start;
    super(options);
    if (start !== undefined && !(start instanceof Node) && (typeof start !== 'object' || start === null)) {
      throw new FlowDefinitionError(`${new.target.name}: the start must be a node, got ${describeValue(start)}.`);
    }
    this.startNode = undefined;
    if (startNode !== undefined) {
      this.start(startNode);
    }
  }

  /** Sets the node the flow starts at and returns it. */
  start<T extends AnyNode>(node: T): T {
    if (!(node instanceof Node)) {
      throw new FlowDefinitionError(
        `Flow '${this.name}'.start() needs a node, got ${describeValue(node)}. Pass an instance of Node, AsyncNode or a flow.`,
        this.name,
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
    refuseIfAsync(this);
    for (const node of checkFlow(this, { logger: this.logger })) {
      if (node.isAsync) {
        throw new SyncFlowAsyncNodeError(this.name, node.name);
      }
    }
    warnIfSuccessors(this, 'a parent Flow');
    assertPortable(shared, 'the shared store given to the run');
    const action = stepOf(this, this[RUN] ?? createRunContext(undefined))[RUN_SYNC](shared);
    assertPortable(shared, 'the shared store at the end of the run', this.name);
    return action;
  }

  override async runAsync(shared: S, options?: RunOptions<Svc>): Promise<Action | undefined> {
    checkFlow(this, { logger: options?.logger });
    assertPortable(shared, 'the shared store given to the run');
    const action = await super.runAsync(shared, options);
    assertPortable(shared, 'the shared store at the end of the run', this.name);
    return action;
  }

  /** Prep (unless the run resumes this flow where an earlier run stopped), the walk, post. */
  override async [RUN_ASYNC](shared: S): Promise<Action | undefined> {
    const resumed = runOf(this).control?.resumeAt?.(this);
    const prepRes = resumed === undefined ? await this[PREP](shared) : (resumed.prepRes as P);
    const last = await walk(this, shared, prepRes, resumed);
    return (await this[POST](shared, prepRes, last)) ?? undefined;
  }

  override [RUN_SYNC](shared: S): Action | undefined {
    const prepRes = this.prep(shared);
    let last: Action | undefined;
    if (this.batchMode === 'none') {
      last = orchestrateSync(this, shared, walkParams(this), positionOf(this, prepRes, undefined, false));
    } else {
      for (const [index, paramSet] of checkParamSets(this, prepRes).entries()) {
        orchestrateSync(this, shared, walkParams(this, paramSet), positionOf(this, prepRes, index, false));
      }
    }
    return this.post(shared, prepRes, last) ?? undefined;
  }
}

/** A flow that runs its whole graph once per param set that prep returns, each merged over the flow's params. */
export class BatchFlow<S extends object = Record<string, unknown>, Svc = unknown> extends Flow<S, Params[], Svc> {
  override get batchMode(): BatchMode {
    return 'sequential';
  }
}

/** A flow with an async lifecycle; its nodes may be sync or async. */
export class AsyncFlow<S extends object = Record<string, unknown>, P = unknown, Svc = unknown> extends Flow<S, P, Svc> {
  async prepAsync(_shared: S): Promise<P> {
    return undefined as P;
  }

  async postAsync(_shared: S, _prepRes: P, execRes: Action | undefined): Promise<Action | undefined | void> {
    return execRes;
  }

  override get isAsync(): boolean {
    return true;
  }

  override [PREP](shared: S): Promise<P> {
    return this.prepAsync(shared);
  }

  override [POST](shared: S, prepRes: P, execRes: Action | undefined): Promise<Action | undefined | void> {
    return this.postAsync(shared, prepRes, execRes);
  }
}

/** An async flow that runs its graph once per param set, one after another. */
export class AsyncBatchFlow<S extends object = Record<string, unknown>, Svc = unknown> extends AsyncFlow<S, Params[], Svc> {
  override get batchMode(): BatchMode {
    return 'sequential';
  }
}

/** An async flow that runs its graph for all param sets at once (at most `maxConcurrency` when set). */
export class AsyncParallelBatchFlow<S extends object = Record<string, unknown>, Svc = unknown> extends AsyncBatchFlow<S, Svc> {
  override get batchMode(): BatchMode {
    return 'parallel';
  }
}

/** The walk of a flow's step: the graph once, or once per param set, from where the run resumes it if it does. */
async function walk(flow: AnyFlow, shared: object, prepRes: unknown, resumed: ResumePosition | undefined): Promise<Action | undefined> {
  if (flow.batchMode === 'none') {
    return orchestrate(flow, shared, walkParams(flow), positionOf(flow, prepRes, undefined, false), resumed);
  }
  const paramSets = checkParamSets(flow, prepRes);
  // The runtime may walk the param sets elsewhere (in child runs).
  const elsewhere = resumed === undefined ? runOf(flow).executor.walkBatch?.(flow, shared, paramSets) : undefined;
  if (elsewhere !== undefined) {
    await elsewhere;
    return undefined;
  }
  await walkParamSets(flow, shared, paramSets, prepRes, resumed);
  return undefined;
}

/**
 * Walks a batch flow's graph once per param set here, one after another or at once as its batch
 * mode says (from `resumed` when the run picks up there). A runtime that splits a batch flow's
 * param sets walks each part with this.
 */
export async function walkParamSets(
  flow: AnyFlow,
  shared: object,
  paramSets: readonly Params[],
  prepRes: unknown = paramSets,
  resumed?: ResumePosition,
): Promise<void> {
  if (flow.batchMode === 'parallel') {
    await mapWithLimit(paramSets, flow.options.maxConcurrency, (paramSet, index) =>
      orchestrate(flow, shared, walkParams(flow, paramSet), positionOf(flow, prepRes, index, true)),
    );
    return;
  }
  const run = runOf(flow);
  const first = resumed?.paramIndex ?? 0;
  for (let index = first; index < paramSets.length; index++) {
    const position = positionOf(flow, prepRes, index, false);
    const hold = index > first ? run.control?.beforeStep(position) : undefined;
    if (hold !== undefined) {
      await hold;
    }
    await orchestrate(flow, shared, walkParams(flow, paramSets[index]), position, index === first ? resumed : undefined);
  }
}

/**
 * The orchestration loop, shared by every runtime: run a copy of each node with the walk's
 * params, follow the action, stop when no edge matches. Between two steps the run's control may
 * hold the walk. `position` is where the walk stands; `startAt` a node to start at instead of the start.
 */
async function orchestrate(
  flow: AnyFlow,
  shared: object,
  params: Params,
  position: FlowPosition,
  resumed?: ResumePosition,
): Promise<Action | undefined> {
  const run = runOf(flow);
  let node = resumed?.node ?? position.node;
  let goesOn = resumed?.step;
  for (;;) {
    position.node = node;
    const step = enterStep(node, run, params, position, goesOn);
    goesOn = undefined;
    let action: Action | undefined;
    let next: AnyNode | undefined;
    try {
      action = await step[RUN_ASYNC](shared);
      next = leaveStep(flow, step, shared, action, run);
    } catch (error) {
      run.observer?.onStepError?.(step, error);
      throw error;
    }
    if (next === undefined) {
      return action;
    }
    position.node = next;
    const hold = run.control?.beforeStep(position);
    if (hold !== undefined) {
      await hold;
    }
    node = next;
  }
}

/** The orchestration loop of a sync run: the same steps, without awaiting. */
function orchestrateSync(flow: AnyFlow, shared: object, params: Params, position: FlowPosition): Action | undefined {
  const run = runOf(flow);
  let node = position.node;
  for (;;) {
    position.node = node;
    const step = enterStep(node, run, params, position);
    let action: Action | undefined;
    let next: AnyNode | undefined;
    try {
      action = step[RUN_SYNC](shared);
      next = leaveStep(flow, step, shared, action, run);
    } catch (error) {
      run.observer?.onStepError?.(step, error);
      throw error;
    }
    if (next === undefined) {
      return action;
    }
    node = next;
  }
}

/**
 * The params every step of a walk gets: the flow's, with the param set's over them. Read-only (as
 * PocketFlow means params to be), so that no step changes what a later one, or its own exec
 * elsewhere, sees: a node that assigns to them fails in every runtime.
 */
function walkParams(flow: AnyFlow, paramSet?: Params): Params {
  return Object.freeze(paramSet === undefined ? { ...flow.params } : { ...flow.params, ...paramSet });
}

/** Where a new walk of `flow` starts: at its start node, a step of the walk that `flow` is a step of. */
function positionOf(flow: AnyFlow, prepRes: unknown, paramIndex: number | undefined, parallel: boolean): FlowPosition {
  return { flow, prepRes, node: requireStart(flow), step: 0, paramIndex, parallel, parent: flow[POSITION] };
}

/**
 * Makes the copy of `node` that runs as the next step, and tells the observer; `goesOn` is the
 * number of a step that started in an earlier run and goes on here (no new step, no event).
 */
function enterStep(node: AnyNode, run: RunContext, params: Params, position: FlowPosition, goesOn?: number): AnyNode {
  const step = stepOf(node, run);
  step.params = params;
  step[POSITION] = position;
  step[STEP_NUMBER] = goesOn ?? ++run.counter.stepsStarted;
  position.step = step[STEP_NUMBER];
  run.observer?.onStepStart?.(step);
  if (goesOn === undefined) {
    run.events?.({ type: 'node-started', step: step[STEP_NUMBER], node: step.name, flow: position.flow.name });
  }
  return step;
}

/**
 * Checks what a step left (the shared store, which the next step must be able to carry, and its
 * action), tells the observer, and returns the node it leads to.
 */
function leaveStep(flow: AnyFlow, step: AnyNode, shared: object, action: unknown, run: RunContext): AnyNode | undefined {
  assertStore(shared, step.name);
  if (action !== undefined && typeof action !== 'string') {
    throw new FlowDefinitionError(`Node '${step.name}' returned ${describeValue(action)} from post; an action must be a string.`, step.name);
  }
  run.observer?.onStepEnd?.(step, action);
  run.events?.({ type: 'node-finished', step: step[STEP_NUMBER], node: step.name, action: action ?? null });
  return flow.getNextNode(step, action);
}

function requireStart(flow: AnyFlow): AnyNode {
  if (flow.startNode === undefined) {
    throw new FlowDefinitionError(
      `Flow '${flow.name}' has no start node. Call flow.start(node) or pass the node to the constructor.`,
      flow.name,
    );
  }
  return flow.startNode;
}

function checkParamSets(flow: AnyNode, paramSets: unknown): Params[] {
  if (paramSets === undefined || paramSets === null) {
    return [];
  }
  if (!Array.isArray(paramSets) || paramSets.some((p) => typeof p !== 'object' || p === null || Array.isArray(p))) {
    throw new FlowDefinitionError(
      `Batch flow '${flow.name}': prep must return an array of param objects, got ${describeValue(paramSets)}.`,
      flow.name,
    );
  }
  assertPortable(paramSets, 'the param sets from prep', flow.name);
  return paramSets as Params[];
}

/** Every node reachable from a flow's start, nested flows' nodes included (not the flow itself). */
export function reachableNodes(flow: AnyFlow): AnyNode[] {
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
 * Checks a flow before it runs or is registered: every flow in it has a start node, and no two
 * nodes were given the same name. Reports wiring warnings (an overwritten edge) through `logger`.
 * Returns every node reachable from its start. `label` names the flow in messages (default its name).
 */
export function checkFlow(flow: AnyFlow, options: { label?: string; logger?: Logger | undefined } = {}): AnyNode[] {
  requireStart(flow);
  const nodes = reachableNodes(flow);
  const named = new Set<string>();
  for (const node of nodes) {
    reportWiringWarnings(node, options.logger ?? flow.logger);
    if (node instanceof Flow) {
      requireStart(node);
    }
    if (node.options.name === undefined) {
      continue;
    }
    if (named.has(node.name)) {
      throw new FlowDefinitionError(
        `Flow '${options.label ?? flow.name}' has two nodes named '${node.name}'. Give each node a unique name: new MyNode({ name: '...' }).`,
        node.name,
      );
    }
    named.add(node.name);
  }
  return nodes;
}
