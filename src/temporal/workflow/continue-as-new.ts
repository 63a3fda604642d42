/**
 * Long loops go on in a fresh run: continue-as-new between two steps of any flow of the run, and
 * pick up where the walk stood, nested flows, param sets and prep results included, with the
 * prompts' request ids going on where they were.
 */
import { allHandlersFinished, condition, log, makeContinueAsNewFunc, workflowInfo } from '@temporalio/workflow';
import { type AnyFlow, assertPortable, NotSerializableError } from '../../core/index.js';
import { type FlowPosition, ownNodes, type ResumePosition, type RunControl } from '../../core/internal.js';
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
}

/**
 * The control of a run. Before a step of any of its flows, it continues as new when Temporal
 * suggests it or `afterSteps` is reached, unless the walk is inside a parallel batch flow (then
 * at the first step after it). As each flow begins, it starts it where the previous run stood.
 */
export function continueAsNewControl(state: ContinuationState): RunControl {
  const stepsBefore = state.input.resume?.steps ?? 0;
  const resuming = [...(state.input.resume?.frames ?? [])];
  let resumedAt: FlowFrame | undefined;
  let unportableSaid = false;
  return {
    resumeAt(flow: AnyFlow): ResumePosition | undefined {
      const frame = resuming.shift();
      if (frame === undefined) {
        return undefined;
      }
      // Each frame after the first belongs to the nested flow the frame before it stood at.
      if (resumedAt !== undefined && resumedAt.at !== flow.name) {
        throw new UnknownNodeError(flow.name, resumedAt.at, 'The run continued as new inside a nested flow of that name, which this build does not have there.');
      }
      resumedAt = frame;
      const node = ownNodes(flow).find((candidate) => candidate.name === frame.at);
      if (node === undefined) {
        throw new UnknownNodeError(
          flow.name,
          frame.at,
          'The run continued as new at this node, which this build does not have: run it on a build that does (keep node names stable across deploys).',
        );
      }
      return {
        prepRes: frame.prep,
        node,
        ...(frame.step === undefined ? {} : { step: frame.step }),
        ...(frame.paramIndex === undefined ? {} : { paramIndex: frame.paramIndex }),
      };
    },

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

/** Where the walk stands, outermost flow first; undefined inside a parallel batch flow, which has no single place. */
function framesOf(innermost: FlowPosition): FlowFrame[] | undefined {
  const frames: FlowFrame[] = [];
  for (let position: FlowPosition | undefined = innermost; position !== undefined; position = position.parent) {
    if (position.parallel) {
      return undefined;
    }
    frames.unshift({
      at: position.node.name,
      prep: position.prepRes,
      // An outer flow's node is the nested flow under way: its step goes on in the next run.
      ...(position === innermost ? {} : { step: position.step }),
      ...(position.paramIndex === undefined ? {} : { paramIndex: position.paramIndex }),
    });
  }
  return frames;
}

/** Continues as new once every signal and update handler has finished, so that no answer in flight is lost. */
async function continueAsNew(state: ContinuationState, frames: FlowFrame[]): Promise<void> {
  await condition(allHandlersFinished);
  const carried = state.carried();
  const resume: ResumePoint = { frames, steps: state.steps(), inbox: carried.inbox, nextRequestId: carried.nextRequestId, events: carried.events };
  // The next run keeps the search attributes as they are (so it stays findable), and the same type.
  const continueRun = makeContinueAsNewFunc<FlowWorkflow>({ typedSearchAttributes: workflowInfo().typedSearchAttributes });
  await continueRun({ ...state.input, shared: state.shared, resume });
}
