// A bundle whose 'replay-demo' flow has a changed graph, to show that replay catches it.
import { createFlowWorkflows } from '../../src/workflow.js';
import { changedTestFlows } from './registry.js';

const workflows = createFlowWorkflows(changedTestFlows);
// Every flow's runs (a run's workflow type is its flow's name), and the child workflows of big batches.
export default workflows.flow;
export const { pocketflowBatchChunk, pocketflowBatchFlowChunk } = workflows;
