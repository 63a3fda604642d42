// The test workflow bundle: every flow of the table, plus the flows the durability tests use.
import { createFlowWorkflows } from '../../src/workflow.js';
import { testFlows } from './registry.js';

const workflows = createFlowWorkflows(testFlows);
// Every flow's runs (a run's workflow type is its flow's name), and the child workflows of big batches.
export default workflows.flow;
export const { pocketflowBatchChunk, pocketflowBatchFlowChunk } = workflows;
