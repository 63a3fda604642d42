/**
 * Time travel on Temporal: a run's steps, read from its history with no worker up (the history is
 * replayed with a checkout's workflow code, which re-runs prep and post exactly and hands each step
 * out through a sink), and a fork: a new run that starts at one of those steps with the store as it
 * was before it, edited, re-using the exec results whose input did not change.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow/index.js';
import type proto from '@temporalio/proto';
import type { InjectedSinks } from '@temporalio/worker';
import {
  type AnswersChoice,
  assertPortable,
  ForkPointError,
  forkMemoOf,
  type Params,
  PocketFlowError,
  type RecordedStep,
  type RerunChoice,
  silentLogger,
} from '../core/index.js';
import { copyPortable, forkInsideParallelMessage } from '../core/internal.js';
import { describeFlowRun, withKnownRun } from './client.js';
import { workerDataConverter } from './data-converter.js';
import {
  FORK_MEMO,
  FORK_SEARCH_ATTRIBUTE,
  type ForkInput,
  type ForkRecord,
  type FlowWorkflow,
  type FlowWorkflowInput,
  type StepSinks,
  WAITING_SEARCH_ATTRIBUTE,
} from './definitions.js';
import { versioningOfDescription } from './deployments.js';
import { RunAlreadyStartedError } from './errors.js';
import { forkRecordOf, forkSummary } from './lineage.js';
import type { FlowRegistry } from './registry.js';
import { runDetails } from './run-details.js';
import { missingSearchAttributes } from './search-attributes.js';

type History = proto.temporal.api.history.v1.IHistory;

/** Where a checkout's workflow code parts from a run's history. */
export interface ReplayProblem {
  runId: string;
  /** The node where the code parts from the history, when it can be told. */
  node: string | undefined;
  message: string;
}

/** A run's steps, as replaying its history with a checkout's code recorded them. */
export interface FlowRunSteps {
  workflowId: string;
  /** The run's flow (its workflow type). */
  flow: string;
  /** Its runs, first to last (more than one when it continued as new). */
  runIds: string[];
  status: string;
  taskQueue: string;
  /** The params the run was started with. */
  params: Params;
  /** Every step that finished, in order of their numbers. */
  steps: RecordedStep[];
  /** Set when the code does not replay the history: the steps before it are listed. */
  problem?: ReplayProblem;
  /** Set when the run is itself a fork. */
  fork?: ForkRecord;
  description: WorkflowExecutionDescription;
}

/** Where the workflow code to replay with comes from. */
export interface StepsOptions {
  /** The bundle entry of the flows' workflows (a project's `workflowsPath`), bundled here with the step recorder. */
  workflowsPath: string;
}

/** A history that this checkout's code does not replay: nothing can be read or forked exactly from it. */
export class HistoryReplayError extends PocketFlowError {
  readonly workflowId: string;
  readonly node: string | undefined;

  constructor(workflowId: string, problem: ReplayProblem, doing: string) {
    super(
      `Run ${workflowId}'s history does not replay with this checkout's workflow code` +
        `${problem.node === undefined ? '' : `: it parts at node '${problem.node}'`} (${problem.message}). ` +
        `${doing} from a checkout whose code replays it (the build the run ran on).`,
    );
    this.workflowId = workflowId;
    this.node = problem.node;
  }
}

const bundles = new Map<string, Promise<string>>();

/** The workflow code of `workflowsPath` with the step recorder: bundled once per process, and kept on disk until the sources change. */
function recordingCode(workflowsPath: string): Promise<string> {
  let code = bundles.get(workflowsPath);
  if (code === undefined) {
    code = import('./bundle.js').then(async ({ cachedFlowBundle }) => (await cachedFlowBundle(workflowsPath, { recordSteps: true })).code);
    bundles.set(workflowsPath, code);
  }
  return code;
}

/**
 * Every step of run `workflowId`, running or closed, read from its history (all its runs when it
 * continued as new) and replayed with the workflow code of `options.workflowsPath`: no worker is
 * needed. Payloads are decoded with the client's codecs (encryption included). When the code does
 * not replay the history, `problem` says where it parts and the steps before are listed.
 */
export async function flowSteps(client: Client, workflowId: string, options: StepsOptions): Promise<FlowRunSteps> {
  const description = await describeFlowRun(client, workflowId);
  const { runIds, histories } = await historiesOf(client, workflowId, description);
  const started = histories[0]?.events?.[0]?.workflowExecutionStartedEventAttributes;
  // Decoding the input first says at once, and plainly, when the payloads cannot be decrypted here.
  const input = await decodeFromPayloadsAtIndex<FlowWorkflowInput>(client.options.loadedDataConverter, 0, started?.input?.payloads);
  const code = await recordingCode(options.workflowsPath);
  const began = new Map<number, RecordedStep>();
  const finished = new Map<number, RecordedStep>();
  // Copied as they arrive: the workflow's values are of its sandbox's realm (a Map there is no Map here).
  const sinks: InjectedSinks<StepSinks> = {
    pocketflowSteps: {
      began: {
        fn: (_info, step) => {
          began.set(step.step, structuredClone(step));
        },
        callDuringReplay: true,
      },
      finished: {
        fn: (_info, step) => {
          finished.set(step.step, structuredClone(step));
        },
        callDuringReplay: true,
      },
    },
  };
  const { Worker } = await import('@temporalio/worker');
  const { conciseReplayMessage, divergingNode } = await import('./replay-check.js');
  const results = Worker.runReplayHistories(
    {
      workflowBundle: { code },
      dataConverter: workerDataConverter({ payloadCodecs: [...client.options.loadedDataConverter.payloadCodecs] }),
      replayName: 'pocketflow-steps',
      sinks,
    },
    histories.map((history) => ({ workflowId, history })),
  );
  let problem: ReplayProblem | undefined;
  let index = 0;
  for await (const result of results) {
    const runId = runIds[index] as string;
    const history = histories[index] as History;
    index += 1;
    if (result.error !== undefined && problem === undefined) {
      problem = { runId, node: divergingNode(history, result.error.message), message: conciseReplayMessage(result.error.message) };
    }
  }
  const steps = [...finished.values()]
    .map((step) => {
      // A step that an earlier run of the chain began kept its store from then.
      const start = began.get(step.step);
      return start === undefined ? step : { ...step, before: start.before, finishedBefore: start.finishedBefore };
    })
    .sort((a, b) => a.step - b.step);
  const fork = forkRecordOf(description);
  return {
    workflowId,
    flow: description.type,
    runIds,
    status: description.status.name,
    taskQueue: description.taskQueue,
    params: input?.params ?? {},
    steps,
    ...(problem === undefined ? {} : { problem }),
    ...(fork === undefined ? {} : { fork }),
    description,
  };
}

/** The histories of every run of the chain the described run belongs to, first to last. */
async function historiesOf(
  client: Client,
  workflowId: string,
  description: WorkflowExecutionDescription,
): Promise<{ runIds: string[]; histories: History[] }> {
  const runIds: string[] = [];
  const histories: History[] = [];
  let runId: string | undefined = description.raw.workflowExecutionInfo?.firstRunId || description.runId;
  while (runId !== undefined && runId !== '') {
    const id: string = runId;
    const history = await withKnownRun(workflowId, () => client.workflow.getHandle(workflowId, id).fetchHistory());
    runIds.push(id);
    histories.push(history);
    if (id === description.runId) {
      break;
    }
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return { runIds, histories };
}

/** A change to the store a fork starts with: the value at a dotted path (`rejected`, `user.name`, `items.0`). */
export interface StoreEdit {
  path: string;
  value: unknown;
}

/** Options of `forkFlow`. */
export interface ForkFlowOptions extends StepsOptions {
  /** The number of the step to start at. */
  at: number;
  /** The store to start with; default: the store as it was before that step. */
  shared?: object;
  /** Values set in that store, in order. */
  set?: readonly StoreEdit[];
  /** The new run's workflow id; default `<source id>-fork-<step>-<time>`. */
  workflowId?: string;
  /** `changed` (default): exec runs again only where its node, item, params or input changed; `all`: every exec runs again. */
  rerun?: RerunChoice;
  /** `ask` (default): every prompt is asked again; `reuse`: an answer is re-used where the prompt is identical. */
  answers?: AnswersChoice;
  /** `current` (default): the fork starts on the deployment's current build; `source`: on the build the source run is on. */
  build?: 'current' | 'source';
  /** The task queue of the fork; default the source's. */
  taskQueue?: string;
  /** When given, the fork gets its flow's graph as static details in the Web UI, as a started run does. */
  flows?: FlowRegistry;
}

/** A fork that was started: its workflow id and run id, the step it started at, and its source's steps. */
export interface StartedFork {
  workflowId: string;
  runId: string;
  step: RecordedStep;
  source: FlowRunSteps;
}

/**
 * Starts a new run of the flow of run `workflowId` (which is left as it is, running or closed) at
 * step `options.at`: at that step's node, in the flows it ran inside, with the store as it was
 * before that step and `options.set` applied. Everything is checked first; an error starts nothing.
 */
export async function forkFlow(client: Client, workflowId: string, options: ForkFlowOptions): Promise<StartedFork> {
  const source = await flowSteps(client, workflowId, options);
  if (source.problem !== undefined) {
    throw new HistoryReplayError(workflowId, source.problem, 'Fork it');
  }
  const step = source.steps.find((candidate) => candidate.step === options.at);
  if (step === undefined) {
    throw new ForkPointError(options.at, outOfRange(source, options.at));
  }
  if (step.frames === undefined) {
    throw new ForkPointError(step.step, forkInsideParallelMessage(step));
  }
  const shared = copyPortable((options.shared ?? step.before) as Record<string, unknown>);
  if (typeof shared !== 'object' || shared === null || Array.isArray(shared)) {
    throw new PocketFlowError('The shared store a fork starts with must be a plain object.');
  }
  for (const edit of options.set ?? []) {
    setAtPath(shared, edit.path, edit.value);
  }
  assertPortable(shared, 'the shared store the fork starts with');
  const rerun = options.rerun ?? 'changed';
  const fork: ForkInput = { of: workflowId, runIds: source.runIds, step: step.step, node: step.node, rerun };
  if (options.answers === 'reuse') {
    fork.answers = forkMemoOf(source.steps, step.step).answers;
  }
  const input: FlowWorkflowInput = {
    flow: source.flow,
    shared,
    params: source.params,
    resume: { frames: step.frames, steps: step.finishedBefore, inbox: [], nextRequestId: 1 },
    fork,
  };
  const record: ForkRecord = { of: workflowId, runId: source.runIds.at(-1) as string, step: step.step, node: step.node };
  const forkId = options.workflowId ?? `${workflowId}-fork-${step.step}-${Date.now().toString(36)}`;
  const findable = (await missingSearchAttributes(client))?.length === 0;
  const versioning = options.build === 'source' ? versioningOfDescription(source.description) : undefined;
  if (options.build === 'source' && versioning === undefined) {
    throw new PocketFlowError(`Run ${workflowId} is on no build of a Worker Deployment, so --build source has none to start the fork on: leave it out.`);
  }
  const flow = options.flows?.has(source.flow) === true ? options.flows.build(source.flow, silentLogger) : undefined;
  try {
    const handle = await client.workflow.start<FlowWorkflow>(source.flow, {
      args: [input],
      taskQueue: options.taskQueue ?? source.taskQueue,
      workflowId: forkId,
      staticSummary: forkSummary(record),
      staticDetails: flow === undefined ? undefined : runDetails(source.flow, flow),
      memo: { flow: source.flow, [FORK_MEMO]: record },
      typedSearchAttributes: findable
        ? [
            { key: WAITING_SEARCH_ATTRIBUTE, value: false },
            { key: FORK_SEARCH_ATTRIBUTE, value: workflowId },
          ]
        : undefined,
      ...(versioning === undefined
        ? {}
        : { versioningOverride: { pinnedTo: { deploymentName: versioning.deploymentName, buildId: versioning.buildId } } }),
    });
    return { workflowId: forkId, runId: handle.firstExecutionRunId, step, source };
  } catch (error) {
    if ((error as Error).name === 'WorkflowExecutionAlreadyStartedError') {
      throw new RunAlreadyStartedError(forkId);
    }
    throw error;
  }
}

/** Why `at` names no step of the source. */
function outOfRange(source: FlowRunSteps, at: number): string {
  const numbers = source.steps.map((step) => step.step);
  if (numbers.length === 0) {
    return `Run ${source.workflowId} has finished no step yet, so there is no step ${at} to fork at.`;
  }
  const inside = at >= (numbers[0] as number) && at <= (numbers.at(-1) as number);
  return inside
    ? `Step ${at} of run ${source.workflowId} did not finish by itself (a flow's steps are numbered as they start: a nested flow under way, or a step that failed): fork at one of ${numbers.join(', ')}.`
    : `Run ${source.workflowId} has steps ${numbers[0]} to ${numbers.at(-1)}: there is no step ${at}. List them with: npx pocketflow-temporal steps ${source.workflowId}`;
}

/** Sets `value` at a dotted path of `store` (`a.b`, `items.0`), making the objects on the way that are missing. */
export function setAtPath(store: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  if (path === '' || keys.some((key) => key === '')) {
    throw new PocketFlowError(`'${path}' is not a path into the store: give keys joined by dots, as in rejected or user.name or items.0.`);
  }
  let parent: unknown = store;
  for (const [index, key] of keys.slice(0, -1).entries()) {
    const container = parent as Record<string, unknown>;
    let next = container[key];
    if (next === undefined) {
      next = {};
      container[key] = next;
    }
    if (typeof next !== 'object' || next === null) {
      throw new PocketFlowError(`Cannot set ${path}: ${keys.slice(0, index + 1).join('.')} is ${JSON.stringify(next)}, not an object or a list.`);
    }
    parent = next;
  }
  const last = keys.at(-1) as string;
  if (Array.isArray(parent) && !/^\d+$/.test(last)) {
    throw new PocketFlowError(`Cannot set ${path}: ${keys.slice(0, -1).join('.')} is a list, and '${last}' is not an index.`);
  }
  Object.defineProperty(parent, last, { value, writable: true, enumerable: true, configurable: true });
}
