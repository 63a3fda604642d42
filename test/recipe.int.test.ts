// The Recipe Finder on a real Temporal server, driven through the real command line, with local
// stand-ins for the recipe API and the OpenAI endpoint (the real `openai` client talks to them).
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRecipeServices } from '../activities/recipe-io.js';
import { flowResult, getFlowState } from '../src/temporal/client.js';
import { resolveTemporalCli } from '../src/temporal/cli-binary.js';
import { bundleFlowWorkflows } from '../src/temporal/bundle.js';
import { flows as recipeFlows } from '../workflows/flows.js';
import { WORKFLOWS_PATH } from '../workers/recipe-worker.js';
import type { RecipeShared } from '../workflows/recipe-finder.js';
import { type CliResult, runCli } from './setup/cli.js';
import { address, connectClient, startWorker, uniqueQueue } from './setup/harness.js';
import { pickLastListed, startOpenAiStandIn, startRecipeApi, useRecipeStandIns } from './setup/stand-ins.js';

const root = join(import.meta.dirname, '..');
const SECRET = 'sk-never-in-history-7f3a';
const RECIPES = { chicken: ['Chicken Curry', 'Chicken Stir Fry', 'Grilled Chicken with Herbs'] };

const standIns = useRecipeStandIns(RECIPES);
let bundle: { code: string };

beforeAll(async () => {
  bundle = await bundleFlowWorkflows(WORKFLOWS_PATH);
});

/** Runs the real command with `stdin` as the person's typing, the APIs pointing at the stand-ins. */
function cli(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return runCli(args, {
    stdin: options.stdin,
    env: { RECIPE_API_URL: standIns.api.filterUrl, OPENAI_BASE_URL: standIns.llm.baseUrl, OPENAI_API_KEY: SECRET, ...options.env },
  });
}

function historyJson(workflowId: string): string {
  return execFileSync(resolveTemporalCli(), ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', address()], {
    encoding: 'utf8',
  });
}

async function waitForPrompt(workflowId: string, node: string): Promise<void> {
  const client = await connectClient();
  const deadline = Date.now() + 30_000;
  for (;;) {
    const state = await getFlowState(client, workflowId).catch(() => undefined);
    if (state?.pending.some((p) => p.node === node)) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`no ${node} prompt on ${workflowId}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const services = (overrides: { recipeApiUrl?: string; openaiBaseUrl?: string } = {}) =>
  createRecipeServices({
    recipeApiUrl: overrides.recipeApiUrl ?? standIns.api.filterUrl,
    openaiApiKey: SECRET,
    openaiBaseUrl: overrides.openaiBaseUrl ?? standIns.llm.baseUrl,
    openaiModel: 'test-model',
    timeoutMs: 2000,
  });

describe('the Recipe Finder command', () => {
  it('holds the conversation: a no, another suggestion, a yes', async () => {
    const taskQueue = uniqueQueue('recipe-cli');
    const workflowId = `conversation-${taskQueue}`;
    const result = await cli(['run', '--id', workflowId], { stdin: 'chicken\nn\ny\n', env: { TEMPORAL_TASK_QUEUE: taskQueue } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const expected = [
      'Welcome to Recipe Finder!',
      'Enter ingredient:',
      'Fetching recipes for chicken...',
      'Found 3 recipes.',
      'How about: Grilled Chicken with Herbs',
      'Accept this recipe? (y/n):',
      "Let's try another recipe...",
      'How about: Chicken Stir Fry',
      'Accept this recipe? (y/n):',
      "Great choice! Here's your recipe...",
      'Recipe: Chicken Stir Fry',
      'Ingredient: chicken',
      'Thanks for using Recipe Finder!',
    ];
    let from = 0;
    for (const line of expected) {
      const at = result.stdout.indexOf(line, from);
      expect(at, `"${line}" after position ${from} in:\n${result.stdout}`).toBeGreaterThanOrEqual(0);
      from = at + line.length;
    }
    const client = await connectClient();
    expect(((await flowResult(client, workflowId)).shared as RecipeShared).accepted?.name).toBe('Chicken Stir Fry');
    expect(standIns.llm.requests.some((r) => r.headers['authorization'] === `Bearer ${SECRET}`)).toBe(true);
    expect(historyJson(workflowId)).not.toContain(SECRET);
  });

  it('keeps the run waiting when the terminal closes, and takes a no and a yes from the CLI after the worker restarts, showing what each led to', async () => {
    const taskQueue = uniqueQueue('recipe-restart');
    const workflowId = `restart-${taskQueue}`;
    const env = { TEMPORAL_TASK_QUEUE: taskQueue };
    const first = await cli(['run', '--id', workflowId, '--ingredient', 'chicken'], { stdin: '', env });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Continue with: npx pocketflow-temporal attach ${workflowId}`);

    const worker = await startWorker(taskQueue, { flows: recipeFlows, services: services(), bundlePath: undefined, bundle });
    try {
      await waitForPrompt(workflowId, 'GetApproval');
      const status = await cli(['status', workflowId], { env });
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/Status:\s+RUNNING/);
      expect(status.stdout).toMatch(/Waiting:\s+request 1 from GetApproval: Accept this recipe\? \(y\/n\):\n/);

      const refused = await cli(['respond', workflowId, 'maybe'], { env });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(
        `error: Run '${workflowId}' refused the answer: Answer "maybe" refused by node 'GetApproval': Please answer one of: y, n.\n`,
      );
      const unsendable = await cli(['respond', workflowId, 'maybe', '--signal'], { env });
      expect(unsendable.code).toBe(1);
      expect(unsendable.stderr).toBe(refused.stderr);
      const rejected = await cli(['reject', workflowId], { env });
      expect(rejected.code).toBe(0);
      expect(rejected.stdout).toBe(
        `Run ${workflowId} accepted "n" for request 1 (GetApproval).\n` +
          "Let's try another recipe...\nSuggesting best recipe...\nHow about: Chicken Stir Fry\n" +
          'Waiting:  request 2 from GetApproval: Accept this recipe? (y/n):\n',
      );
      const approved = await cli(['approve', workflowId], { env });
      expect(approved.stdout).toBe(
        `Run ${workflowId} accepted "y" for request 2 (GetApproval).\n` +
          "Great choice! Here's your recipe...\nRecipe: Chicken Stir Fry\nIngredient: chicken\nThanks for using Recipe Finder!\n",
      );
      expect(approved.code).toBe(0);
      const client = await connectClient();
      expect(((await flowResult(client, workflowId)).shared as RecipeShared).accepted?.name).toBe('Chicken Stir Fry');
    } finally {
      await worker.stop();
    }
  });
});

describe('the Recipe Finder when its APIs misbehave', () => {
  async function runFlow(taskQueue: string, serviceSet: ReturnType<typeof services>, answers: string[]) {
    const client = await connectClient();
    const workflowId = `misbehave-${taskQueue}`;
    const worker = await startWorker(taskQueue, { flows: recipeFlows, services: serviceSet, bundle });
    try {
      const { startFlow, answerFlow } = await import('../src/temporal/client.js');
      await startFlow(client, { flow: 'recipe-finder', taskQueue, workflowId, shared: { ingredient: 'chicken' } });
      for (const answer of answers) {
        await answerFlow(client, workflowId, answer, { wait: 'signal' });
      }
      const result = await flowResult(client, workflowId);
      return { shared: result.shared as RecipeShared, history: JSON.parse(historyJson(workflowId)) as { events: HistoryEvent[] } };
    } finally {
      await worker.stop();
    }
  }

  type HistoryEvent = {
    eventType: string;
    activityTaskScheduledEventAttributes?: { activityType?: { name?: string } };
    activityTaskStartedEventAttributes?: { attempt?: number };
  };

  const scheduled = (events: HistoryEvent[]) =>
    events.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);

  it('retries a recipe API that fails twice, succeeding on the third attempt', async () => {
    const flaky = await startRecipeApi(RECIPES, { failTimes: 2 });
    try {
      const { shared, history } = await runFlow(uniqueQueue('flaky-api'), services({ recipeApiUrl: flaky.filterUrl }), ['y']);
      expect(shared.recipesSource).toBe('recipe API');
      expect(flaky.requests).toHaveLength(3);
      const fetchStarted = history.events.findIndex((e) => scheduled([e])[0] === 'FetchRecipes');
      const started = history.events.slice(fetchStarted).find((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_STARTED');
      expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(3);
      expect(scheduled(history.events)).not.toContain('FetchRecipes.fallback');
    } finally {
      await flaky.close();
    }
  });

  it('retries an unreachable recipe API by policy, then falls back to the built-in list, visibly', async () => {
    const { shared, history } = await runFlow(uniqueQueue('api-down'), services({ recipeApiUrl: 'http://127.0.0.1:1/?i=' }), ['y']);
    expect(shared.recipesSource).toBe('built-in list');
    expect(shared.transcript).toContain('The recipe API could not be reached; using the built-in list.');
    const attempts = history.events.flatMap((e) => e.activityTaskStartedEventAttributes?.attempt ?? []);
    expect(attempts[0]).toBe(3);
    expect(scheduled(history.events).slice(0, 2)).toEqual(['FetchRecipes', 'FetchRecipes.fallback']);
  });

  it('falls back to the offline chooser, visibly, when the LLM endpoint is down', async () => {
    const { shared, history } = await runFlow(uniqueQueue('llm-down'), services({ openaiBaseUrl: 'http://127.0.0.1:1/v1' }), ['y']);
    expect(shared.suggestionSource).toBe('offline chooser');
    expect(shared.transcript).toContain('How about: Chicken Curry (offline chooser: no LLM was used)');
    expect(scheduled(history.events)).toEqual(['FetchRecipes', 'SuggestRecipe', 'SuggestRecipe.fallback']);
  });
});

describe('a suggestion as it streams', () => {
  it('prints the words of the reply as they arrive, on a line of their own before what the step led to, on Temporal and in-process', async () => {
    // Words 300 ms apart, as an LLM streams them: the command prints each as it comes.
    const slowLlm = await startOpenAiStandIn(pickLastListed, { chunkDelayMs: 300 });
    try {
      for (const local of [[], ['--local']]) {
        const taskQueue = uniqueQueue('recipe-stream');
        const result = await cli(['run', '--id', `stream-${taskQueue}`, ...local], {
          stdin: 'chicken\ny\n',
          env: { TEMPORAL_TASK_QUEUE: taskQueue, OPENAI_BASE_URL: slowLlm.baseUrl },
        });
        expect(result.code, result.stderr).toBe(0);
        expect(result.stdout).toContain('Suggesting best recipe...\nGrilled Chicken with Herbs\nHow about: Grilled Chicken with Herbs\n');
      }
    } finally {
      await slowLlm.close();
    }
  });
});

describe('leaving a conversation', () => {
  it('loses nothing on Ctrl-C at the approval prompt: the run keeps waiting and says how to continue', async () => {
    const taskQueue = uniqueQueue('ctrl-c');
    const workflowId = `ctrl-c-${taskQueue}`;
    const child = spawn(process.execPath, [join(root, 'bin/pocketflow-temporal.mjs'), 'run', '--id', workflowId, '--ingredient', 'chicken'], {
      cwd: root,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: address(),
        TEMPORAL_TASK_QUEUE: taskQueue,
        POCKETFLOW_TEMPORAL_DATA: mkdtempSync(join(tmpdir(), 'pft-cli-')),
        RECIPE_API_URL: standIns.api.filterUrl,
        OPENAI_BASE_URL: standIns.llm.baseUrl,
        OPENAI_API_KEY: SECRET,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    const prompted = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('Accept this recipe? (y/n):')) {
          resolve();
        }
      });
    });
    await prompted;
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(130);
    expect(stdout).toContain(`Continue with: npx pocketflow-temporal attach ${workflowId}`);
    const client = await connectClient();
    expect((await client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');

    const attached = await cli(['attach', workflowId], { stdin: 'y\n', env: { TEMPORAL_TASK_QUEUE: taskQueue } });
    expect(attached.code).toBe(0);
    expect(attached.stdout).toContain('Recipe: Grilled Chicken with Herbs');
  });
});

describe('command-line errors', () => {
  it('says so in one line, with exit code 1, for an unknown run, a finished run, and an unreachable server', async () => {
    const unknown = await cli(['status', 'no-such-run']);
    expect(unknown).toMatchObject({ code: 1, stderr: "error: No flow run with workflow id 'no-such-run' (a closed run is kept only for its namespace's retention). List runs to see the ids that exist.\n" });
    const attachUnknown = await cli(['attach', 'no-such-run']);
    expect(attachUnknown.code).toBe(1);
    expect(attachUnknown.stderr).toMatch(/^error: No flow run with workflow id 'no-such-run'/);

    const taskQueue = uniqueQueue('finished');
    const workflowId = `finished-${taskQueue}`;
    const done = await cli(['run', '--id', workflowId, '--ingredient', 'chicken'], { stdin: 'y\n', env: { TEMPORAL_TASK_QUEUE: taskQueue } });
    expect(done.code).toBe(0);
    const late = await cli(['approve', workflowId]);
    expect(late).toMatchObject({ code: 1, stderr: `error: Run ${workflowId} already finished (COMPLETED); there is nothing to answer.\n` });

    const unreachable = await cli(['list'], { env: { TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe(
      'error: Cannot reach the Temporal server at 127.0.0.1:1. Check TEMPORAL_ADDRESS (or the profile) and that the server runs.\n',
    );
  });

  it('exits with 2 on a usage mistake and answers --help for every command', async () => {
    expect((await cli(['frobnicate'])).code).toBe(2);
    expect(await cli(['status'])).toMatchObject({ code: 2 });
    const frobnicate = await cli(['frobnicate']);
    expect(frobnicate.stderr).toBe("error: unknown command 'frobnicate'\n");
    expect((await cli(['list', '--limit', 'many'])).stderr).toMatch(/^error: .*--limit must be a whole number of at least 1\.\n$/);
    expect((await cli(['start', '--shared', '{oops'])).stderr).toMatch(/^error: option '--shared <json>' argument '\{oops' is invalid\. not valid JSON/);
    const notEmpty = await cli(['init', 'test']);
    expect([notEmpty.code, notEmpty.stderr]).toEqual([
      2,
      'error: test is not empty: give init a new or empty folder, so that nothing of yours is overwritten.\n',
    ]);
    const aFile = await cli(['init', 'package.json']);
    expect([aFile.code, aFile.stderr]).toEqual([2, 'error: package.json is a file: give init a new or empty folder.\n']);
    for (const command of ['run', 'start', 'list', 'status', 'respond', 'approve', 'reject', 'attach', 'graph', 'worker', 'init']) {
      const help = await cli([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout).toMatch(new RegExp(`^Usage: pocketflow-temporal ${command}`));
    }
  });

  it('lists runs and prints the graph as Mermaid', async () => {
    const list = await cli(['list', '--all', '--limit', '50']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^conversation-recipe-cli-\w+\tCOMPLETED\trecipe-finder\t/m);
    const graph = await cli(['graph']);
    expect(graph.stdout).toContain('flowchart TD');
    expect(graph.stdout).toContain('-->|"retry"|');
  });
});

describe('the workflow bundle', () => {
  it('does not contain the openai package or any exec-only I/O module', () => {
    expect(bundle.code).toContain('RecipeFinder');
    expect(bundle.code).not.toMatch(/node_modules\/openai\//);
    expect(bundle.code).not.toContain('recipe-io');
  });
});
