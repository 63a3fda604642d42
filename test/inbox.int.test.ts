// The approvals inbox in a real headless Chromium (Debian's, driven by playwright-core): it lists a
// waiting run, answers it in the page, shows a refusal's reason, and the run completes; it shows a
// run at work live, the LLM's reply growing on its card as the Recipe Finder streams it.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, chromium, type Page } from 'playwright-core';
import { createRecipeServices } from '../activities/recipe-io.js';
import { startInboxServer, type InboxServer } from '../src/cli/inbox/server.js';
import { bundleFlowWorkflows } from '../src/temporal/bundle.js';
import { flowResult, getFlowState, startFlow } from '../src/temporal/client.js';
import { flows as recipeFlows } from '../workflows/flows.js';
import { WORKFLOWS_PATH } from '../workers/recipe-worker.js';
import { CHROMIUM_HINT, findChromium } from './setup/browser.js';
import { runCli } from './setup/cli.js';
import { connectClient, startWorker, uniqueQueue, waitFor, withWorker } from './setup/harness.js';
import { pickLastListed, startOpenAiStandIn, startRecipeApi } from './setup/stand-ins.js';

let browser: Browser;

beforeAll(async () => {
  const executablePath = findChromium();
  if (executablePath === undefined) {
    throw new Error(`The inbox test needs Chromium. ${CHROMIUM_HINT}`);
  }
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
});

afterAll(async () => {
  await browser?.close();
});

describe('the approvals inbox', () => {
  it('lists a waiting run, answers it in the page, shows why an answer is refused, and the run completes', async () => {
    const client = await connectClient();
    let inbox: InboxServer | undefined;
    await withWorker('inbox', async (taskQueue) => {
      const workflowId = `inbox-${taskQueue}`;
      await startFlow(client, { flow: 'human-input', taskQueue, workflowId, shared: {} });
      inbox = await startInboxServer({ client, port: 0, runLink: (id) => `http://ui.example/${id}` });
      const page = await browser.newPage();
      await page.goto(inbox.url);
      const run = page.locator(`article.run[data-workflow-id="${workflowId}"]`);
      await run.locator('.question', { hasText: 'Your name?' }).waitFor({ timeout: 20_000 });
      expect(await run.locator('.flow').textContent()).toBe('human-input');
      expect(await run.locator('a.link').getAttribute('href')).toBe(`http://ui.example/${workflowId}`);
      expect(await run.locator('.meta').textContent()).toMatch(/AskName · request 1 · waiting \d+ s/);

      await run.locator('input[name="answer"]').fill('Ada');
      await run.locator('button.send').click();
      await run.locator('.question', { hasText: 'Hello Ada, approve? (y/n)' }).waitFor({ timeout: 20_000 });

      await run.locator('input[name="answer"]').fill('maybe');
      await run.locator('button.send').click();
      await run.locator('.note.refused').waitFor({ timeout: 20_000 });
      expect(await run.locator('.note.refused').textContent()).toMatch(/refused by node 'Approve': Please answer one of: y, n/);

      await run.locator('button.choice[data-answer="y"]').click();
      expect((await flowResult(client, workflowId)).shared).toEqual({ name: 'Ada', approved: true, trail: ['welcome:{}'] });
      await page.locator(`article.run[data-workflow-id="${workflowId}"]`).waitFor({ state: 'detached', timeout: 20_000 });
      await page.close();
    });
    await inbox?.close();
  });

  it('shows a run at work live in two tabs from one stream: the step under way, its text as it streams, then its prompt', async () => {
    // Long names, streamed a word at a time, slowly: each suggestion is under way for seconds.
    const recipes = {
      chicken: [
        'Chicken Curry with Rice, Coconut Milk, Ginger, Garlic and Fresh Coriander Leaves',
        'Slow Roasted Chicken with Lemon, Garlic, Thyme and a Crisp Golden Skin',
      ],
    };
    const api = await startRecipeApi(recipes);
    const llm = await startOpenAiStandIn(pickLastListed, { chunkDelayMs: 500 });
    const services = createRecipeServices({
      recipeApiUrl: api.filterUrl,
      openaiApiKey: 'sk-test-inbox',
      openaiBaseUrl: llm.baseUrl,
      openaiModel: 'test-model',
      timeoutMs: 30_000,
    });
    const taskQueue = uniqueQueue('inbox-live');
    const workflowId = `recipe-${taskQueue}`;
    const worker = await startWorker(taskQueue, { flows: recipeFlows, services, bundle: await bundleFlowWorkflows(WORKFLOWS_PATH) });
    const client = await connectClient();
    const inbox = await startInboxServer({ client, port: 0 });
    const tabs: Page[] = [];
    const openTab = async (): Promise<Page> => {
      const tab = await browser.newPage();
      await tab.goto(inbox.url);
      tabs.push(tab);
      return tab;
    };
    const cardSelector = `article.run[data-workflow-id="${workflowId}"]`;
    const card = (tab: Page) => tab.locator(cardSelector);
    /** What the card's part `part` says now ('' when it has none). */
    const said = async (tab: Page, part: string): Promise<string> => (await card(tab).locator(part).allTextContents())[0] ?? '';
    /** The card's streamed text, once it is longer than `length` characters. */
    const textLongerThan = (tab: Page, length: number): Promise<string> =>
      waitFor(async () => {
        const text = await said(tab, '.text');
        return text.length > length ? text : undefined;
      }, `the card's text past ${length} characters`, 20_000);
    /** The number of the card's SuggestRecipe step, once it is past `after`. */
    const suggestionStep = (tab: Page, after: number): Promise<number> =>
      waitFor(async () => {
        const step = /^step (\d+) · SuggestRecipe$/.exec(await said(tab, '.step'));
        return step !== null && Number(step[1]) > after ? Number(step[1]) : undefined;
      }, `a SuggestRecipe step past ${after}`, 20_000);
    const suggestionOf = async (tab: Page): Promise<string> => {
      await card(tab).locator('.question', { hasText: 'Accept this recipe? (y/n):' }).waitFor({ timeout: 20_000 });
      return /^Recipe: (.+)$/m.exec((await card(tab).locator('.context').textContent()) ?? '')?.[1] ?? '';
    };
    try {
      const [first, second] = [await openTab(), await openTab()] as [Page, Page];
      // The run starts after both pages loaded: its card comes by itself.
      await startFlow(client, { flow: 'recipe-finder', taskQueue, workflowId, shared: { ingredient: 'chicken' } });
      const step = await suggestionStep(first, 0);
      expect(await card(first).locator('.state').textContent()).toBe('at work');
      const early = await textLongerThan(first, 0);
      const later = await textLongerThan(first, early.length);
      const alsoShown = await textLongerThan(second, 0);
      expect(await suggestionStep(second, 0)).toBe(step);
      // Two pages show the run; the inbox reads its events once.
      expect(inbox.subscriptions(workflowId)).toBe(1);

      const suggested = await suggestionOf(first);
      expect(await suggestionOf(second)).toBe(suggested);
      expect(later.length).toBeGreaterThan(early.length);
      for (const text of [early, later, alsoShown]) {
        expect(suggested.startsWith(text)).toBe(true);
      }
      // The finished step's text is no longer shown as under way; a waiting run tells nothing until answered, and is not read.
      expect(await card(first).locator('.text').isVisible()).toBe(false);
      await expect.poll(() => inbox.subscriptions(workflowId), { timeout: 20_000 }).toBe(0);

      await card(second).locator('button.choice[data-answer="n"]').click();
      const next = await suggestionStep(first, step);
      expect(await textLongerThan(first, 0)).not.toBe('');
      expect(inbox.subscriptions(workflowId)).toBe(1);
      // The last page leaves while the run is at work: the inbox stops reading it.
      await first.close();
      await second.close();
      await expect.poll(() => inbox.subscriptions(workflowId), { timeout: 20_000 }).toBe(0);
      expect((await getFlowState(client, workflowId)).currentNodes).toContain('SuggestRecipe');

      // A page opened now gets the card as it stands, then follows it.
      const third = await openTab();
      await card(third).waitFor({ timeout: 20_000 });
      const another = await suggestionOf(third);
      expect(another).not.toBe(suggested);
      expect(next).toBeGreaterThan(step);
      await card(third).locator('button.choice[data-answer="y"]').click();
      expect((await flowResult(client, workflowId)).shared).toMatchObject({ accepted: { name: another } });
      await card(third).waitFor({ state: 'detached', timeout: 20_000 });
    } finally {
      await Promise.all(tabs.map((tab) => tab.close()));
      await inbox.close();
      await worker.stop();
      await llm.close();
      await api.close();
    }
  });

  it('says when no worker runs a run at work, and shows a run that was terminated as ended', async () => {
    const client = await connectClient();
    const taskQueue = uniqueQueue('inbox-no-worker');
    const workflowId = `human-${taskQueue}`;
    await startFlow(client, { flow: 'human-input', taskQueue, workflowId, shared: {} });
    const inbox = await startInboxServer({ client, port: 0 });
    const page = await browser.newPage();
    try {
      await page.goto(inbox.url);
      const run = page.locator(`article.run[data-workflow-id="${workflowId}"]`);
      await run.locator('.problem', { hasText: `No worker polls task queue '${taskQueue}': the run goes on when one runs` }).waitFor({ timeout: 20_000 });
      expect(await run.locator('.state').textContent()).toBe('at work');
      await client.workflow.getHandle(workflowId).terminate('the test is over');
      await run.locator('.problem', { hasText: 'The run was terminated.' }).waitFor({ timeout: 20_000 });
      expect(await run.getAttribute('data-status')).toBe('ended');
      await expect.poll(() => inbox.subscriptions(workflowId), { timeout: 20_000 }).toBe(0);
    } finally {
      await page.close();
      await inbox.close();
    }
  });

  it('takes answers only from its own page: not without its token, not from another origin', async () => {
    const client = await connectClient();
    const inbox = await startInboxServer({ client, port: 0 });
    try {
      const body = JSON.stringify({ workflowId: 'any', requestId: 1, answer: 'y' });
      const page = await (await fetch(inbox.url)).text();
      const token = /name="inbox-token" content="([^"]+)"/.exec(page)?.[1] ?? '';
      const post = (headers: Record<string, string>) =>
        fetch(`${inbox.url}api/answer`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      const noToken = await post({});
      expect(noToken.status).toBe(403);
      const otherSite = await post({ 'x-inbox-token': token, origin: 'http://evil.example' });
      expect(otherSite.status).toBe(403);
      expect(((await otherSite.json()) as { error: string }).error).toMatch(/only from the inbox's own page/);
      const formPost = await fetch(`${inbox.url}api/answer`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-inbox-token': token },
        body: 'answer=y',
      });
      expect(formPost.status).toBe(403);
      const unknownRun = await post({ 'x-inbox-token': token, origin: inbox.url.replace(/\/$/, '') });
      expect(unknownRun.status).toBe(404);
      // fetch cannot set Host: a page reaching the inbox through a rebound DNS name sends its own.
      const rebound = await new Promise<number | undefined>((resolve, reject) =>
        request(inbox.url, { headers: { host: 'attacker.example' } }, (res) => resolve(res.statusCode)).on('error', reject).end(),
      );
      expect(rebound).toBe(421);

      // The live cards too: EventSource sends no header of ours, so the token comes in the query.
      const events = (query: string, headers: Record<string, string> = {}) => fetch(`${inbox.url}events${query}`, { headers });
      expect((await events('')).status).toBe(403);
      expect((await events('?token=not-the-token')).status).toBe(403);
      const readElsewhere = await events(`?token=${encodeURIComponent(token)}`, { origin: 'http://evil.example' });
      expect(readElsewhere.status).toBe(403);
      expect(((await readElsewhere.json()) as { error: string }).error).toMatch(/only to the inbox's own page/);
      const stop = new AbortController();
      const live = await fetch(`${inbox.url}events?token=${encodeURIComponent(token)}`, { signal: stop.signal });
      expect(live.status).toBe(200);
      expect(live.headers.get('content-type')).toMatch(/^text\/event-stream/);
      stop.abort();
    } finally {
      await inbox.close();
    }
  });

  it('is a command with its own help', async () => {
    const help = await runCli(['inbox', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--port <n>');
  });
});
