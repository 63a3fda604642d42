/**
 * Long loops go on in a fresh run: continue-as-new between two steps of any flow of the run, and
 * pick up where the walk stood, nested flows, param sets and prep results included, with the
 * prompts' request ids going on where they were.
 */
import { allHandlersFinished, condition, log, makeContinueAsNewFunc, workflowInfo } from '@temporalio/workflow';
import { assertPortable, NotSerializableError } from '../../core/index.js';
import { type FlowPosition, framesOf, resumeFromFrames, type RunControl } from '../../core/internal.js';
import type { AnswerInput, CarriedEvents, FlowFrame, FlowWorkflow, FlowWorkflowInput, ResumePoint } from '../definitions.js';
import { UnknownNodeError } from '../errors.js';

/** What the control needs to know about the run it may end. */
export interface ContinuationState {
  input: FlowWorkflowInput;
  shared: object;
  /** When set, continue as new after this many steps in one run. */
  afterSteps: number | undefined;
  /** Steps finished so far, earlier runs included. */
  steps(): number;
  /** What the human input carries into the next run: unread answers and the next request id. */
  carried(): { inbox: AnswerInput[]; nextRequestId: number; events: CarriedEvents };
  /** Writes what waits to be written before the run ends (the memo and search attributes the next run starts with). */
  settle(): void;
}

/**
 * The control of a run. Before a step of any of its flows, it continues as new when Temporal
 * suggests it or `afterSteps` is reached, unless the walk is inside a parallel batch flow (then
 * at the first step after it). As each flow begins, it starts it where the previous run stood.
 */
export function continueAsNewControl(state: ContinuationState): RunControl {
  const stepsBefore = state.input.resume?.steps ?? 0;
  let unportableSaid = false;
  return {
    resumeAt: resumeFromFrames(state.input.resume?.frames ?? [], (flow, node, nested) => {
      // A fork's first run starts where its source stood; any later run, where the run before it stopped.
      const why = state.input.fork !== undefined && state.input.resume?.events === undefined ? 'The fork starts' : 'The run continued as new';
      return nested
        ? new UnknownNodeError(flow, node, `${why} inside a nested flow of that name, which this build does not have there.`)
        : new UnknownNodeError(flow, node, `${why} at this node, which this build does not have: run it on a build that does (keep node names stable across deploys).`);
    }),

    beforeStep(position: FlowPosition): Promise<void> | undefined {
      const due = workflowInfo().continueAsNewSuggested || (state.afterSteps !== undefined && state.steps() - stepsBefore >= state.afterSteps);
      if (!due) {
        return undefined;
      }
      const frames = framesOf(position);
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
      return continueAsNew(state, frames);
    },
  };
}

/** Continues as new once every signal and update handler has finished, so that no answer in flight is lost. */
async function continueAsNew(state: ContinuationState, frames: FlowFrame[]): Promise<void> {
  await condition(allHandlersFinished);
  state.settle();
  const carried = state.carried();
  const resume: ResumePoint = { frames, steps: state.steps(), inbox: carried.inbox, nextRequestId: carried.nextRequestId, events: carried.events };
  // The next run keeps the search attributes as they are (so it stays findable), and the same type.
  const continueRun = makeContinueAsNewFunc<FlowWorkflow>({ typedSearchAttributes: workflowInfo().typedSearchAttributes });
  await continueRun({ ...state.input, shared: state.shared, resume });
}
