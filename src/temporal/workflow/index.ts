/**
 * The workflow side of the Temporal runtime: deterministic code only. It runs the core's
 * orchestration loop with exec as activities and a person's input as signals or updates.
 */
import { ContinueAsNew, isCancellation, log, setHandler } from '@temporalio/workflow';
import { assertPortable } from '../../core/index.js';
import { createRunContext, RUN, RUN_ASYNC } from '../../core/internal.js';
import {
  type AnswerInput,
  answerSignal,
  answerUpdate,
  type FlowWorkflow,
  type FlowWorkflowInput,
  type FlowWorkflowResult,
  stateQuery,
} from '../definitions.js';
import type { FlowRegistry } from '../registry.js';
import { ActivityExecutor } from './activity-executor.js';
import { continueAsNewControl, resumeAt } from './continue-as-new.js';
import { checkInput, nodeFailure } from './failures.js';
import { SignalInput } from './human-input.js';
import { RunTracker } from './run-tracker.js';

export { activityOptions, DEFAULT_START_TO_CLOSE, MAX_PAYLOAD_BYTES } from './activity-executor.js';

/**
 * Returns the workflow function that runs any flow in `registry`. Export it from the workflow
 * bundle as `runFlow`: `export const runFlow = createFlowWorkflow(flows);`
 */
export function createFlowWorkflow(registry: FlowRegistry): FlowWorkflow {
  return async function runFlow(input: FlowWorkflowInput): Promise<FlowWorkflowResult> {
    checkInput(input, registry);
    const flowName = input.flow;
    const flow = registry.build(flowName, log);
    flow.setParams({ ...flow.params, ...input.params });
    const shared = input.shared as Record<string, unknown>;
    const run = new RunTracker(flowName, shared, input.resume?.steps ?? 0);
    const humans = new SignalInput(run, input.resume?.inbox ?? []);
    setHandler(stateQuery, () => run.snapshot(humans.pending()));
    setHandler(answerSignal, (answer: unknown) => humans.receive(answer));
    setHandler(answerUpdate, (answer: AnswerInput) => humans.acceptUpdate(answer), {
      validator: (answer: unknown) => humans.validateUpdate(answer),
    });
    const root = flow.clone();
    root[RUN] = createRunContext({
      executor: new ActivityExecutor(flowName),
      input: humans,
      logger: log,
      observer: {
        onStepStart: (node) => run.onStepStart(node),
        onStepEnd: (node, action) => run.onStepEnd(node, action),
      },
      control: continueAsNewControl(root, flow, {
        input,
        shared,
        steps: () => run.steps,
        unread: () => humans.unread(),
      }),
    });
    try {
      const action =
        input.resume === undefined ? await root[RUN_ASYNC](shared) : await resumeAt(flowName, root, shared, input.resume.at);
      assertPortable(shared, 'the shared store at the end of the run', root.name);
      run.finish('completed');
      return { shared, action, steps: run.steps };
    } catch (error) {
      if (error instanceof ContinueAsNew) {
        throw error;
      }
      run.finish('failed');
      if (isCancellation(error)) {
        throw error;
      }
      throw nodeFailure(flowName, error);
    }
  };
}
