// A bundle whose 'replay-demo' flow has a changed graph, to show that replay catches it.
import { createFlowWorkflow } from '../../src/workflow.js';
import { changedTestFlows } from './registry.js';

export const runFlow = createFlowWorkflow(changedTestFlows);
// Every flow's runs (their workflow type is the flow's name); `runFlow` serves runs started under that type.
export default runFlow;
