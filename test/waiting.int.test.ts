// A run waiting for a person with no worker up: what it recorded when its wait began is read from
// the server (status, the inbox), and an answer is checked against the recorded choices and queued.
import { join } from 'node:path';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { startInboxServer } from '../src/cli/inbox/server.js';
import { bundleFlowWorkflows } from '../src/temporal/bundle.js';
import { answerFlow, describeFlowRun, flowResult, getFlowState, startFlow } from '../src/temporal/client.js';
import { waitingRecordOf } from '../src/temporal/waiting.js';
import { runCli } from './setup/cli.js';
import { changedTestFlows } from './flows/registry.js';
import { connectClient, startWorker, uniqueQueue, waitFor } from './setup/harness.js';

const PROJECT = 'test/flows/project.config.ts';

describe('a waiting run with no worker up', () => {
  it('shows its node, prompt and store in status, refuses an answer its choices never take, and queues one a later worker takes', async () => {
    const client = await connectClient();
    const taskQueue = uniqueQueue('no-worker');
    const workflowId = `no-worker-${taskQueue}`;
    const env = { TEMPORAL_TASK_QUEUE: taskQueue };
    const first = await startWorker(taskQueue);
    try {
      await startFlow(client, { flow: 'human-input', taskQueue, workflowId, shared: {} });
      await waitFor(async () => (await getFlowState(client, workflowId)).pending[0], 'the name prompt');
      await answerFlow(client, workflowId, 'Ada');
      await waitFor(async () => waitingRecordOf(await describeFlowRun(client, workflowId))?.prompts.find((p) => p.node === 'Approve'), 'the recorded approval');
    } finally {
      await first.stop();
    }

    const started = Date.now();
    const status = await runCli(['status', workflowId, '--config', PROJECT], { env });
    const elapsed = Date.now() - started;
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^Worker: {3}No worker answered within 1 s; below is what the run recorded when its wait began\.$/m);
    expect(status.stdout).toMatch(/^Node: {5}Approve$/m);
    expect(status.stdout).toMatch(/^Waiting: {2}request 2 from Approve: Hello Ada, approve\? \(y\/n\)$/m);
    expect(status.stdout).toContain(`Answer:   npx pocketflow-temporal respond ${workflowId} y --request 2 --signal`);
    expect(status.stdout).toContain("name: 'Ada'");
    // The command's own start (tsx, the project file) comes on top of the second it gives a worker.
    expect(elapsed).toBeLessThan(6000);

    const never = await runCli(['respond', workflowId, 'maybe', '--signal', '--config', PROJECT], { env });
    expect(never.code).toBe(1);
    expect(never.stderr).toBe(`error: Run '${workflowId}' refused the answer: Answer "maybe" refused by node 'Approve': Please answer one of: y, n.\n`);

    const inbox = await startInboxServer({ client, port: 0, workerWaitMs: 1000 });
    try {
      const listed = await waitFor(async () => {
        const { runs } = (await (await fetch(`${inbox.url}api/waiting`)).json()) as { runs: Array<{ workflowId: string; prompts: Array<{ prompt: string }> }> };
        return runs.find((run) => run.workflowId === workflowId && run.prompts.length > 0);
      }, 'the run in the inbox');
      expect(listed.prompts.map((p) => p.prompt)).toEqual(['Hello Ada, approve? (y/n)']);
      const token = /name="inbox-token" content="([^"]+)"/.exec(await (await fetch(inbox.url)).text())?.[1] ?? '';
      const post = (answer: string) =>
        fetch(`${inbox.url}api/answer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-inbox-token': token },
          body: JSON.stringify({ workflowId, requestId: 2, answer }),
        });
      const refused = await post('perhaps');
      expect(refused.status).toBe(422);
      expect(((await refused.json()) as { error: string }).error).toContain('Please answer one of: y, n.');
      const queued = await post('y');
      expect(queued.status).toBe(200);
      expect(await queued.json()).toMatchObject({ queued: true, requestId: 2 });
    } finally {
      await inbox.close();
    }

    const second = await startWorker(taskQueue);
    try {
      expect((await flowResult(client, workflowId)).shared).toEqual({ name: 'Ada', approved: true, trail: ['welcome:{}'] });
    } finally {
      await second.stop();
    }
  });

  it('says an answer was taken when the run then fails its workflow task, never suggests a second one, and a fixed build takes it', async () => {
    const client = await connectClient();
    const taskQueue = uniqueQueue('answer-then-bug');
    const workflowId = `answer-then-bug-${taskQueue}`;
    const env = { TEMPORAL_TASK_QUEUE: taskQueue };
    const broken = await startWorker(taskQueue);
    try {
      await startFlow(client, { flow: 'approval-then-post-throws', taskQueue, workflowId, shared: {} });
      await waitFor(async () => (await getFlowState(client, workflowId)).pending[0], 'the approval prompt');
      const approve = await runCli(['approve', workflowId, '--config', PROJECT], { env });
      expect(approve.code).toBe(1);
      expect(approve.stderr).toBe(
        `error: Run ${workflowId} got the answer, but its workflow task fails: Flow 'approval-then-post-throws' failed at node ` +
          "'ApprovesThenThrows': TypeError: Cannot read properties of undefined (reading 'title'). The run stays open and the " +
          'server keeps the answer with the failing task, so do not answer again: once a fixed build runs it, the run takes ' +
          `this answer (README, "Deploying a changed flow"; see npx pocketflow-temporal status ${workflowId}).\n`,
      );
      const inbox = await startInboxServer({ client, port: 0, workerWaitMs: 1000 });
      try {
        const token = /name="inbox-token" content="([^"]+)"/.exec(await (await fetch(inbox.url)).text())?.[1] ?? '';
        const answered = await fetch(`${inbox.url}api/answer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-inbox-token': token },
          body: JSON.stringify({ workflowId, requestId: 1, answer: 'y' }),
        });
        expect(answered.status).toBe(409);
        expect(((await answered.json()) as { error: string }).error).toContain('so do not answer again');
      } finally {
        await inbox.close();
      }
      // Nothing was queued by signal: the only answers are the ones the server holds with the failing task.
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      expect(history.events?.some((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)).toBe(false);
    } finally {
      await broken.stop();
    }
    const fixed = await startWorker(taskQueue, {
      flows: changedTestFlows,
      bundle: await bundleFlowWorkflows(join(import.meta.dirname, 'flows', 'workflows-changed.ts')),
    });
    try {
      expect((await flowResult(client, workflowId)).shared).toEqual({ trail: ['no recipe', 'answered y'] });
    } finally {
      await fixed.stop();
    }
  });
});
