/** Wires a Temporal worker for registered flows: the workflow bundle plus one activity per node. */
import { NativeConnection, Worker, type WorkerOptions, bundleWorkflowCode } from '@temporalio/worker';
import { createFlowActivities } from './activities.js';
import type { FlowRegistry } from './registry.js';

/**
 * Modules that exec code may use and that must never enter the workflow bundle. The bundler
 * replaces them with nothing, so importing one from workflow code fails loudly at run time.
 */
export const EXEC_ONLY_MODULES = ['openai'];

export interface FlowWorkerOptions {
  flows: FlowRegistry;
  taskQueue: string;
  /** The workflow bundle entry (a module that exports `runFlow`); or give `workflowBundle`. */
  workflowsPath?: string;
  /** A prebuilt bundle (see `bundleFlowWorkflows`). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  connection?: NativeConnection;
  namespace?: string;
  /** Dependencies for exec (`this.services()` in nodes). */
  services?: unknown;
  /** Any other worker option (activity slots, identity, ...). */
  worker?: Partial<WorkerOptions>;
}

/** Creates (but does not run) a worker for the given flows. */
export async function createFlowWorker(options: FlowWorkerOptions): Promise<Worker> {
  if (options.workflowsPath === undefined && options.workflowBundle === undefined) {
    throw new Error('createFlowWorker needs workflowsPath (the module that exports runFlow) or workflowBundle.');
  }
  return Worker.create({
    taskQueue: options.taskQueue,
    connection: options.connection,
    namespace: options.namespace,
    activities: createFlowActivities(options.flows, { services: options.services }),
    ...(options.workflowBundle !== undefined
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: options.workflowsPath, bundlerOptions: { ignoreModules: EXEC_ONLY_MODULES } }),
    ...options.worker,
  });
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
