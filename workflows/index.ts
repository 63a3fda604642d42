// The workflow bundle entry: deterministic code only. It runs every registered flow, under the flow's name.
import { createFlowWorkflows } from '../src/workflow.js';
import { flows } from './flows.js';

const workflows = createFlowWorkflows(flows);
/** Every flow's runs: a run's workflow type is its flow's name. */
export default workflows.flow;
/** The child workflows of big batches. */
export const { pocketflowBatchChunk, pocketflowBatchFlowChunk } = workflows;
