// Durability on a real Temporal server: crashes, late workers, failures, replay, and the
// ways a client talks to a run.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApplicationFailure, CancelledFailure, Client, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { LogMetadata } from '@temporalio/common';
import { Runtime, Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { NotSerializableError } from '../src/core/index.js';
import { failureMessage } from '../src/temporal/data-converter.js';
import { answerFlow, cancelFlow, flowResult, getFlowState, startFlow } from '../src/temporal/client.js';
import { AnswerRefusedError, UnknownFlowError, UnknownRunError } from '../src/temporal/errors.js';
import { answerSignal } from '../src/temporal/definitions.js';
import { resolveTemporalCli } from '../src/temporal/cli-binary.js';
import { bundleFlowWorkflows } from '../src/temporal/bundle.js';
import { createCrashableFlow } from './flows/durable.js';
import { changedTestFlows, testFlows } from './flows/registry.js';
import { address, connectClient, spawnWorkerProcess, startWorker, uniqueQueue, waitFor, withWorker } from './setup/harness.js';

const root = join(import.meta.dirname, '..');

/** The message of the run's first failed workflow task, once its history shows one. */
async function failedTaskMessage(handle: WorkflowHandle): Promise<string> {
  return waitFor(async () => {
    const history = await handle.fetchHistory();
    const failed = history.events?.find((event) => event.workflowTaskFailedEventAttributes != null);
    return failureMessage(handle.client, failed?.workflowTaskFailedEventAttributes?.failure);
  }, 'a failed workflow task');
}

/** Collects what the workers' runtime logger receives at error level (workflow code's `log.error` among it) until `stop`. */
function captureErrorLogs(): { entries: Array<{ message: string; meta: LogMetadata | undefined }>; stop(): void } {
  const logger = Runtime.instance().logger;
  const original = logger.error;
  const entries: Array<{ message: string; meta: LogMetadata | undefined }> = [];
  logger.error = (message: string, meta?: LogMetadata) => {
    entries.push({ message, meta });
    original.call(logger, message, meta);
  };
  return {
    entries,
    stop() {
      logger.error = original;
    },
  };
}

describe('durability', () => {
  it('finishes with the same result after its worker is killed mid-flow, applying no post twice', async () => {
    const client = await connectClient();
    const taskQueue = uniqueQueue('crash');
    const workflowId = `crash-${taskQueue}`;
    const first = await spawnWorkerProcess(taskQueue);
    await startFlow(client, { flow: 'crashable', taskQueue, workflowId });
    await waitFor(async () => {
      const state = await getFlowState(client, workflowId);
      return state.currentNodes.includes('Slow') ? state : undefined;
    }, 'the Slow step to start');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));

    const second = await spawnWorkerProcess(taskQueue);
    try {
      const result = await flowResult(client, workflowId);
      const uninterrupted = {};
      await createCrashableFlow().runAsync(uninterrupted);
      expect(result.shared).toEqual(uninterrupted);
      expect(result.shared).toEqual({
        posts: { First: 1, Slow: 1, Last: 1 },
        trail: ['First done', 'Slow done', 'Last done'],
      });
    } finally {
      second.kill('SIGTERM');
    }
  });

  it("retries a group of items after its worker is killed, running only the items its heartbeats did not report done", async () => {
    const client = await connectClient();
    const taskQueue = uniqueQueue('group-crash');
    const workflowId = `group-crash-${taskQueue}`;
    const first = await spawnWorkerProcess(taskQueue);
    await startFlow(client, { flow: 'grouped-crashable', taskQueue, workflowId });
    const handle = client.workflow.getHandle(workflowId);
    // The three quick items are done and heartbeated (the SDK sends the latest details within 0.8 of the heartbeat timeout).
    await waitFor(async () => {
      const { raw } = await handle.describe();
      const details = raw.pendingActivities?.[0]?.heartbeatDetails?.payloads?.length ?? 0;
      return details > 0 ? raw : undefined;
    }, 'the group to heartbeat');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));

    const second = await spawnWorkerProcess(taskQueue);
    try {
      const result = await flowResult(client, workflowId);
      const ranBy = (result.shared as { ranBy: string[] }).ranBy;
      expect(ranBy.map((line) => Number(line.split(' ')[0]))).toEqual([0, 1, 2, 3, 4, 5]);
      expect(ranBy.slice(0, 3)).toEqual([0, 1, 2].map((item) => `${item} by ${first.pid}`));
      expect(ranBy.slice(3)).toEqual([3, 4, 5].map((item) => `${item} by ${second.pid}`));
      const history = await handle.fetchHistory();
      const started = history.events?.find((event) => event.activityTaskStartedEventAttributes != null);
      expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(2);
    } finally {
      second.kill('SIGTERM');
    }
  });

  it('processes answers sent while no worker runs once a worker starts', async () => {
    const client = await connectClient();
    const taskQueue = uniqueQueue('late');
    const workflowId = `late-${taskQueue}`;
    await startFlow(client, { flow: 'human-input', taskQueue, workflowId });
    for (const answer of ['Ada', 'maybe', 'y']) {
      await answerFlow(client, workflowId, answer, { wait: 'signal' });
    }
    const worker = await startWorker(taskQueue);
    try {
      const result = await flowResult(client, workflowId);
      expect(result.shared).toEqual({ name: 'Ada', approved: true, trail: ['welcome:{}'] });
      const state = await getFlowState(client, workflowId);
      expect(state.status).toBe('completed');
      expect(state.refused).toEqual([
        { answer: 'maybe', reason: "Node 'Approve' refused it for request 2: Please answer one of: y, n." },
      ]);
    } finally {
      await worker.stop();
    }
  });

  it('fails the workflow, naming the flow and the node, when a node error has no fallback', async () => {
    const client = await connectClient();
    await withWorker('fail', async (taskQueue) => {
      const workflowId = `fail-${taskQueue}`;
      const handle = await startFlow(client, { flow: 'default-fallback-rethrows', taskQueue, workflowId });
      const failure = await flowResult(client, workflowId).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const cause = (failure as WorkflowFailedError).cause;
      expect(cause?.message).toBe(
        "Flow 'default-fallback-rethrows' failed at node 'AlwaysFails': broken on try 1",
      );
      expect((cause as { type?: string }).type).toBe('TypeError');
      const description = await handle.describe();
      expect(description.status.name).toBe('FAILED');
    });
  });

  it('refuses a node input over the payload limit in bytes with a message that says what to do, keeping the run open', async () => {
    const client = await connectClient();
    await withWorker('huge', async (taskQueue) => {
      const workflowId = `huge-${taskQueue}`;
      const handle = await startFlow(client, { flow: 'huge-input', taskQueue, workflowId });
      try {
        expect(await failedTaskMessage(handle)).toMatch(
          /^Flow 'huge-input' failed at node 'HugeInput': PayloadTooLargeError: The input of node 'HugeInput' is 2100\d{3} bytes, over Temporal's payload limit.*pass a reference/,
        );
        expect((await handle.describe()).status.name).toBe('RUNNING');
      } finally {
        await handle.terminate();
      }
    });
  });
});

describe('errors that a fixed build repairs, and errors that end a run', () => {
  it('keeps the run open when post throws, failing the workflow task and logging an error, both naming the flow and the node', async () => {
    const client = await connectClient();
    await withWorker('post-throws', async (taskQueue) => {
      const logged = captureErrorLogs();
      const workflowId = `post-throws-${taskQueue}`;
      const handle = await startFlow(client, { flow: 'post-throws', taskQueue, workflowId });
      try {
        const message = await failedTaskMessage(handle);
        expect(message).toMatch(/^Flow 'post-throws' failed at node 'ReadsTitle': TypeError: Cannot read properties of undefined/);
        expect((await handle.describe()).status.name).toBe('RUNNING');
        const entry = await waitFor(
          async () => logged.entries.find((e) => e.meta?.['workflowId'] === workflowId),
          'the workflow to log the error',
        );
        expect(entry.message).toContain(message);
        expect(entry.meta).toMatchObject({ flow: 'post-throws', node: 'ReadsTitle' });
      } finally {
        logged.stop();
        await handle.terminate();
      }
    });
  });

  it('continues a run whose post threw once a worker with the fixed build takes it', async () => {
    const client = await connectClient();
    const taskQueue = uniqueQueue('fixed');
    const workflowId = `fixed-${taskQueue}`;
    const broken = await startWorker(taskQueue);
    const handle = await startFlow(client, { flow: 'post-throws', taskQueue, workflowId });
    try {
      await failedTaskMessage(handle);
    } finally {
      await broken.stop();
    }
    const fixed = await startWorker(taskQueue, {
      flows: changedTestFlows,
      bundle: await bundleFlowWorkflows(join(root, 'test/flows/workflows-changed.ts')),
    });
    try {
      expect((await flowResult(client, workflowId)).shared).toEqual({ posts: { Before: 1 }, trail: ['Before done', 'no recipe'] });
    } finally {
      await fixed.stop();
    }
  });

  it('keeps the run open when post returns an action that is not a string, naming the flow and the node', async () => {
    const client = await connectClient();
    await withWorker('number-action', async (taskQueue) => {
      const workflowId = `number-action-${taskQueue}`;
      const handle = await startFlow(client, { flow: 'post-returns-number', taskQueue, workflowId });
      try {
        expect(await failedTaskMessage(handle)).toBe(
          "Flow 'post-returns-number' failed at node 'ReturnsNumber': FlowDefinitionError: Node 'ReturnsNumber' returned number 42 from post; an action must be a string.",
        );
        expect((await handle.describe()).status.name).toBe('RUNNING');
      } finally {
        await handle.terminate();
      }
    });
  });

  it('ends the run with a FlowFailure thrown in post, with the type and details the flow gave, naming the flow and the node', async () => {
    const client = await connectClient();
    await withWorker('flow-failure', async (taskQueue) => {
      const workflowId = `flow-failure-${taskQueue}`;
      const handle = await startFlow(client, { flow: 'flow-failure-in-post', taskQueue, workflowId });
      const failure = await flowResult(client, workflowId).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const cause = (failure as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect(cause?.message).toBe("Flow 'flow-failure-in-post' failed at node 'GivesUp': No recipe fits");
      expect((cause as ApplicationFailure).type).toBe('NoRecipe');
      expect((cause as ApplicationFailure).details).toEqual([{ tried: 3 }]);
      expect((await handle.describe()).status.name).toBe('FAILED');
    });
  });

  it('ends the run with an ApplicationFailure thrown in prep, keeping its type', async () => {
    const client = await connectClient();
    await withWorker('app-failure', async (taskQueue) => {
      const workflowId = `app-failure-${taskQueue}`;
      const handle = await startFlow(client, { flow: 'application-failure-in-prep', taskQueue, workflowId });
      const failure = await flowResult(client, workflowId).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      const cause = (failure as WorkflowFailedError).cause;
      expect(cause?.message).toBe("Flow 'application-failure-in-prep' failed at node 'RefusesInput': The ingredient list is empty");
      expect((cause as ApplicationFailure).type).toBe('EmptyInput');
      expect((await handle.describe()).status.name).toBe('FAILED');
    });
  });
});

describe('talking to a run', () => {
  it('shows the current node, the pending prompt and the shared store by query', async () => {
    const client = await connectClient();
    await withWorker('state', async (taskQueue) => {
      const workflowId = `state-${taskQueue}`;
      await startFlow(client, { flow: 'human-input', taskQueue, workflowId, shared: { seed: 1 } });
      const state = await waitFor(async () => {
        const s = await getFlowState(client, workflowId);
        return s.pending.length > 0 ? s : undefined;
      }, 'a pending prompt');
      expect(state).toMatchObject({
        flow: 'human-input',
        status: 'waiting',
        currentNodes: ['AskName'],
        pending: [{ requestId: 1, node: 'AskName', prompt: 'Your name?' }],
        shared: { seed: 1 },
      });
      await answerFlow(client, workflowId, 'Grace');
      const next = await waitFor(async () => {
        const s = await getFlowState(client, workflowId);
        return s.pending[0]?.node === 'Approve' ? s : undefined;
      }, 'the approval prompt');
      expect(next.pending[0]).toMatchObject({ requestId: 2, prompt: 'Hello Grace, approve? (y/n)', choices: ['y', 'n'] });
      expect(next.recentSteps).toEqual([{ node: 'AskName', action: undefined }]);
      await answerFlow(client, workflowId, 'n');
      expect((await flowResult(client, workflowId)).shared).toEqual({ seed: 1, name: 'Grace', approved: false });
    });
  });

  it('answers the state query at once while the store holds what cannot cross, and fails that step before the next exec', async () => {
    const client = await connectClient();
    await withWorker('unportable', async (taskQueue) => {
      const workflowId = `unportable-${taskQueue}`;
      const handle = await startFlow(client, { flow: 'unportable-store', taskQueue, workflowId });
      try {
        const state = await waitFor(async () => {
          const s = await getFlowState(client, workflowId);
          return s.pending.length > 0 ? s : undefined;
        }, 'a pending prompt');
        expect(state.shared).toEqual({ trail: ['kept'], callback: "<not serialisable: a function 'callback'>" });
        expect(state.unportable).toEqual([{ path: '$.callback', reason: "a function 'callback'" }]);
        // A signal: an update's caller would wait for the workflow task that fails, and so for ever.
        await answerFlow(client, workflowId, 'y', { wait: 'signal' });
        expect(await failedTaskMessage(handle)).toMatch(
          /^Flow 'unportable-store' failed at node 'KeepsCallbackThenAsks': NotSerializableError: Node 'KeepsCallbackThenAsks': the shared store holds a function 'callback' at \$\.callback,/,
        );
        expect((await handle.describe()).status.name).toBe('RUNNING');
        const history = await handle.fetchHistory();
        const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes != null);
        expect(scheduled).toEqual([]);
      } finally {
        await handle.terminate();
      }
    });
  });

  it('refuses a wrong answer sent as an update at once, and takes a right one', async () => {
    const client = await connectClient();
    await withWorker('update', async (taskQueue) => {
      const workflowId = `update-${taskQueue}`;
      await startFlow(client, { flow: 'human-input', taskQueue, workflowId });
      await waitFor(async () => ((await getFlowState(client, workflowId)).pending.length > 0 ? true : undefined), 'prompt');
      expect(await answerFlow(client, workflowId, 'Ada')).toEqual({ requestId: 1, node: 'AskName' });
      await waitFor(
        async () => ((await getFlowState(client, workflowId)).pending[0]?.node === 'Approve' ? true : undefined),
        'approval prompt',
      );
      const refused = await answerFlow(client, workflowId, 'perhaps').catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AnswerRefusedError);
      expect((refused as Error).message).toContain("refused by node 'Approve': Please answer one of: y, n.");
      await expect(answerFlow(client, workflowId, 'y', { requestId: 7 })).rejects.toThrow(
        /No prompt with request id 7 is waiting \(pending: 2\)/,
      );
      await answerFlow(client, workflowId, 'y', { requestId: 2 });
      expect((await flowResult(client, workflowId)).shared).toMatchObject({ approved: true });
    });
  });

  it('takes an update sent the moment a new worker has taken over the run, before it replayed to the prompt', async () => {
    const client = await connectClient();
    const taskQueue = uniqueQueue('takeover');
    const workflowId = `takeover-${taskQueue}`;
    const first = await startWorker(taskQueue);
    await startFlow(client, { flow: 'human-input', taskQueue, workflowId });
    await waitFor(async () => ((await getFlowState(client, workflowId)).pending.length > 0 ? true : undefined), 'prompt');
    await first.stop();
    const second = await startWorker(taskQueue);
    try {
      expect(await answerFlow(client, workflowId, 'Ada')).toEqual({ requestId: 1, node: 'AskName' });
      await answerFlow(client, workflowId, 'y', { wait: 'signal' });
      expect((await flowResult(client, workflowId)).shared).toMatchObject({ name: 'Ada', approved: true });
    } finally {
      await second.stop();
    }
  });

  it('records a malformed signal as refused, keeps waiting, and loses nothing', async () => {
    const client = await connectClient();
    await withWorker('malformed', async (taskQueue) => {
      const workflowId = `malformed-${taskQueue}`;
      const handle = await startFlow(client, { flow: 'human-input', taskQueue, workflowId });
      await handle.signal(answerSignal, { answer: 42 } as never);
      await handle.signal(answerSignal, 'just a string' as never);
      const state = await waitFor(async () => {
        const s = await getFlowState(client, workflowId);
        return s.refused.length === 2 ? s : undefined;
      }, 'two refusals');
      expect(state.refused.map((r) => r.reason)).toEqual([
        "An answer's 'answer' must be a string, got number.",
        'An answer must be an object { answer: string, requestId?: number }.',
      ]);
      expect(state.pending).toHaveLength(1);
      for (const answer of ['Ada', 'y']) {
        await answerFlow(client, workflowId, answer, { wait: 'signal' });
      }
      expect((await flowResult(client, workflowId)).shared).toMatchObject({ name: 'Ada', approved: true });
    });
  });

  it('continues a long loop as new, keeping the shared store and the step count', async () => {
    const client = await connectClient();
    await withWorker('loop', async (taskQueue) => {
      const workflowId = `loop-${taskQueue}`;
      const handle = await startFlow(client, { flow: 'long-loop-continues-as-new', taskQueue, workflowId });
      expect((await flowResult(client, workflowId)).shared).toEqual({ n: 12 });
      const runs = [];
      for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
        runs.push(run.status.name);
      }
      expect(runs.sort()).toEqual(['COMPLETED', 'CONTINUED_AS_NEW', 'CONTINUED_AS_NEW']);
      const latest = client.workflow.getHandle(workflowId);
      expect((await latest.describe()).runId).not.toBe(handle.firstExecutionRunId);
      const state = await getFlowState(client, workflowId);
      expect(state.steps).toBe(12);
    });
  });

  it('cancels a waiting run', async () => {
    const client = await connectClient();
    await withWorker('cancel', async (taskQueue) => {
      const workflowId = `cancel-${taskQueue}`;
      const handle = await startFlow(client, { flow: 'human-input', taskQueue, workflowId });
      await waitFor(async () => ((await getFlowState(client, workflowId)).pending.length > 0 ? true : undefined), 'prompt');
      await cancelFlow(client, workflowId);
      const failure = await handle.result().catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect((failure as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
    });
  });

  it('refuses bad starts before they reach the server, and unknown ids with a clear error', async () => {
    const client = await connectClient();
    const taskQueue = uniqueQueue('bad');
    class Point {
      x = 1;
    }
    await expect(startFlow(client, { flow: 'x', taskQueue, workflowId: 'a', shared: { f: () => 1 } })).rejects.toThrow(
      new NotSerializableError({ what: 'the shared store', path: '$.f', reason: "a function 'f'" }),
    );
    await expect(
      startFlow(client, { flow: 'x', taskQueue, workflowId: 'a', shared: { list: [new Map([[1, new Point()]])] } }),
    ).rejects.toThrow(/holds an instance of Point .* at \$\.list\[0\]<map entry 0>/);
    const plainClient = new Client({ connection: client.connection });
    await expect(startFlow(plainClient, { flow: 'x', taskQueue, workflowId: 'a' })).rejects.toThrow(/clientDataConverter\(\)/);
    await expect(startFlow(client, { flow: 'nope', taskQueue, workflowId: 'a', flows: testFlows })).rejects.toThrow(
      UnknownFlowError,
    );
    await expect(getFlowState(client, `missing-${taskQueue}`)).rejects.toThrow(UnknownRunError);
    await expect(answerFlow(client, `missing-${taskQueue}`, 'y', { wait: 'signal' })).rejects.toThrow(
      "No flow run with workflow id 'missing-",
    );
  });

  it('fails a run of an unregistered flow with the list of known flows', async () => {
    const client = await connectClient();
    await withWorker('unknown', async (taskQueue) => {
      const workflowId = `unknown-${taskQueue}`;
      await startFlow(client, { flow: 'no-such-flow', taskQueue, workflowId });
      const failure = (await flowResult(client, workflowId).catch((e: unknown) => e)) as WorkflowFailedError;
      expect(failure.cause?.message).toMatch(/^Unknown flow 'no-such-flow'. The registered flows are: 'retries-counted-by-attempt'/);
    });
  });
});

describe('replay', () => {
  const fixture = join(root, 'test/fixtures/replay-demo.history.json');

  /** Runs the demo flow and exports its history the way users do: `temporal workflow show --output json`. */
  async function recordHistory(): Promise<string> {
    const client = await connectClient();
    return withWorker('replay', async (taskQueue) => {
      const workflowId = `replay-${taskQueue}`;
      const handle = await startFlow(client, { flow: 'replay-demo', taskQueue, workflowId });
      await handle.result();
      return execFileSync(
        resolveTemporalCli(),
        ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', address()],
        { encoding: 'utf8' },
      );
    });
  }

  it('replays a recorded history against the current code, and a changed graph fails replay', async () => {
    if (process.env['RECORD_HISTORY'] === '1' || !existsSync(fixture)) {
      writeFileSync(fixture, await recordHistory());
    }
    const history: unknown = JSON.parse(readFileSync(fixture, 'utf8'));
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history);

    const changed = await bundleFlowWorkflows(join(root, 'test/flows/workflows-changed.ts'));
    await expect(Worker.runReplayHistory({ workflowBundle: changed }, history)).rejects.toThrow(/[Dd]eterminism/);
  });
});

