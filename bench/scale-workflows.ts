// The scale benchmark's workflow bundle.
import { createFlowWorkflows } from '../src/workflow.js';
import { scaleFlows } from './scale-flows.js';

const workflows = createFlowWorkflows(scaleFlows);
// Every flow's runs (a run's workflow type is its flow's name), and the child workflows of big batches.
export default workflows.flow;
export const { pocketflowBatchChunk, pocketflowBatchFlowChunk } = workflows;
