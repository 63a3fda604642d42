// A long conversation that continues as new every three steps: the prompts' request ids go on
// across runs, so that answers name the right prompt, and the client, `run` and `attach` keep asking.
import { describe, expect, it } from 'vitest';
import { answerFlow, flowResult, getFlowState, startFlow } from '../src/temporal/client.js';
import { TWELVE_ANSWERS } from './flows/table.js';
import { runCli } from './setup/cli.js';
import { connectClient, waitFor, withWorker } from './setup/harness.js';

const FLOW = 'human-loop-of-12-answers-continues-as-new';
const PROJECT = 'test/flows/project.config.ts';

/** How many runs the workflow id went through (each continue-as-new starts one). */
async function runsOf(workflowId: string): Promise<number> {
  const client = await connectClient();
  let runs = 0;
  for await (const _ of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    runs++;
  }
  return runs;
}

describe('a human loop that continues as new', () => {
  it('numbers its prompts 1 to 12 across runs, each answered by its request id through the client', async () => {
    await withWorker('twelve-client', async (taskQueue) => {
      const client = await connectClient();
      const workflowId = `twelve-client-${taskQueue}`;
      await startFlow(client, { flow: FLOW, taskQueue, workflowId });
      const asked: number[] = [];
      for (const answer of TWELVE_ANSWERS) {
        const prompt = await waitFor(async () => {
          const state = await getFlowState(client, workflowId);
          return state.pending.find((p) => !asked.includes(p.requestId));
        }, `the prompt for ${answer}`);
        asked.push(prompt.requestId);
        expect(prompt.prompt).toBe(`Answer ${asked.length} of 12?`);
        await expect(answerFlow(client, workflowId, answer, { requestId: prompt.requestId })).resolves.toMatchObject({
          requestId: prompt.requestId,
        });
      }
      expect(asked).toEqual(TWELVE_ANSWERS.map((_, i) => i + 1));
      expect((await flowResult(client, workflowId)).shared).toEqual({ answers: TWELVE_ANSWERS });
      expect(await runsOf(workflowId)).toBeGreaterThanOrEqual(4);
    });
  });

  it('keeps asking through run, and through attach after the terminal closed, until all 12 are answered', async () => {
    await withWorker('twelve-cli', async (taskQueue) => {
      const env = { TEMPORAL_TASK_QUEUE: taskQueue };
      const workflowId = `twelve-cli-${taskQueue}`;
      const first = await runCli(['run', FLOW, '--config', PROJECT, '--id', workflowId, '--no-worker'], {
        env,
        stdin: `${TWELVE_ANSWERS.slice(0, 5).join('\n')}\n`,
      });
      expect(first.code).toBe(0);
      expect(first.stdout).toContain('Answer 6 of 12?');
      expect(first.stdout).toContain(`Input closed; nothing is lost. The run ${workflowId} keeps waiting.`);
      const rest = await runCli(['attach', workflowId, '--config', PROJECT, '--no-worker'], {
        env,
        stdin: `${TWELVE_ANSWERS.slice(5).join('\n')}\n`,
      });
      expect(rest.code).toBe(0);
      expect(rest.stdout).toContain('Answer 12 of 12?');
      const client = await connectClient();
      expect((await flowResult(client, workflowId)).shared).toEqual({ answers: TWELVE_ANSWERS });
      expect(await runsOf(workflowId)).toBeGreaterThanOrEqual(4);
    });
  });
});

describe('two prompts waiting at once', () => {
  it('are both asked by attach, one after the other', async () => {
    await withWorker('two-seats', async (taskQueue) => {
      const env = { TEMPORAL_TASK_QUEUE: taskQueue };
      const workflowId = `two-seats-${taskQueue}`;
      const first = await runCli(['run', 'two-people-at-once', '--config', PROJECT, '--id', workflowId, '--no-worker'], { env, stdin: '' });
      expect(first.stdout).toContain(`Input closed; nothing is lost. The run ${workflowId} keeps waiting.`);
      const rest = await runCli(['attach', workflowId, '--config', PROJECT, '--no-worker'], { env, stdin: 'Ada\nBo\n' });
      expect(rest.code).toBe(0);
      expect(rest.stdout).toContain('Who sits left?');
      expect(rest.stdout).toContain('Who sits right?');
      const client = await connectClient();
      expect((await flowResult(client, workflowId)).shared).toEqual({ seat_left: 'Ada', seat_right: 'Bo' });
    });
  });
});
