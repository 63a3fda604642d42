/**
 * The workflow-safe entry of pocketflow-temporal: the core (nodes, flows) plus what a workflow
 * bundle needs. Flow modules and workflow bundles import from here, never from the worker or
 * client entries, which load Node.js modules.
 *
 * @example
 * ```ts
 * // workflows/index.ts
 * import { createFlowWorkflow } from 'pocketflow-temporal/workflow';
 * import { flows } from './flows.js';
 *
 * export const runFlow = createFlowWorkflow(flows);
 * export default runFlow; // every flow, under its registered name
 * ```
 */
export * from './core/index.js';
export { defineFlows, FlowRegistry } from './temporal/registry.js';
export type { FlowFactory, RegistryServices, ServicesOf } from './temporal/registry.js';
export { createFlowWorkflow, DEFAULT_START_TO_CLOSE, MAX_PAYLOAD_BYTES } from './temporal/workflow/index.js';
export {
  answerSignal,
  answerUpdate,
  FLOW_WORKFLOW_TYPE,
  fallbackActivityName,
  STEP_HISTORY_LIMIT,
  stateQuery,
} from './temporal/definitions.js';
export { InvalidFlowInputError, MalformedAnswerError, NoPromptWaitingError, PayloadTooLargeError } from './temporal/errors.js';

export type {
  AnswerAccepted,
  AnswerInput,
  ExecActivityInput,
  FallbackActivityInput,
  FlowRunState,
  FlowWorkflow,
  FlowWorkflowInput,
  FlowWorkflowResult,
  PendingPrompt,
  RefusedAnswer,
  StepRecord,
} from './temporal/definitions.js';
