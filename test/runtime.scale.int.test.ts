// Batches past Temporal's per-run ceilings, on a real server: the run keeps its activities within
// a bound (Temporal refuses a run more than 2,000 pending), and a big batch runs in child
// workflows, a chunk each, with results in input order.
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { flowResult, startFlow } from '../src/temporal/client.js';
import { concurrency } from './flows/scale.js';
import { connectClient, spawnWorkerProcess, uniqueQueue, waitFor, withWorker } from './setup/harness.js';

const EventType = temporal.api.enums.v1.EventType;
const doubles = (n: number) => Array.from({ length: n }, (_, i) => i * 2);

/** The ids of the child workflows a run started, in the order it started them. */
async function childIds(workflowId: string): Promise<string[]> {
  const client = await connectClient();
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.eventType === EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED)
    .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? '');
}

describe('pending activities', () => {
  it('completes a parallel batch of 2,500 items in its own run, results in input order', async () => {
    const client = await connectClient();
    await withWorker('scale', async (taskQueue) => {
      const workflowId = `doubling-${taskQueue}`;
      await startFlow(client, { flow: 'doubling', taskQueue, workflowId, shared: { count: 2500 } });
      const { shared } = await flowResult(client, workflowId);
      expect((shared as { doubled: number[] }).doubled).toEqual(doubles(2500));
      expect(await childIds(workflowId)).toEqual([]);
    });
  });

  it("keeps at most the flow's maxPendingActivities activities pending, across the whole batch", async () => {
    const client = await connectClient();
    concurrency.most = 0;
    await withWorker('scale-bound', async (taskQueue) => {
      const workflowId = `doubling-five-${taskQueue}`;
      await startFlow(client, { flow: 'doubling-five-pending', taskQueue, workflowId, shared: { count: 40 } });
      const { shared } = await flowResult(client, workflowId);
      expect((shared as { doubled: number[] }).doubled).toEqual(doubles(40));
    });
    expect(concurrency.most).toBe(5);
  });
});

describe('big batches in child workflows', () => {
  it('runs a parallel batch of 2,500 items in chunks of 700, results in input order', async () => {
    const client = await connectClient();
    await withWorker('chunks', async (taskQueue) => {
      const workflowId = `doubling-chunks-${taskQueue}`;
      await startFlow(client, { flow: 'doubling-in-chunks', taskQueue, workflowId, shared: { count: 2500 } });
      const { shared } = await flowResult(client, workflowId);
      expect((shared as { doubled: number[] }).doubled).toEqual(doubles(2500));
      expect(await childIds(workflowId)).toEqual([1, 2, 3, 4].map((i) => `${workflowId}/Doubles/step-1/chunk-${i}`));
      // The parent's history holds the children, not the 2,500 activities.
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      expect(history.events?.length).toBeLessThan(100);
    });
  });

  it('keeps a batch under the threshold in the run', async () => {
    const client = await connectClient();
    await withWorker('chunks-small', async (taskQueue) => {
      const workflowId = `doubling-chunks-small-${taskQueue}`;
      await startFlow(client, { flow: 'doubling-in-chunks', taskQueue, workflowId, shared: { count: 500 } });
      const { shared } = await flowResult(client, workflowId);
      expect((shared as { doubled: number[] }).doubled).toEqual(doubles(500));
      expect(await childIds(workflowId)).toEqual([]);
    });
  });

  it('cancels the chunks under way when the run is cancelled', async () => {
    const client = await connectClient();
    await withWorker('chunks-cancel', async (taskQueue) => {
      const workflowId = `doubling-cancel-${taskQueue}`;
      const handle = await startFlow(client, { flow: 'doubling-in-turn-in-chunks', taskQueue, workflowId, shared: { count: 60 } });
      const [chunk] = await waitFor(async () => {
        const ids = await childIds(workflowId);
        return ids.length > 0 ? ids : undefined;
      }, 'the first chunk to start');
      await handle.cancel();
      await expect(handle.result()).rejects.toThrow();
      const status = await waitFor(async () => {
        const name = (await client.workflow.getHandle(chunk as string).describe()).status.name;
        return name === 'RUNNING' ? undefined : name;
      }, 'the chunk to end');
      expect(status).toBe('CANCELLED');
      expect(await childIds(workflowId)).toHaveLength(1);
    });
  });

  it('finishes a chunked batch whose worker was killed halfway, each chunk started once, each result once', async () => {
    const client = await connectClient();
    const taskQueue = uniqueQueue('chunks-crash');
    const workflowId = `doubling-crash-${taskQueue}`;
    const first = await spawnWorkerProcess(taskQueue);
    await startFlow(client, { flow: 'doubling-in-turn-in-chunks', taskQueue, workflowId, shared: { count: 60 } });
    // Killed once the second chunk has started: the first is done, the second is under way.
    await waitFor(async () => ((await childIds(workflowId)).length >= 2 ? true : undefined), 'the second chunk to start');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const second = await spawnWorkerProcess(taskQueue);
    try {
      const { shared } = await flowResult(client, workflowId);
      expect((shared as { doubled: number[] }).doubled).toEqual(doubles(60));
      expect(await childIds(workflowId)).toEqual([1, 2, 3].map((i) => `${workflowId}/DoublesInTurn/step-1/chunk-${i}`));
    } finally {
      second.kill('SIGTERM');
    }
  });
});
