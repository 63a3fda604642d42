/**
 * What the runtimes (in-process and Temporal) share beyond the public surface: the orchestration
 * loop, run contexts, the direct executor, and the node members kept under symbols. Not part of
 * the public API; nothing under `src/core` imports it.
 */
export { orchestrate, prepareFlow, reachableNodes, failedNodeOf, resumeWalk } from './flow.js';
export type { PrepareOptions } from './flow.js';
export { createRunContext } from './run-context.js';
export { execItems } from './node.js';
export type { RuntimeOptions } from './run-context.js';
export { directExecutor, mapWithLimit, toError } from './exec.js';
export { refusalOf } from './input.js';
export { assertExecResult, portableView } from './serializable.js';
export { describeValue, quoteList } from './errors.js';
export { CALL_EXEC, CALL_FALLBACK, HAS_EXEC, HAS_FALLBACK, POST, RUN, RUN_ASYNC } from './symbols.js';
export type { BatchItem, ExecRunner, RunContext, StepControl, WalkFrame } from './context.js';
