/**
 * The workflow-safe entry of pocketflow-temporal: the core (nodes, flows) plus what a workflow
 * bundle needs. Flow modules and workflow bundles import from here (`pocketflow-temporal/workflow`),
 * never from the main entry, which also loads the worker and client.
 *
 * @example
 * ```ts
 * // workflows/index.ts
 * import { createFlowWorkflow } from 'pocketflow-temporal/workflow';
 * import { flows } from '../src/flows.js';
 *
 * export const runFlow = createFlowWorkflow(flows);
 * ```
 */
export * from './core/index.js';
export { defineFlows, FlowRegistry, runsAsActivity } from './temporal/registry.js';
export type { FlowFactory } from './temporal/registry.js';
export { createFlowWorkflow, DEFAULT_START_TO_CLOSE, MAX_PAYLOAD_BYTES } from './temporal/workflow.js';
export {
  answerSignal,
  answerUpdate,
  FLOW_WORKFLOW_TYPE,
  fallbackActivityName,
  STEP_HISTORY_LIMIT,
  stateQuery,
} from './temporal/definitions.js';
export type {
  AnswerAccepted,
  AnswerInput,
  ExecActivityInput,
  FallbackActivityInput,
  FlowRunState,
  FlowWorkflowInput,
  FlowWorkflowResult,
  PendingPrompt,
  RefusedAnswer,
  StepRecord,
} from './temporal/definitions.js';
