// Watching a run as it happens: the Recipe Finder's events on a real Temporal server, the LLM's
// reply streamed by the real `openai` client from a stand-in that streams server-sent events.
import { beforeAll, describe, expect, it } from 'vitest';
import { createRecipeServices } from '../activities/recipe-io.js';
import { type RunEvent, ScriptedInput, silentLogger } from '../src/core/index.js';
import { bundleFlowWorkflows } from '../src/temporal/bundle.js';
import { answerFlow, flowResult, startFlow } from '../src/temporal/client.js';
import { type SkippedEvents, streamFlow } from '../src/temporal/event-stream.js';
import { flows as recipeFlows } from '../workflows/flows.js';
import { createRecipeFlow } from '../workflows/recipe-finder.js';
import { WORKFLOWS_PATH } from '../workers/recipe-worker.js';
import { connectClient, startWorker, uniqueQueue } from './setup/harness.js';
import { useRecipeStandIns } from './setup/stand-ins.js';

const RECIPES = { chicken: ['Chicken Curry', 'Chicken Stir Fry', 'Grilled Chicken with Herbs'] };
const standIns = useRecipeStandIns(RECIPES);
let bundle: { code: string };

beforeAll(async () => {
  bundle = await bundleFlowWorkflows(WORKFLOWS_PATH);
});

const services = () =>
  createRecipeServices({
    recipeApiUrl: standIns.api.filterUrl,
    openaiApiKey: 'sk-test-streaming',
    openaiBaseUrl: standIns.llm.baseUrl,
    openaiModel: 'test-model',
    timeoutMs: 5000,
  });

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
});
