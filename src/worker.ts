/**
 * The worker side of pocketflow-temporal: a Temporal worker that runs registered flows, their
 * workflow bundle and one activity per node. Loads the Temporal worker (Node.js only).
 *
 * @example
 * ```ts
 * import { createFlowWorker } from 'pocketflow-temporal/worker';
 * import { flows } from '../workflows/flows.js';
 *
 * // Connects as Temporal's environment configuration says (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
 * // TEMPORAL_API_KEY, TEMPORAL_PROFILE, ...); encrypts payloads when POCKETFLOW_ENCRYPTION_KEYS is
 * // set; serves metrics when POCKETFLOW_METRICS_ADDRESS is set; runs as a Worker Deployment Version
 * // when TEMPORAL_DEPLOYMENT_NAME is set.
 * const worker = await createFlowWorker({
 *   flows,
 *   taskQueue: 'my-flows',
 *   workflowsPath: new URL('../workflows/index.ts', import.meta.url).pathname,
 *   services: { llm: createLlmClient() },
 * });
 * await worker.run();
 * ```
 */
export { createFlowActivities } from './temporal/activities.js';
export type { FlowActivity, FlowActivityOptions } from './temporal/activities.js';
export { createFlowWorker, FlowWorker } from './temporal/worker.js';
export type { FlowWorkerOptions } from './temporal/worker.js';
export { bundleFlowWorkflows, chooseWorkflowCode, EXEC_ONLY_MODULES, writeWorkflowBundle } from './temporal/bundle.js';
export type { PrebuiltBundleOptions, WorkflowCodeChoice } from './temporal/bundle.js';
export {
  DEFAULT_STICKY_TIMEOUT,
  WORKER_ENV_VARIABLES,
  WorkerSettingError,
  workerOptionsFromEnv,
} from './temporal/worker-env.js';
export { connectionSettings } from './temporal/connection.js';
export {
  BUILD_ID_ENV,
  buildIdOfCode,
  DEPLOYMENT_NAME_ENV,
  VersioningSettingError,
  versioningSettings,
} from './temporal/versioning.js';
export type { WorkerVersioningOptions } from './temporal/versioning.js';
export { deploymentVersions, promoteVersion, runVersioning, UnknownDeploymentError } from './temporal/deployments.js';
export type { DeploymentVersionRow, RunVersioning } from './temporal/deployments.js';
export { failureConverterPath, payloadConverterPath, payloadCodecsFromEnv, workerDataConverter } from './temporal/data-converter.js';
export type { PayloadCodecOptions } from './temporal/data-converter.js';
export { installWorkerRuntime, METRICS_ADDRESS_ENV, metricsAddressFromEnv } from './temporal/metrics.js';
export type { ConnectionSettings } from './temporal/connection.js';
export { UnknownNodeError } from './temporal/errors.js';
