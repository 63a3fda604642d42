// Batches past Temporal's ceiling of 2,000 pending activities per run, on a real server: the run
// keeps its activities within a bound, so the server never refuses its workflow tasks.
import { describe, expect, it } from 'vitest';
import { flowResult, startFlow } from '../src/temporal/client.js';
import { concurrency } from './flows/scale.js';
import { connectClient, withWorker } from './setup/harness.js';

describe('pending activities', () => {
  it('completes a parallel batch of 2,500 items, results in input order', async () => {
    const client = await connectClient();
    await withWorker('scale', async (taskQueue) => {
      const workflowId = `doubling-${taskQueue}`;
      await startFlow(client, { flow: 'doubling', taskQueue, workflowId, shared: { count: 2500 } });
      const { shared } = await flowResult(client, workflowId);
      const doubled = (shared as { doubled: number[] }).doubled;
      expect(doubled).toHaveLength(2500);
      expect(doubled.every((value, i) => value === i * 2)).toBe(true);
    });
  });

  it("keeps at most the flow's maxPendingActivities activities pending, across the whole batch", async () => {
    const client = await connectClient();
    concurrency.most = 0;
    await withWorker('scale-bound', async (taskQueue) => {
      const workflowId = `doubling-five-${taskQueue}`;
      await startFlow(client, { flow: 'doubling-five-pending', taskQueue, workflowId, shared: { count: 40 } });
      const { shared } = await flowResult(client, workflowId);
      expect((shared as { doubled: number[] }).doubled).toEqual(Array.from({ length: 40 }, (_, i) => i * 2));
    });
    expect(concurrency.most).toBe(5);
  });
});
