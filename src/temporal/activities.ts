/**
 * The activity side of the Temporal runtime: one activity per node, named after it, that runs
 * the node's exec (and one per custom fallback). Runs in the worker, never in the workflow.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { type AnyNode, PocketFlowError } from '../core/index.js';
import {
  announceTry,
  assertExecResult,
  CALL_EXEC,
  CALL_FALLBACK,
  createRunContext,
  directExecutor,
  errorForFallback,
  eventPlace,
  execCopy,
  type Executor,
  HAS_FALLBACK,
  isFlowMistake,
  mapWithLimit,
  RUN,
  STEP_NUMBER,
  stepOf,
  toError,
} from '../core/internal.js';
import type { EventStep } from '../core/events.js';
import { EventPublisher } from './event-publisher.js';
import { type ExecActivityInput, fallbackActivityName, type GroupProgress, type FallbackActivityInput, FORK_MEMO_ACTIVITY, type ForkMemoInput } from './definitions.js';
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
  if (input.group !== undefined) {
    return runGroup(registry, options, input, input.group);
  }
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

/**
 * A group of a batch node's items in one activity: each item's exec with its own tries (`wait`
 * seconds apart), `curRetry` and fallback, as in-process, a parallel batch's at most
 * `maxConcurrency` at once. The results of finished items are heartbeated, so that an attempt after
 * a crash or a timeout runs only the others; an item that fails for good fails the group, unretried.
 */
async function runGroup<Svc>(
  registry: FlowRegistry<Svc>,
  options: FlowActivityOptions<Svc>,
  input: ExecActivityInput,
  group: { offset: number; count: number },
): Promise<unknown[]> {
  const node = registeredNode(registry, input);
  const context = Context.current();
  const items = input.input as unknown[];
  const done = new Map<number, unknown>(Object.entries((context.info.heartbeatDetails as GroupProgress | undefined)?.done ?? {}).map(([index, result]) => [Number(index), result]));
  // A local activity runs inside the workflow task and cannot heartbeat. The group heartbeats its
  // progress now and then (each heartbeat carries every result so far), and keeps beating between
  // two finished items so that a slow item does not pass the heartbeat timeout.
  const beat = context.info.isLocal ? () => {} : () => context.heartbeat({ done: Object.fromEntries(done) } satisfies GroupProgress);
  const timeout = context.info.heartbeatTimeoutMs;
  const alive = context.info.isLocal ? undefined : setInterval(beat, Math.max(20, Math.min(GROUP_HEARTBEAT_MS, (timeout ?? Infinity) / 3)));
  const publisher = publisherFor(input);
  const run = createRunContext({
    executor: noNestedExec,
    logger: log,
    services: options.services,
    // The user's heartbeat keeps the group alive; the details the group records are its progress.
    heartbeat: () => beat(),
    ...(publisher === undefined ? {} : { events: (event) => publisher.push(event) }),
  });
  const step = stepOf(node, run);
  step.params = Object.freeze(input.params ?? {});
  step[STEP_NUMBER] = input.step ?? 0;
  const limit = node.batchMode === 'parallel' ? node.options.maxConcurrency : 1;
  try {
    return await mapWithLimit(items, limit, async (value, position) => {
      const index = group.offset + position;
      if (done.has(index)) {
        return done.get(index);
      }
      const item = { index, count: group.count };
      if (context.info.attempt > 1 && input.step !== undefined) {
        // The group's earlier attempt may have published some of this item's text: a reader drops it.
        publisher?.push({ type: 'retry', ...eventPlace(input.step, input.node, index), attempt: 1 });
      }
      let result: unknown;
      try {
        result = await directExecutor.exec(step, value, item);
      } catch (error) {
        throw failedItem(toError(error));
      }
      checked({ ...input, item }, result);
      done.set(index, result);
      return result;
    });
  } finally {
    clearInterval(alive);
    await publisher?.close();
  }
}

/** How often a group's activity heartbeats its progress at most, in milliseconds (more often under a short heartbeat timeout). */
const GROUP_HEARTBEAT_MS = 1000;

/** An item of a group that failed for good: the group fails with its error, unretried (the item had its tries). */
function failedItem(error: Error): ApplicationFailure {
  const failure = ApplicationFailure.create({ message: error.message, type: error.name, nonRetryable: true });
  failure.stack = error.stack;
  return failure;
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
  const node = registeredNode(registry, input);
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

/** The node an activity runs the exec of, as registered in the worker. */
function registeredNode<Svc>(registry: FlowRegistry<Svc>, input: ExecActivityInput): AnyNode {
  const node = registry.node(input.flow, input.node);
  if (node === undefined) {
    throw nonRetryable(
      new UnknownNodeError(input.flow, input.node, 'Deploy the worker with the same flow definitions as the workflow bundle.'),
    );
  }
  return node;
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
