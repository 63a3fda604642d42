// Time travel on the Recipe Finder, through the real command line, with the stand-in LLM counting
// its requests: steps with no worker up, forks that pay only for the LLM calls whose input changed,
// lineage, and an encrypted run forked from a process with the keys and refused without them.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRecipeServices } from '../activities/recipe-io.js';
import type { RecordedStep } from '../src/core/index.js';
import { listWaitingRuns } from '../src/cli/inbox/run-list.js';
import { answerFlow, flowResult, getFlowState } from '../src/temporal/client.js';
import { bundleFlowWorkflows } from '../src/temporal/bundle.js';
import { encryptionCodecFromEnv } from '../src/temporal/encryption.js';
import { flows as recipeFlows } from '../workflows/flows.js';
import { WORKFLOWS_PATH } from '../workers/recipe-worker.js';
import type { RecipeShared } from '../workflows/recipe-finder.js';
import { runCli } from './setup/cli.js';
import { connectClient, startWorker, uniqueQueue, waitFor } from './setup/harness.js';
import { useRecipeStandIns } from './setup/stand-ins.js';

const RECIPES = { chicken: ['Chicken Curry', 'Chicken Stir Fry', 'Grilled Chicken with Herbs'] };
const standIns = useRecipeStandIns(RECIPES);
let bundle: { code: string };

beforeAll(async () => {
  bundle = await bundleFlowWorkflows(WORKFLOWS_PATH);
});

function cli(args: string[], env: Record<string, string>, stdin?: string) {
  return runCli(args, { stdin, env: { RECIPE_API_URL: standIns.api.filterUrl, OPENAI_BASE_URL: standIns.llm.baseUrl, OPENAI_API_KEY: 'sk-test', ...env } });
}

const services = () =>
  createRecipeServices({
    recipeApiUrl: standIns.api.filterUrl,
    openaiApiKey: 'sk-test',
    openaiBaseUrl: standIns.llm.baseUrl,
    openaiModel: 'test-model',
    timeoutMs: 2000,
  });

/** A finished Recipe Finder run: chicken, a no to the first suggestion, a yes to the second. */
async function finishedRun(env: Record<string, string>): Promise<{ workflowId: string; shared: RecipeShared }> {
  const workflowId = `time-travel-${uniqueQueue('recipe')}`;
  const run = await cli(['run', '--id', workflowId], env, 'chicken\nn\ny\n');
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const status = await cli(['status', workflowId, '--json'], env);
  return { workflowId, shared: (JSON.parse(status.stdout) as { result: { shared: RecipeShared } }).result.shared };
}

async function finishedShared(workflowId: string, env: Record<string, string>): Promise<RecipeShared> {
  const status = await cli(['status', workflowId, '--json'], env);
  return (JSON.parse(status.stdout) as { result: { shared: RecipeShared } }).result.shared;
}

async function stepsOf(workflowId: string, env: Record<string, string>): Promise<RecordedStep[]> {
  const listed = await cli(['steps', workflowId, '--json'], env);
  expect(listed.stderr).toBe('');
  return (JSON.parse(listed.stdout) as { steps: RecordedStep[] }).steps;
}

async function waitForApproval(workflowId: string): Promise<string> {
  const client = await connectClient();
  return waitFor(async () => {
    const state = await getFlowState(client, workflowId);
    return state.pending.find((prompt) => prompt.node === 'GetApproval')?.context;
  }, `the approval prompt of ${workflowId}`);
}

describe('time travel on the Recipe Finder', () => {
  it('lists the steps with no worker up, and forks at the approval step with no LLM request, asking the person again', async () => {
    const taskQueue = uniqueQueue('recipe-fork');
    const env = { TEMPORAL_TASK_QUEUE: taskQueue };
    const source = await finishedRun(env);
    const human = await cli(['steps', source.workflowId], env);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`Run ${source.workflowId}: flow recipe-finder, COMPLETED, 6 steps.`);
    expect(human.stdout).toMatch(/Step 1 {2}RecipeFinder > FetchRecipes {2}-> suggest\n {2}exec: 'chicken' => \{ recipes: \[/);
    expect(human.stdout).toMatch(/Step 3 {2}RecipeFinder > GetApproval {2}-> retry\n.*\n {2}asked: Accept this recipe\? \(y\/n\): {2}answered: "n"\n/);
    expect(human.stdout).toContain('  store: rejected += [ ');
    const steps = await stepsOf(source.workflowId, env);
    expect(steps.map((step) => [step.step, step.node, step.action])).toEqual([
      [1, 'FetchRecipes', 'suggest'],
      [2, 'SuggestRecipe', 'approve'],
      [3, 'GetApproval', 'retry'],
      [4, 'SuggestRecipe', 'approve'],
      [5, 'GetApproval', 'accept'],
      [6, 'EndConversation', null],
    ]);
    const before = standIns.llm.requests.length;
    const worker = await startWorker(taskQueue, { flows: recipeFlows, services: services(), bundle });
    try {
      const fork = await cli(['fork', source.workflowId, '--at', '3', '--id', `${source.workflowId}-again`], env);
      expect(fork.code).toBe(0);
      expect(fork.stdout).toBe(`${source.workflowId}-again\n`);
      expect(fork.stderr).toContain(`a fork of ${source.workflowId} at step 3 (GetApproval)`);
      expect(await waitForApproval(`${source.workflowId}-again`)).toBe('Recipe: Grilled Chicken with Herbs\nIngredient: chicken');
      const client = await connectClient();
      // The inbox's list of waiting runs says whose fork it is.
      const card = await waitFor(
        async () => (await listWaitingRuns(client)).find((run) => run.workflowId === `${source.workflowId}-again` && run.prompts.length > 0),
        'the fork among the waiting runs',
      );
      expect(card.fork).toBe(`fork of ${source.workflowId} at step 3 (GetApproval)`);
      await answerFlow(client, `${source.workflowId}-again`, 'y');
      const forked = (await flowResult(client, `${source.workflowId}-again`)).shared as RecipeShared;
      expect(forked.accepted?.name).toBe('Grilled Chicken with Herbs');
      expect(standIns.llm.requests.length).toBe(before);
      // Lineage: status, list and the forks of the source.
      const status = await cli(['status', `${source.workflowId}-again`], env);
      expect(status.stdout).toContain(`Fork:     fork of ${source.workflowId} at step 3 (GetApproval)`);
      const forks = await cli(['list', '--forks-of', source.workflowId], env);
      expect(forks.stdout.split('\n').filter((line) => line.startsWith(`${source.workflowId}-again\t`))).toHaveLength(1);
      expect(forks.stdout).toContain(`\tfork of ${source.workflowId} at step 3 (GetApproval)`);
      const none = await cli(['list', '--forks-of', `${source.workflowId}-again`], env);
      expect(none.stdout).toBe(`No forks of ${source.workflowId}-again.\n`);
      const description = await client.workflow.getHandle(`${source.workflowId}-again`).describe();
      expect((await description.staticSummary()) ?? '').toBe(`fork of ${source.workflowId} at step 3 (GetApproval)`);
    } finally {
      await worker.stop();
    }
    // The source is as it was.
    expect((await finishedShared(source.workflowId, env))).toEqual(source.shared);
    expect(await stepsOf(source.workflowId, env)).toEqual(steps);
  });

  it('forks at the suggestion step with an edited rejected list: exactly one LLM request, and a recipe outside the list', async () => {
    const taskQueue = uniqueQueue('recipe-fork-edit');
    const env = { TEMPORAL_TASK_QUEUE: taskQueue };
    const source = await finishedRun(env);
    const rejected = source.shared.recipes?.filter((recipe) => recipe.name !== 'Chicken Curry').map((recipe) => recipe.id) ?? [];
    expect(rejected).toHaveLength(2);
    const worker = await startWorker(taskQueue, { flows: recipeFlows, services: services(), bundle });
    try {
      const before = standIns.llm.requests.length;
      const id = `${source.workflowId}-edited`;
      const fork = await cli(['fork', source.workflowId, '--at', '4', '--id', id, '--set', `rejected=${JSON.stringify(rejected)}`], env);
      expect(fork.stderr).toContain('at step 4 (SuggestRecipe)');
      expect(await waitForApproval(id)).toBe('Recipe: Chicken Curry\nIngredient: chicken');
      expect(standIns.llm.requests.length).toBe(before + 1);
      expect(rejected).not.toContain(source.shared.recipes?.find((recipe) => recipe.name === 'Chicken Curry')?.id);
      const client = await connectClient();
      await answerFlow(client, id, 'y');
      expect(((await flowResult(client, id)).shared as RecipeShared).accepted?.name).toBe('Chicken Curry');
      // With --rerun all, even the unchanged suggestion asks the LLM again.
      const all = await cli(['fork', source.workflowId, '--at', '2', '--id', `${id}-all`, '--rerun', 'all'], env);
      expect(all.code).toBe(0);
      await waitForApproval(`${id}-all`);
      expect(standIns.llm.requests.length).toBe(before + 2);
      await client.workflow.getHandle(`${id}-all`).terminate('done with it');
    } finally {
      await worker.stop();
    }
    expect(await finishedShared(source.workflowId, env)).toEqual(source.shared);
  });

  it('forks a run that is still waiting, leaving it waiting where it was', async () => {
    const taskQueue = uniqueQueue('recipe-fork-running');
    const env = { TEMPORAL_TASK_QUEUE: taskQueue };
    const workflowId = `time-travel-${taskQueue}`;
    // The terminal closes at the first prompt: the run waits for its approval with no worker up.
    const first = await cli(['run', '--id', workflowId, '--ingredient', 'chicken'], env, '');
    expect(first.code).toBe(0);
    const steps = await stepsOf(workflowId, env);
    expect(steps.map((step) => step.node)).toEqual(['FetchRecipes', 'SuggestRecipe']);
    const worker = await startWorker(taskQueue, { flows: recipeFlows, services: services(), bundle });
    try {
      const before = standIns.llm.requests.length;
      const fork = await cli(['fork', workflowId, '--at', '2', '--id', `${workflowId}-fork`], env);
      expect(fork.code).toBe(0);
      expect(await waitForApproval(`${workflowId}-fork`)).toBe('Recipe: Grilled Chicken with Herbs\nIngredient: chicken');
      expect(standIns.llm.requests.length).toBe(before);
      // The source still waits for its own answer.
      const client = await connectClient();
      const source = await getFlowState(client, workflowId);
      expect(source.pending.map((prompt) => [prompt.requestId, prompt.node])).toEqual([[1, 'GetApproval']]);
      expect(source.steps).toBe(2);
      await client.workflow.getHandle(workflowId).terminate('done with it');
      await client.workflow.getHandle(`${workflowId}-fork`).terminate('done with it');
    } finally {
      await worker.stop();
    }
  });

  it('refuses, in one line and starting nothing, a step out of range, a store edit of a list by name, and a run that does not exist', async () => {
    const env = { TEMPORAL_TASK_QUEUE: uniqueQueue('recipe-fork-refused') };
    const source = await finishedRun(env);
    const beyond = await cli(['fork', source.workflowId, '--at', '9'], env);
    expect(beyond.code).toBe(1);
    expect(beyond.stderr).toBe(
      `error: Run ${source.workflowId} has steps 1 to 6: there is no step 9. List them with: npx pocketflow-temporal steps ${source.workflowId}\n`,
    );
    const badPath = await cli(['fork', source.workflowId, '--at', '2', '--set', 'rejected.first="x"'], env);
    expect(badPath.stderr).toBe("error: Cannot set rejected.first: rejected is a list, and 'first' is not an index.\n");
    const unknown = await cli(['steps', `${source.workflowId}-nope`], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(new RegExp(`^error: .*${source.workflowId}-nope.*\\n$`));
    const forks = await cli(['list', '--forks-of', source.workflowId], env);
    expect(forks.stdout).toBe(`No forks of ${source.workflowId}.\n`);
  });

  it('forks a closed, encrypted run from a process with the keys, and fails clearly without them', async () => {
    const taskQueue = uniqueQueue('recipe-fork-encrypted');
    const keys = `k:${randomBytes(32).toString('base64')}`;
    const env = { TEMPORAL_TASK_QUEUE: taskQueue, POCKETFLOW_ENCRYPTION_KEYS: keys };
    const source = await finishedRun(env);
    const withoutKeys = { TEMPORAL_TASK_QUEUE: taskQueue, POCKETFLOW_ENCRYPTION_KEYS: '' };
    const message =
      "error: A payload is encrypted with key 'k', and this process has no encryption keys: set POCKETFLOW_ENCRYPTION_KEYS to the keys the worker uses.\n";
    const steps = await cli(['steps', source.workflowId], withoutKeys);
    expect(steps.stderr).toBe(message);
    const refused = await cli(['fork', source.workflowId, '--at', '3', '--id', `${source.workflowId}-nokeys`], withoutKeys);
    expect(refused.stderr).toBe(message);
    const codec = encryptionCodecFromEnv({ POCKETFLOW_ENCRYPTION_KEYS: keys });
    const worker = await startWorker(taskQueue, { flows: recipeFlows, services: services(), bundle, payloadCodecs: codec === undefined ? [] : [codec] });
    try {
      const before = standIns.llm.requests.length;
      const fork = await cli(['fork', source.workflowId, '--at', '3', '--id', `${source.workflowId}-keys`], env);
      expect(fork.stderr).toContain('at step 3 (GetApproval)');
      // This process's client has no keys: the CLI, with them, says when the fork asks.
      await waitFor(async () => ((await cli(['status', `${source.workflowId}-keys`], env)).stdout.includes('Waiting:  request 1 from GetApproval') ? true : undefined), 'the fork to ask', 60_000);
      const answered = await cli(['approve', `${source.workflowId}-keys`], env);
      expect(answered.stdout).toContain('Recipe: Grilled Chicken with Herbs');
      expect(standIns.llm.requests.length).toBe(before);
    } finally {
      await worker.stop();
    }
    const started = await cli(['list', '--forks-of', source.workflowId], env);
    expect(started.stdout.split('\n').filter((line) => line.startsWith(source.workflowId))).toHaveLength(1);
    expect((await finishedShared(source.workflowId, env)).accepted?.name).toBe('Chicken Stir Fry');
  });
});
