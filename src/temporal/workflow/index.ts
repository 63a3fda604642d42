/**
 * The workflow side of the Temporal runtime: deterministic code only. It runs the core's
 * orchestration loop with exec as activities and a person's input as signals or updates.
 */
import { ApplicationFailure, ContinueAsNew, isCancellation, log, setHandler, setWorkflowOptions, workflowInfo } from '@temporalio/workflow';
import { assertPortable } from '../../core/index.js';
import { createRunContext, RUN, RUN_ASYNC } from '../../core/internal.js';
import {
  type AnswerInput,
  BATCH_CHUNK_WORKFLOW_TYPE,
  type BatchChunkInput,
  FLOW_CHUNK_WORKFLOW_TYPE,
  type FlowChunkInput,
  answerSignal,
  answerUpdate,
  type FlowWorkflow,
  type FlowWorkflowInput,
  type FlowWorkflowResult,
  stateQuery,
  WAITING_SEARCH_ATTRIBUTE,
} from '../definitions.js';
import type { FlowRegistry } from '../registry.js';
import { ActivityExecutor } from './activity-executor.js';
import { runBatchChunk, runFlowChunk } from './batch-chunks.js';
import { continueAsNewControl, resumeRun } from './continue-as-new.js';
import { checkInput, escapedError } from './failures.js';
import { SignalInput } from './human-input.js';
import { RunTracker } from './run-tracker.js';

export { activityOptions, DEFAULT_START_TO_CLOSE, MAX_PAYLOAD_BYTES } from './activity-executor.js';

/**
 * Returns the workflow function that runs any flow in `registry`, whose workflow type is the
 * flow's registered name. Export it from the workflow bundle as the default export (every flow's
 * type) and as `runFlow` (runs started under that type before):
 * `export const runFlow = createFlowWorkflow(flows); export default runFlow;`
 */
export function createFlowWorkflow(registry: FlowRegistry): FlowWorkflow {
  // Under Worker Versioning, runs stay on their build (the worker's default) unless their flow chose
  // auto-upgrade. The server refuses a behaviour from an unversioned worker, so none is sent there.
  setWorkflowOptions(() => {
    const info = workflowInfo();
    const versioned = Boolean(info.currentDeploymentVersion?.deploymentName);
    return versioned ? { versioningBehavior: registry.versioningOf(info.workflowType) } : {};
  }, runFlow);
  return runFlow;

  async function runFlow(input: FlowWorkflowInput): Promise<FlowWorkflowResult> {
    // A chunk of a big batch (a batch node's items, a batch flow's param sets), started by a run of one of these flows.
    const type = workflowInfo().workflowType;
    if (type === BATCH_CHUNK_WORKFLOW_TYPE || type === FLOW_CHUNK_WORKFLOW_TYPE) {
      const chunk = input as unknown as BatchChunkInput | FlowChunkInput;
      try {
        const result =
          type === BATCH_CHUNK_WORKFLOW_TYPE
            ? await runBatchChunk(registry, chunk as BatchChunkInput)
            : await runFlowChunk(registry, chunk as FlowChunkInput);
        return result as unknown as FlowWorkflowResult;
      } catch (error) {
        throw settled(chunk.flow, error);
      }
    }
    const flowName = checkInput(input, workflowInfo().workflowType, registry);
    const flow = registry.build(flowName, log);
    flow.setParams({ ...flow.params, ...input.params });
    const shared = input.shared as Record<string, unknown>;
    // A run that started with the flows' search attributes (the namespace has them) keeps them current.
    const findable = workflowInfo().typedSearchAttributes.get(WAITING_SEARCH_ATTRIBUTE) !== undefined;
    const run = new RunTracker(flowName, shared, input.resume?.steps ?? 0, findable, flow.options.temporal?.searchAttributes);
    const humans = new SignalInput(run, input.resume?.inbox ?? []);
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
    const root = flow.clone();
    const executor = new ActivityExecutor(flowName, flow.options.temporal?.maxPendingActivities, () => run.steps);
    executor.root = root;
    root[RUN] = createRunContext({
      executor,
      input: humans,
      logger: log,
      observer: {
        onStepStart: (node) => run.onStepStart(node),
        onStepEnd: (node, action) => run.onStepEnd(node, action),
      },
      control: continueAsNewControl(flow, {
        input,
        shared,
        steps: () => run.steps,
        unread: () => humans.unread(),
      }),
    });
    try {
      const action =
        input.resume === undefined ? await root[RUN_ASYNC](shared) : await resumeRun(root, shared, input.resume);
      assertPortable(shared, 'the shared store at the end of the run', root.name);
      run.finish('completed');
      return { shared, action, steps: run.steps };
    } catch (error) {
      if (error instanceof ContinueAsNew) {
        throw error;
      }
      const thrown = settled(flowName, error);
      if (isCancellation(thrown) || thrown instanceof ApplicationFailure) {
        run.finish('failed');
      }
      throw thrown;
    }
  }
}

/**
 * What a run (or a chunk of one) throws for an error that escaped its flow: cancellation as it is,
 * a failure that ends it, or an error that fails only the workflow task (logged, naming the flow
 * and the node), so that a build that fixes it continues the run.
 */
function settled(flowName: string, error: unknown): unknown {
  if (isCancellation(error)) {
    return error;
  }
  const escaped = escapedError(flowName, error);
  if (escaped.endsRun) {
    return escaped.failure;
  }
  log.error(
    `${escaped.error.message} The workflow task fails and is retried; a build that fixes it continues the run (a pinned run once moved there: pocketflow-temporal upgrade <workflow id> --to <build>).`,
    { flow: flowName, node: escaped.node ?? null },
  );
  return escaped.error;
}
