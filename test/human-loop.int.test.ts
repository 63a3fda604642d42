// A long conversation that continues as new every three steps: the prompts' request ids go on
// across runs, so that answers name the right prompt, and the client, `run` and `attach` keep asking.
import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../src/core/index.js';
import { answerFlow, flowResult, getFlowState, startFlow } from '../src/temporal/client.js';
import { AnswerRefusedError } from '../src/temporal/errors.js';
import { streamFlow } from '../src/temporal/event-stream.js';
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

  it('tells a reader that came after a refused answer the answer taken next, and the prompt it asks then', async () => {
    await withWorker('twelve-stream', async (taskQueue) => {
      const client = await connectClient();
      const workflowId = `twelve-stream-${taskQueue}`;
      await startFlow(client, { flow: FLOW, taskQueue, workflowId });
      await waitFor(async () => (await getFlowState(client, workflowId)).pending[0], 'the first prompt');
      await expect(answerFlow(client, workflowId, 'wrong')).rejects.toThrow(AnswerRefusedError);
      // The reader's first read sees the run as the refused update's workflow task left it. That task
      // is not kept: the task that takes the next answer (and asks the next prompt, with no activity
      // between) has its event ids, and the reader must still read again after it.
      const stream = streamFlow(client, workflowId);
      const next = async (type: RunEvent['type']): Promise<RunEvent> => {
        for (;;) {
          const { done, value } = await stream.next();
          if (done === true) {
            throw new Error(`the stream ended before a '${type}' event`);
          }
          if (value.type === type) {
            return value as RunEvent;
          }
        }
      };
      try {
        expect(await next('waiting')).toMatchObject({ prompt: 'Answer 1 of 12?' });
        await answerFlow(client, workflowId, 'a1');
        expect(await next('answered')).toMatchObject({ answer: 'a1' });
        expect(await next('waiting')).toMatchObject({ prompt: 'Answer 2 of 12?' });
      } finally {
        await stream.return(undefined);
      }
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
