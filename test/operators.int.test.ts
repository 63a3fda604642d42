// What operators see on a real server: runs typed by their flow's name, search attributes kept
// current, current details that say how to answer, and a namespace without the search attributes.
import { randomUUID } from 'node:crypto';
import { msToTs } from '@temporalio/common/lib/time.js';
import { describe, expect, it } from 'vitest';
import { createRecipeServices } from '../activities/recipe-io.js';
import { answerFlow, flowResult, getFlowState, startFlow } from '../src/temporal/client.js';
import { WAITING_SEARCH_ATTRIBUTE } from '../src/temporal/definitions.js';
import { payloadConverter } from '../src/temporal/payload-converter.js';
import { flows as recipeFlows } from '../workflows/flows.js';
import { PREBUILT_BUNDLE } from '../workers/recipe-worker.js';
import { runCli } from './setup/cli.js';
import { connectClient, startWorker, uniqueQueue, waitFor, withWorker } from './setup/harness.js';
import { useRecipeStandIns } from './setup/stand-ins.js';

const PROJECT = 'test/flows/project.config.ts';
const standIns = useRecipeStandIns({ chicken: ['Chicken Curry', 'Chicken Stir Fry'] });

interface WorkflowMetadata {
  definition?: { queryDefinitions?: Array<{ name: string; description?: string }>; updateDefinitions?: Array<{ name: string; description?: string }> };
  currentDetails?: string;
}

describe('runs as operators find them', () => {
  it('are typed by their flow, found by PocketFlowWaiting and PocketFlowNode, and say in their details how to answer', async () => {
    const client = await connectClient();
    await withWorker('operators', async (taskQueue) => {
      const env = { TEMPORAL_TASK_QUEUE: taskQueue };
      const workflowId = `operators-${taskQueue}`;
      await startFlow(client, { flow: 'human-input', taskQueue, workflowId });
      const found = await waitFor(async () => {
        const query = `WorkflowType = 'human-input' AND PocketFlowWaiting = true AND PocketFlowNode = 'AskName' AND TaskQueue = '${taskQueue}'`;
        for await (const run of client.workflow.list({ query })) {
          return run;
        }
        return undefined;
      }, 'the waiting run in the visibility store');
      expect(found.workflowId).toBe(workflowId);
      expect(found.type).toBe('human-input');

      const waiting = await runCli(['list', '--waiting', '--config', PROJECT], { env });
      expect(waiting.code).toBe(0);
      expect(waiting.stdout).toMatch(/^ID\tSTATUS\tFLOW\tSTARTED\tNODE\tWAITING FOR$/m);
      expect(waiting.stdout).toMatch(new RegExp(`^${workflowId}\\tRUNNING\\thuman-input\\t\\S+\\tAskName\\trequest 1: Your name\\?$`, 'm'));
      const byFlow = await runCli(['list', '--flow', 'human-input', '--config', PROJECT], { env });
      expect(byFlow.stdout).toContain(workflowId);
      const otherFlow = await runCli(['list', '--flow', 'fallback', '--config', PROJECT], { env });
      expect(otherFlow.stdout).toBe('No flow runs yet.\n');
      const unknown = await runCli(['list', '--flow', 'nope', '--config', PROJECT], { env });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/^error: .*'nope'/);

      await answerFlow(client, workflowId, 'Ada');
      const metadata = await waitFor(async () => {
        const m = await client.workflow.getHandle(workflowId).query<WorkflowMetadata>('__temporal_workflow_metadata');
        return m.currentDetails?.includes('Hello Ada') === true ? m : undefined;
      }, 'the approval prompt in the current details');
      expect(metadata.currentDetails).toContain('### Hello Ada, approve? (y/n)');
      expect(metadata.currentDetails).toContain('Answers: `y`, `n`');
      expect(metadata.currentDetails).toContain(`pocketflow-temporal respond ${workflowId} y --request 2`);
      expect(metadata.currentDetails).toContain('{"answer":"y","requestId":2}');
      expect(metadata.definition?.updateDefinitions?.find((u) => u.name === 'answerInput')?.description).toMatch(/Answers a pending prompt/);
      expect(metadata.definition?.queryDefinitions?.find((q) => q.name === 'state')?.description).toMatch(/pending prompts/);

      await answerFlow(client, workflowId, 'y');
      await flowResult(client, workflowId);
      const done = await waitFor(async () => {
        for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}' AND PocketFlowWaiting = false` })) {
          return run;
        }
        return undefined;
      }, 'the finished run, no longer waiting');
      expect(done.status.name).toBe('COMPLETED');
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      expect((history.events ?? []).filter((e) => e.upsertWorkflowSearchAttributesEventAttributes != null).length).toBeGreaterThan(0);
    });
  });

  it('update PocketFlowNode only around waits for a person by default, and at every node when the flow asks for it', async () => {
    const client = await connectClient();
    const upserts = await withWorker('quiet', async (taskQueue) => {
      const counts: Record<string, number> = {};
      for (const flow of ['human-input', 'human-input-every-node']) {
        const workflowId = `${flow}-${taskQueue}`;
        await startFlow(client, { flow, taskQueue, workflowId });
        for (const [node, answer] of [['AskName', 'Ada'], ['Approve', 'y']] as const) {
          await waitFor(async () => ((await getFlowState(client, workflowId)).pending[0]?.node === node ? true : undefined), node);
          await answerFlow(client, workflowId, answer);
        }
        await flowResult(client, workflowId);
        const history = await client.workflow.getHandle(workflowId).fetchHistory();
        // The flows' own attributes, PocketFlowNode and PocketFlowWaiting.
        counts[flow] = (history.events ?? []).filter((e) => {
          const fields = Object.keys(e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {});
          return fields.some((field) => field.startsWith('PocketFlow'));
        }).length;
      }
      return counts;
    });
    // By default: the first prompt sets Waiting and Node; the second, asked in the workflow task that took the
    // first answer, only moves Node; the run's end clears both. Three upserts, and none per step.
    expect(upserts['human-input']).toBe(3);
    expect(upserts['human-input-every-node']).toBeGreaterThan(3);
  });

  it('keep their search attributes across continue-as-new', async () => {
    const client = await connectClient();
    await withWorker('can-attributes', async (taskQueue) => {
      const workflowId = `can-attributes-${taskQueue}`;
      const handle = await startFlow(client, { flow: 'long-loop-continues-as-new', taskQueue, workflowId });
      expect((await flowResult(client, workflowId)).shared).toEqual({ n: 12 });
      const last = await client.workflow.getHandle(workflowId).describe();
      expect(last.runId).not.toBe(handle.firstExecutionRunId);
      expect(last.typedSearchAttributes.get(WAITING_SEARCH_ATTRIBUTE)).toBe(false);
    });
  });

  it('run in a namespace without the search attributes, and the worker and list --waiting say which command adds them', async () => {
    const namespace = `bare-${randomUUID().slice(0, 8)}`;
    const admin = await connectClient();
    await admin.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    const command = `temporal operator search-attribute create --namespace ${namespace} --name PocketFlowNode --type Keyword --name PocketFlowWaiting --type Bool`;
    const said: string[] = [];
    const taskQueue = uniqueQueue('bare');
    const worker = await startWorker(taskQueue, { namespace, log: (message) => said.push(message) });
    try {
      expect(said.some((line) => line.includes(command))).toBe(true);
      const client = await connectClient(namespace);
      const workflowId = `bare-${taskQueue}`;
      await startFlow(client, { flow: 'sync-nodes-in-async-flow', taskQueue, workflowId, shared: { n: 3 } });
      expect((await flowResult(client, workflowId)).shared).toEqual({ n: 12 });
      const listed = await runCli(['list', '--waiting', '--config', PROJECT], { env: { TEMPORAL_NAMESPACE: namespace } });
      expect(listed.code).toBe(1);
      expect(listed.stderr).toContain(`Add them with: ${command}`);
    } finally {
      await worker.stop();
    }
  });

  it('read like the flow: a summary from the input, the graph and its nodes as details, activity summaries, the recipe in question', async () => {
    const client = await connectClient();
    const taskQueue = uniqueQueue('recipe-ui');
    const services = createRecipeServices({
      recipeApiUrl: standIns.api.filterUrl,
      openaiApiKey: 'sk-test',
      openaiBaseUrl: standIns.llm.baseUrl,
      openaiModel: 'test-model',
      timeoutMs: 2000,
    });
    const worker = await startWorker(taskQueue, { flows: recipeFlows, services, bundlePath: PREBUILT_BUNDLE.bundlePath });
    try {
      const started = await runCli(['start', '--ingredient', 'chicken'], { env: { TEMPORAL_TASK_QUEUE: taskQueue } });
      const workflowId = started.stdout.trim();
      const handle = client.workflow.getHandle(workflowId);
      const description = await handle.describe();
      expect(description.type).toBe('recipe-finder');
      expect(await description.staticSummary()).toBe('Recipe Finder: chicken');
      const details = (await description.staticDetails()) ?? '';
      expect(details).toContain('```mermaid\nflowchart TD');
      expect(details).toContain('| `FetchRecipes` | FetchRecipes | activity | 3 | 1 s | start-to-close 30s |');
      expect(details).toContain('| `GetApproval` | GetApproval | the workflow: a wait for a person |');
      const current = await waitFor(async () => {
        const m = await handle.query<WorkflowMetadata>('__temporal_workflow_metadata');
        return m.currentDetails?.includes('Accept this recipe') === true ? m.currentDetails : undefined;
      }, 'the approval prompt');
      expect(current).toContain('> Recipe: Chicken Stir Fry');
      const status = await runCli(['status', workflowId], { env: { TEMPORAL_TASK_QUEUE: taskQueue } });
      expect(status.stdout).toContain('Context:  Recipe: Chicken Stir Fry');
      const history = await handle.fetchHistory();
      const summaries = (history.events ?? [])
        .filter((e) => e.activityTaskScheduledEventAttributes != null && e.userMetadata?.summary != null)
        .map((e) => payloadConverter.fromPayload<string>(e.userMetadata?.summary as never));
      expect(summaries).toEqual(['FetchRecipes: chicken', 'SuggestRecipe: chicken, 2 candidates']);
      await answerFlow(client, workflowId, 'y');
      await flowResult(client, workflowId);
    } finally {
      await worker.stop();
    }
  });
});
