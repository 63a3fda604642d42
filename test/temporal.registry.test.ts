// Registering flows for Temporal: options that cannot work are refused when the flows are defined.
import { describe, expect, it } from 'vitest';
import { AsyncFlow, AsyncNode, defineFlows, FlowDefinitionError } from '../src/workflow.js';

class Quick extends AsyncNode {
  override async execAsync(): Promise<string> {
    return 'done';
  }
}

describe('defineFlows', () => {
  it('takes a node whose exec runs as a local activity', () => {
    const flows = defineFlows({ quick: () => new AsyncFlow(new Quick({ temporal: { local: true } })) });
    expect(flows.activityNodes().map(({ node }) => node.name)).toEqual(['Quick']);
  });

  it.each(['taskQueue', 'heartbeatTimeout'] as const)('refuses a local activity that sets %s, naming flow and node', (option) => {
    const temporal = { local: true, [option]: option === 'taskQueue' ? 'gpu' : '10s' };
    expect(() => defineFlows({ quick: () => new AsyncFlow(new Quick({ temporal })) })).toThrow(
      new FlowDefinitionError(
        `Node 'Quick' of flow 'quick' sets temporal.local and temporal.${option}: a local activity runs in the ` +
          `workflow's own worker and cannot heartbeat. Drop ${option}, or drop local to run a normal activity.`,
        'Quick',
      ),
    );
  });
});
