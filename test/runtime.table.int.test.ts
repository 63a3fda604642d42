// The same flow definitions, run in-process and on a real Temporal server, end the same way.
import { WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { ScriptedInput, silentLogger } from '../src/core/index.js';
import { answerFlow, flowResult, startFlow } from '../src/temporal/client.js';
import { flowCases } from './flows/table.js';
import { connectClient, withWorker } from './setup/harness.js';

async function runInProcess(name: string): Promise<{ shared: object; action: string | undefined }> {
  const c = flowCases[name]!;
  const shared = structuredClone(c.shared);
  const action = await c.build().runAsync(shared, { input: new ScriptedInput(c.answers ?? []), logger: silentLogger });
  return { shared, action };
}

async function runOnTemporal(name: string, taskQueue: string): Promise<{ shared: object; action: string | undefined }> {
  const c = flowCases[name]!;
  const client = await connectClient();
  const workflowId = `${name}-${taskQueue}`;
  await startFlow(client, { flow: name, taskQueue, workflowId, shared: c.shared });
  for (const answer of c.answers ?? []) {
    if (answer !== null) {
      await answerFlow(client, workflowId, answer, { wait: 'signal' });
    }
  }
  const result = await flowResult(client, workflowId);
  return { shared: result.shared, action: result.action ?? undefined };
}

describe('one table of flows, two runtimes', () => {
  it.concurrent.each(Object.keys(flowCases))('%s ends the same in-process and on Temporal', async (name) => {
    const expected = flowCases[name]!.expected;
    if ('error' in expected) {
      await expect(runInProcess(name)).rejects.toThrow(/broken on try 1/);
      await withWorker('table', async (taskQueue) => {
        const failure = await runOnTemporal(name, taskQueue).catch((e: unknown) => e);
        expect(failure).toBeInstanceOf(WorkflowFailedError);
        expect((failure as WorkflowFailedError).cause?.message).toMatch(expected.error);
      });
      return;
    }
    const local = await runInProcess(name);
    expect(local).toEqual(expected);
    const durable = await withWorker('table', (taskQueue) => runOnTemporal(name, taskQueue));
    expect(durable).toEqual(expected);
  });
});
