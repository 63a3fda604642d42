// Encryption at rest: the AES-256-GCM payload codec and its keys from POCKETFLOW_ENCRYPTION_KEYS.
import { randomBytes } from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { AesGcmCodec, ENCRYPTION_KEYS_ENV, encryptionCodecFromEnv, encryptionKeysFromEnv } from '../src/temporal/encryption.js';
import { EncryptionConfigError, PayloadDecryptionError } from '../src/temporal/errors.js';

const utf8 = (value: string): Uint8Array => new TextEncoder().encode(value);
const text = (bytes: Uint8Array | null | undefined): string => new TextDecoder().decode(bytes ?? new Uint8Array());
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const codecWith = (keys: Record<string, Uint8Array>, encryptWith: string): AesGcmCodec =>
  new AesGcmCodec({ keys: new Map(Object.entries(keys)), encryptWith });

const secret = 'the secret recipe: 3 eggs and saffron';
const jsonPayload = (value: unknown): Payload => ({
  metadata: { encoding: utf8('json/plain'), superjson: utf8('{"values":{}}') },
  data: utf8(JSON.stringify(value)),
});

/** A payload's metadata and data as text, to compare payloads whatever their byte containers. */
const readable = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, text(value)])),
  data: text(payload.data),
});

describe('AesGcmCodec', () => {
  it('decodes what it encoded, metadata included', async () => {
    const codec = codecWith({ a: keyA }, 'a');
    const payloads = [jsonPayload({ recipe: secret }), { metadata: { encoding: utf8('binary/null') } }];
    const decoded = await codec.decode(await codec.encode(payloads));
    expect(decoded.map(readable)).toEqual(payloads.map(readable));
    expect(decoded[0]?.data).toBeInstanceOf(Uint8Array);
    expect(decoded[1]).not.toHaveProperty('data');
  });

  it('marks an encrypted payload with its encoding and key id, and leaves no plaintext in it', async () => {
    const [encrypted] = await codecWith({ a: keyA }, 'a').encode([jsonPayload({ recipe: secret })]);
    expect(readable(encrypted as Payload).metadata).toEqual({ encoding: 'binary/encrypted', 'encryption-key-id': 'a' });
    const stored = Buffer.from(JSON.stringify(encrypted));
    const data = Buffer.from((encrypted as Payload).data as Uint8Array);
    for (const plain of [secret, 'json/plain', 'superjson', 'recipe']) {
      expect(data.includes(plain)).toBe(false);
      expect(stored.includes(plain)).toBe(false);
    }
  });

  it('uses a fresh IV each time, so the same payload never encrypts the same way twice', async () => {
    const codec = codecWith({ a: keyA }, 'a');
    const payload = jsonPayload({ recipe: secret });
    const [first] = await codec.encode([payload]);
    const [second] = await codec.encode([payload]);
    expect(Buffer.from(first?.data as Uint8Array).subarray(0, 12)).not.toEqual(Buffer.from(second?.data as Uint8Array).subarray(0, 12));
    expect(Buffer.from(first?.data as Uint8Array)).not.toEqual(Buffer.from(second?.data as Uint8Array));
  });

  it('decodes with an old key after rotation, and encrypts new payloads with the first key', async () => {
    const before = await codecWith({ a: keyA }, 'a').encode([jsonPayload({ recipe: secret })]);
    const rotated = encryptionCodecFromEnv({ [ENCRYPTION_KEYS_ENV]: `b:${base64(keyB)},a:${base64(keyA)}` }) as AesGcmCodec;
    expect((await rotated.decode(before)).map(readable)).toEqual([readable(jsonPayload({ recipe: secret }))]);
    const [after] = await rotated.encode([jsonPayload('new')]);
    expect(text(after?.metadata?.['encryption-key-id'])).toBe('b');
    await expect(codecWith({ a: keyA }, 'a').decode([after as Payload])).rejects.toThrow(PayloadDecryptionError);
  });

  it('refuses a payload whose key is not configured, naming the key and what to do', async () => {
    const encrypted = await codecWith({ a: keyA }, 'a').encode([jsonPayload({ recipe: secret })]);
    const error = await codecWith({ b: keyB }, 'b').decode(encrypted).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PayloadDecryptionError);
    expect((error as PayloadDecryptionError).keyId).toBe('a');
    expect((error as Error).message).toBe(
      "Cannot decrypt a payload encrypted with key 'a': no key with that id is configured (configured: b). " +
        'Add the old key to POCKETFLOW_ENCRYPTION_KEYS, after the one that encrypts (b:<base64>,a:<base64>), ' +
        'wherever payloads are read: the worker, every client and the codec server.',
    );
  });

  it.each([
    ['the IV', 0],
    ['the ciphertext', 20],
    ['the authentication tag', -1],
  ])('refuses a payload with one byte of %s altered', async (_part, at) => {
    const codec = codecWith({ a: keyA }, 'a');
    const [encrypted] = await codec.encode([jsonPayload({ recipe: secret })]);
    const data = Buffer.from(encrypted?.data as Uint8Array);
    const index = at < 0 ? data.length + at : at;
    data[index] = (data[index] as number) ^ 0x01;
    await expect(codec.decode([{ ...encrypted, data }])).rejects.toThrow(
      new PayloadDecryptionError(
        "Cannot decrypt a payload encrypted with key 'a': authentication failed, so the payload was altered or the key " +
          "configured as 'a' is not the one it was encrypted with. Give 'a' the same key in POCKETFLOW_ENCRYPTION_KEYS as " +
          'where the payload was written.',
        'a',
      ),
    );
  });

  it('refuses a payload encrypted under the same key id with other key material', async () => {
    const encrypted = await codecWith({ a: keyA }, 'a').encode([jsonPayload({ recipe: secret })]);
    await expect(codecWith({ a: keyB }, 'a').decode(encrypted)).rejects.toThrow(/authentication failed/);
  });

  it('passes payloads that are not encrypted through decode unchanged', async () => {
    const plain = [jsonPayload({ recipe: 'old history' }), { metadata: { encoding: utf8('binary/null') } }, {}];
    const decoded = await codecWith({ a: keyA }, 'a').decode(plain);
    expect(decoded).toEqual(plain);
  });

  it('refuses keys that are not 32 bytes, and an encrypting key it does not have', () => {
    expect(() => codecWith({ a: randomBytes(16) }, 'a')).toThrow(EncryptionConfigError);
    expect(() => codecWith({ a: keyA }, 'b')).toThrow("encryptWith names key 'b', which is not among the keys (a).");
  });
});

describe('encryptionKeysFromEnv', () => {
  const env = (value: string | undefined) => ({ [ENCRYPTION_KEYS_ENV]: value });

  it.each([undefined, '', '  '])('turns encryption off when the variable is %j', (value) => {
    expect(encryptionKeysFromEnv(env(value))).toBeUndefined();
    expect(encryptionCodecFromEnv(env(value))).toBeUndefined();
  });

  it('reads every key, the first one encrypting', () => {
    const keys = encryptionKeysFromEnv(env(` k-2.b:${base64(keyB)} , k_1:${base64(keyA)}`));
    expect(keys?.encryptWith).toBe('k-2.b');
    expect([...(keys?.keys.keys() ?? [])]).toEqual(['k-2.b', 'k_1']);
    expect(Buffer.from(keys?.keys.get('k_1') as Uint8Array)).toEqual(keyA);
  });

  const hint =
    'Each entry of POCKETFLOW_ENCRYPTION_KEYS is <keyId>:<base64 of 32 bytes>, comma-separated; the first one encrypts, ' +
    'all decrypt. Make a key with: openssl rand -base64 32';
  const short = randomBytes(16);
  it.each([
    ['no colon', `a:${base64(keyA)},${base64(keyB)}`, "POCKETFLOW_ENCRYPTION_KEYS entry 2: has no ':' between key id and key."],
    ['an empty entry', `a:${base64(keyA)},`, 'POCKETFLOW_ENCRYPTION_KEYS entry 2: is empty (a key missing, or a stray comma).'],
    ['a bad key id', `a b:${base64(keyA)}`, 'POCKETFLOW_ENCRYPTION_KEYS entry 1: its key id is not 1 to 64 of A-Z a-z 0-9 . _ -.'],
    ['a key pasted before its id', `${base64(keyA)}:a`, 'POCKETFLOW_ENCRYPTION_KEYS entry 1: its key id is not 1 to 64 of A-Z a-z 0-9 . _ -.'],
    ['a key id over 64 characters', `${'k'.repeat(65)}:${base64(keyA)}`, 'POCKETFLOW_ENCRYPTION_KEYS entry 1: its key id is not 1 to 64 of A-Z a-z 0-9 . _ -.'],
    ['a key that is not base64', `a:${base64(keyA).replace(/.$/, '!')}`, "POCKETFLOW_ENCRYPTION_KEYS entry 1 ('a'): the key is not base64."],
    ['hex instead of base64', `a:${keyA.toString('hex')}`, "POCKETFLOW_ENCRYPTION_KEYS entry 1 ('a'): the key is 48 bytes, not 32."],
    ['a 16-byte key', `a:${base64(keyA)},b:${base64(short)}`, "POCKETFLOW_ENCRYPTION_KEYS entry 2 ('b'): the key is 16 bytes, not 32."],
    ['a duplicate key id', `a:${base64(keyA)},a:${base64(keyB)}`, "POCKETFLOW_ENCRYPTION_KEYS entry 2 ('a'): key id 'a' is already used by entry 1."],
  ])('refuses %s, naming the entry and never its key', (_case, value, message) => {
    const error = (() => {
      try {
        encryptionKeysFromEnv(env(value));
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(EncryptionConfigError);
    expect((error as Error).message).toBe(`${message} ${hint}`);
    for (const material of [base64(keyA), base64(keyB), base64(short), keyA.toString('hex'), base64(keyA).slice(0, 20)]) {
      expect((error as Error).message).not.toContain(material);
    }
  });
});
