/**
 * pocketflow-temporal: PocketFlow's nodes and flows in TypeScript, run in-process or durably on
 * Temporal. This entry is for Node.js code (workers, clients, scripts); flow modules and workflow
 * bundles import `pocketflow-temporal/workflow` instead.
 *
 * @example
 * ```ts
 * import { NativeConnection } from '@temporalio/worker';
 * import { createFlowWorker } from 'pocketflow-temporal';
 * import { flows } from './flows.js';
 *
 * const worker = await createFlowWorker({
 *   flows,
 *   taskQueue: 'my-flows',
 *   connection: await NativeConnection.connect({ address: 'localhost:7233' }),
 *   workflowsPath: new URL('./workflows.ts', import.meta.url).pathname,
 *   services: { llm: createLlmClient() },
 * });
 * await worker.run();
 * ```
 */
export * from './workflow.js';
export { createFlowActivities } from './temporal/activities.js';
export type { FlowActivityOptions } from './temporal/activities.js';
export { bundleFlowWorkflows, createFlowWorker, EXEC_ONLY_MODULES } from './temporal/worker.js';
export type { FlowWorkerOptions } from './temporal/worker.js';
export {
  AnswerRefusedError,
  answerFlow,
  cancelFlow,
  flowResult,
  getFlowState,
  startFlow,
  UnknownRunError,
} from './temporal/client.js';
export type { StartFlowOptions } from './temporal/client.js';
export { connectClient, connectionSettings, ServerUnreachableError } from './temporal/connection.js';
export type { ConnectionSettings } from './temporal/connection.js';
export { freePort, isServerReachable, startDevServer } from './temporal/dev-server.js';
export type { DevServer, DevServerOptions } from './temporal/dev-server.js';
export { resolveTemporalCli } from './temporal/cli-binary.js';
