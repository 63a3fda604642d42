// The scale benchmark's workflow bundle.
import { createFlowWorkflow } from '../src/workflow.js';
import { scaleFlows } from './scale-flows.js';

export const runFlow = createFlowWorkflow(scaleFlows);
export default runFlow;
