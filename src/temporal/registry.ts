/** The flows a workflow bundle and its worker agree on, by name, with how each one's runs behave. Workflow-safe. */
import { type AnyFlow, type AnyNode, Flow, FlowDefinitionError, type Logger, type Params, silentLogger } from '../core/index.js';
import { checkFlow, HAS_EXEC, reachableNodes } from '../core/internal.js';
import { BATCH_CHUNK_WORKFLOW_TYPE, FLOW_CHUNK_WORKFLOW_TYPE } from './definitions.js';
import { UnknownFlowError } from './errors.js';
import type { FlowRunOptions } from './options.js';

/** Builds a fresh flow object; called once per run in the workflow and once per worker for exec. */
export type FlowFactory = () => AnyFlow;

/** A flow registered with options for its runs: `{ build: createLoop, continueAsNewAfterSteps: 50 }`. */
export interface RegisteredFlow extends FlowRunOptions {
  build: FlowFactory;
}

/** The services type of a flow, as its third type parameter says (`unknown` when it names none). */
export type ServicesOf<F> = F extends Flow<infer _S, infer _P, infer Svc> ? Svc : unknown;

/** The flow a registry entry builds. */
type BuiltBy<E> = E extends FlowFactory ? ReturnType<E> : E extends RegisteredFlow ? ReturnType<E['build']> : never;

type Intersect<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The services every flow of a registry needs at once: the intersection of their services types. */
export type RegistryServices<F extends Record<string, FlowFactory | RegisteredFlow>> = Intersect<
  { [K in keyof F]: [ServicesOf<BuiltBy<F[K]>>] }[keyof F]
> extends [infer Svc]
  ? Svc
  : unknown;

/** The flows a workflow bundle and its worker agree on, by name; `Svc` is what their exec needs. */
export class FlowRegistry<Svc = unknown> {
  readonly #entries: ReadonlyMap<string, RegisteredFlow>;
  readonly #nodeIndexes = new Map<string, Map<string, AnyNode>>();
  /** Carries `Svc` in the type only, so that a worker's services are checked against the flows. */
  declare readonly servicesType?: Svc;

  constructor(entries: Record<string, FlowFactory | RegisteredFlow>) {
    const registered = new Map<string, RegisteredFlow>();
    for (const [name, entry] of Object.entries(entries)) {
      const flow = typeof entry === 'function' ? { build: entry } : entry;
      if (typeof flow !== 'object' || flow === null || typeof flow.build !== 'function') {
        throw new FlowDefinitionError(
          `Flow '${name}' must be registered as a function that builds the flow, or as { build, ...options }.`,
          name,
        );
      }
      if (name === BATCH_CHUNK_WORKFLOW_TYPE || name === FLOW_CHUNK_WORKFLOW_TYPE) {
        throw new FlowDefinitionError(`'${name}' is the workflow type of big batches' child workflows: register the flow under another name.`, name);
      }
      checkRunOptions(name, flow);
      registered.set(name, flow);
      const nodes = checkForTemporal(name, this.#checked(name, flow, silentLogger), flow);
      this.#nodeIndexes.set(name, new Map(nodes.map((node) => [node.name, node])));
    }
    this.#entries = registered;
  }

  /** The registered flow names. */
  get names(): string[] {
    return [...this.#entries.keys()];
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /** Builds a new instance of the flow, checked; wiring warnings go to `logger`. */
  build(name: string, logger?: Logger): AnyFlow {
    return this.#checked(name, this.#entry(name), logger);
  }

  /** How the flow's runs behave on Temporal (what it was registered with). */
  runOptionsOf(name: string): FlowRunOptions {
    return this.#entry(name);
  }

  /**
   * The run's summary for the Web UI: the flow's own (its `summary` option) from the initial store
   * and params, else its registered name. A summary that throws or says nothing falls back too.
   */
  summaryOf(name: string, shared: object, params: Params): string {
    let text: unknown;
    try {
      text = this.#entry(name).summary?.(shared as Record<string, unknown>, params);
    } catch {
      // A label must not stop a run from starting.
      text = undefined;
    }
    const summary = typeof text === 'string' && text.trim() !== '' ? text.trim() : `PocketFlow flow '${name}'`;
    return summary.length > 200 ? `${summary.slice(0, 199)}…` : summary;
  }

  /** The node named `node` in flow `flow` (built once and kept, for exec in activities). */
  node(flow: string, node: string): AnyNode | undefined {
    return this.#nodeIndexes.get(flow)?.get(node);
  }

  /** How runs of the flow move between builds under Worker Versioning (Temporal's versioning behavior). */
  versioningOf(name: string): 'PINNED' | 'AUTO_UPGRADE' {
    return this.#entries.get(name)?.versioning === 'auto-upgrade' ? 'AUTO_UPGRADE' : 'PINNED';
  }

  /** Every node whose exec runs as an activity, by flow. */
  activityNodes(): Array<{ flow: string; node: AnyNode }> {
    const out: Array<{ flow: string; node: AnyNode }> = [];
    for (const [flow, index] of this.#nodeIndexes) {
      for (const node of index.values()) {
        if (runsAsActivity(node)) {
          out.push({ flow, node });
        }
      }
    }
    return out;
  }

  #entry(name: string): RegisteredFlow {
    const entry = this.#entries.get(name);
    if (entry === undefined) {
      throw new UnknownFlowError(name, this.names);
    }
    return entry;
  }

  #checked(name: string, entry: RegisteredFlow, logger: Logger | undefined): AnyFlow {
    const flow = entry.build();
    if (!(flow instanceof Flow)) {
      throw new FlowDefinitionError(`The factory of flow '${name}' must return a flow (AsyncFlow, Flow, ...).`, name);
    }
    checkFlow(flow, { label: name, logger });
    return flow;
  }
}

/** True when the node's exec runs as a Temporal activity (not a flow, not a wait for a person, not a no-op). */
export function runsAsActivity(node: AnyNode): boolean {
  return !(node instanceof Flow) && !node.waitsForPerson && node[HAS_EXEC];
}

/** Temporal's own ceiling on a run's pending activities, past which it refuses the run's workflow tasks. */
export const SERVER_PENDING_ACTIVITIES_LIMIT = 2000;

/** How many exec activities a run keeps pending at most when its flow sets no `maxPendingActivities`. */
export const DEFAULT_MAX_PENDING_ACTIVITIES = 1000;

function checkRunOptions(name: string, options: FlowRunOptions): void {
  const max = options.maxPendingActivities;
  if (max !== undefined && !(Number.isInteger(max) && max >= 1 && max <= SERVER_PENDING_ACTIVITIES_LIMIT)) {
    throw new FlowDefinitionError(
      `Flow '${name}': maxPendingActivities must be a whole number from 1 to ${SERVER_PENDING_ACTIVITIES_LIMIT} ` +
        `(Temporal refuses a run more pending activities than that), got ${String(max)}.`,
      name,
    );
  }
  const steps = options.continueAsNewAfterSteps;
  if (steps !== undefined && !(Number.isInteger(steps) && steps >= 1)) {
    throw new FlowDefinitionError(`Flow '${name}': continueAsNewAfterSteps must be a whole number of at least 1, got ${String(steps)}.`, name);
  }
}

/**
 * Refuses what cannot work on Temporal, naming the flow and the node: two nodes under one name (a
 * node's name is its activity type), options that cannot go together. Returns the flow's nodes.
 */
function checkForTemporal(name: string, flow: AnyFlow, options: FlowRunOptions): AnyNode[] {
  if (options.continueAsNewAfterSteps !== undefined && flow.batchMode === 'parallel') {
    throw new FlowDefinitionError(
      `Flow '${name}' sets continueAsNewAfterSteps, but a parallel batch flow walks all its param sets at once ` +
        'and has no point between two steps where its run can continue as new. Use AsyncBatchFlow (one param set after ' +
        'another), or put the parallel batch flow inside a flow whose loop continues as new around it.',
      name,
    );
  }
  const nodes = [flow, ...reachableNodes(flow)];
  const byName = new Map<string, AnyNode[]>();
  for (const node of nodes.slice(1)) {
    byName.set(node.name, [...(byName.get(node.name) ?? []), node]);
  }
  for (const [nodeName, same] of byName) {
    if (same.length > 1) {
      throw new FlowDefinitionError(
        `Flow '${name}' has ${same.length} nodes named '${nodeName}'. On Temporal a node's name is its activity type, ` +
          `and a number given by position would change when the graph changes. Name each node: new ${same[0]?.constructor.name ?? 'MyNode'}({ name: '...' }).`,
        nodeName,
      );
    }
  }
  for (const node of nodes) {
    checkChildBatches(name, node);
    checkActivityOptions(name, node);
    checkItemsPerActivity(name, node);
  }
  return nodes.slice(1);
}

/** `childBatches` is for batch nodes and batch flows, with whole numbers of at least 1. */
function checkChildBatches(flow: string, node: AnyNode): void {
  const given = node.options.temporal?.childBatches;
  if (given === undefined || given === false) {
    return;
  }
  const where = `Node '${node.name}' of flow '${flow}'`;
  if (node.batchMode === 'none') {
    throw new FlowDefinitionError(
      `${where} sets temporal.childBatches, which only batch nodes (BatchNode, AsyncBatchNode, ` +
        'AsyncParallelBatchNode) and batch flows (BatchFlow, AsyncBatchFlow, AsyncParallelBatchFlow) take.',
      node.name,
    );
  }
  if (node.waitsForPerson) {
    throw new FlowDefinitionError(`${where} waits for a person, which it does in the run: drop temporal.childBatches.`, node.name);
  }
  if (node instanceof Flow) {
    const asks = reachableNodes(node).find((inner) => inner.waitsForPerson);
    if (asks !== undefined) {
      throw new FlowDefinitionError(
        `${where} sets temporal.childBatches, but its node '${asks.name}' waits for a person, whose answer cannot reach a child workflow. ` +
          'Drop childBatches to walk the param sets in the run.',
        node.name,
      );
    }
  }
  if (given.concurrentChunks !== undefined && given.concurrentChunks > SERVER_PENDING_ACTIVITIES_LIMIT) {
    throw new FlowDefinitionError(
      `${where}: temporal.childBatches.concurrentChunks must be at most ${SERVER_PENDING_ACTIVITIES_LIMIT} ` +
        '(Temporal refuses a run more pending child workflows than that).',
      node.name,
    );
  }
  for (const [option, value] of Object.entries(given)) {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 1)) {
      throw new FlowDefinitionError(`${where}: temporal.childBatches.${option} must be a whole number of at least 1, got ${String(value)}.`, node.name);
    }
  }
}

/** `itemsPerActivity` is for batch nodes whose exec runs in activities, a whole number of at least 1. */
function checkItemsPerActivity(flow: string, node: AnyNode): void {
  const size = node.options.temporal?.itemsPerActivity;
  if (size === undefined || node instanceof Flow) {
    return;
  }
  const where = `Node '${node.name}' of flow '${flow}'`;
  if (!(Number.isInteger(size) && size >= 1)) {
    throw new FlowDefinitionError(`${where}: temporal.itemsPerActivity must be a whole number of at least 1, got ${String(size)}.`, node.name);
  }
  if (node.batchMode === 'none') {
    throw new FlowDefinitionError(
      `${where} sets temporal.itemsPerActivity, which only batch nodes (BatchNode, AsyncBatchNode, AsyncParallelBatchNode) take.`,
      node.name,
    );
  }
  if (node.waitsForPerson) {
    throw new FlowDefinitionError(`${where} waits for a person, which it does in the run, not in an activity: drop temporal.itemsPerActivity.`, node.name);
  }
}

/** Refuses activity options where no activity runs (a flow), and those that cannot go together. */
function checkActivityOptions(flow: string, node: AnyNode): void {
  const { childBatches: _childBatches, ...activity } = node.options.temporal ?? {};
  const set = Object.entries(activity).filter(([, value]) => value !== undefined);
  if (node instanceof Flow && set.length > 0) {
    throw new FlowDefinitionError(
      `Flow '${node.name}' of '${flow}' sets temporal.${set.map(([option]) => option).join(', temporal.')}: a flow's exec is its walk, ` +
        "which runs no activity. Set activity options on the flow's nodes.",
      node.name,
    );
  }
  if (activity.local !== true) {
    return;
  }
  for (const option of ['taskQueue', 'heartbeatTimeout'] as const) {
    if (activity[option] !== undefined) {
      throw new FlowDefinitionError(
        `Node '${node.name}' of flow '${flow}' sets temporal.local and temporal.${option}: a local activity runs in the ` +
          `workflow's own worker and cannot heartbeat. Drop ${option}, or drop local to run a normal activity.`,
        node.name,
      );
    }
  }
}

/**
 * Registers flows by name, one line each: `defineFlows({ 'recipe-finder': createRecipeFlow })`,
 * or with options for their runs: `{ 'long-loop': { build: createLoop, continueAsNewAfterSteps: 50 } }`.
 * Import the result from the workflow bundle (for `createFlowWorkflows`) and the worker (for
 * `createFlowActivities`); the worker's services are checked against what the flows declare.
 */
export function defineFlows<F extends Record<string, FlowFactory | RegisteredFlow>>(entries: F): FlowRegistry<RegistryServices<F>> {
  return new FlowRegistry<RegistryServices<F>>(entries);
}
