// The Recipe Finder's worker: its workflow bundle, and one activity per node whose exec uses the
// recipe API and the LLM. Connection settings follow Temporal's environment configuration
// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE); the
// task queue is TEMPORAL_TASK_QUEUE, the worker's own settings TEMPORAL_WORKER_* (cache size,
// concurrency, sticky timeout). It takes its workflow code from the bundle that
// `npm run build:workflows` prebuilds when that matches the sources, so that it starts at once.
// Run directly, it polls until SIGINT or SIGTERM drains it.
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRecipeServices, recipeConfigFromEnv } from '../activities/recipe-io.js';
import { createFlowWorker, type FlowWorker, type FlowWorkerOptions, type PrebuiltBundleOptions, workerOptionsFromEnv } from '../src/worker.js';
import { DEFAULT_TASK_QUEUE, flows } from '../workflows/flows.js';
import type { RecipeServices } from '../workflows/recipe-finder.js';

/** The project's folder, whether this module runs from source or compiled into `dist/workers/`. */
const ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/workers/') ? '../../' : '../', import.meta.url));

/** The workflow bundle entry of the Recipe Finder. */
export const WORKFLOWS_PATH = join(ROOT, 'workflows', 'index.ts');

/** The prebuilt bundle (`npm run build:workflows`) and the folders it is built from. */
export const PREBUILT_BUNDLE: PrebuiltBundleOptions = {
  bundlePath: join(ROOT, 'dist', 'workflow-bundles', 'recipe-finder.js'),
  sources: [join(ROOT, 'src'), join(ROOT, 'workflows')],
};

/** What a caller may set; everything else comes from the environment. */
export type RecipeWorkerOptions = Partial<Omit<FlowWorkerOptions<RecipeServices>, 'flows'>>;

/** Creates (but does not run) the Recipe Finder's worker. */
export async function createRecipeWorker(options: RecipeWorkerOptions = {}): Promise<FlowWorker> {
  return createFlowWorker({
    flows,
    taskQueue: process.env['TEMPORAL_TASK_QUEUE'] || DEFAULT_TASK_QUEUE,
    services: createRecipeServices(recipeConfigFromEnv()),
    workflowsPath: WORKFLOWS_PATH,
    prebuiltBundle: PREBUILT_BUNDLE,
    ...options,
    worker: { ...workerOptionsFromEnv(), ...options.worker },
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const worker = await createRecipeWorker();
  console.log(`Worker polling task queue '${worker.options.taskQueue}'.`);
  await worker.run();
  console.log('Worker stopped.');
}
