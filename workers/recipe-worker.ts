// The Recipe Finder's worker: its workflow bundle, and one activity per node whose exec uses the
// recipe API and the LLM. Connection settings follow Temporal's environment configuration
// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE); the
// task queue is TEMPORAL_TASK_QUEUE. Run directly, it polls until SIGINT or SIGTERM drains it.
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Worker } from '@temporalio/worker';
import { createRecipeServices, recipeConfigFromEnv } from '../activities/recipe-io.js';
import { createFlowWorker, type FlowWorkerOptions } from '../src/worker.js';
import { DEFAULT_TASK_QUEUE, flows } from '../workflows/flows.js';
import type { RecipeServices } from '../workflows/recipe-finder.js';

/** The workflow bundle entry of the Recipe Finder. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** What a caller may set; everything else comes from the environment. */
export type RecipeWorkerOptions = Partial<Omit<FlowWorkerOptions<RecipeServices>, 'flows'>>;

/** Creates (but does not run) the Recipe Finder's worker. */
export async function createRecipeWorker(options: RecipeWorkerOptions = {}): Promise<Worker> {
  return createFlowWorker({
    flows,
    taskQueue: process.env['TEMPORAL_TASK_QUEUE'] || DEFAULT_TASK_QUEUE,
    services: createRecipeServices(recipeConfigFromEnv()),
    ...(options.workflowBundle === undefined ? { workflowsPath: WORKFLOWS_PATH } : {}),
    ...options,
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const worker = await createRecipeWorker();
  console.log(`Worker polling task queue '${worker.options.taskQueue}'.`);
  await worker.run();
  console.log('Worker stopped.');
}
