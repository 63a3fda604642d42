// The Recipe Finder's flows, registered by name: the workflow bundle and the worker both import this.
import { defineFlows } from '../src/workflow.js';
import { createRecipeFlow } from './recipe-finder.js';

/** The registered name of the Recipe Finder flow. */
export const RECIPE_FLOW = 'recipe-finder';

/** The task queue the Recipe Finder's worker polls, unless TEMPORAL_TASK_QUEUE says another. */
export const DEFAULT_TASK_QUEUE = 'recipe-finder';

/** The flows this project runs on Temporal, one line each. */
export const flows = defineFlows({
  [RECIPE_FLOW]: {
    build: createRecipeFlow,
    // What is known when the run starts; what it learns later (the ingredient asked) its prompts' context says.
    summary: (shared) => (typeof shared['ingredient'] === 'string' ? `Recipe Finder: ${shared['ingredient']}` : 'Recipe Finder'),
  },
});
