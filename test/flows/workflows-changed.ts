// A bundle whose 'replay-demo' flow has a changed graph, to show that replay catches it.
import { createFlowWorkflow } from '../../src/workflow.js';
import { changedTestFlows } from './registry.js';

export const runFlow = createFlowWorkflow(changedTestFlows);
