/** Wires a Temporal worker for registered flows: the workflow bundle plus one activity per node. */
import { NativeConnection, Worker, type WorkerOptions, bundleWorkflowCode } from '@temporalio/worker';
import { PocketFlowError } from '../core/index.js';
import { createFlowActivities } from './activities.js';
import { connectionSettings } from './connection.js';
import type { FlowRegistry } from './registry.js';

/**
 * Modules that exec code may use and that must never enter the workflow bundle. The bundler
 * replaces them with nothing, so importing one from workflow code fails loudly at run time.
 */
export const EXEC_ONLY_MODULES = ['openai'];

export interface FlowWorkerOptions<Svc = unknown> {
  flows: FlowRegistry<Svc>;
  taskQueue: string;
  /** The workflow bundle entry (a module that exports `runFlow`); or give `workflowBundle`. */
  workflowsPath?: string;
  /** A prebuilt bundle (see `bundleFlowWorkflows`). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * The connection to the server. Default: one made from Temporal's environment configuration
   * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_PROFILE, ...), closed when the worker stops.
   */
  connection?: NativeConnection;
  /** Default: the environment configuration's namespace, or `default`. */
  namespace?: string;
  /** Dependencies for exec (`this.services` in nodes), checked against the flows' services type. */
  services?: Svc;
  /** Any other worker option (activity slots, identity, ...). */
  worker?: Partial<WorkerOptions>;
  /** Told where the worker connects when it makes its own connection (default: the console). */
  log?: (message: string) => void;
}

/** Creates (but does not run) a worker for the given flows. */
export async function createFlowWorker<Svc>(options: FlowWorkerOptions<Svc>): Promise<Worker> {
  if (options.workflowsPath === undefined && options.workflowBundle === undefined) {
    throw new PocketFlowError('createFlowWorker needs workflowsPath (the module that exports runFlow) or workflowBundle.');
  }
  const settings = options.connection === undefined ? connectionSettings() : undefined;
  const connection = options.connection ?? (await NativeConnection.connect(settings?.options ?? {}));
  if (settings !== undefined) {
    (options.log ?? console.log)(
      `Worker connecting to ${settings.address}, namespace ${options.namespace ?? settings.namespace} (Temporal's environment configuration).`,
    );
  }
  const worker = await Worker.create({
    taskQueue: options.taskQueue,
    connection,
    namespace: options.namespace ?? settings?.namespace,
    activities: createFlowActivities(options.flows, { services: options.services }),
    ...(options.workflowBundle !== undefined
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: options.workflowsPath, bundlerOptions: { ignoreModules: EXEC_ONLY_MODULES } }),
    ...options.worker,
  });
  if (options.connection === undefined) {
    closeWhenStopped(worker, connection);
  }
  return worker;
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

/** Bundles workflow code once, so that several workers (or restarts) can share it. */
export async function bundleFlowWorkflows(workflowsPath: string): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath, ignoreModules: EXEC_ONLY_MODULES, logger: quietBundlerLogger });
}

const quietBundlerLogger = {
  trace() {},
  debug() {},
  info() {},
  warn(message: string) {
    console.warn(message);
  },
  error(message: string) {
    console.error(message);
  },
  log() {},
};
