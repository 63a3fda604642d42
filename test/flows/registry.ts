import { type AnyFlow, defineFlows, Flow, type FlowFactory } from '../../src/workflow.js';
import { reachableNodes } from '../../src/core/internal.js';
import {
  createApplicationFailureFlow,
  createApprovalThenPostThrowsFlow,
  createCrashableFlow,
  createFlowFailureFlow,
  createGroupedCrashableFlow,
  createHugeInputFlow,
  createNumberActionFlow,
  createPostThrowsFlow,
  createReplayDemoFlow,
  createThreeHundredStepsFlow,
  createUnportableStoreFlow,
} from './durable.js';
import { createDoublingFlow } from './scale.js';
import { type FlowCase, flowCases } from './table.js';

/** The same flow with every node's exec as a local activity (`temporal: { local: true }`). */
export function withLocalActivities(build: FlowFactory): FlowFactory {
  return (): AnyFlow => {
    const flow = build();
    for (const node of reachableNodes(flow)) {
      if (!(node instanceof Flow)) {
        node.options.temporal = { ...node.options.temporal, local: true };
      }
    }
    return flow;
  };
}

/** The registered name of a table flow run with local activities. */
export const localName = (name: string): string => `local:${name}`;

/** Every flow the integration tests run on Temporal. */
export const testFlows = defineFlows({
  ...Object.fromEntries(Object.entries(flowCases).map(([name, c]) => [name, { ...c.runOptions, build: c.build }])),
  ...Object.fromEntries(Object.entries(flowCases).map(([name, c]) => [localName(name), { ...c.runOptions, build: withLocalActivities(c.build) }])),
  crashable: createCrashableFlow,
  'grouped-crashable': createGroupedCrashableFlow,
  'huge-input': createHugeInputFlow,
  'three-hundred-steps': { build: createThreeHundredStepsFlow, continueAsNewAfterSteps: 100 },
  'unportable-store': createUnportableStoreFlow,
  'post-throws': () => createPostThrowsFlow(false),
  'approval-then-post-throws': () => createApprovalThenPostThrowsFlow(false),
  'post-returns-number': createNumberActionFlow,
  'flow-failure-in-post': createFlowFailureFlow,
  'application-failure-in-prep': createApplicationFailureFlow,
  // The same conversation, updating PocketFlowNode at every node.
  'human-input-every-node': { build: (flowCases['human-input'] as FlowCase).build, searchAttributes: 'every-node' },
  'replay-demo': () => createReplayDemoFlow(false),
  doubling: () => createDoublingFlow({ childBatches: false }),
  'doubling-five-pending': { build: () => createDoublingFlow({ sleepMs: 30, childBatches: false }), maxPendingActivities: 5 },
  'doubling-in-chunks': () => createDoublingFlow({ childBatches: { threshold: 500, chunkSize: 700 } }),
  'doubling-in-turn-in-chunks': () =>
    createDoublingFlow({ inTurn: true, sleepMs: 40, startToClose: '3s', childBatches: { threshold: 10, chunkSize: 20 } }),
});

/** A later build: the replay demo's graph changed, and the posts that threw fixed. */
export const changedTestFlows = defineFlows({
  'replay-demo': () => createReplayDemoFlow(true),
  'post-throws': () => createPostThrowsFlow(true),
  'approval-then-post-throws': () => createApprovalThenPostThrowsFlow(true),
});
