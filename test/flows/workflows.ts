// The test workflow bundle: every flow of the table, plus the flows the durability tests use.
import { createFlowWorkflow } from '../../src/workflow.js';
import { testFlows } from './registry.js';

export const runFlow = createFlowWorkflow(testFlows);
