// The same flow on a real Temporal dev server, with this project's worker and a client.
import { NativeConnection } from '@temporalio/worker';
import { answerFlow, connectClient, connectionSettings, flowResult, getFlowState, startFlow } from 'pocketflow-temporal/client';
import { type DevServer, startDevServer } from 'pocketflow-temporal/dev-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublishWorker } from '../workers/publish-worker.js';

let server: DevServer;

beforeAll(async () => {
  server = await startDevServer();
});

afterAll(async () => {
  await server?.stop();
});

/** The run's pending prompt, once it asks. */
async function nextPrompt(client: Awaited<ReturnType<typeof connectClient>>, workflowId: string, after = 0): Promise<string> {
  for (;;) {
    const prompt = (await getFlowState(client, workflowId)).pending.find((p) => p.requestId > after);
    if (prompt !== undefined) {
      return prompt.prompt;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the publish flow, on Temporal', () => {
  it('runs each exec as an activity and waits durably for the answers', async () => {
    const connection = await NativeConnection.connect({ address: server.address });
    const worker = await createPublishWorker({ connection, namespace: 'default', taskQueue: 'publishing-test' });
    const running = worker.run();
    try {
      const client = await connectClient(connectionSettings(server.address));
      await startFlow(client, { flow: 'publish', taskQueue: 'publishing-test', workflowId: 'publish-1', shared: {} });
      expect(await nextPrompt(client, 'publish-1')).toBe('Topic?');
      await answerFlow(client, 'publish-1', 'tides');
      expect(await nextPrompt(client, 'publish-1', 1)).toBe('Publish?\nA brief note on tides.\nThe tides rise and fall twice a day.');
      await answerFlow(client, 'publish-1', 'y');
      expect((await flowResult(client, 'publish-1')).shared).toEqual({
        topic: 'tides',
        draft: 'A brief note on tides.\nThe tides rise and fall twice a day.',
        counts: [5, 8],
        approved: true,
        published: true,
      });
    } finally {
      worker.shutdown();
      await running;
      await connection.close();
    }
  });
});
