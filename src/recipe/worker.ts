/** Builds a worker that runs the Recipe Finder: its workflow bundle and its node activities. */
import { fileURLToPath } from 'node:url';
import type { NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import { createRecipeServices, recipeConfigFromEnv } from '../../activities/recipe-io.js';
import { createFlowWorker } from '../temporal/worker.js';
import { recipeFlows } from './flows.js';
import type { RecipeServices } from './flow.js';

/** The workflow bundle entry of this project. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

export interface RecipeWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Default: the real services, configured from the environment. */
  services?: RecipeServices;
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export async function createRecipeWorker(options: RecipeWorkerOptions): Promise<Worker> {
  return createFlowWorker({
    flows: recipeFlows,
    taskQueue: options.taskQueue,
    connection: options.connection,
    namespace: options.namespace,
    services: options.services ?? createRecipeServices(recipeConfigFromEnv()),
    ...(options.workflowBundle === undefined
      ? { workflowsPath: WORKFLOWS_PATH }
      : { workflowBundle: options.workflowBundle }),
  });
}
