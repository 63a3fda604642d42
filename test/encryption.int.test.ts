// Encryption at rest on a real server: a Recipe Finder run held through the real command line with
// POCKETFLOW_ENCRYPTION_KEYS set leaves only ciphertext in the server's history, and reads back
// through the CLI (after a key rotation too) and through the codec server the Web UI would call.
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { startCodecServer } from '../src/temporal/codec-server.js';
import { AesGcmCodec } from '../src/temporal/encryption.js';
import { runCli } from './setup/cli.js';
import { address, uniqueQueue } from './setup/harness.js';
import { useRecipeStandIns } from './setup/stand-ins.js';

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
});
