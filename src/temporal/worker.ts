/** Wires a Temporal worker for registered flows: the workflow bundle plus one activity per node. */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { PocketFlowError } from '../core/index.js';
import { createFlowActivities } from './activities.js';
import { chooseWorkflowCode, EXEC_ONLY_MODULES, type PrebuiltBundleOptions } from './bundle.js';
import { connectionSettings } from './connection.js';
import { type PayloadCodecOptions, workerDataConverter } from './data-converter.js';
import { installWorkerRuntime } from './metrics.js';
import { searchAttributesCommand, searchAttributesMissingOn } from './search-attributes.js';
import type { FlowRegistry } from './registry.js';
import { DEFAULT_STICKY_TIMEOUT } from './worker-env.js';

/** The worker options; `services` is required when the flows declare a services type. */
export type FlowWorkerOptions<Svc = unknown> = FlowWorkerBaseOptions<Svc> &
  (unknown extends Svc ? { services?: Svc } : { services: Svc });

/** What every worker takes. */
export interface FlowWorkerBaseOptions<Svc = unknown> extends PayloadCodecOptions {
  flows: FlowRegistry<Svc>;
  taskQueue: string;
  /** The workflow bundle entry (a module whose default export and `runFlow` are `createFlowWorkflow(flows)`); or give `workflowBundle`. */
  workflowsPath?: string;
  /** A bundle already in memory or on disk (see `bundleFlowWorkflows`). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * A bundle built ahead (`writeWorkflowBundle`), used when it matches its sources; otherwise the
   * worker bundles `workflowsPath` at start. The worker says which it uses.
   */
  prebuiltBundle?: PrebuiltBundleOptions;
  /**
   * The connection to the server. Default: one made from Temporal's environment configuration
   * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_PROFILE, ...), closed when the worker stops.
   */
  connection?: NativeConnection;
  /** Default: the environment configuration's namespace (TEMPORAL_NAMESPACE), or `default`. */
  namespace?: string;
  /**
   * Any other worker option (slots, cache size, identity, ...); `workerOptionsFromEnv()` reads the
   * common ones from the environment. `stickyQueueScheduleToStartTimeout` defaults to 1 s here (the
   * SDK's is 10 s), so that a run whose worker died is taken over by another within a second.
   */
  worker?: Partial<WorkerOptions>;
  /** Told where the worker connects and where its workflow code comes from (default: the console). */
  log?: (message: string) => void;
}

/** Creates (but does not run) a worker for the given flows. */
export async function createFlowWorker<Svc>(options: FlowWorkerOptions<Svc>): Promise<Worker> {
  const log = options.log ?? console.log;
  // Before any connection: Temporal's runtime takes its metrics settings when it is created.
  const metrics = installWorkerRuntime();
  if (metrics !== undefined) {
    log(`Metrics for Prometheus at http://${metrics}/metrics.`);
  }
  const code = workflowCode(options, log);
  // Temporal's environment configuration fills in only what the caller left out.
  const settings = options.connection === undefined || options.namespace === undefined ? connectionSettings() : undefined;
  const connection =
    options.connection ?? (await NativeConnection.connect({ ...settings?.options, address: settings?.address }));
  const namespace = options.namespace ?? settings?.namespace;
  if (options.connection === undefined) {
    log(`Worker connecting to ${settings?.address}, namespace ${namespace} (Temporal's environment configuration).`);
  }
  const worker = await Worker.create({
    taskQueue: options.taskQueue,
    connection,
    namespace,
    activities: createFlowActivities(options.flows, { services: options.services }),
    stickyQueueScheduleToStartTimeout: DEFAULT_STICKY_TIMEOUT,
    dataConverter: workerDataConverter({ payloadCodecs: options.payloadCodecs }),
    ...code,
    ...options.worker,
  });
  if (options.connection === undefined) {
    closeWhenStopped(worker, connection);
  }
  await reportMissingSearchAttributes(connection, namespace ?? 'default', log);
  return worker;
}

/** The worker's workflow code: a bundle given or prebuilt, else the entry bundled now. */
function workflowCode(options: FlowWorkerOptions<unknown>, log: (message: string) => void): Partial<WorkerOptions> {
  if (options.workflowBundle !== undefined) {
    return { workflowBundle: options.workflowBundle };
  }
  const choice = options.prebuiltBundle === undefined ? undefined : chooseWorkflowCode(options.prebuiltBundle);
  if (choice?.kind === 'prebuilt') {
    log(`Workflow code: ${choice.reason}.`);
    return { workflowBundle: { codePath: choice.codePath } };
  }
  if (options.workflowsPath === undefined) {
    throw new PocketFlowError(
      `createFlowWorker needs workflowsPath (the module that exports createFlowWorkflow(flows) as default and as runFlow) or a workflow bundle${choice === undefined ? '' : `, and there is ${choice.reason}`}.`,
    );
  }
  if (choice !== undefined) {
    log(`Workflow code: bundled from ${options.workflowsPath} at start (${choice.reason}; writeWorkflowBundle builds it ahead).`);
  }
  return { workflowsPath: options.workflowsPath, bundlerOptions: { ignoreModules: EXEC_ONLY_MODULES } };
}

/** Says once, at start, which command adds the search attributes the namespace lacks (flows run without them). */
async function reportMissingSearchAttributes(connection: NativeConnection, namespace: string, log: (message: string) => void): Promise<void> {
  const missing = await searchAttributesMissingOn(connection.operatorService, namespace);
  if (missing !== undefined && missing.length > 0) {
    log(
      `Namespace '${namespace}' lacks the search attributes ${missing.join(', ')}: runs cannot be found by node or by waiting ` +
        `(list --waiting, the inbox). Add them with: ${searchAttributesCommand(namespace, missing)}`,
    );
  }
}

/** Closes a connection that the worker owns once the worker has stopped. */
function closeWhenStopped(worker: Worker, connection: NativeConnection): void {
  const run = worker.run.bind(worker);
  worker.run = async () => {
    try {
      await run();
    } finally {
      await connection.close();
    }
  };
}
