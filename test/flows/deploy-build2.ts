// Build 2 of the deploy tests' project (see deploy.ts).
import { createFlowWorkflow } from '../../src/workflow.js';
import { deployFlows } from './deploy.js';

export const runFlow = createFlowWorkflow(deployFlows(2));
export default runFlow;
