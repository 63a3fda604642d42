// The approvals inbox in a real headless Chromium (Debian's, driven by playwright-core): it lists a
// waiting run, answers it in the page, shows a refusal's reason, and the run completes.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, chromium } from 'playwright-core';
import { startInboxServer, type InboxServer } from '../src/cli/inbox/server.js';
import { flowResult, startFlow } from '../src/temporal/client.js';
import { CHROMIUM_HINT, findChromium } from './setup/browser.js';
import { runCli } from './setup/cli.js';
import { connectClient, withWorker } from './setup/harness.js';

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
