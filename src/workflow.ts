/**
 * The workflow-safe entry of pocketflow-temporal: the core (nodes, flows) plus what a workflow
 * bundle needs: the registry, the workflows, Temporal's options for nodes and registered flows.
 * Flow modules and workflow bundles import from here, never from the worker or client entries,
 * which load Node.js modules.
 *
 * @example
 * ```ts
 * // workflows/index.ts: the bundle entry
 * import { createFlowWorkflows } from 'pocketflow-temporal/workflow';
 * import { flows } from './flows.js';
 *
 * const workflows = createFlowWorkflows(flows);
 * export default workflows.flow; // every flow's runs: a run's workflow type is its flow's name
 * export const { pocketflowBatchChunk, pocketflowBatchFlowChunk } = workflows; // big batches' child workflows
 * ```
 */
export * from './core/index.js';
export { defineFlows, FlowRegistry } from './temporal/registry.js';
export type { FlowFactory, RegisteredFlow, RegistryServices, ServicesOf } from './temporal/registry.js';
export type { ChildBatchOptions, Duration, FlowRunOptions, TemporalNodeOptions } from './temporal/options.js';
export { createFlowWorkflows, DEFAULT_START_TO_CLOSE, MAX_PAYLOAD_BYTES } from './temporal/workflow/index.js';
export type { FlowWorkflows } from './temporal/workflow/index.js';
export {
  answerSignal,
  answerUpdate,
  BATCH_CHUNK_WORKFLOW_TYPE,
  fallbackActivityName,
  FLOW_CHUNK_WORKFLOW_TYPE,
  STEP_HISTORY_LIMIT,
  stateQuery,
} from './temporal/definitions.js';
export {
  InvalidFlowInputError,
  MalformedAnswerError,
  NoPromptWaitingError,
  PayloadTooLargeError,
  UnknownFlowError,
  UnknownNodeError,
} from './temporal/errors.js';

export type {
  AnswerAccepted,
  AnswerInput,
  BatchChunkInput,
  BatchChunkWorkflow,
  BatchFlowChunkWorkflow,
  ExecActivityInput,
  FallbackActivityInput,
  FlowChunkInput,
  FlowRunState,
  FlowWorkflow,
  FlowWorkflowInput,
  FlowWorkflowResult,
  PendingPrompt,
  RefusedAnswer,
  StepRecord,
  StoreChange,
} from './temporal/definitions.js';
