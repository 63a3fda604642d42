/** The flows a workflow bundle and its worker agree on, by name. Workflow-safe. */
import {
  type AnyFlow,
  type AnyNode,
  AsyncHumanNode,
  Flow,
  FlowDefinitionError,
  type Logger,
  silentLogger,
  UnknownFlowError,
} from '../core/index.js';
import { HAS_EXEC, prepareFlow, reachableNodes } from '../core/internal.js';

/** Builds a fresh flow object; called once per run in the workflow and once per worker for exec. */
export type FlowFactory = () => AnyFlow;

/** The services type of a flow, as its third type parameter says (`unknown` when it names none). */
export type ServicesOf<F> = F extends Flow<infer _S, infer _P, infer Svc> ? Svc : unknown;

type Intersect<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The services every flow of a registry needs at once: the intersection of their services types. */
export type RegistryServices<F extends Record<string, FlowFactory>> = Intersect<
  { [K in keyof F]: [ServicesOf<ReturnType<F[K]>>] }[keyof F]
> extends [infer Svc]
  ? Svc
  : unknown;

/** The flows a workflow bundle and its worker agree on, by name; `Svc` is what their exec needs. */
export class FlowRegistry<Svc = unknown> {
  readonly #factories: ReadonlyMap<string, FlowFactory>;
  readonly #nodeIndexes = new Map<string, Map<string, AnyNode>>();
  readonly #versioning = new Map<string, 'PINNED' | 'AUTO_UPGRADE'>();
  /** Carries `Svc` in the type only, so that a worker's services are checked against the flows. */
  declare readonly servicesType?: Svc;

  constructor(factories: Record<string, FlowFactory>) {
    this.#factories = new Map(Object.entries(factories));
    for (const [name, factory] of this.#factories) {
      if (typeof factory !== 'function') {
        throw new FlowDefinitionError(`Flow '${name}' must be registered as a function that builds the flow.`, name);
      }
      this.#index(name, factory);
    }
  }

  /** The registered flow names. */
  get names(): string[] {
    return [...this.#factories.keys()];
  }

  has(name: string): boolean {
    return this.#factories.has(name);
  }

  /** Builds a new instance of the flow, checked and with its node names fixed; wiring warnings go to `logger`. */
  build(name: string, logger?: Logger): AnyFlow {
    const factory = this.#factories.get(name);
    if (factory === undefined) {
      throw new UnknownFlowError(name, this.names);
    }
    return checkedFlow(name, factory, logger);
  }

  /** The node named `node` in flow `flow` (built once and kept, for exec in activities). */
  node(flow: string, node: string): AnyNode | undefined {
    return this.#nodeIndexes.get(flow)?.get(node);
  }

  /** How runs of the flow move between builds under Worker Versioning (Temporal's versioning behavior). */
  versioningOf(name: string): 'PINNED' | 'AUTO_UPGRADE' {
    return this.#versioning.get(name) ?? 'PINNED';
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

  #index(name: string, factory: FlowFactory): void {
    const flow = checkedFlow(name, factory, silentLogger);
    checkMaxPending(name, flow.options.temporal?.maxPendingActivities);
    checkContinueAsNew(name, flow);
    checkChildBatches(name, flow);
    const nodes = reachableNodes(flow);
    nodes.forEach((node) => checkTemporalOptions(name, node));
    this.#nodeIndexes.set(name, new Map(nodes.map((node) => [node.name, node])));
    this.#versioning.set(name, flow.options.temporal?.versioning === 'auto-upgrade' ? 'AUTO_UPGRADE' : 'PINNED');
  }
}

/** True when the node's exec runs as a Temporal activity (not a flow, not a wait for a person, not a no-op). */
export function runsAsActivity(node: AnyNode): boolean {
  return !(node instanceof Flow) && !(node instanceof AsyncHumanNode) && node[HAS_EXEC];
}

/** Temporal's own ceiling on a run's pending activities, past which it refuses the run's workflow tasks. */
export const SERVER_PENDING_ACTIVITIES_LIMIT = 2000;

/** How many exec activities a run keeps pending at most when its flow sets no `maxPendingActivities`. */
export const DEFAULT_MAX_PENDING_ACTIVITIES = 1000;

function checkMaxPending(flow: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1 && value <= SERVER_PENDING_ACTIVITIES_LIMIT)) {
    throw new FlowDefinitionError(
      `Flow '${flow}': temporal.maxPendingActivities must be a whole number from 1 to ${SERVER_PENDING_ACTIVITIES_LIMIT} ` +
        `(Temporal refuses a run more pending activities than that), got ${String(value)}.`,
      flow,
    );
  }
}

/** A parallel batch flow walks its param sets at once, so it has no step between which to stop. */
function checkContinueAsNew(name: string, flow: AnyFlow): void {
  if (flow.options.temporal?.continueAsNewAfterSteps !== undefined && flow.batchMode === 'parallel') {
    throw new FlowDefinitionError(
      `Flow '${name}' sets temporal.continueAsNewAfterSteps, but a parallel batch flow walks all its param sets at once ` +
        'and has no point between two steps where its run can continue as new. Use AsyncBatchFlow (one param set after ' +
        'another), or put the parallel batch flow inside a flow whose loop continues as new around it.',
      name,
    );
  }
}

/** `childBatches` is for batch nodes, with whole numbers of at least 1. */
function checkChildBatches(flow: string, node: AnyNode): void {
  const given = node.options.temporal?.childBatches;
  if (given === undefined || given === false) {
    return;
  }
  if (node.batchMode === 'none') {
    throw new FlowDefinitionError(
      `Node '${node.name}' of flow '${flow}' sets temporal.childBatches, which only batch nodes (BatchNode, AsyncBatchNode, ` +
        'AsyncParallelBatchNode) and batch flows (BatchFlow, AsyncBatchFlow, AsyncParallelBatchFlow) take.',
      node.name,
    );
  }
  if (given.concurrentChunks !== undefined && given.concurrentChunks > SERVER_PENDING_ACTIVITIES_LIMIT) {
    throw new FlowDefinitionError(
      `Node '${node.name}' of flow '${flow}': temporal.childBatches.concurrentChunks must be at most ${SERVER_PENDING_ACTIVITIES_LIMIT} ` +
        '(Temporal refuses a run more pending child workflows than that).',
      node.name,
    );
  }
  for (const [option, value] of Object.entries(given)) {
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 1)) {
      throw new FlowDefinitionError(
        `Node '${node.name}' of flow '${flow}': temporal.childBatches.${option} must be a whole number of at least 1, got ${String(value)}.`,
        node.name,
      );
    }
  }
}

/** Refuses Temporal options that cannot go together, naming the flow and the node. */
function checkTemporalOptions(flow: string, node: AnyNode): void {
  const t = node.options.temporal;
  checkChildBatches(flow, node);
  for (const option of ['versioning', 'maxPendingActivities', 'continueAsNewAfterSteps'] as const) {
    if (t?.[option] !== undefined) {
      throw new FlowDefinitionError(
        `Node '${node.name}' of flow '${flow}' sets temporal.${option}, which only the registered flow takes: ` +
          `set it on the flow that '${flow}' builds.`,
        node.name,
      );
    }
  }
  if (t?.local !== true) {
    return;
  }
  for (const option of ['taskQueue', 'heartbeatTimeout'] as const) {
    if (t[option] !== undefined) {
      throw new FlowDefinitionError(
        `Node '${node.name}' of flow '${flow}' sets temporal.local and temporal.${option}: a local activity runs in the ` +
          `workflow's own worker and cannot heartbeat. Drop ${option}, or drop local to run a normal activity.`,
        node.name,
      );
    }
  }
}

function checkedFlow(name: string, factory: FlowFactory, logger: Logger | undefined): AnyFlow {
  const flow = factory();
  if (!(flow instanceof Flow)) {
    throw new FlowDefinitionError(`The factory of flow '${name}' must return a flow (AsyncFlow, Flow, ...).`, name);
  }
  prepareFlow(flow, { label: name, logger, stableNames: true });
  return flow;
}

/**
 * Registers flows by name, one line each: `defineFlows({ 'recipe-finder': createRecipeFlow })`.
 * Import the result from the workflow bundle (for `createFlowWorkflow`) and the worker (for
 * `createFlowActivities`); the worker's services are checked against what the flows declare.
 */
export function defineFlows<F extends Record<string, FlowFactory>>(factories: F): FlowRegistry<RegistryServices<F>> {
  return new FlowRegistry<RegistryServices<F>>(factories);
}
