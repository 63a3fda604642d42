// The codec server, called as the Temporal Web UI and CLI call it: proto3 JSON over HTTP, with CORS.
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Payload } from '@temporalio/common';
import { afterEach, describe, expect, it } from 'vitest';
import { type CodecServer, MAX_BODY_BYTES, startCodecServer } from '../src/temporal/codec-server.js';
import { AesGcmCodec } from '../src/temporal/encryption.js';

const UI = 'http://localhost:8233';
const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const fromBase64 = (text: string | undefined): string => Buffer.from(text ?? '', 'base64').toString('utf8');

const codec = new AesGcmCodec({ keys: new Map([['k1', randomBytes(32)]]), encryptWith: 'k1' });
const recipe = JSON.stringify({ recipe: 'saffron rice', eggs: 3 });
const plain: Payload = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(recipe) };

/** A payload in proto3 JSON, as the UI sends it: every bytes field base64. */
const asJson = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value).toString('base64')])),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});

type JsonPayload = { metadata: Record<string, string>; data?: string };

let server: CodecServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const start = async (token?: string): Promise<CodecServer> =>
  (server = await startCodecServer({ codecs: [codec], host: '127.0.0.1', port: 0, token }));

const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${server?.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', Origin: UI, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('codec server', () => {
  it('decodes an encrypted payload sent as the Web UI sends it, with the CORS headers', async () => {
    await start();
    const [encrypted] = await codec.encode([plain]);
    const response = await post('/decode', { payloads: [asJson(encrypted as Payload)] });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(UI);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('vary')).toBe('Origin');
    const { payloads } = (await response.json()) as { payloads: JsonPayload[] };
    expect(payloads).toEqual([{ metadata: { encoding: base64('json/plain') }, data: base64(recipe) }]);
    expect(JSON.parse(fromBase64(payloads[0]?.data))).toEqual({ recipe: 'saffron rice', eggs: 3 });
  });

  it('answers under a namespace path prefix too', async () => {
    await start();
    const response = await post('/default/decode', { payloads: (await codec.encode([plain])).map(asJson) });
    expect(response.status).toBe(200);
  });

  it('answers a preflight from the UI with 204 and what it may send', async () => {
    await start();
    const response = await fetch(`${server?.url}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: UI, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace' },
    });
    expect(response.status).toBe(204);
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'access-control-allow-origin': UI,
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'Content-Type, X-Namespace, Authorization',
      'access-control-allow-credentials': 'true',
    });
  });

  it('gives an origin it does not allow no CORS headers, and refuses its preflight', async () => {
    await start();
    const preflight = await fetch(`${server?.url}/decode`, { method: 'OPTIONS', headers: { Origin: 'http://evil.example' } });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const response = await post('/decode', { payloads: [] }, { Origin: 'http://evil.example' });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('asks for the bearer token when one is set, and takes it', async () => {
    const token = randomBytes(16).toString('hex');
    await start(token);
    const body = { payloads: (await codec.encode([plain])).map(asJson) };
    const without = await post('/decode', body);
    expect(without.status).toBe(401);
    expect(((await without.json()) as { message: string }).message).toMatch(/bearer token/);
    expect((await post('/decode', body, { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post('/decode', body, { Authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it.each([
    ['not JSON', '{"payloads": [', /^The body is not JSON\. Expected JSON \{"payloads"/],
    ['no payloads array', { payload: [] }, /^The body has no "payloads" array\./],
    ['a payload that is not an object', { payloads: ['x'] }, /^payloads\[0\] is not an object\./],
    ['data that is not base64', { payloads: [{ data: 5 }] }, /^payloads\[0\] is not a payload \(.*base64.*\)\./],
  ])('refuses a body with %s with 400, saying what it expected', async (_case, body, message) => {
    await start();
    const response = await post('/decode', body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(message);
  });

  it('refuses a body over 4 MB with 413', async () => {
    await start();
    const response = await post('/decode', 'x'.repeat(MAX_BODY_BYTES + 1));
    expect(response.status).toBe(413);
  });

  it('answers 422 with the codec error when a payload cannot be decrypted', async () => {
    await start();
    const other = new AesGcmCodec({ keys: new Map([['k0', randomBytes(32)]]), encryptWith: 'k0' });
    const response = await post('/decode', { payloads: (await other.encode([plain])).map(asJson) });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { message: string }).message).toMatch(/encrypted with key 'k0'.*POCKETFLOW_ENCRYPTION_KEYS/);
  });

  it('answers 404 for a path that is neither encode nor decode', async () => {
    await start();
    expect((await post('/health', {})).status).toBe(404);
  });

  it('encodes a payload that then decodes back to it', async () => {
    await start();
    const encoded = (await (await post('/encode', { payloads: [asJson(plain)] })).json()) as { payloads: JsonPayload[] };
    expect(encoded.payloads[0]?.metadata['encoding']).toBe(base64('binary/encrypted'));
    expect(fromBase64(encoded.payloads[0]?.data)).not.toContain('saffron');
    const decoded = (await (await post('/decode', encoded)).json()) as { payloads: JsonPayload[] };
    expect(decoded.payloads).toEqual([asJson(plain)]);
  });
});

describe('the codec server against other sites', () => {
  it('refuses a request under another Host (DNS rebinding) and a POST from an origin not allowed', async () => {
    const own = await startCodecServer({ codecs: [codec], port: 0 });
    try {
      const status = await new Promise<number | undefined>((resolve, reject) =>
        request(`${own.url}/decode`, { method: 'POST', headers: { host: 'attacker.example' } }, (res) => resolve(res.statusCode))
          .on('error', reject)
          .end('{"payloads":[]}'),
      );
      expect(status).toBe(421);
      const foreign = await fetch(`${own.url}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
        body: '{"payloads":[]}',
      });
      expect(foreign.status).toBe(403);
    } finally {
      await own.close();
    }
  });

  it('listens beyond this machine only with a token', async () => {
    await expect(startCodecServer({ codecs: [codec], host: '0.0.0.0', port: 0 })).rejects.toThrow(/set POCKETFLOW_CODEC_TOKEN/);
  });
});
