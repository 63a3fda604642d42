/**
 * The workflow side of the Temporal runtime: deterministic code only. It runs the core's
 * orchestration loop with exec as activities and a person's input as signals or updates.
 */
import {
  ApplicationFailure,
  ContinueAsNew,
  isCancellation,
  log,
  proxyActivities,
  proxySinks,
  setHandler,
  setWorkflowOptions,
  workflowInfo,
} from '@temporalio/workflow';
import { assertPortable, type RecordedStep, type ReusableExec } from '../../core/index.js';
import { createRunContext, eventError, ForkReuse, RUN_ASYNC, stepOf } from '../../core/internal.js';
import {
  type AnswerInput,
  answerSignal,
  answerUpdate,
  type BatchChunkWorkflow,
  eventsQuery,
  eventsSignal,
  type BatchFlowChunkWorkflow,
  FLOW_WORKFLOW_MARK,
  FORK_MEMO_ACTIVITY,
  type ForkInput,
  type ForkMemoInput,
  type FlowWorkflow,
  type FlowWorkflowInput,
  type FlowWorkflowMark,
  type FlowWorkflowResult,
  stateQuery,
  type StepSinks,
  WAITING_SEARCH_ATTRIBUTE,
} from '../definitions.js';
import type { FlowRegistry } from '../registry.js';
import { ActivityExecutor } from './activity-executor.js';
import { runBatchChunk, runFlowChunk } from './batch-chunks.js';
import { continueAsNewControl } from './continue-as-new.js';
import { EventLog } from './event-log.js';
import { checkInput, escapedError, FailedSteps } from './failures.js';
import { SignalInput } from './human-input.js';
import { recordsSteps } from './record-steps.js';
import { RunTracker } from './run-tracker.js';
import { tellsTaskEvents } from './task-events.js';

export { activityOptions, DEFAULT_START_TO_CLOSE, MAX_PAYLOAD_BYTES } from './activity-executor.js';

/** The workflows a bundle exports, one per shape, each under the name the bundle exports it by. */
export interface FlowWorkflows {
  /** Every registered flow's runs (a run's workflow type is its flow's name): the bundle's default export. */
  flow: FlowWorkflow;
  /** A chunk of a big batch node's items, in a child workflow. */
  pocketflowBatchChunk: BatchChunkWorkflow;
  /** A chunk of a batch flow's param sets, in a child workflow (when the batch flow asks for them). */
  pocketflowBatchFlowChunk: BatchFlowChunkWorkflow;
}

/**
 * Returns the workflows that run the flows of `registry`. Export them from the workflow bundle:
 *
 * ```ts
 * const workflows = createFlowWorkflows(flows);
 * export default workflows.flow;
 * export const { pocketflowBatchChunk, pocketflowBatchFlowChunk } = workflows;
 * ```
 */
export function createFlowWorkflows(registry: FlowRegistry): FlowWorkflows {
  const workflows: FlowWorkflows = {
    flow: (input) => runFlow(registry, input),
    pocketflowBatchChunk: chunkWorkflow((input, failed) => runBatchChunk(registry, input, failed)),
    pocketflowBatchFlowChunk: chunkWorkflow((input, failed) => runFlowChunk(registry, input, failed)),
  };
  const shapes = { flow: 'flow', pocketflowBatchChunk: 'batchChunk', pocketflowBatchFlowChunk: 'batchFlowChunk' } as const;
  for (const [name, workflow] of Object.entries(workflows)) {
    // Under Worker Versioning, runs stay on their build (the worker's default) unless their flow chose
    // auto-upgrade. The server refuses a behaviour from an unversioned worker, so none is sent there.
    setWorkflowOptions(() => {
      const info = workflowInfo();
      const versioned = Boolean(info.currentDeploymentVersion?.deploymentName);
      return versioned ? { versioningBehavior: registry.versioningOf(info.workflowType) } : {};
    }, workflow);
    const mark: FlowWorkflowMark = { shape: shapes[name as keyof FlowWorkflows], flows: registry.names };
    Object.defineProperty(workflow, FLOW_WORKFLOW_MARK, { value: mark });
  }
  return workflows;
}

/** One run of a registered flow: its workflow type names the flow. */
async function runFlow(registry: FlowRegistry, input: FlowWorkflowInput): Promise<FlowWorkflowResult> {
  const flowName = checkInput(input, workflowInfo().workflowType, registry);
  const options = registry.runOptionsOf(flowName);
  const flow = registry.build(flowName, log);
  flow.setParams({ ...flow.params, ...input.params });
  const shared = input.shared as Record<string, unknown>;
  // A run that started with the flows' search attributes (the namespace has them) keeps them current.
  const searchable = workflowInfo().typedSearchAttributes.get(WAITING_SEARCH_ATTRIBUTE) !== undefined;
  const events = new EventLog(input.resume?.events);
  const run = new RunTracker(flowName, shared, input.resume?.steps ?? 0, searchable, options.searchAttributes);
  tellsTaskEvents(() => events.told());
  const humans = new SignalInput(run, input.resume);
  setHandler(stateQuery, () => run.snapshot(humans.pending()), {
    description: "The run's status, current nodes, pending prompts (with their request ids), shared store and recent steps.",
  });
  setHandler(answerSignal, (answer: unknown) => humans.receive(answer), {
    description:
      'Answers a pending prompt: {"answer": "y"} (the oldest prompt) or {"answer": "y", "requestId": 2}. Sent even while no worker runs; a refused answer is listed in the state query.',
  });
  setHandler(answerUpdate, (answer: AnswerInput) => humans.acceptUpdate(answer), {
    validator: (answer: unknown) => humans.validateUpdate(answer),
    description:
      'Answers a pending prompt and says at once whether it was taken: {"answer": "y"} (the oldest prompt) or {"answer": "y", "requestId": 2}.',
  });
  setHandler(
    eventsQuery,
    (from: number, max?: number) => {
      // A query sees the run as its last workflow task left it: the page says which, for readers that follow the history.
      const { runId, historyLength } = workflowInfo();
      return { ...events.read(from, max), readAt: { runId, eventId: historyLength } };
    },
    { description: 'The run\'s events from an offset: steps started and finished, retries, waits, answers, the text and data exec published.' },
  );
  setHandler(eventsSignal, (batch: unknown) => events.receive(batch), {
    description: 'What exec publishes as it works, in batches: {"events": [...]}. Sent by the run\'s activities.',
  });
  const failed = new FailedSteps();
  const executor = new ActivityExecutor(flowName, { root: flow, maxPending: options.maxPendingActivities, steps: () => run.steps });
  const context = createRunContext(
    {
      executor,
      input: humans,
      ...(input.fork === undefined ? {} : { reuse: await forkReuse(input.fork) }),
      logger: log,
      events: (event) => events.append(event),
      // A fork numbers its steps on from its source's, as the step it starts at.
      stepsStarted: input.resume?.events?.stepsStarted ?? (input.fork === undefined ? 0 : input.fork.step - 1),
      ...(recordsSteps()
        ? {
            onStep: (step: RecordedStep) => stepSinks.pocketflowSteps.finished(step),
            // A nested flow's step under way as the run continued as new began in the run before: only that run saw it begin.
            onStepBegan: (step: RecordedStep) => {
              if (step.step > (input.resume?.events?.stepsStarted ?? 0)) {
                stepSinks.pocketflowSteps.began(step);
              }
            },
            stepsFinished: input.resume?.steps ?? 0,
          }
        : {}),
      observer: {
        onStepStart: (node) => run.onStepStart(node),
        onStepEnd: (node, action) => run.onStepEnd(node, action),
        onStepError: (node, error) => failed.onStepError(node, error),
      },
      control: continueAsNewControl({
        input,
        shared,
        afterSteps: options.continueAsNewAfterSteps,
        steps: () => run.steps,
        carried: () => ({ inbox: humans.unread(), nextRequestId: humans.nextRequestId, events: events.carried(context.counter.stepsStarted) }),
        settle: () => run.publish(),
      }),
    },
    shared,
  );
  const root = stepOf(flow, context);
  // A run that continued as new goes on telling the events its previous run began; a fork begins its own.
  if (input.resume?.events === undefined) {
    events.append({ type: 'run-started', flow: flow.name });
  }
  try {
    const action = await root[RUN_ASYNC](shared);
    assertPortable(shared, 'the shared store at the end of the run', root.name);
    run.finish('completed');
    events.append({ type: 'run-finished', action: action ?? null });
    return { shared, action, steps: run.steps };
  } catch (error) {
    if (error instanceof ContinueAsNew) {
      throw error;
    }
    const thrown = settled(flowName, error, failed.nodeOf(error));
    if (isCancellation(thrown) || thrown instanceof ApplicationFailure) {
      run.finish('failed');
      events.append({ type: 'run-failed', error: eventError(thrown) });
    }
    throw thrown;
  }
}

/** The sink through which a run replayed for its steps (`recordsSteps()`) hands them out. */
const stepSinks = proxySinks<StepSinks>();

/**
 * What a fork re-uses: the exec results its source recorded from the fork's step on, read from the
 * source's history by an activity (so that this run's history holds them and replays the same),
 * and the answers it was started with when it re-uses answers.
 */
async function forkReuse(fork: ForkInput): Promise<ForkReuse> {
  const execs =
    fork.rerun === 'all'
      ? []
      : await proxyActivities<{ [FORK_MEMO_ACTIVITY]: (input: ForkMemoInput) => Promise<ReusableExec[]> }>({
          startToCloseTimeout: '2 minutes',
          retry: { maximumAttempts: 3 },
          summary: `Reads what fork of ${fork.of} at step ${fork.step} re-uses`,
        })[FORK_MEMO_ACTIVITY]({ workflowId: fork.of, runIds: fork.runIds, from: fork.step });
  const answers = fork.answers ?? [];
  return new ForkReuse({ execs, answers }, fork.rerun, answers.length > 0 ? 'reuse' : 'ask');
}

/** A chunk's workflow: `run`, with what failed at which node, its errors settled as a run's are. */
function chunkWorkflow<I extends { flow: string }, R>(run: (input: I, failed: FailedSteps) => Promise<R>): (input: I) => Promise<R> {
  return async (input) => {
    const failed = new FailedSteps();
    try {
      return await run(input, failed);
    } catch (error) {
      throw settled(input.flow, error, failed.nodeOf(error));
    }
  };
}

/**
 * What a run (or a chunk of one) throws for an error that escaped its flow: cancellation as it is,
 * a failure that ends it, or an error that fails only the workflow task (logged, naming the flow
 * and the node), so that a build that fixes it continues the run.
 */
function settled(flowName: string, error: unknown, node: string | undefined): unknown {
  if (isCancellation(error)) {
    return error;
  }
  const escaped = escapedError(flowName, error, node);
  if (escaped.endsRun) {
    return escaped.failure;
  }
  log.error(
    `${escaped.error.message} The workflow task fails and is retried; a build that fixes it continues the run (a pinned run once moved there: npx pocketflow-temporal upgrade <workflow id> --to <build>).`,
    { flow: flowName, node: escaped.node ?? null },
  );
  return escaped.error;
}
