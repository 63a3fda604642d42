import type { RunContext, RunOptions, WalkFrame } from './context.js';
import { describeValue, FlowDefinitionError, quoteList, SyncFlowAsyncNodeError, UnknownNodeError } from './errors.js';
import { mapWithLimit, toError } from './exec.js';
import type { Logger } from './logger.js';
import { assertPortable, assertStore } from './serializable.js';
import {
  type Action,
  type AnyNode,
  BaseNode,
  type BatchMode,
  fixName,
  isNameFixed,
  type NodeOptions,
  type Params,
  refuseIfAsync,
  reportWiringWarnings,
  runOf,
  warnIfSuccessors,
} from './node.js';
import { EXEC_STEP, EXEC_STEP_SYNC, POST, PREP, RUN, RUN_ASYNC, RUN_SYNC } from './symbols.js';

/** Options of a flow's constructor. */
export interface FlowOptions extends NodeOptions {
  start?: AnyNode;
  /**
   * A one-line summary of a run from its initial shared store and params ("Recipe Finder:
   * chicken"): the Web UI shows it beside the run.
   */
  summary?: (shared: Record<string, unknown>, params: Params) => string;
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
export class Flow<S extends object = Record<string, unknown>, P = unknown, Svc = unknown> extends BaseNode<
  S,
  P,
  Action | undefined,
  Svc
> {
  startNode: AnyNode | undefined;

  constructor(start?: AnyNode | FlowOptions) {
    const options = start instanceof BaseNode ? {} : { ...start };
    const startNode = start instanceof BaseNode ? start : options.start;
    delete options.start;
    super(options);
    if (start !== undefined && !(start instanceof BaseNode) && (typeof start !== 'object' || start === null)) {
      throw new FlowDefinitionError(`${new.target.name}: the start must be a node, got ${describeValue(start)}.`);
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
    prepareFlow(this, { logger: this.logger });
    for (const node of reachableNodes(this)) {
      if (node.isAsync) {
        throw new SyncFlowAsyncNodeError(this.name, node.name);
      }
    }
    warnIfSuccessors(this, 'a parent Flow');
    assertPortable(shared, 'the shared store given to the run');
    const action = this[RUN_SYNC](shared);
    assertPortable(shared, 'the shared store at the end of the run', this.name);
    return action;
  }

  override async runAsync(shared: S, options?: RunOptions<Svc>): Promise<Action | undefined> {
    prepareFlow(this, { logger: options?.logger });
    assertPortable(shared, 'the shared store given to the run');
    const action = await super.runAsync(shared, options);
    assertPortable(shared, 'the shared store at the end of the run', this.name);
    return action;
  }

  /** The walk, once or once per param set, each step through the run's executor. */
  override async [EXEC_STEP](shared: S, prepRes: unknown): Promise<Action | undefined> {
    const frame = liveFrame(this, prepRes);
    if (this.batchMode === 'none') {
      return orchestrate(this, shared, undefined, { frame });
    }
    const paramSets = checkParamSets(this, prepRes);
    // The runtime may walk many param sets elsewhere (on Temporal, in child workflows).
    const elsewhere = runOf(this).executor.walkBatch?.(this, shared, paramSets);
    if (elsewhere !== undefined) {
      await elsewhere;
      return undefined;
    }
    if (this.batchMode === 'sequential') {
      for (const [index, paramSet] of paramSets.entries()) {
        if (index > 0 && runOf(this).control !== undefined) {
          await betweenParamSets(this, frame, index);
        }
        frame.paramIndex = index;
        await orchestrate(this, shared, { ...this.params, ...paramSet }, { frame });
      }
    } else {
      frame.parallel = true;
      await mapWithLimit(paramSets, this.options.maxConcurrency, (paramSet) =>
        orchestrate(this, shared, { ...this.params, ...paramSet }, { frame }),
      );
    }
    return undefined;
  }

  override [EXEC_STEP_SYNC](shared: S, prepRes: unknown): Action | undefined {
    if (this.batchMode === 'none') {
      return orchestrateSync(this, shared, undefined);
    }
    for (const paramSet of checkParamSets(this, prepRes)) {
      orchestrateSync(this, shared, { ...this.params, ...paramSet });
    }
    return undefined;
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

const failedNodes = new WeakMap<object, string>();

/** The name of the innermost node whose step threw `error`, if a flow's step threw it. */
export function failedNodeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? failedNodes.get(error) : undefined;
}

/** Where a flow's walk stands while it runs, linked to the walk of the flow it is a step of. */
interface LiveFrame {
  prep: unknown;
  at: string;
  paramIndex: number | undefined;
  /** A parallel batch flow walks its param sets at once: no single place to resume from. */
  parallel: boolean;
  parent: LiveFrame | undefined;
}

/** The walk each running nested flow (a step's copy) is a step of. */
const parentFrames = new WeakMap<AnyNode, LiveFrame>();

function liveFrame(flow: AnyFlow, prep: unknown): LiveFrame {
  return { prep, at: '', paramIndex: undefined, parallel: false, parent: parentFrames.get(flow) };
}

/** Where the walk of `frame` stands, outermost flow first; undefined inside a parallel batch flow. */
function positionOf(frame: LiveFrame): WalkFrame[] | undefined {
  const frames: WalkFrame[] = [];
  for (let current: LiveFrame | undefined = frame; current !== undefined; current = current.parent) {
    if (current.parallel) {
      return undefined;
    }
    frames.unshift({ at: current.at, prep: current.prep, ...(current.paramIndex === undefined ? {} : { paramIndex: current.paramIndex }) });
  }
  return frames;
}

/** Where a walk starts: its frame, and when it resumes, the node and the walks inside it to resume. */
interface WalkStart {
  frame: LiveFrame;
  startAt?: AnyNode;
  /** The frames of the nested flow at `startAt`, which resumes rather than starts afresh. */
  inner?: readonly WalkFrame[];
}

/**
 * The orchestration loop, shared by the in-process and the Temporal runtime: run a copy of
 * each node with the flow's params, follow the action, stop when no edge matches. `from` says
 * where the walk is kept, and where it resumes after a continue-as-new.
 */
export async function orchestrate(
  flow: AnyFlow,
  shared: object,
  params: Params | undefined,
  from: WalkStart = { frame: liveFrame(flow, undefined) },
): Promise<Action | undefined> {
  const ctx = runOf(flow);
  const stepParams = params ?? { ...flow.params };
  const frame = from.frame;
  let node: AnyNode = from.startAt ?? requireStart(flow);
  let inner = from.inner;
  for (;;) {
    frame.at = node.name;
    const step = enterStep(node, ctx, stepParams);
    if (step instanceof Flow) {
      parentFrames.set(step, frame);
    }
    let action: Action | undefined;
    try {
      action = inner !== undefined && inner.length > 0 && step instanceof Flow ? await resumeWalk(step, shared, inner) : await step[RUN_ASYNC](shared);
    } catch (error) {
      throw markFailed(toError(error), step);
    }
    inner = undefined;
    const next = leaveStep(flow, step, shared, action, ctx);
    if (next === undefined) {
      return action;
    }
    frame.at = next.name;
    const hold = ctx.control?.beforeStep(flow, next, () => positionOf(frame));
    if (hold !== undefined) {
      await hold;
    }
    node = next;
  }
}

/** Between two param sets of a sequential batch flow, the run may stop as between two steps. */
async function betweenParamSets(flow: AnyFlow, frame: LiveFrame, index: number): Promise<void> {
  const control = runOf(flow).control;
  const start = flow.startNode;
  if (control === undefined || start === undefined) {
    return;
  }
  frame.paramIndex = index;
  frame.at = start.name;
  const hold = control.beforeStep(flow, start, () => positionOf(frame));
  if (hold !== undefined) {
    await hold;
  }
}

/**
 * Runs the rest of a flow from where a walk stood (`frames`, this flow's first): its walk from
 * the node it was at (resuming the nested flows there), the param sets after, then its post with
 * the prep result it had. How a run that continued as new picks up.
 */
export async function resumeWalk(flow: AnyFlow, shared: object, frames: readonly WalkFrame[]): Promise<Action | undefined> {
  const [own, ...inner] = frames as [WalkFrame, ...WalkFrame[]];
  const startAt = reachableNodes(flow).find((node) => node.name === own.at);
  if (startAt === undefined) {
    throw new UnknownNodeError(
      flow.name,
      own.at,
      'The run continued as new at this node, which this build does not have: run it on a build that does (keep node names stable across deploys).',
    );
  }
  const frame = liveFrame(flow, own.prep);
  let last: Action | undefined;
  if (flow.batchMode === 'none') {
    last = await orchestrate(flow, shared, undefined, { frame, startAt, inner });
  } else {
    const paramSets = checkParamSets(flow, own.prep);
    const first = own.paramIndex ?? 0;
    for (let index = first; index < paramSets.length; index++) {
      if (index > first) {
        await betweenParamSets(flow, frame, index);
      }
      frame.paramIndex = index;
      const params = { ...flow.params, ...paramSets[index] };
      await orchestrate(flow, shared, params, index === first ? { frame, startAt, inner } : { frame });
    }
  }
  return (await flow[POST](shared, own.prep, last)) ?? undefined;
}

/** The orchestration loop of a sync run: the same steps, without awaiting. */
function orchestrateSync(flow: AnyFlow, shared: object, params: Params | undefined): Action | undefined {
  const ctx = runOf(flow);
  const stepParams = params ?? { ...flow.params };
  let node: AnyNode = requireStart(flow);
  for (;;) {
    const step = enterStep(node, ctx, stepParams);
    let action: Action | undefined;
    try {
      action = step[RUN_SYNC](shared);
    } catch (error) {
      throw markFailed(toError(error), step);
    }
    const next = leaveStep(flow, step, shared, action, ctx);
    if (next === undefined) {
      return action;
    }
    node = next;
  }
}

/** Makes the copy of `node` that runs as the next step, and tells the observer. */
function enterStep(node: AnyNode, ctx: RunContext, params: Params): AnyNode {
  const step = node.clone();
  step[RUN] = ctx;
  step.setParams(params);
  ctx.observer?.onStepStart?.(step);
  return step;
}

/**
 * Checks what a step left (the shared store, which the next step must be able to carry, and its
 * action), tells the observer, and returns the node it leads to.
 */
function leaveStep(flow: AnyFlow, step: AnyNode, shared: object, action: unknown, ctx: RunContext): AnyNode | undefined {
  try {
    assertStore(shared, step.name);
  } catch (error) {
    throw markFailed(error, step);
  }
  if (action !== undefined && typeof action !== 'string') {
    throw markFailed(
      new FlowDefinitionError(
        `Node '${step.name}' returned ${describeValue(action)} from post; an action must be a string.`,
        step.name,
      ),
      step,
    );
  }
  ctx.observer?.onStepEnd?.(step, action);
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

function markFailed(error: unknown, node: AnyNode): unknown {
  if (typeof error === 'object' && error !== null && !failedNodes.has(error)) {
    failedNodes.set(error, node.name);
  }
  return error;
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

/** Options of `prepareFlow`. */
export interface PrepareOptions {
  /** The name the flow is known by in messages (its registered name on Temporal); default its own name. */
  label?: string;
  /** Where warnings found while wiring go; default the console. */
  logger?: Logger | undefined;
  /**
   * Refuse names that would be numbered (a class used twice without a name): on Temporal a node's
   * name is its activity type, and a number given by position changes when the graph changes.
   */
  stableNames?: boolean;
}

/**
 * Checks a flow before it runs or is registered: every flow in it has a start node, and every
 * node has a name unique in the flow (a class used twice gets `Name_2`, `Name_3`, ...). Reports
 * wiring warnings (an overwritten edge) through `logger`.
 */
export function prepareFlow(flow: AnyFlow, options: PrepareOptions = {}): void {
  const label = options.label ?? flow.name;
  requireStart(flow);
  const nodes = reachableNodes(flow);
  const taken = new Map<string, AnyNode>();
  for (const node of nodes) {
    reportWiringWarnings(node, options.logger ?? flow.logger);
    if (node instanceof Flow) {
      requireStart(node);
    }
    if (!isNameFixed(node)) {
      continue;
    }
    if (taken.has(node.name)) {
      throw new FlowDefinitionError(
        `Flow '${label}' has two nodes named '${node.name}'. Give each node a unique name: new MyNode({ name: '...' }).`,
        node.name,
      );
    }
    taken.set(node.name, node);
  }
  if (options.stableNames === true) {
    refuseNumberedNames(label, nodes, taken);
  }
  for (const node of nodes) {
    if (isNameFixed(node)) {
      continue;
    }
    let name = node.name;
    for (let n = 2; taken.has(name); n++) {
      name = `${node.name}_${n}`;
    }
    fixName(node, name);
    taken.set(name, node);
  }
}

/** Throws when an unnamed node's default name is taken, by a named node or another unnamed one of its class. */
function refuseNumberedNames(label: string, nodes: readonly AnyNode[], named: ReadonlyMap<string, AnyNode>): void {
  const unnamed = new Map<string, AnyNode[]>();
  for (const node of nodes) {
    if (!isNameFixed(node)) {
      unnamed.set(node.name, [...(unnamed.get(node.name) ?? []), node]);
    }
  }
  for (const [name, same] of unnamed) {
    if (same.length > 1 || named.has(name)) {
      const current = same.map((_, i) => `'${i === 0 && !named.has(name) ? name : `${name}_${i + (named.has(name) ? 2 : 1)}`}'`);
      throw new FlowDefinitionError(
        `Flow '${label}' uses ${same.length > 1 ? `class ${name} for ${same.length} nodes` : `the name '${name}' for a named node and for a node of class ${name}`} ` +
          `without a name of their own. On Temporal a node's name is its activity type, and a number given by position ` +
          `(${name}_2) would change when the graph changes. Name each node: new ${name}({ name: '...' }); ` +
          `to keep runs in flight working, use the names they run under now (${current.join(', ')}).`,
        name,
      );
    }
  }
}

