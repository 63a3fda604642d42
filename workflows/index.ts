// The workflow bundle entry: deterministic code only. `runFlow` runs every registered flow.
import { createFlowWorkflow } from '../src/workflow.js';
import { flows } from './flows.js';

export const runFlow = createFlowWorkflow(flows);
