/**
 * The activity side of the Temporal runtime: one activity per node, named after it, that runs
 * the node's exec (and one per custom fallback). Runs in the worker, never in the workflow.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { PocketFlowError } from '../core/index.js';
import {
  announceTry,
  assertExecResult,
  CALL_EXEC,
  CALL_FALLBACK,
  createRunContext,
  errorForFallback,
  eventPlace,
  execCopy,
  type Executor,
  HAS_FALLBACK,
  isFlowMistake,
  RUN,
} from '../core/internal.js';
import type { EventStep } from '../core/events.js';
import { EventPublisher } from './event-publisher.js';
import { type ExecActivityInput, fallbackActivityName, type FallbackActivityInput, FORK_MEMO_ACTIVITY, type ForkMemoInput } from './definitions.js';
import { readForkMemo } from './fork-memo.js';
import { UnknownNodeError } from './errors.js';
import type { FlowRegistry } from './registry.js';

/** Options of `createFlowActivities`. */
export interface FlowActivityOptions<Svc = unknown> {
  /** Dependencies handed to exec through `this.services` (HTTP clients, LLM clients, endpoints). */
  services?: Svc;
}

/** One generated activity: the exec (or the fallback) of one node. */
export type FlowActivity = (input: ExecActivityInput) => Promise<unknown>;

/** Builds the worker's activities: one per node of every registered flow. */
export function createFlowActivities<Svc>(
  registry: FlowRegistry<Svc>,
  options: FlowActivityOptions<Svc> = {},
): Record<string, FlowActivity> {
  const activities: Record<string, FlowActivity> = {};
  for (const { node } of registry.activityNodes()) {
    activities[node.name] = (input) => runExec(registry, options, input);
    if (node[HAS_FALLBACK]) {
      activities[fallbackActivityName(node.name)] = (input) => runFallback(registry, options, input as FallbackActivityInput);
    }
  }
  // A fork's first step: what it re-uses of its source.
  activities[FORK_MEMO_ACTIVITY] = (input) => readForkMemo(input as unknown as ForkMemoInput);
  return activities;
}

async function runExec<Svc>(registry: FlowRegistry<Svc>, options: FlowActivityOptions<Svc>, input: ExecActivityInput): Promise<unknown> {
  const curRetry = Context.current().info.attempt - 1;
  const publisher = publisherFor(input);
  const copy = execCopyFor(registry, options, input, curRetry, publisher);
  try {
    announceTry(copy[RUN], placeOf(input), curRetry);
    return checked(input, await mistakesUnretried(() => copy[CALL_EXEC](input.input)));
  } finally {
    // What this try published reaches the run before its result does.
    await publisher?.close();
  }
}

async function runFallback<Svc>(
  registry: FlowRegistry<Svc>,
  options: FlowActivityOptions<Svc>,
  input: FallbackActivityInput,
): Promise<unknown> {
  const node = registry.node(input.flow, input.node);
  const publisher = publisherFor(input);
  const copy = execCopyFor(registry, options, input, (node?.maxRetries ?? 1) - 1, publisher);
  const error = errorForFallback({ name: input.error.type, message: input.error.message });
  try {
    return checked(input, await mistakesUnretried(() => copy[CALL_FALLBACK](input.input, error)));
  } finally {
    await publisher?.close();
  }
}

/** The step an exec call is about, as its events say it: none when its run keeps no events. */
function placeOf(input: ExecActivityInput): EventStep | undefined {
  return input.step === undefined ? undefined : eventPlace(input.step, input.node, input.item?.index);
}

/**
 * Where this try's events go: its run, when the run keeps events. A local activity runs inside
 * the workflow task, so its signals would arrive after its result: it publishes nothing.
 */
function publisherFor(input: ExecActivityInput): EventPublisher | undefined {
  const context = Context.current();
  const execution = context.info.workflowExecution;
  if (input.step === undefined || context.info.isLocal || execution === undefined) {
    return undefined;
  }
  return new EventPublisher(context.client, execution, log);
}

/** Runs exec, failing without retries on an error that says the flow is written wrongly (as in-process, where it is not tried again). */
async function mistakesUnretried(call: () => unknown): Promise<unknown> {
  try {
    return await call();
  } catch (error) {
    throw isFlowMistake(error) ? nonRetryable(error as PocketFlowError) : error;
  }
}

/**
 * Checks a result before the payload converter sees it (which refuses it less precisely): the
 * same check and error as in-process, never retried, as in-process.
 */
function checked(input: ExecActivityInput, result: unknown): unknown {
  try {
    assertExecResult(input.node, result, input.item);
  } catch (error) {
    throw nonRetryable(error as PocketFlowError);
  }
  return result;
}

/** The fresh copy of the node that runs this try, as in-process: the registered node as built, with the input's params. */
function execCopyFor<Svc>(
  registry: FlowRegistry<Svc>,
  options: FlowActivityOptions<Svc>,
  input: ExecActivityInput,
  curRetry: number,
  publisher: EventPublisher | undefined,
) {
  const node = registry.node(input.flow, input.node);
  if (node === undefined) {
    throw nonRetryable(
      new UnknownNodeError(input.flow, input.node, 'Deploy the worker with the same flow definitions as the workflow bundle.'),
    );
  }
  const run = createRunContext({
    executor: noNestedExec,
    logger: log,
    services: options.services,
    // A local activity cannot heartbeat: it runs inside the workflow task, which the worker keeps alive.
    heartbeat: Context.current().info.isLocal ? undefined : (details?: unknown) => Context.current().heartbeat(details),
    ...(publisher === undefined ? {} : { events: (event) => publisher.push(event) }),
  });
  // Read-only, as a walk's params are in the run.
  return execCopy(node, Object.freeze(input.params ?? {}), run, curRetry, placeOf(input));
}

/** A failure that Temporal does not retry, typed with the error's name. */
function nonRetryable(error: PocketFlowError): ApplicationFailure {
  return ApplicationFailure.create({ message: error.message, type: error.name, nonRetryable: true });
}

const noNestedExec: Executor = {
  exec() {
    throw new PocketFlowError('A node cannot run another exec from inside its own exec.');
  },
};
