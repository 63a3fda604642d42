// Encryption at rest on a real server: a Recipe Finder run held through the real command line with
// POCKETFLOW_ENCRYPTION_KEYS set leaves only ciphertext in the server's history, and reads back
// through the CLI (after a key rotation too) and through the codec server the Web UI would call.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { flowResult, startFlow } from '../src/temporal/client.js';
import { startCodecServer } from '../src/temporal/codec-server.js';
import { clientDataConverter, failureMessage } from '../src/temporal/data-converter.js';
import { AesGcmCodec } from '../src/temporal/encryption.js';
import { runCli } from './setup/cli.js';
import { address, startWorker, uniqueQueue, waitFor } from './setup/harness.js';
import { pickLastListed, startOpenAiStandIn, startRecipeApi, useRecipeStandIns } from './setup/stand-ins.js';

const RECIPES = { chicken: ['Chicken Curry', 'Chicken Stir Fry', 'Grilled Chicken with Herbs'] };

const standIns = useRecipeStandIns(RECIPES);

interface RawPayload {
  metadata?: Record<string, Uint8Array> | null;
  data?: Uint8Array | null;
}

/** Every payload in a history as the server stores it (found by shape: metadata with an encoding). */
function payloadsIn(value: unknown, found: RawPayload[] = []): RawPayload[] {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) {
    return found;
  }
  const maybe = value as RawPayload;
  if (maybe.metadata?.['encoding'] instanceof Uint8Array) {
    found.push(maybe);
    return found;
  }
  for (const [key, child] of Object.entries(value)) {
    // Search attributes are indexed by the server, so never encoded: they hold a node name and a flag, no data.
    if (key !== 'searchAttributes') {
      payloadsIn(child, found);
    }
  }
  return found;
}

const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('latin1');

type ProtoFailure = temporal.api.failure.v1.IFailure;

/** Every failure in a history (found by shape: a message beside failure info or encoded attributes), causes included. */
function failuresIn(value: unknown, found: ProtoFailure[] = []): ProtoFailure[] {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array) {
    return found;
  }
  const maybe = value as ProtoFailure & Record<string, unknown>;
  if (typeof maybe.message === 'string' && ('encodedAttributes' in maybe || 'applicationFailureInfo' in maybe)) {
    found.push(maybe);
  }
  for (const child of Object.values(value)) {
    failuresIn(child, found);
  }
  return found;
}

/** The history as the server holds it, read by a client with no codec, as one lower-case text with every payload's bytes. */
async function rawHistoryText(workflowId: string): Promise<{ text: string; failures: ProtoFailure[] }> {
  const raw = new Client({ connection: await Connection.connect({ address: address() }) });
  const history = await raw.workflow.getHandle(workflowId).fetchHistory();
  const payloads = payloadsIn(history);
  return {
    text: `${JSON.stringify(history)}\n${payloads.map((p) => text(p.data)).join('\n')}`.toLowerCase(),
    failures: failuresIn(history),
  };
}

describe('encryption at rest', () => {
  it('leaves only ciphertext in the history of a Recipe Finder run, readable through the CLI, after a key rotation, and by the codec server', async () => {
    const keyA = randomBytes(32);
    const keyB = randomBytes(32);
    const taskQueue = uniqueQueue('encrypted');
    const workflowId = `encrypted-${taskQueue}`;
    const env = (keys: string) => ({
      TEMPORAL_TASK_QUEUE: taskQueue,
      POCKETFLOW_ENCRYPTION_KEYS: keys,
      RECIPE_API_URL: standIns.api.filterUrl,
      OPENAI_BASE_URL: standIns.llm.baseUrl,
      OPENAI_API_KEY: 'sk-test',
    });
    const withA = env(`a:${keyA.toString('base64')}`);

    const run = await runCli(['run', '--id', workflowId], { stdin: 'chicken\nn\ny\n', env: withA });
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('Recipe: Chicken Stir Fry');

    // The history as the server holds it: a client with no codec, reading raw events.
    const raw = new Client({ connection: await Connection.connect({ address: address() }) });
    const history = await raw.workflow.getHandle(workflowId).fetchHistory();
    const payloads = payloadsIn(history);
    expect(payloads.length).toBeGreaterThan(10);
    for (const payload of payloads) {
      expect(text(payload.metadata?.['encoding'])).toBe('binary/encrypted');
      expect(text(payload.metadata?.['encryption-key-id'])).toBe('a');
    }
    const everything = `${JSON.stringify(history)}\n${payloads.map((p) => text(p.data)).join('\n')}`.toLowerCase();
    for (const plain of ['chicken', 'curry', 'stir fry', 'herbs', 'accept this recipe']) {
      expect(everything).not.toContain(plain);
    }

    const status = await runCli(['status', workflowId], { env: withA });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("ingredient: 'chicken'");
    expect(status.stdout).toContain("name: 'Chicken Stir Fry'");

    const rotated = await runCli(['status', workflowId], { env: env(`b:${keyB.toString('base64')},a:${keyA.toString('base64')}`) });
    expect(rotated.stdout).toContain("name: 'Chicken Stir Fry'");
    const none = await runCli(['status', workflowId], { env: env('') });
    expect(none.stderr).toBe(
      "error: A payload is encrypted with key 'a', and this process has no encryption keys: set POCKETFLOW_ENCRYPTION_KEYS to the keys the worker uses.\n",
    );
    const lost = await runCli(['status', workflowId], { env: env(`b:${keyB.toString('base64')}`) });
    expect(lost.code).toBe(1);
    expect(lost.stderr).toMatch(/^error: .*key 'a': no key with that id is configured.*\n$/);
    expect(lost.stderr.split('\n')).toHaveLength(2);
    // Listing goes on past a run whose memo it cannot decrypt: the run is listed, and why its memo is not shown is said once.
    const listed = await runCli(['list'], { env: env('') });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${workflowId}\tCOMPLETED\trecipe-finder\t`, 'm'));
    expect(listed.stderr).toBe(
      "The memo of 1 of these runs is not readable here, so their WAITING FOR and fork columns are empty: A payload is encrypted with key 'a', and this process has no encryption keys: set POCKETFLOW_ENCRYPTION_KEYS to the keys the worker uses.\n",
    );

    // What the Web UI sends to its codec endpoint: the payloads of an event, as proto3 JSON.
    const codec = new AesGcmCodec({ keys: new Map([['a', new Uint8Array(keyA)]]), encryptWith: 'a' });
    const server = await startCodecServer({ codecs: [codec], port: 0, token: 'let-me-in' });
    try {
      const body = JSON.stringify({
        payloads: payloads.map((p) => ({
          metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
          data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
        })),
      });
      const headers = { 'content-type': 'application/json', 'x-namespace': 'default', origin: 'http://localhost:8233' };
      const refused = await fetch(`${server.url}/decode`, { method: 'POST', headers, body });
      expect(refused.status).toBe(401);
      const decoded = await fetch(`${server.url}/decode`, {
        method: 'POST',
        headers: { ...headers, authorization: 'Bearer let-me-in' },
        body,
      });
      expect(decoded.status).toBe(200);
      const plain = (await decoded.json()) as { payloads: Array<{ metadata: Record<string, string>; data?: string }> };
      const texts = plain.payloads.map((p) => Buffer.from(p.data ?? '', 'base64').toString('utf8'));
      expect(texts.some((t) => t.includes('"ingredient":"chicken"'))).toBe(true);
      expect(plain.payloads.every((p) => Buffer.from(p.metadata['encoding'] ?? '', 'base64').toString() !== 'binary/encrypted')).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('encrypts failures too: a failed workflow task and a flow failure leave no message or stack trace in plain text', async () => {
    const key = randomBytes(32);
    const codec = new AesGcmCodec({ keys: new Map([['f', new Uint8Array(key)]]), encryptWith: 'f' });
    const taskQueue = uniqueQueue('encrypted-failures');
    const worker = await startWorker(taskQueue, { payloadCodecs: [codec] });
    const client = new Client({
      connection: await Connection.connect({ address: address() }),
      dataConverter: clientDataConverter({ payloadCodecs: [codec] }),
    });
    try {
      const taskFails = `post-throws-${taskQueue}`;
      const handle = await startFlow(client, { flow: 'post-throws', taskQueue, workflowId: taskFails });
      const failed = await waitFor(async () => {
        const history = await handle.fetchHistory();
        return history.events?.find((event) => event.workflowTaskFailedEventAttributes != null)?.workflowTaskFailedEventAttributes ?? undefined;
      }, 'a failed workflow task');
      // With the keys, the message reads as the worker threw it.
      expect(await failureMessage(client, failed.failure)).toMatch(/Cannot read properties of undefined \(reading 'title'\)/);
      await handle.terminate('the test has seen the failed workflow task');
      const taskHistory = await rawHistoryText(taskFails);
      expect(taskHistory.failures.length).toBeGreaterThan(0);
      for (const failure of taskHistory.failures) {
        expect(failure.message).toBe('Encoded failure');
        expect(failure.stackTrace ?? '').toBe('');
        expect(text(failure.encodedAttributes?.metadata?.['encoding'])).toBe('binary/encrypted');
      }
      for (const plain of ['title', 'readstitle', 'cannot read']) {
        expect(taskHistory.text).not.toContain(plain);
      }

      const flowFails = `flow-failure-${taskQueue}`;
      await startFlow(client, { flow: 'flow-failure-in-post', taskQueue, workflowId: flowFails });
      const failure = (await flowResult(client, flowFails).catch((e: unknown) => e)) as WorkflowFailedError;
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect(failure.cause?.message).toBe("Flow 'flow-failure-in-post' failed at node 'GivesUp': No recipe fits");
      const causes: string[] = [];
      for (let cause: unknown = failure.cause; cause instanceof Error; cause = cause.cause) {
        causes.push(cause.message);
      }
      expect(causes).toContain('0 of 3 recipes match');
      const flowHistory = await rawHistoryText(flowFails);
      expect(flowHistory.failures.length).toBeGreaterThanOrEqual(2);
      for (const plain of ['no recipe fits', 'recipes match', 'givesup']) {
        expect(flowHistory.text).not.toContain(plain);
      }
    } finally {
      await worker.stop();
    }
  });

  it('keeps the recipe API key in its URL and the LLM key out of the history, the worker log and the terminal', async () => {
    const recipeKey = 'k3y9in9path';
    const llmKey = 'sk-live-0123456789abcdefghijklmnop';
    const api = await startRecipeApi(RECIPES, { failTimes: 100, failStatus: 401, key: recipeKey });
    const llm = await startOpenAiStandIn(pickLastListed, { refuseKeys: true });
    const data = mkdtempSync(join(tmpdir(), 'pft-secrets-'));
    const taskQueue = uniqueQueue('secrets');
    const workflowId = `secrets-${taskQueue}`;
    const env = {
      TEMPORAL_TASK_QUEUE: taskQueue,
      POCKETFLOW_TEMPORAL_DATA: data,
      POCKETFLOW_ENCRYPTION_KEYS: `s:${randomBytes(32).toString('base64')}`,
      RECIPE_API_URL: api.filterUrl,
      OPENAI_BASE_URL: llm.baseUrl,
      OPENAI_API_KEY: llmKey,
    };
    try {
      const run = await runCli(['run', '--id', workflowId], { stdin: 'chicken\ny\n', env });
      expect(run.stdout).toContain('The recipe API could not be reached; using the built-in list.');
      expect(run.stdout).toContain('(offline chooser: no LLM was used)');
      // Both services were called and refused: the failures below are real.
      expect(api.requests.map((r) => r.url)).toContain(`/api/json/v1/${recipeKey}/filter.php?i=chicken`);
      expect(llm.requests.length).toBeGreaterThan(0);

      const workerLog = readFileSync(join(data, 'worker.log'), 'utf8');
      // The worker log says what failed, by origin and status, and never with a key.
      expect(workerLog).toContain(`The recipe API at ${api.url} answered 401 Unauthorized.`);
      expect(workerLog).toContain('The LLM endpoint answered 401 (invalid_api_key)');
      const { text: history, failures } = await rawHistoryText(workflowId);
      expect(failures.length).toBeGreaterThan(0);
      for (const where of [history, workerLog.toLowerCase(), `${run.stdout}${run.stderr}`.toLowerCase()]) {
        // In the history, four letters could come up in any ciphertext's base64: its tail is looked for as the masked key ends.
        const tail = where === history ? `*${llmKey.slice(-4)}` : llmKey.slice(-4);
        for (const secret of [recipeKey, llmKey, llmKey.slice(0, 7), tail]) {
          expect(where).not.toContain(secret.toLowerCase());
        }
      }
      for (const plain of ['unauthorized', 'incorrect api key', 'recipe api at']) {
        expect(history).not.toContain(plain);
      }
    } finally {
      await api.close();
      await llm.close();
    }
  });
});
