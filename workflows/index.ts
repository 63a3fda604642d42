// The workflow bundle entry: deterministic code only. It runs every registered flow, under the flow's name.
import { createFlowWorkflow } from '../src/workflow.js';
import { flows } from './flows.js';

export const runFlow = createFlowWorkflow(flows);
// Every flow's runs (their workflow type is the flow's name); `runFlow` serves runs started under that type.
export default runFlow;
