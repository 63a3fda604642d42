import { defineFlows } from '../temporal/registry.js';
import { createRecipeFlow } from './flow.js';

/** The flows this project runs on Temporal, one line each. */
export const recipeFlows = defineFlows({
  'recipe-finder': createRecipeFlow,
});

export const RECIPE_FLOW = 'recipe-finder';
export const DEFAULT_TASK_QUEUE = 'recipe-finder';
