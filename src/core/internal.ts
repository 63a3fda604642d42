/**
 * What the runtimes share beyond the public surface: the seams they plug into (executor, control,
 * positions), the in-process executor they fall back on, the run context, and the node members
 * kept under symbols. Not part of the public API; nothing under `src/core` imports it.
 */
export { checkFlow, reachableNodes, walkParamSets } from './flow.js';
export { execItems, ownNodes, runOf, stepOf } from './node.js';
export { createRunContext } from './run.js';
export type { BatchItem, Executor, FlowPosition, ResumePosition, RunContext, RunControl, RuntimeOptions } from './run.js';
export {
  afterFailedTry,
  announceFallback,
  announceTry,
  directExecutor,
  errorForFallback,
  eventPlace,
  execCopy,
  mapWithLimit,
  placeOf,
  settledResult,
  toError,
} from './exec.js';
export { eventError } from './events.js';
export type { EventSink } from './events.js';
export { refusalOf } from './input.js';
export { ForkReuse, framesOf, resumeFromFrames, StepRecorder, valueKey } from './steps.js';
export { forkInsideParallelMessage } from './run.js';
export { assertExecResult, copyPortable, portableView } from './serializable.js';
export { describeValue, FLOW_MISTAKES, isFlowMistake, quoteList } from './errors.js';
export { CALL_EXEC, CALL_FALLBACK, HAS_EXEC, HAS_FALLBACK, POSITION, RUN, RUN_ASYNC, SOURCE, STEP_NUMBER } from './symbols.js';
