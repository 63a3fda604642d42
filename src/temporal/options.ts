/**
 * Temporal's options, apart from the model: how a node's exec runs as an activity (given to the
 * node's constructor as `temporal`, which this module adds to the core's node options), and how a
 * registered flow's runs behave (given where the flow is registered). Workflow-safe.
 */
import type { Params } from '../core/index.js';

/** A duration as Temporal takes it: milliseconds, or a string such as `'30s'` or `'2 minutes'`. */
export type Duration = number | string;

/** How a node's exec runs as a Temporal activity. Unset fields take the runtime's defaults. */
export interface TemporalNodeOptions {
  startToCloseTimeout?: Duration;
  scheduleToCloseTimeout?: Duration;
  heartbeatTimeout?: Duration;
  /** Multiplier between retry intervals (default 1: PocketFlow's fixed `wait`). */
  backoffCoefficient?: number;
  maximumInterval?: Duration;
  /** Run this node's activities on another task queue (for example, workers with a GPU). */
  taskQueue?: string;
  /**
   * Run exec as a local activity: in the worker that runs the workflow, inside its workflow task,
   * with no task-queue hop and history markers instead of activity events. For quick execs
   * (parsing, small lookups, cheap model calls); no `taskQueue`, no heartbeats.
   */
  local?: boolean;
  /**
   * Batch nodes: a batch of more than `threshold` items (default 1,000) runs its items in child
   * workflows of `chunkSize` items each (default 1,000; fewer when their payload would pass
   * Temporal's limit), a parallel batch at most `concurrentChunks` at once (default 10), so that no
   * history holds more than a chunk's activities. The results are the same as in the run: `false`
   * keeps every batch in the run.
   *
   * Batch flows, only when set (there is no default): past `threshold` param sets (default 100),
   * chunks of `chunkSize` param sets (default 100) walk in child workflows, each on a copy of the
   * shared store, and what each chunk changed is merged back in param-set order. A parallel batch
   * flow's chunks that change the same place fail the run, and no node inside may ask a person:
   * in-process the param sets share one store (README, "Long loops and big batches").
   */
  childBatches?: ChildBatchOptions | false;
  /**
   * Batch nodes: run this many items in each activity (default 1, an activity per item). Inside
   * an activity a parallel batch's items run at once (at most `maxConcurrency`), a batch's one
   * after another; each item keeps its own tries, `curRetry` and fallback, and the results are
   * in input order, as in-process. The activity heartbeats the items it has finished, so that a
   * retry after a crash or a timeout runs only the others. The timeouts are the activity's: give
   * `startToCloseTimeout` room for every item of a group. Pays for many quick items (fewer
   * history events and server actions); the Web UI then shows one activity per group.
   */
  itemsPerActivity?: number;
}

/** How a big batch is split into child workflows (see `TemporalNodeOptions.childBatches`). */
export interface ChildBatchOptions {
  threshold?: number;
  chunkSize?: number;
  concurrentChunks?: number;
}

declare module '../core/node.js' {
  interface RuntimeNodeOptions {
    /** How the node's exec runs on Temporal (as an activity, with these timeouts and retry settings). */
    temporal?: TemporalNodeOptions;
  }
}

/** How a registered flow's runs behave on Temporal; given where the flow is registered. */
export interface FlowRunOptions {
  /**
   * Continue as new (a fresh history, same shared store) after this many steps in one run,
   * counting the steps of nested flows; Temporal's own suggestion (a long history) triggers it too.
   * It happens between two steps of any flow of the run (a loop inside a nested flow, between the
   * param sets of a batch flow), except inside a parallel batch flow.
   */
  continueAsNewAfterSteps?: number;
  /**
   * When the run updates its `PocketFlowNode` search attribute. `'waiting'` (the default): when
   * the run starts or stops waiting for a person, so that waiting runs are found by node and a
   * step costs no event of its own. `'every-node'`: each time the node running or waiting changes,
   * one history event (and a visibility write) each time, so that runs at work are found by node too.
   */
  searchAttributes?: 'every-node' | 'waiting';
  /**
   * Under Worker Versioning, `'pinned'` (the default) finishes each run on the build it started
   * on; `'auto-upgrade'` moves open runs to each new current build, whose code must then replay
   * their histories (check with `pocketflow-temporal check-replay`).
   */
  versioning?: 'pinned' | 'auto-upgrade';
  /**
   * At most this many exec activities of a run pending at once, across every batch, parallel flow
   * and nested flow of the run; more wait for a slot. Temporal refuses a workflow task that would
   * leave more than 2,000 pending (a run that then never moves), so the default is 1,000 and the
   * most is 2,000.
   */
  maxPendingActivities?: number;
  /**
   * A one-line summary of a run from its initial shared store and params ("Recipe Finder:
   * chicken"): the Web UI shows it beside the run.
   */
  summary?: (shared: Record<string, unknown>, params: Params) => string;
}
