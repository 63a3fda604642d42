// Registering flows for Temporal: options that cannot work are refused when the flows are defined.
import { describe, expect, it } from 'vitest';
import { createFlowActivities } from '../src/temporal/activities.js';
import { FORK_MEMO_ACTIVITY } from '../src/temporal/definitions.js';
import type { FlowRegistry } from '../src/temporal/registry.js';

/** The activity types of the nodes of `flows` (every worker also has the fork's own). */
function nodeActivities(flows: FlowRegistry): string[] {
  return Object.keys(createFlowActivities(flows)).filter((name) => name !== FORK_MEMO_ACTIVITY);
}
import { AsyncFlow, AsyncNode, AsyncParallelBatchNode, defineFlows, FlowDefinitionError } from '../src/workflow.js';

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

describe('node names that stay put', () => {
  class Fetch extends AsyncNode {
    override async execAsync(): Promise<string> {
      return 'fetched';
    }
  }
  class Check extends AsyncNode {
    override async execAsync(): Promise<string> {
      return 'checked';
    }
  }
  class Publish extends AsyncNode {
    override async execAsync(): Promise<string> {
      return 'published';
    }
  }
  const activityNames = (build: () => AsyncFlow): string[] =>
    nodeActivities(defineFlows({ flow: build })).sort();

  it('keeps every other node activity type when a node is added in the middle or the graph reordered', () => {
    const before = activityNames(() => {
      const fetch = new Fetch();
      fetch.next(new Publish());
      return new AsyncFlow(fetch);
    });
    const added = activityNames(() => {
      const fetch = new Fetch();
      fetch.next(new Check()).next(new Publish());
      return new AsyncFlow(fetch);
    });
    const reordered = activityNames(() => {
      const publish = new Publish();
      const flow = new AsyncFlow(new Fetch());
      (flow.startNode as AsyncNode).next(publish);
      return flow;
    });
    expect(before).toEqual(['Fetch', 'Publish']);
    expect(added.filter((name) => name !== 'Check')).toEqual(before);
    expect(reordered).toEqual(before);
  });

  it('refuses a class used twice without names, saying how to name them, while in-process runs take both', async () => {
    const build = () => {
      const first = new Fetch();
      first.next(new Fetch());
      return new AsyncFlow(first);
    };
    expect(() => defineFlows({ twice: build })).toThrow(FlowDefinitionError);
    expect(() => defineFlows({ twice: build })).toThrow(
      "Flow 'twice' has 2 nodes named 'Fetch'. On Temporal a node's name is its activity type, " +
        "and a number given by position would change when the graph changes. Name each node: new Fetch({ name: '...' }).",
    );
    const named = () => {
      const first = new Fetch({ name: 'FetchUser' });
      first.next(new Fetch({ name: 'FetchOrders' }));
      return new AsyncFlow(first);
    };
    expect(nodeActivities(defineFlows({ named }))).toEqual(['FetchUser', 'FetchOrders']);
    await expect(build().runAsync({})).resolves.toBeUndefined();
  });
});

describe('maxPendingActivities', () => {
  it('refuses a bound Temporal would not keep, naming the flow', () => {
    const flow = (max: number) => ({ build: () => new AsyncFlow(new Quick({ name: 'Q' })), maxPendingActivities: max });
    expect(() => defineFlows({ big: flow(2001) })).toThrow(/Flow 'big': maxPendingActivities must be a whole number from 1 to 2000/);
    expect(() => defineFlows({ none: flow(0) })).toThrow(FlowDefinitionError);
    expect(defineFlows({ fine: flow(2000) }).names).toEqual(['fine']);
  });
});

describe('childBatches', () => {
  class Items extends AsyncParallelBatchNode {
    override async execAsync(item: unknown): Promise<unknown> {
      return item;
    }
  }

  it('is taken by batch nodes, with whole numbers', () => {
    const flow = () => new AsyncFlow(new Items({ name: 'I', temporal: { childBatches: { threshold: 10, chunkSize: 5 } } }));
    expect(defineFlows({ fine: flow }).names).toEqual(['fine']);
    expect(() => defineFlows({ zero: () => new AsyncFlow(new Items({ name: 'I', temporal: { childBatches: { chunkSize: 0 } } })) })).toThrow(
      /Node 'I' of flow 'zero': temporal.childBatches.chunkSize must be a whole number of at least 1, got 0/,
    );
  });

  it('is refused on a node that is no batch node, naming it', () => {
    expect(() => defineFlows({ single: () => new AsyncFlow(new Quick({ name: 'Q', temporal: { childBatches: { threshold: 3 } } })) })).toThrow(
      /Node 'Q' of flow 'single' sets temporal.childBatches, which only batch nodes/,
    );
  });
});

describe('itemsPerActivity', () => {
  class Items extends AsyncParallelBatchNode {
    override async execAsync(item: unknown): Promise<unknown> {
      return item;
    }
  }

  it('is taken by batch nodes, as a whole number of at least 1', () => {
    expect(defineFlows({ fine: () => new AsyncFlow(new Items({ name: 'I', temporal: { itemsPerActivity: 50 } })) }).names).toEqual(['fine']);
    expect(() => defineFlows({ half: () => new AsyncFlow(new Items({ name: 'I', temporal: { itemsPerActivity: 2.5 } })) })).toThrow(
      /Node 'I' of flow 'half': temporal.itemsPerActivity must be a whole number of at least 1, got 2.5/,
    );
  });

  it('is refused on a node that is no batch node, and on a flow, naming it', () => {
    expect(() => defineFlows({ single: () => new AsyncFlow(new Quick({ name: 'Q', temporal: { itemsPerActivity: 10 } })) })).toThrow(
      /Node 'Q' of flow 'single' sets temporal.itemsPerActivity, which only batch nodes/,
    );
    expect(() => defineFlows({ walk: () => new AsyncFlow({ start: new Items({ name: 'I' }), temporal: { itemsPerActivity: 10 } }) })).toThrow(
      /sets temporal.itemsPerActivity: a flow's exec is its walk/,
    );
  });
});
