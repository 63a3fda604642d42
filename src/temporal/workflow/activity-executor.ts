/** Runs each exec of a flow as a Temporal activity named after its node, with the node's retry policy. */
import {
  isCancellation,
  log,
  type LocalActivityOptions,
  scheduleActivity,
  scheduleLocalActivity,
  TemporalFailure,
  type ActivityOptions,
} from '@temporalio/workflow';
import { type AnyFlow, type AnyNode, type Params } from '../../core/index.js';
import {
  announceFallback,
  type BatchItem,
  directExecutor,
  type Executor,
  FLOW_MISTAKES,
  HAS_FALLBACK,
  mapWithLimit,
  placeOf,
  RUN,
  settledResult,
  SOURCE,
  STEP_NUMBER,
  toError,
} from '../../core/internal.js';
import { DEFAULT_START_TO_CLOSE, type ExecActivityInput, fallbackActivityName, type FallbackActivityInput } from '../definitions.js';
import { PayloadTooLargeError } from '../errors.js';
import { MAX_PAYLOAD_BYTES, payloadBytes, payloadPasses } from '../payload-converter.js';
import { DEFAULT_MAX_PENDING_ACTIVITIES } from '../registry.js';
import { childBatchOptions, chunksOf, runInChildren, walkInChildren } from './batch-chunks.js';
import { rootCause } from './failures.js';

export { DEFAULT_START_TO_CLOSE };

export { MAX_PAYLOAD_BYTES, payloadBytes };

/**
 * The executor of a flow's run on Temporal: an activity per exec, a fallback activity after the
 * last try, with at most `maxPending` of them pending at once in the run.
 */
export class ActivityExecutor implements Executor {
  /** Results come from activities, checked there and decoded here: copies already. */
  readonly settlesResults = true;
  readonly #flow: string;
  readonly #root: AnyNode | undefined;
  readonly #slots: Slots;
  readonly #steps: () => number;
  /** How many big batches each node started at each step count, so that each gets its own child ids. */
  readonly #batches = new Map<string, number>();

  /**
   * `flow`: the registered flow's name; `root`: the registered flow as built for the run (a batch
   * flow that is the root says so to its chunks); `steps` counts the run's finished steps
   * (earlier runs of a continue-as-new included), for child workflow ids.
   */
  constructor(flow: string, options: { root?: AnyNode; maxPending?: number; steps?: () => number } = {}) {
    this.#flow = flow;
    this.#root = options.root;
    this.#slots = new Slots(options.maxPending ?? DEFAULT_MAX_PENDING_ACTIVITIES);
    this.#steps = options.steps ?? (() => 0);
  }

  /** A batch past the node's threshold runs in child workflows, a chunk each; a smaller one stays here. */
  execBatch(node: AnyNode, items: readonly unknown[]): Promise<unknown[]> | undefined {
    const options = childBatchOptions(node);
    if (options === undefined || items.length <= options.threshold) {
      return undefined;
    }
    return runInChildren(this.#flow, node, items, options, this.#batchKey(node));
  }

  /** A batch flow past its threshold walks its param sets in child workflows, a chunk each. */
  walkBatch(flow: AnyFlow, shared: object, paramSets: readonly Params[]): Promise<void> | undefined {
    const options = childBatchOptions(flow);
    if (options === undefined || paramSets.length <= options.threshold) {
      return undefined;
    }
    return walkInChildren(this.#flow, flow, flow[SOURCE] === this.#root, shared as Record<string, unknown>, paramSets, options, this.#batchKey(flow));
  }

  /** `<node>/step-<n>` (`.2`, `.3` for a node's further batches at the same step): the part of a chunk's id that says whose it is. */
  #batchKey(node: AnyNode): string {
    const at = `${node.name}/step-${this.#steps() + 1}`;
    const seen = (this.#batches.get(at) ?? 0) + 1;
    this.#batches.set(at, seen);
    return seen === 1 ? at : `${at}.${seen}`;
  }

  /** A batch node with `itemsPerActivity` runs its items in groups, an activity each; else undefined (an activity per item). */
  execItems(node: AnyNode, items: readonly unknown[], offset: number, count: number): Promise<unknown[]> | undefined {
    const size = node.options.temporal?.itemsPerActivity;
    if (size === undefined || size <= 1 || node.waitsForPerson || items.length === 0) {
      return undefined;
    }
    const groups = chunksOf(node, items, size);
    const limit = node.options.maxConcurrency;
    // A parallel batch's items run at most maxConcurrency at once over all its groups; a batch's groups run one after another.
    const groupsAtOnce = node.batchMode !== 'parallel' ? 1 : limit === undefined ? undefined : Math.max(1, Math.floor(limit / Math.min(limit, size)));
    return mapWithLimit(groups, groupsAtOnce, (group) => this.#execGroup(node, group.items, offset + group.offset, count)).then((results) => results.flat());
  }

  #execGroup(node: AnyNode, items: unknown[], offset: number, count: number): Promise<unknown[]> {
    const input: ExecActivityInput = { flow: this.#flow, node: node.name, params: node.params, input: items, group: { offset, count } };
    if (node[RUN]?.events !== undefined) {
      input.step = node[STEP_NUMBER];
    }
    const bytes = payloadPasses(input, MAX_PAYLOAD_BYTES);
    if (bytes !== undefined) {
      return Promise.reject(new PayloadTooLargeError(node.name, bytes));
    }
    const summary = `${node.name} items ${offset + 1}-${offset + items.length} of ${count}`;
    return this.#run(node, () => schedule(node, node.name, input, summary, undefined)) as Promise<unknown[]>;
  }

  exec(node: AnyNode, prepRes: unknown, item?: BatchItem): Promise<unknown> {
    if (node.waitsForPerson) {
      // Exec runs here, in the workflow, as in-process: its result is checked and copied as there.
      return directExecutor.exec(node, prepRes, item).then((result) => settledResult(node, result, item));
    }
    // An input of undefined is left out: a payload with undefined inside takes the converter's slower path.
    const input: ExecActivityInput = prepRes === undefined ? { flow: this.#flow, node: node.name, params: node.params } : { flow: this.#flow, node: node.name, params: node.params, input: prepRes };
    if (item !== undefined) {
      input.item = item;
    }
    if (node[RUN]?.events !== undefined) {
      input.step = node[STEP_NUMBER];
    }
    const bytes = payloadPasses(input, MAX_PAYLOAD_BYTES);
    if (bytes !== undefined) {
      return Promise.reject(new PayloadTooLargeError(node.name, bytes));
    }
    const summary = execSummary(node, prepRes, item);
    if (!node[HAS_FALLBACK]) {
      return this.#run(node, () => schedule(node, node.name, input, summary, undefined));
    }
    return this.#execWithFallback(node, input, summary, item);
  }

  /** Runs `task` in a slot of the run's pending activities; a local activity is none of the server's, and takes no slot. */
  #run<T>(node: AnyNode, task: () => Promise<T>): Promise<T> {
    return node.options.temporal?.local === true ? task() : this.#slots.run(task);
  }

  async #execWithFallback(node: AnyNode, input: ExecActivityInput, summary: string, item: BatchItem | undefined): Promise<unknown> {
    try {
      return await this.#run(node, () => schedule(node, node.name, input, summary, undefined));
    } catch (error) {
      // A normal activity fails with an ActivityFailure; a local one with the failure itself. Cancellation is no failure of exec,
      // and an error that says the flow is written wrongly is none that a fallback handles (in-process, it is not either).
      if (!(error instanceof TemporalFailure) || isCancellation(error) || FLOW_MISTAKES.includes(rootCause(error).type)) {
        throw error;
      }
      const cause = rootCause(error);
      announceFallback(node[RUN], placeOf(node, item), { name: cause.type, message: cause.message });
      const fallbackInput: FallbackActivityInput = { ...input, error: cause };
      return this.#run(node, () => schedule(node, fallbackActivityName(node.name), fallbackInput, `${summary} (fallback)`, { maximumAttempts: 1 }));
    }
  }
}

/**
 * A run's activity slots: `run` waits for a free slot, first come first served, so the order in
 * which activities are scheduled is the order in which the flow asked for them (deterministic).
 */
class Slots {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free === 0) {
      return this.#runLater(task);
    }
    // A free slot: the task's own promise and one more, where an async function makes two more.
    this.#free--;
    let running: Promise<T>;
    try {
      running = task();
    } catch (error) {
      this.#release();
      return Promise.reject(error as Error);
    }
    return running.then(
      (value) => {
        this.#release();
        return value;
      },
      (error: unknown) => {
        this.#release();
        throw error;
      },
    );
  }

  async #runLater<T>(task: () => Promise<T>): Promise<T> {
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      this.#release();
    }
  }

  /** Hands the slot to the first task waiting, or frees it. */
  #release(): void {
    const next = this.#waiting.shift();
    if (next === undefined) {
      this.#free++;
    } else {
      next();
    }
  }
}

/** "FetchRecipes: chicken", "Translate item 17 of 1000: fr": the node's name, the item, and what the node says of its input. */
function execSummary(node: AnyNode, input: unknown, item: BatchItem | undefined): string {
  const base = item === undefined ? node.name : `${node.name} item ${item.index + 1} of ${item.count}`;
  let own: unknown;
  try {
    own = node.execSummary(input);
  } catch (error) {
    // A label must not fail a step that in-process would run: the node's name says enough.
    log.warn(`Node '${node.name}': execSummary threw (${toError(error).message}); the activity is labelled with its name.`);
  }
  const text = typeof own === 'string' && own !== '' ? `${base}: ${own}` : base;
  // The server keeps at most 400 bytes of a summary.
  return text.length > SUMMARY_CHARS ? `${text.slice(0, SUMMARY_CHARS - 1)}…` : text;
}

const SUMMARY_CHARS = 120;

/** Schedules one activity (a local one when the node asks for it) with the node's options. */
function schedule(
  node: AnyNode,
  activity: string,
  input: ExecActivityInput,
  summary: string,
  retry: ActivityOptions['retry'],
): Promise<unknown> {
  if (node.options.temporal?.local === true) {
    const options = localActivityOptions(node, summary);
    return scheduleLocalActivity(activity, [input], retry === undefined ? options : { ...options, retry });
  }
  const options = activityOptions(node, summary);
  return scheduleActivity(activity, [input], retry === undefined ? options : { ...options, retry });
}

/** Maps a node's options onto Temporal's activity options. */
export function activityOptions(node: AnyNode, summary: string): ActivityOptions {
  const t = node.options.temporal ?? {};
  return {
    startToCloseTimeout: t.startToCloseTimeout ?? DEFAULT_START_TO_CLOSE,
    scheduleToCloseTimeout: t.scheduleToCloseTimeout,
    heartbeatTimeout: t.heartbeatTimeout,
    taskQueue: t.taskQueue,
    summary,
    retry: {
      maximumAttempts: node.maxRetries,
      initialInterval: Math.max(1, Math.round(node.wait * 1000)),
      backoffCoefficient: t.backoffCoefficient ?? 1,
      maximumInterval: t.maximumInterval,
      nonRetryableErrorTypes: node.options.nonRetryableErrors === undefined ? undefined : [...node.options.nonRetryableErrors],
    },
  };
}

/** Maps a node's options onto Temporal's local-activity options: the same timeouts and retry policy. */
export function localActivityOptions(node: AnyNode, summary: string): LocalActivityOptions {
  const { startToCloseTimeout, scheduleToCloseTimeout, retry } = activityOptions(node, summary);
  return { startToCloseTimeout, scheduleToCloseTimeout, retry, summary };
}
