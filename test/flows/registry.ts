import { defineFlows } from '../../src/temporal/registry.js';
import { createCrashableFlow, createHugeInputFlow, createReplayDemoFlow } from './durable.js';
import { flowCases } from './table.js';

/** Every flow the integration tests run on Temporal. */
export const testFlows = defineFlows({
  ...Object.fromEntries(Object.entries(flowCases).map(([name, c]) => [name, c.build])),
  crashable: createCrashableFlow,
  'huge-input': createHugeInputFlow,
  'replay-demo': () => createReplayDemoFlow(false),
});

/** The same, with the replay demo's graph changed. */
export const changedTestFlows = defineFlows({
  'replay-demo': () => createReplayDemoFlow(true),
});
