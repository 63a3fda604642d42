/**
 * What a run hands to every node it runs, and the seams a runtime plugs into: how one exec runs
 * (the executor), where a person's answers come from (the input source), who watches the steps
 * (the observer), and what may hold the walk between two steps or start it elsewhere (the control).
 */
import { NoInputSourceError } from './errors.js';
import { directExecutor } from './exec.js';
import { consoleLogger, type Logger } from './logger.js';
import type { AnyFlow } from './flow.js';
import type { AnyNode, Params } from './node.js';
import { type EventSink, type FlowEvent, numberedSink, type RunEvent } from './events.js';
import { type ForkOptions, ForkPointError, forkMemoOf, ForkReuse, type RecordedStep, resumeFromFrames, StepRecorder } from './steps.js';

/** One request for a person's input, as a node makes it. */
export interface InputRequest {
  /** The question shown to the person. */
  prompt: string;
  /**
   * What the person needs to see to answer (the draft, the recipe), shown with the question where
   * it is shown apart from the flow's own output: a run's details, `status`, the inbox.
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

/** Where a person's answers come from: the terminal, a script, or a durable run's messages. */
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

/** Runs one exec of a step (with its retries and fallback): directly, or as a task of a durable runtime. */
export interface Executor {
  /** Runs exec on `input` for `step` and resolves with its result; `item` is set for a batch node's items. */
  exec(step: AnyNode, input: unknown, item?: BatchItem): Promise<unknown>;
  /**
   * True when the results reach the core checked and as copies already (they crossed a process):
   * the core hands them to post as they are, where it otherwise checks them and copies them.
   */
  readonly settlesResults?: boolean;
  /**
   * Runs a batch node's exec on all of `items` elsewhere and returns the results in order;
   * undefined to have them run item by item here.
   */
  execBatch?(step: AnyNode, items: readonly unknown[]): Promise<unknown[]> | undefined;
  /**
   * Runs a batch node's exec on `items` (those from `offset` of a list of `count`) in tasks of
   * several items each, and returns the results in order; undefined to run them one exec each.
   */
  execItems?(step: AnyNode, items: readonly unknown[], offset: number, count: number): Promise<unknown[]> | undefined;
  /**
   * Walks a batch flow's graph for all of `paramSets` elsewhere, leaving their changes in
   * `shared`; undefined to walk them here.
   */
  walkBatch?(flow: AnyFlow, shared: object, paramSets: readonly Params[]): Promise<void> | undefined;
}

/** Watches the orchestration loop without changing it. */
export interface StepObserver {
  onStepStart?(step: AnyNode): void;
  onStepEnd?(step: AnyNode, action: string | undefined): void;
  /** A step threw `error` (called for the innermost step first, then for each flow it escapes). */
  onStepError?(step: AnyNode, error: unknown): void;
}

/**
 * Where the walk of one flow under way stands: the flow's step, the prep result its post will
 * get, the node it runs (or runs next, between two steps), the param set of a batch flow, and the
 * position of the walk that the flow is itself a step of.
 */
export interface FlowPosition {
  readonly flow: AnyFlow;
  readonly prepRes: unknown;
  node: AnyNode;
  /** The number of the step that runs `node`, once it has started (0 before). */
  step: number;
  /** The index of the param set being walked, in a batch flow. */
  readonly paramIndex: number | undefined;
  /** True when this walk runs beside others (a parallel batch flow's param sets): no single place to stop at. */
  readonly parallel: boolean;
  readonly parent: FlowPosition | undefined;
}

/** Where a flow starts when a run picks up from a position an earlier run stopped at. */
export interface ResumePosition {
  prepRes: unknown;
  /** A node of the flow's own graph. */
  node: AnyNode;
  /** The number of the step that runs `node`, when it started in the earlier run (a nested flow under way): it goes on, not again. */
  step?: number;
  paramIndex?: number;
}

/** A runtime's hand on the walk: it may hold the run between two steps, and start a flow elsewhere. */
export interface RunControl {
  /**
   * Called before each step of a flow but its first, and before each param set of a sequential
   * batch flow but its first, with the position as it stands. A returned promise holds the run
   * until it settles; a rejection ends the run there with that error.
   */
  beforeStep(position: FlowPosition): Promise<void> | undefined;
  /** Called as each flow begins: where it begins instead of at its start with a fresh prep, or undefined. */
  resumeAt?(flow: AnyFlow): ResumePosition | undefined;
}

/** What a run carries to every node it runs. */
export interface RunContext {
  readonly executor: Executor;
  /** Where answers come from, for prep, post and the exec of a human node. */
  readonly input: InputSource;
  readonly logger: Logger;
  /** Dependencies for exec (HTTP clients, LLM clients); given where exec runs. */
  readonly services: unknown;
  readonly observer: StepObserver | undefined;
  readonly control: RunControl | undefined;
  /** Reports progress of a long exec; nothing in-process. */
  readonly heartbeat: ((details?: unknown) => void) | undefined;
  /** Where the run's events go, or undefined when nobody listens. */
  readonly events: EventSink | undefined;
  /** How many steps of the run have started: a step's number is the count once it starts. */
  readonly counter: { stepsStarted: number };
}

/** Options of `runAsync` for an in-process run. */
export interface RunOptions<Svc = unknown> {
  /** Where a person's answers come from; a node that asks without one fails with `NoInputSourceError`. */
  input?: InputSource;
  logger?: Logger;
  /** Dependencies handed to exec through `this.services`. */
  services?: Svc;
  observer?: StepObserver;
  /** Receives each event of the run as it happens: steps started and finished, retries, waits, exec's text and data. */
  onEvent?: (event: RunEvent) => void;
  /**
   * Receives each step of the run as it finishes: where it stood, its exec calls with input and
   * result, its answers, the store before and after. A step recorded here is one a fork can start at.
   */
  onStep?: (step: RecordedStep) => void;
  /** Starts the run at a recorded step of another run instead of at the start, re-using what did not change. */
  fork?: ForkOptions;
}

/** What a runtime may set beyond the public run options. */
export interface RuntimeOptions extends RunOptions {
  executor?: Executor;
  control?: RunControl;
  heartbeat?: (details?: unknown) => void;
  /** Where the events go (instead of `onEvent`). */
  events?: EventSink;
  /** Steps started before this run (a run that picks up where another stopped). */
  stepsStarted?: number;
  /** Steps finished before this run, for the steps it records. */
  stepsFinished?: number;
  /** Told each step that `onStep` records as it begins, with the store before it. */
  onStepBegan?: (step: RecordedStep) => void;
  /** What a fork re-uses, where the runtime read it itself (instead of `fork.from`); the runtime's control starts it at its step. */
  reuse?: ForkReuse;
}

/** The input source of a run that was given none: a node that asks fails with a hint. */
const noInput: InputSource = {
  ask(request) {
    return Promise.reject(new NoInputSourceError(request.node));
  },
};

/**
 * Builds the context a run hands to every node: in-process defaults where `options` says nothing.
 * `shared` is the run's store, which the steps it records (`onStep`) keep copies of.
 */
export function createRunContext(options: RuntimeOptions | undefined, shared?: object): RunContext {
  const logger = options?.logger ?? consoleLogger;
  const onEvent = options?.onEvent;
  const fork = options?.fork;
  const reuse = options?.reuse ?? (fork === undefined ? undefined : new ForkReuse(forkMemoOf(fork.from ?? [], fork.at.step), fork.rerun, fork.answers));
  const recorder =
    options?.onStep === undefined
      ? undefined
      : new StepRecorder(options.onStep, () => shared, { finished: options.stepsFinished ?? fork?.at.finishedBefore ?? 0, onBegan: options.onStepBegan });
  const told = options?.events ?? (onEvent === undefined ? undefined : numberedSink(onEvent, (message) => logger.warn(message)));
  let executor = options?.executor ?? directExecutor;
  let input = options?.input ?? noInput;
  if (reuse !== undefined) {
    executor = reuse.executor(executor);
    input = reuse.input(input);
  }
  return {
    executor: recorder === undefined ? executor : recorder.executor(executor),
    input,
    logger,
    services: options?.services,
    observer: recorder === undefined ? options?.observer : recorder.observer(options?.observer),
    control: options?.control ?? (fork === undefined ? undefined : forkControl(fork)),
    heartbeat: options?.heartbeat,
    events: recorder === undefined ? told : bothSinks(told, (event) => recorder.tap(event)),
    counter: { stepsStarted: options?.stepsStarted ?? (fork === undefined ? 0 : fork.at.step - 1) },
  };
}

/** A sink that hands each event to `first` (when there is one), then to `second`. */
function bothSinks(first: EventSink | undefined, second: EventSink): EventSink {
  return first === undefined
    ? second
    : (event: FlowEvent) => {
        first(event);
        second(event);
      };
}

/** The control of an in-process fork: each flow begins where the walk stood as the recorded step began. */
function forkControl(fork: ForkOptions): RunControl {
  const { at } = fork;
  if (at.frames === undefined) {
    throw new ForkPointError(at.step, forkInsideParallelMessage(at));
  }
  return {
    beforeStep: () => undefined,
    resumeAt: resumeFromFrames(at.frames, (flow, node, nested) =>
      new ForkPointError(
        at.step,
        nested
          ? `Step ${at.step} ran inside a nested flow named '${node}', which flow '${flow}' is not: fork a run of the flow that recorded it.`
          : `Step ${at.step} ran at node '${node}' of flow '${flow}', which this flow's graph does not have: fork a run of the flow that recorded it.`,
      ),
    ),
  };
}

/** Why a fork cannot start at a step inside a parallel batch flow, and where it can. */
export function forkInsideParallelMessage(at: Pick<RecordedStep, 'step' | 'node' | 'forkAt'>): string {
  return (
    `Step ${at.step} (${at.node}) ran inside a parallel batch flow, beside its other param sets: a run has no single place to start there. ` +
    (at.forkAt === undefined
      ? "That batch flow is the run's own flow, which no step starts: start a new run of it instead."
      : `Fork at step ${at.forkAt} (the batch flow's step) instead.`)
  );
}
