/**
 * Encryption at rest of Temporal payloads: AES-256-GCM under keys named by id, so that the
 * Temporal server (and its database) only ever holds ciphertext. The keys come from
 * POCKETFLOW_ENCRYPTION_KEYS; the first one encrypts, every one decrypts, so keys can rotate
 * while old histories stay readable. Payloads written before encryption was turned on pass
 * through decoding unchanged.
 *
 * @example
 * ```sh
 * export POCKETFLOW_ENCRYPTION_KEYS="k2:$(openssl rand -base64 32),k1:<the old key>"
 * ```
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { ENCRYPTED_ENCODING, ENCRYPTION_KEY_ID_METADATA_KEY } from './encrypted-payloads.js';
import { EncryptionConfigError, PayloadDecryptionError } from './errors.js';

/** The environment variable that holds the keys: comma-separated `<keyId>:<base64 of 32 bytes>`, the first one encrypts. */
export const ENCRYPTION_KEYS_ENV = 'POCKETFLOW_ENCRYPTION_KEYS';

export { ENCRYPTED_ENCODING, ENCRYPTION_KEY_ID_METADATA_KEY } from './encrypted-payloads.js';

/** The keys of an AesGcmCodec. */
export interface EncryptionKeys {
  /** Every key that decrypts, by key id; each 32 bytes. */
  keys: ReadonlyMap<string, Uint8Array>;
  /** The id of the key that encrypts new payloads. */
  encryptWith: string;
}

const { Payload: PayloadMessage } = proto.temporal.api.common.v1;
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HOW_TO =
  `Each entry of ${ENCRYPTION_KEYS_ENV} is <keyId>:<base64 of 32 bytes>, comma-separated; the first one encrypts, ` +
  'all decrypt. Make a key with: openssl rand -base64 32';

const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));
const text = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');

/**
 * A PayloadCodec that encrypts every payload with AES-256-GCM.
 *
 * An encrypted payload has the metadata `encoding: binary/encrypted` and `encryption-key-id: <key id>`;
 * its data is laid out as
 *
 *     IV (12 random bytes) || ciphertext || GCM authentication tag (16 bytes)
 *
 * where the ciphertext is the original payload (metadata and data) serialised as the protobuf
 * `temporal.api.common.v1.Payload`, and the key id is authenticated as additional data.
 */
export class AesGcmCodec implements PayloadCodec {
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #encryptWith: string;

  constructor({ keys, encryptWith }: EncryptionKeys) {
    const secrets = new Map<string, KeyObject>();
    for (const [keyId, key] of keys) {
      if (!KEY_ID.test(keyId)) {
        throw new EncryptionConfigError(`Encryption key id '${keyId}' is not 1 to 64 of A-Z a-z 0-9 . _ -.`, { keyId });
      }
      if (key.length !== KEY_BYTES) {
        throw new EncryptionConfigError(
          `Encryption key '${keyId}' is ${key.length} bytes; AES-256 needs ${KEY_BYTES}. Make a key with: openssl rand -base64 32`,
          { keyId },
        );
      }
      secrets.set(keyId, createSecretKey(Buffer.from(key)));
    }
    if (!secrets.has(encryptWith)) {
      throw new EncryptionConfigError(
        `encryptWith names key '${encryptWith}', which is not among the keys (${[...secrets.keys()].join(', ') || 'none'}).`,
        { keyId: encryptWith },
      );
    }
    this.#keys = secrets;
    this.#encryptWith = encryptWith;
  }

  /** The id of the key that encrypts new payloads. */
  get encryptWith(): string {
    return this.#encryptWith;
  }

  /** The ids of every key that decrypts, the encrypting one included. */
  get keyIds(): string[] {
    return [...this.#keys.keys()];
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.#encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.#decrypt(payload));
  }

  #encrypt(payload: Payload): Payload {
    const plaintext = PayloadMessage.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#keys.get(this.#encryptWith) as KeyObject, iv, { authTagLength: TAG_BYTES });
    // The key id is authenticated too: a payload relabelled with another key id fails to decrypt.
    cipher.setAAD(Buffer.from(this.#encryptWith, 'utf8'));
    const data = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { encoding: utf8(ENCRYPTED_ENCODING), [ENCRYPTION_KEY_ID_METADATA_KEY]: utf8(this.#encryptWith) },
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    };
  }

  #decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.['encoding'];
    if (encoding === undefined || encoding === null || text(encoding) !== ENCRYPTED_ENCODING) {
      return payload;
    }
    const keyIdBytes = payload.metadata?.[ENCRYPTION_KEY_ID_METADATA_KEY];
    if (keyIdBytes === undefined || keyIdBytes === null) {
      throw new PayloadDecryptionError(
        `Cannot decrypt a payload: it is ${ENCRYPTED_ENCODING} but has no '${ENCRYPTION_KEY_ID_METADATA_KEY}' metadata, ` +
          'so it was altered or not written by this codec.',
        undefined,
      );
    }
    const keyId = text(keyIdBytes);
    const key = this.#keys.get(keyId);
    if (key === undefined) {
      throw new PayloadDecryptionError(
        `Cannot decrypt a payload encrypted with key '${keyId}': no key with that id is configured ` +
          `(configured: ${this.keyIds.join(', ')}). Add the old key to ${ENCRYPTION_KEYS_ENV}, after the one that ` +
          `encrypts (${this.#encryptWith}:<base64>,${keyId}:<base64>), wherever payloads are read: the worker, ` +
          'every client and the codec server.',
        keyId,
      );
    }
    const data = payload.data ?? new Uint8Array();
    const altered = (cause?: unknown) =>
      new PayloadDecryptionError(
        `Cannot decrypt a payload encrypted with key '${keyId}': authentication failed, so the payload was altered ` +
          `or the key configured as '${keyId}' is not the one it was encrypted with. Give '${keyId}' the same key ` +
          `in ${ENCRYPTION_KEYS_ENV} as where the payload was written.`,
        keyId,
        cause,
      );
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw altered();
    }
    const decipher = createDecipheriv(ALGORITHM, key, data.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    decipher.setAAD(Buffer.from(keyId, 'utf8'));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch (error) {
      throw altered(error);
    }
    return plainPayload(PayloadMessage.decode(plaintext));
  }
}

/** A decoded Payload message as a plain payload, without the defaults protobufjs keeps on the prototype (`data: []`). */
function plainPayload(message: proto.temporal.api.common.v1.Payload): Payload {
  const payload: Payload = { metadata: { ...message.metadata } };
  if (Object.hasOwn(message, 'data')) {
    payload.data = message.data;
  }
  if (message.externalPayloads.length > 0) {
    payload.externalPayloads = message.externalPayloads;
  }
  return payload;
}

/**
 * The keys that POCKETFLOW_ENCRYPTION_KEYS names, or undefined when it is unset or empty (encryption off).
 * Throws an EncryptionConfigError, naming the entry by position and key id, for a malformed entry.
 */
export function encryptionKeysFromEnv(env: NodeJS.ProcessEnv = process.env): EncryptionKeys | undefined {
  const value = env[ENCRYPTION_KEYS_ENV]?.trim();
  if (value === undefined || value === '') {
    return undefined;
  }
  const keys = new Map<string, Uint8Array>();
  const positions = new Map<string, number>();
  for (const [index, raw] of value.split(',').entries()) {
    const entry = index + 1;
    const refuse = (reason: string, keyId?: string): EncryptionConfigError =>
      new EncryptionConfigError(
        `${ENCRYPTION_KEYS_ENV} entry ${entry}${keyId === undefined ? '' : ` ('${keyId}')`}: ${reason}. ${HOW_TO}`,
        { entry, keyId },
      );
    if (raw.trim() === '') {
      throw refuse('is empty (a key missing, or a stray comma)');
    }
    const colon = raw.indexOf(':');
    if (colon < 0) {
      throw refuse("has no ':' between key id and key");
    }
    const keyId = raw.slice(0, colon).trim();
    const material = raw.slice(colon + 1).trim();
    if (!KEY_ID.test(keyId)) {
      // The id is not shown: a key pasted the wrong way round would put key material there.
      throw refuse('its key id is not 1 to 64 of A-Z a-z 0-9 . _ -');
    }
    const earlier = positions.get(keyId);
    if (earlier !== undefined) {
      throw refuse(`key id '${keyId}' is already used by entry ${earlier}`, keyId);
    }
    if (material.length % 4 !== 0 || !BASE64.test(material)) {
      throw refuse('the key is not base64', keyId);
    }
    const key = new Uint8Array(Buffer.from(material, 'base64'));
    if (key.length !== KEY_BYTES) {
      throw refuse(`the key is ${key.length} bytes, not ${KEY_BYTES}`, keyId);
    }
    keys.set(keyId, key);
    positions.set(keyId, entry);
  }
  return { keys, encryptWith: keys.keys().next().value as string };
}

/** The codec that POCKETFLOW_ENCRYPTION_KEYS asks for, or undefined when encryption is off. */
export function encryptionCodecFromEnv(env: NodeJS.ProcessEnv = process.env): AesGcmCodec | undefined {
  const keys = encryptionKeysFromEnv(env);
  return keys === undefined ? undefined : new AesGcmCodec(keys);
}
