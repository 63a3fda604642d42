/** Long top-level loops go on in a fresh run: continue-as-new between two steps, and resume where it stopped. */
import { makeContinueAsNewFunc, workflowInfo } from '@temporalio/workflow';
import { type Action, type AnyFlow, AsyncFlow, Flow, UnknownNodeError } from '../../core/index.js';
import { orchestrate, POST, reachableNodes, type StepControl } from '../../core/internal.js';
import type { AnswerInput, FlowWorkflow, FlowWorkflowInput, ResumePoint } from '../definitions.js';
import { endingFailure } from './failures.js';

/** What the control needs to know about the run it may end. */
export interface ContinuationState {
  input: FlowWorkflowInput;
  shared: object;
  /** Steps finished so far, earlier runs included. */
  steps(): number;
  /** Answers received and not used yet. */
  unread(): AnswerInput[];
}

/**
 * The step control of a top-level flow: between two of its own steps, continues as new when
 * Temporal suggests it or the flow's `continueAsNewAfterSteps` is reached.
 */
export function continueAsNewControl(root: AnyFlow, flow: AnyFlow, state: ContinuationState): StepControl {
  const limit = flow.options.temporal?.continueAsNewAfterSteps;
  const stepsBefore = state.input.resume?.steps ?? 0;
  const resumable = canResume(flow);
  return {
    beforeStep(current, next) {
      if (current !== root || !resumable) {
        return undefined;
      }
      const due = workflowInfo().continueAsNewSuggested || (limit !== undefined && state.steps() - stepsBefore >= limit);
      if (!due) {
        return undefined;
      }
      const resume: ResumePoint = { at: next.name, steps: state.steps(), inbox: state.unread() };
      // The next run keeps the search attributes as they are (so it stays findable), and the same type.
      const continueRun = makeContinueAsNewFunc<FlowWorkflow>({ typedSearchAttributes: workflowInfo().typedSearchAttributes });
      return continueRun({ ...state.input, shared: state.shared, resume });
    },
  };
}

/** True when the top-level flow can stop between steps and pick up in a new run: one walk, and a prep that does nothing. */
function canResume(flow: AnyFlow): boolean {
  if (flow.batchMode !== 'none') {
    return false;
  }
  if (flow instanceof AsyncFlow) {
    return flow.prepAsync === AsyncFlow.prototype.prepAsync;
  }
  return flow.prep === Flow.prototype.prep;
}

/** Runs the rest of a top-level flow from the node named `at`, then its post. */
export async function resumeAt(flowName: string, root: AnyFlow, shared: object, at: string): Promise<Action | undefined> {
  const node = reachableNodes(root).find((n) => n.name === at);
  if (node === undefined) {
    throw endingFailure(
      new UnknownNodeError(flowName, at, 'The run continued as new at this node, which this build no longer has. Keep node names stable across deploys.'),
    );
  }
  const last = await orchestrate(root, shared, undefined, node);
  return (await root[POST](shared, undefined, last)) ?? undefined;
}
