import {
  AsyncHumanNode,
  type AnyNode,
  Flow,
  FlowDefinitionError,
  prepareFlow,
  reachableNodes,
  UnknownFlowError,
} from '../core/index.js';

/** Builds a fresh flow object; called once per run in the workflow and once per worker for exec. */
export type FlowFactory = () => Flow<any, any>;

/** The flows a workflow bundle and its worker agree on, by name. */
export class FlowRegistry {
  readonly #factories: ReadonlyMap<string, FlowFactory>;
  readonly #nodeIndexes = new Map<string, Map<string, AnyNode>>();

  constructor(factories: Record<string, FlowFactory>) {
    this.#factories = new Map(Object.entries(factories));
    for (const [name, factory] of this.#factories) {
      if (typeof factory !== 'function') {
        throw new FlowDefinitionError(`Flow '${name}' must be registered as a function that builds the flow.`);
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

  /** Builds a new instance of the flow, checked and with its node names fixed. */
  build(name: string): Flow<any, any> {
    const factory = this.#factories.get(name);
    if (factory === undefined) {
      throw new UnknownFlowError(name, this.names);
    }
    return checkedFlow(name, factory);
  }

  /** The node named `node` in flow `flow` (built once and kept, for exec in activities). */
  node(flow: string, node: string): AnyNode | undefined {
    return this.#nodeIndexes.get(flow)?.get(node);
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
    const flow = checkedFlow(name, factory);
    this.#nodeIndexes.set(name, new Map(reachableNodes(flow).map((node) => [node.name, node])));
  }
}

/** True when the node's exec runs as a Temporal activity (not a flow, not a wait for a person, not a no-op). */
export function runsAsActivity(node: AnyNode): boolean {
  return !(node instanceof Flow) && !(node instanceof AsyncHumanNode) && node.hasExec;
}

function checkedFlow(name: string, factory: FlowFactory): Flow<any, any> {
  const flow = factory();
  if (!(flow instanceof Flow)) {
    throw new FlowDefinitionError(`The factory of flow '${name}' must return a flow (AsyncFlow, Flow, ...).`);
  }
  prepareFlow(flow);
  return flow;
}

/**
 * Registers flows by name, one line each: `defineFlows({ 'recipe-finder': createRecipeFlow })`.
 * Import the result from the workflow bundle (for `createFlowWorkflow`) and the worker (for
 * `createFlowActivities`).
 */
export function defineFlows(factories: Record<string, FlowFactory>): FlowRegistry {
  return new FlowRegistry(factories);
}
