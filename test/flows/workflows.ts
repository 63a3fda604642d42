// The test workflow bundle: every flow of the table, plus the flows the durability tests use.
import { createFlowWorkflow } from '../../src/workflow.js';
import { testFlows } from './registry.js';

export const runFlow = createFlowWorkflow(testFlows);
// Every flow's runs (their workflow type is the flow's name); `runFlow` serves runs started under that type.
export default runFlow;
