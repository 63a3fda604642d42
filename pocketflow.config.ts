// What the `pocketflow-temporal` command line knows of the Recipe Finder: its flows, its task
// queue, its worker, and what its conversation prints. I/O modules load only when a command
// needs them (`run`, `attach`, `worker`), so `status` or `graph` never load the LLM client.
import { defineProject } from './src/cli/index.js';
import { DEFAULT_TASK_QUEUE, flows, RECIPE_FLOW } from './workflows/flows.js';
import type { RecipeShared } from './workflows/recipe-finder.js';

export default defineProject({
  flows,
  taskQueue: DEFAULT_TASK_QUEUE,
  workflowsPath: './workflows/index.ts',
  defaultFlow: RECIPE_FLOW,
  createWorker: async (options) => (await import('./workers/recipe-worker.js')).createRecipeWorker(options),
  createServices: async () => {
    const { createRecipeServices, recipeConfigFromEnv } = await import('./activities/recipe-io.js');
    return createRecipeServices(recipeConfigFromEnv());
  },
  transcript: (shared) => (shared as RecipeShared).transcript ?? [],
  sharedOptions: { ingredient: 'the ingredient, so that it is not asked' },
});
