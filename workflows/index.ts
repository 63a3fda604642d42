// The workflow bundle entry: deterministic code only. `runFlow` runs every registered flow.
import { recipeFlows } from '../src/recipe/flows.js';
import { createFlowWorkflow } from '../src/temporal/workflow.js';

export const runFlow = createFlowWorkflow(recipeFlows);
