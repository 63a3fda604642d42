// A bundle entry as the README showed before runs were typed by flow: a named export and no default.
import { createFlowWorkflows } from '../../src/workflow.js';
import { testFlows } from './registry.js';

export const runFlow = createFlowWorkflows(testFlows).flow;
