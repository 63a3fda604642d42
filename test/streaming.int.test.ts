// Watching a run as it happens: the Recipe Finder's events on a real Temporal server, the LLM's
// reply streamed by the real `openai` client from a stand-in that streams server-sent events.
import type { Client } from '@temporalio/client';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRecipeServices } from '../activities/recipe-io.js';
import { type FlowEvent, type RunEvent, ScriptedInput, silentLogger } from '../src/core/index.js';
import { bundleFlowWorkflows } from '../src/temporal/bundle.js';
import { answerFlow, flowResult, startFlow } from '../src/temporal/client.js';
import { eventsQuery, eventsSignal } from '../src/temporal/definitions.js';
import { type SkippedEvents, streamFlow } from '../src/temporal/event-stream.js';
import { flows as recipeFlows } from '../workflows/flows.js';
import { createRecipeFlow } from '../workflows/recipe-finder.js';
import { WORKFLOWS_PATH } from '../workers/recipe-worker.js';
import { runCli, type RunningCli, startCli } from './setup/cli.js';
import { connectClient, startWorker, uniqueQueue, waitFor } from './setup/harness.js';
import { pickLastListed, startOpenAiStandIn, startRecipeApi, useRecipeStandIns } from './setup/stand-ins.js';

const RECIPES = { chicken: ['Chicken Curry', 'Chicken Stir Fry', 'Grilled Chicken with Herbs'] };
const standIns = useRecipeStandIns(RECIPES);
let bundle: { code: string };

beforeAll(async () => {
  bundle = await bundleFlowWorkflows(WORKFLOWS_PATH);
});

const serviceOptions = () => ({
  recipeApiUrl: standIns.api.filterUrl,
  openaiApiKey: 'sk-test-streaming',
  openaiBaseUrl: standIns.llm.baseUrl,
  openaiModel: 'test-model',
  timeoutMs: 5000,
});
const services = () => createRecipeServices(serviceOptions());

const plain = (events: ReadonlyArray<RunEvent | SkippedEvents>) => events.map((event) => ('offset' in event ? { ...event, offset: undefined } : event));

describe('a run watched as it happens', () => {
  it('tells the same events, streamed text included, in-process and on Temporal', async () => {
    const inProcess: RunEvent[] = [];
    await createRecipeFlow().runAsync(
      { ingredient: 'chicken' },
      { services: services(), input: new ScriptedInput(['n', 'y']), logger: silentLogger, onEvent: (event) => inProcess.push(event) },
    );
    const texts = inProcess.filter((event) => event.type === 'text');
    expect(texts.map((event) => event.text).join('')).toBe('Grilled Chicken with HerbsChicken Stir Fry');
    expect(texts.length).toBeGreaterThan(4);

    const taskQueue = uniqueQueue('streaming');
    const workflowId = `streaming-${taskQueue}`;
    const worker = await startWorker(taskQueue, { flows: recipeFlows, services: services(), bundle });
    try {
      const client = await connectClient();
      await startFlow(client, { flow: 'recipe-finder', taskQueue, workflowId, shared: { ingredient: 'chicken' } });
      const told: Array<RunEvent | SkippedEvents> = [];
      for await (const event of streamFlow(client, workflowId)) {
        told.push(event);
        if (event.type === 'waiting') {
          await answerFlow(client, workflowId, told.filter((e) => e.type === 'waiting').length === 1 ? 'n' : 'y');
        }
      }
      expect(plain(told)).toEqual(plain(inProcess));
      expect(told.map((event) => ('offset' in event ? event.offset : -1))).toEqual(told.map((_, index) => index));
      expect((await flowResult(client, workflowId)).action).toBeUndefined();

      // A reader that comes back from any offset reads on from there: nothing missed, nothing twice.
      const from = told.findIndex((event) => event.type === 'text') + 2;
      const again: Array<RunEvent | SkippedEvents> = [];
      for await (const event of streamFlow(client, workflowId, { from })) {
        again.push(event);
      }
      expect(again).toEqual(told.slice(from));
    } finally {
      await worker.stop();
    }
  });

  it('waits on the history while the run waits for a person: it asks no worker until the run moves again, however late it sees the history', async () => {
    const taskQueue = uniqueQueue('streaming-idle');
    const workflowId = `streaming-idle-${taskQueue}`;
    // Words 400 ms apart: the run works on for longer than the reader lags behind its history.
    const slowLlm = await startOpenAiStandIn(pickLastListed, { chunkDelayMs: 400 });
    const slowServices = () => createRecipeServices({ ...serviceOptions(), openaiBaseUrl: slowLlm.baseUrl });
    let worker: Awaited<ReturnType<typeof startWorker>> | undefined = await startWorker(taskQueue, { flows: recipeFlows, services: slowServices(), bundle });
    try {
      const client = await connectClient();
      await startFlow(client, { flow: 'recipe-finder', taskQueue, workflowId, shared: { ingredient: 'chicken' } });
      let noWorker = 0;
      // The reader sees the history 1 s late (a slow link, a busy server): it reads the prompt before
      // it sees the workflow task that asked it, sees that task after the worker stopped, and must
      // not read again for it.
      const stream = streamFlow(historyLate(client, 1000), workflowId, { workerWaitMs: 300, onNoWorker: () => (noWorker += 1) });
      const next = async (): Promise<RunEvent | SkippedEvents> => {
        const result = await stream.next();
        if (result.done === true) {
          throw new Error('the stream ended early');
        }
        return result.value;
      };
      while ((await next()).type !== 'waiting') {
        // read up to the first prompt
      }
      // A worker just started can take longer than 300 ms to answer the run's first reads: what counts is what comes after the prompt.
      const saidBefore = noWorker;
      // The reader reads on, then the worker stops.
      const after = next();
      await new Promise((resolve) => setTimeout(resolve, 500));
      await worker.stop();
      worker = undefined;
      // With no worker up, a reader that queried would be left unanswered and say so after 300 ms.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect(noWorker).toBe(saidBefore);

      worker = await startWorker(taskQueue, { flows: recipeFlows, services: slowServices(), bundle });
      await answerFlow(client, workflowId, 'y');
      expect((await after).type).toBe('answered');
      const rest: Array<RunEvent | SkippedEvents> = [];
      for await (const event of stream) {
        rest.push(event);
      }
      expect(rest.at(-1)?.type).toBe('run-finished');
      expect(noWorker).toBe(saidBefore);
    } finally {
      await worker?.stop();
      await slowLlm.close();
    }
  });
  it('takes a streaming reply from the history: its reader asks the run nothing while the words come, drops what the run drops, and tells what a reader of the closed run reads', async () => {
    // Twelve words 250 ms apart: each in a batch of its own, and each batch in a workflow task of its own.
    const name = 'Slow Roast Chicken with Lemon Garlic Thyme Butter and Crispy Potatoes';
    const api = await startRecipeApi({ chicken: ['Chicken Curry', name] });
    const slowLlm = await startOpenAiStandIn(pickLastListed, { chunkDelayMs: 250 });
    const taskQueue = uniqueQueue('stream-history');
    const workflowId = `stream-history-${taskQueue}`;
    const slowServices = createRecipeServices({ ...serviceOptions(), recipeApiUrl: api.filterUrl, openaiBaseUrl: slowLlm.baseUrl });
    const worker = await startWorker(taskQueue, { flows: recipeFlows, services: slowServices, bundle });
    try {
      const client = await connectClient();
      await startFlow(client, { flow: 'recipe-finder', taskQueue, workflowId, shared: { ingredient: 'chicken' } });
      const counted = await queriesCounted();
      const told: Array<RunEvent | SkippedEvents> = [];
      // The reader's queries so far, as each event was told.
      const asked: number[] = [];
      let sent = false;
      for await (const event of streamFlow(counted.client, workflowId)) {
        told.push(event);
        asked.push(counted.queries());
        if (event.type === 'text' && !sent) {
          // A batch as exec sends it, with what the run drops: an earlier try's text, a step not under way, no event at all.
          sent = true;
          const { node, step } = event;
          const batch = [
            { type: 'text', node, step, attempt: 1, text: '[sent] ' },
            { type: 'text', node, step, attempt: 0, text: '[earlier try] ' },
            { type: 'text', node, step: step + 50, attempt: 1, text: '[no such step] ' },
            { type: 'not an event' },
          ];
          await client.workflow.getHandle(workflowId).signal(eventsSignal, { events: batch as FlowEvent[] });
        }
        if (event.type === 'waiting') {
          await answerFlow(client, workflowId, 'y');
        }
      }
      const words = told.flatMap((event) => (event.type === 'text' ? [event.text] : []));
      expect(words.filter((text) => text !== '[sent] ').join('')).toBe(name);
      expect(words.filter((text) => text.startsWith('['))).toEqual(['[sent] ']);
      const texts = told.flatMap((event, index) => (event.type === 'text' && event.text !== '[sent] ' ? [index] : []));
      expect(texts.length).toBeGreaterThanOrEqual(10);
      // Between the reply's first word and its last but one, no query (the last may come with the step's result, which is asked).
      expect((asked[texts.at(-2) ?? 0] ?? 0) - (asked[texts[0] ?? 0] ?? 0)).toBe(0);
      expect(counted.queries()).toBeLessThan(texts.length);
      await expectToldAsKept(client, workflowId, told);
      await counted.client.connection.close();
    } finally {
      await worker.stop();
      await slowLlm.close();
      await api.close();
    }
  });

  it('takes prompts and answers from the history too: from the first prompt to the run\'s end, its reader asks the run nothing', async () => {
    const taskQueue = uniqueQueue('stream-answers');
    const workflowId = `stream-answers-${taskQueue}`;
    const worker = await startWorker(taskQueue, { flows: recipeFlows, services: services(), bundle });
    try {
      const client = await connectClient();
      await startFlow(client, { flow: 'recipe-finder', taskQueue, workflowId, shared: { ingredient: 'chicken' } });
      const counted = await queriesCounted();
      const told: Array<RunEvent | SkippedEvents> = [];
      let askedAtFirstPrompt: number | undefined;
      const answers = ['n', 'n', 'y'];
      for await (const event of streamFlow(counted.client, workflowId)) {
        told.push(event);
        if (event.type === 'waiting') {
          askedAtFirstPrompt ??= counted.queries();
          await answerFlow(client, workflowId, answers.shift() ?? 'y');
        }
      }
      expect(answers).toEqual([]);
      expect(told.filter((event) => event.type === 'answered').map((event) => (event.type === 'answered' ? event.answer : undefined))).toEqual(['n', 'n', 'y']);
      expect(told.filter((event) => event.type === 'text').length).toBeGreaterThan(4);
      // Each suggestion, each prompt and each answer came from the history: the memo write of the
      // task that asked or took an answer, and the batches of the reply between.
      expect(askedAtFirstPrompt).toBeGreaterThan(0);
      expect(counted.queries()).toBe(askedAtFirstPrompt);
      await expectToldAsKept(client, workflowId, told);
      await counted.client.connection.close();
    } finally {
      await worker.stop();
    }
  });
});

/** What a reader of the run told as it ran is what the run itself keeps, read by query once it closed: the same events, numbered the same, to its end. */
async function expectToldAsKept(client: Client, workflowId: string, told: ReadonlyArray<RunEvent | SkippedEvents>): Promise<void> {
  const kept: Array<RunEvent | SkippedEvents> = [];
  for await (const event of streamFlow(client, workflowId)) {
    kept.push(event);
  }
  expect(told).toEqual(kept);
  expect(told.at(-1)?.type).toBe('run-finished');
}

/** A client of its own, counting the queries it sends. */
async function queriesCounted(): Promise<{ client: Client; queries: () => number }> {
  const client = await connectClient();
  const service = client.connection.workflowService;
  const query = service.queryWorkflow.bind(service);
  let queries = 0;
  service.queryWorkflow = ((...args: Parameters<typeof query>) => {
    queries += 1;
    return query(...args);
  }) as typeof service.queryWorkflow;
  return { client, queries: () => queries };
}

/** `client`, with each page of a run's history answered `lateMs` after the server sent it. */
function historyLate(client: Client, lateMs: number): Client {
  const service = client.workflowService;
  const late = async (request: Parameters<typeof service.getWorkflowExecutionHistory>[0]) => {
    const response = await service.getWorkflowExecutionHistory(request);
    await new Promise((resolve) => setTimeout(resolve, lateMs));
    return response;
  };
  const lateService = new Proxy(service, { get: (target, key) => (key === 'getWorkflowExecutionHistory' ? late : Reflect.get(target, key, target)) });
  return new Proxy(client, { get: (target, key) => (key === 'workflowService' ? lateService : Reflect.get(target, key, target)) });
}

/** The events a `watch --json` printed so far. */
const printed = (cli: RunningCli): Array<RunEvent | SkippedEvents> =>
  cli
    .output()
    .stdout.split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as RunEvent | SkippedEvents);

describe('watching a run whose worker dies mid-reply', () => {
  it('resumes the stream with a new try, shows the suggestion once, and a watcher restarted --from misses nothing and sees nothing twice', async () => {
    // Words 700 ms apart, the first try's held after its first word until the worker is killed: the reply is still streaming
    // then, however long a busy machine takes to start the watcher (a try that ended first would show no retry).
    let release = (): void => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const slowLlm = await startOpenAiStandIn(pickLastListed, { chunkDelayMs: 700, holdAfterFirstWord: held });
    const taskQueue = uniqueQueue('stream-crash');
    const workflowId = `stream-crash-${taskQueue}`;
    const env = {
      TEMPORAL_TASK_QUEUE: taskQueue,
      RECIPE_API_URL: standIns.api.filterUrl,
      OPENAI_BASE_URL: slowLlm.baseUrl,
      OPENAI_API_KEY: 'sk-test-streaming',
      OPENAI_MODEL: 'test-model',
    };
    const startRecipeWorker = async (): Promise<RunningCli> => {
      const worker = startCli(['worker'], { env });
      await waitFor(async () => (worker.output().stdout.includes('Worker polling') ? true : undefined), 'the worker to poll');
      return worker;
    };
    const workers: RunningCli[] = [await startRecipeWorker()];
    try {
      const client = await connectClient();
      await startFlow(client, { flow: 'recipe-finder', taskQueue, workflowId, shared: { ingredient: 'chicken' } });
      const first = startCli(['watch', workflowId, '--json'], { env });
      await waitFor(async () => (printed(first).some((event) => event.type === 'text') ? true : undefined), 'the first streamed words');
      workers[0]?.child.kill('SIGKILL');
      await workers[0]?.exited;
      release();
      first.child.kill('SIGINT');
      const stopped = await first.exited;
      expect(stopped.code).toBe(130);
      const offset = Number(/Stopped at offset (\d+)\. Go on with: npx pocketflow-temporal watch \S+ --from (\d+)/.exec(stopped.stderr)?.[2]);
      const before = printed(first);
      expect(offset).toBe(before.length);

      workers.push(await startRecipeWorker());
      const second = startCli(['watch', workflowId, '--from', String(offset), '--json'], { env });
      await waitFor(async () => (printed(second).some((event) => event.type === 'waiting') ? true : undefined), 'the suggestion to wait for an answer', 60_000);
      await answerFlow(client, workflowId, 'y');
      expect((await second.exited).code).toBe(0);

      const seen = [...before, ...printed(second)];
      expect(seen.map((event) => event.offset)).toEqual(seen.map((_, index) => index));
      const all: Array<RunEvent | SkippedEvents> = [];
      for await (const event of streamFlow(client, workflowId)) {
        all.push(event);
      }
      expect(seen).toEqual(all);

      const suggest = seen.find((event) => event.type === 'node-started' && event.node === 'SuggestRecipe') as Extract<RunEvent, { type: 'node-started' }>;
      const ofSuggest = seen.filter((event) => 'step' in event && event.step === suggest.step);
      const retry = ofSuggest.findIndex((event) => event.type === 'retry');
      expect(ofSuggest[retry]).toMatchObject({ attempt: 2 });
      // The first try's words came before the retry; the second try's words after it are the whole reply, once.
      expect(ofSuggest.slice(0, retry).some((event) => event.type === 'text' && event.attempt === 1)).toBe(true);
      const retried = ofSuggest.slice(retry + 1).filter((event) => event.type === 'text');
      expect(retried.every((event) => event.attempt === 2)).toBe(true);
      expect(retried.map((event) => event.text).join('')).toBe('Grilled Chicken with Herbs');
      expect(ofSuggest.filter((event) => event.type === 'node-finished')).toHaveLength(1);
      const waits = seen.filter((event) => event.type === 'waiting');
      expect(waits).toHaveLength(1);
      expect(waits[0]).toMatchObject({ context: expect.stringContaining('Recipe: Grilled Chicken with Herbs') });
      expect((await flowResult(client, workflowId)).shared).toMatchObject({ suggestion: { name: 'Grilled Chicken with Herbs' } });

      // For a person: one line per event, the streamed words of a try on a line of their own.
      const human = await runCli(['watch', workflowId], { env });
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(new RegExp(`\\[\\d+\\] step ${suggest.step} SuggestRecipe: try 2 \\(text of the try before is void\\)`));
      expect(human.stdout).toMatch(new RegExp(`\\[\\d+\\] step ${suggest.step} SuggestRecipe: Grilled Chicken with Herbs\\n`));
      expect(human.stdout).toMatch(/run finished\n$/);
      // Read from past the last event of a run that finished: nothing to print, and it finished well.
      const past = await runCli(['watch', workflowId, '--from', String(all.length), '--json'], { env });
      expect(past).toMatchObject({ code: 0, stdout: '' });
    } finally {
      release();
      for (const worker of workers) {
        worker.child.kill('SIGKILL');
      }
      await slowLlm.close();
    }
  });
});

describe('a run with many watchers', () => {
  it('tells 20 concurrent watchers every event, and keeps its updates for answers: the watchers read by query', async () => {
    const taskQueue = uniqueQueue('watchers');
    const workflowId = `watchers-${taskQueue}`;
    const worker = await startWorker(taskQueue, { flows: recipeFlows, services: services(), bundle });
    try {
      const client = await connectClient();
      await startFlow(client, { flow: 'recipe-finder', taskQueue, workflowId, shared: { ingredient: 'chicken' } });
      const watchers = Array.from({ length: 20 }, async () => {
        const told: Array<RunEvent | SkippedEvents> = [];
        for await (const event of streamFlow(client, workflowId)) {
          told.push(event);
        }
        return told;
      });
      // A person answers as the run asks, while the 20 read.
      let answered = 0;
      for (const answer of ['n', 'y']) {
        await waitFor(async () => {
          const page = await client.workflow.getHandle(workflowId).query(eventsQuery, 0);
          return page.events.filter((event) => event.type === 'waiting').length > answered ? true : undefined;
        }, `prompt ${answered + 1}`);
        await answerFlow(client, workflowId, answer);
        answered++;
      }
      const seen = await Promise.all(watchers);
      for (const told of seen) {
        expect(told).toEqual(seen[0]);
      }
      expect(seen[0]?.filter((event) => event.type === 'answered').map((event) => event.answer)).toEqual(['n', 'y']);
      expect(seen[0]?.at(-1)?.type).toBe('run-finished');

      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const updates = (history.events ?? []).filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes != null);
      expect(updates).toHaveLength(2);
    } finally {
      await worker.stop();
    }
  });
});
