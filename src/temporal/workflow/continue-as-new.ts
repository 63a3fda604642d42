/**
 * Long loops go on in a fresh run: continue-as-new between two steps of any flow of the run, and
 * resume where the walk stood, nested flows, param sets and prep results included.
 */
import { log, makeContinueAsNewFunc, workflowInfo } from '@temporalio/workflow';
import { type Action, type AnyFlow, NotSerializableError, assertPortable } from '../../core/index.js';
import { resumeWalk, type StepControl, type WalkFrame } from '../../core/internal.js';
import type { AnswerInput, FlowWorkflow, FlowWorkflowInput, ResumePoint } from '../definitions.js';

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
 * The step control of a run: before a step of any of its flows, continues as new when Temporal
 * suggests it or the registered flow's `continueAsNewAfterSteps` is reached, unless the walk is
 * inside a parallel batch flow (then at the first step after it).
 */
export function continueAsNewControl(flow: AnyFlow, state: ContinuationState): StepControl {
  const limit = flow.options.temporal?.continueAsNewAfterSteps;
  const stepsBefore = state.input.resume?.steps ?? 0;
  let unportableSaid = false;
  return {
    beforeStep(_flow, _next, position) {
      const due = workflowInfo().continueAsNewSuggested || (limit !== undefined && state.steps() - stepsBefore >= limit);
      if (!due) {
        return undefined;
      }
      const frames = position();
      if (frames === undefined) {
        return undefined;
      }
      try {
        assertPortable(frames.map((frame) => frame.prep), 'the prep results of the flows under way');
      } catch (error) {
        if (!(error instanceof NotSerializableError)) {
          throw error;
        }
        if (!unportableSaid) {
          unportableSaid = true;
          log.warn(`The run cannot continue as new here, and keeps one history while this holds: ${error.message}`);
        }
        return undefined;
      }
      const resume: ResumePoint = { at: (frames[0] as WalkFrame).at, frames, steps: state.steps(), inbox: state.unread() };
      // The next run keeps the search attributes as they are (so it stays findable), and the same type.
      const continueRun = makeContinueAsNewFunc<FlowWorkflow>({ typedSearchAttributes: workflowInfo().typedSearchAttributes });
      return continueRun({ ...state.input, shared: state.shared, resume });
    },
  };
}

/**
 * Runs the rest of a run that continued as new from where it stood. A run that continued as new
 * before walks were kept in full says only the top-level node, and its flow had a prep that did nothing.
 */
export function resumeRun(root: AnyFlow, shared: object, resume: ResumePoint): Promise<Action | undefined> {
  return resumeWalk(root, shared, resume.frames ?? [{ at: resume.at }]);
}
