import type { AnyNode, Params } from './node.js';
import type { Logger } from './logger.js';

/** One request for a person's input, as a node makes it. */
export interface InputRequest {
  /** The question shown to the person. */
  prompt: string;
  /**
   * What the person needs to see to answer (the draft, the recipe), shown with the question where
   * it is shown apart from the flow's own output: the Web UI's details, `status`, the inbox.
   */
  context?: string;
  /** Answers the node accepts; any other answer is refused and asked again. */
  choices?: readonly string[];
  /** Returns a reason to refuse the answer, or undefined to accept it. Must be deterministic. */
  validate?: (answer: string) => string | undefined;
  /** How long to wait, in seconds; past it the answer is `null`. Waits forever when unset. */
  timeoutSeconds?: number;
}

/** The request as an input source receives it: the node's request plus where it comes from. */
export interface PendingInput extends InputRequest {
  /** Which node asked. */
  node: string;
}

/** Where a person's answers come from: the terminal, a script, or Temporal signals. */
export interface InputSource {
  /** Resolves with the person's accepted answer, or `null` when `timeoutSeconds` passed first. */
  ask(request: PendingInput): Promise<string | null>;
}

/** Which item of a batch node's list one exec call is for. */
export interface BatchItem {
  /** The item's index in the list. */
  index: number;
  /** How many items the list has. */
  count: number;
}

/** Runs one exec of a node (with its retries and fallback): directly, or as a Temporal activity. */
export interface ExecRunner {
  /** Runs exec on `prepRes` for `node`; `item` is set for a batch node's items. */
  exec(node: AnyNode, prepRes: unknown, item?: BatchItem): Promise<unknown>;
  /**
   * Runs a batch node's exec on all of `items` elsewhere (on Temporal, big batches in child
   * workflows) and returns the results in order; undefined to have them run item by item here.
   */
  execBatch?(node: AnyNode, items: readonly unknown[]): Promise<unknown[]> | undefined;
  /**
   * Walks a batch flow's graph for all of `paramSets` elsewhere (on Temporal, many param sets in
   * child workflows), leaving their changes in `shared`; undefined to walk them here.
   */
  walkBatch?(flow: AnyNode, shared: object, paramSets: readonly Params[]): Promise<void> | undefined;
}

/** Watches the orchestration loop without changing it (the Temporal runtime feeds its query and UI details). */
export interface StepObserver {
  onStepStart?(node: AnyNode): void;
  onStepEnd?(node: AnyNode, action: string | undefined): void;
}

/**
 * Where a walk stands, for one flow of the chain from the outermost flow to the one walking: the
 * node it runs next (in an outer flow, the nested flow being walked), its prep result (its post
 * needs it at the end), and for a batch flow the param set being walked.
 */
export interface WalkFrame {
  at: string;
  prep?: unknown;
  paramIndex?: number;
}

/** Decides between two steps of a flow whether the run goes on here (the Temporal runtime continues as new). */
export interface StepControl {
  /**
   * Called before each step of a flow except its first. A returned promise holds the run until
   * it settles; a rejection ends the run there with that error. `position` gives where the walk
   * stands, outermost flow first, or undefined where it cannot be resumed from (inside a parallel
   * batch flow, whose param sets run at once).
   */
  beforeStep(flow: AnyNode, next: AnyNode, position: () => WalkFrame[] | undefined): Promise<void> | undefined;
}

/** What a run carries to every node it runs. */
export interface RunContext {
  executor: ExecRunner;
  input: InputSource;
  logger: Logger;
  /** Dependencies for exec (HTTP clients, LLM clients); only present where exec runs. */
  services: unknown;
  observer: StepObserver | undefined;
  control: StepControl | undefined;
  /** Reports progress of a long exec (a Temporal activity heartbeat); a no-op in-process. */
  heartbeat: ((details?: unknown) => void) | undefined;
}

/** Options of `runAsync` for an in-process run. */
export interface RunOptions<Svc = unknown> {
  /** Where a person's answers come from; a node that asks without one fails with `NoInputSourceError`. */
  input?: InputSource;
  logger?: Logger;
  /** Dependencies handed to exec through `this.services`. */
  services?: Svc;
  observer?: StepObserver;
}
