// Build 3 of the deploy tests' project (see deploy.ts).
import { createFlowWorkflows } from '../../src/workflow.js';
import { deployFlows } from './deploy.js';

const workflows = createFlowWorkflows(deployFlows(3));
// Every flow's runs (a run's workflow type is its flow's name), and the child workflows of big batches.
export default workflows.flow;
export const { pocketflowBatchChunk, pocketflowBatchFlowChunk } = workflows;
