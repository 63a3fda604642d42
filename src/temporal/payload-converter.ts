/**
 * The payload converter of every flow run: values cross Temporal (workflow input, activity input
 * and results, answers, queries, results) exactly as they are in-process. Dates, Maps, Sets,
 * BigInts, `undefined` inside objects, non-finite numbers, RegExps, typed arrays and shared
 * references come back as they went in.
 *
 * A payload stays plain JSON (`json/plain`), so the Web UI and any other client still read it:
 * a Date shows as its ISO string, a Map as a list of pairs. What JSON loses is kept beside it,
 * in the payload's metadata (`superjson`), and restored by this converter. A payload without that
 * metadata is ordinary JSON, so histories written before keep replaying.
 *
 * Used in the workflow sandbox (bundled through `payloadConverterPath`), by the worker for
 * activities, and by clients: it imports no Node built-in.
 */
import {
  BinaryPayloadConverter,
  CompositePayloadConverter,
  encodingKeys,
  encodingTypes,
  METADATA_ENCODING_KEY,
  type Payload,
  type PayloadConverterWithEncoding,
  UndefinedPayloadConverter,
  ValueError,
} from '@temporalio/common';
import { decode, encode } from '@temporalio/common/lib/encoding.js';
import { deserialize, serialize } from 'superjson';
import { assertPortable } from '../core/serializable.js';
import { ENCRYPTED_ENCODING, ENCRYPTION_KEY_ID_METADATA_KEY } from './encrypted-payloads.js';
import { PayloadDecryptionError } from './errors.js';

/** The metadata key that holds what plain JSON cannot say about a payload's value. */
export const TYPES_METADATA_KEY = 'superjson';

/** JSON with the types JSON loses kept in the payload's metadata. */
export class PortableJsonPayloadConverter implements PayloadConverterWithEncoding {
  readonly encodingType = encodingTypes.METADATA_ENCODING_JSON;

  toPayload(value: unknown): Payload | undefined {
    if (value === undefined) {
      return undefined;
    }
    if (isPlainJson(value, new Set())) {
      // Exactly what the SDK's JSON converter writes; also any key name, `constructor` included.
      return { metadata: { [METADATA_ENCODING_KEY]: encodingKeys.METADATA_ENCODING_JSON }, data: encode(JSON.stringify(value)) };
    }
    // What would silently change shape (a class instance, a function) is refused, naming where.
    assertPortable(value, 'a Temporal payload');
    const { json, meta } = serialize(value);
    const metadata: Record<string, Uint8Array> = { [METADATA_ENCODING_KEY]: encodingKeys.METADATA_ENCODING_JSON };
    if (meta !== undefined) {
      metadata[TYPES_METADATA_KEY] = encode(JSON.stringify(meta));
    }
    return { metadata, data: encode(JSON.stringify(json)) };
  }

  fromPayload<T>(payload: Payload): T {
    if (payload.data === undefined || payload.data === null) {
      throw new ValueError('Got a payload with no data');
    }
    const json = JSON.parse(decode(payload.data)) as unknown;
    const types = payload.metadata?.[TYPES_METADATA_KEY];
    if (types === undefined || types === null) {
      return json as T;
    }
    return deserialize({ json: json as never, meta: JSON.parse(decode(types)) as never });
  }
}

/**
 * True when JSON carries `value` exactly: plain objects and arrays (each met once, no holes) of
 * strings, finite numbers other than -0, booleans and null.
 */
function isPlainJson(value: unknown, seen: Set<object>): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) {
    return true;
  }
  if (seen.has(value)) {
    return false;
  }
  seen.add(value);
  const proto = Object.getPrototypeOf(value) as object | null;
  if (proto === Array.prototype) {
    const array = value as unknown[];
    for (let i = 0; i < array.length; i++) {
      if (!(i in array) || !isPlainJson(array[i], seen)) {
        return false;
      }
    }
    return true;
  }
  if (proto !== Object.prototype && proto !== null) {
    return false;
  }
  for (const key in value) {
    if (!isPlainJson((value as Record<string, unknown>)[key], seen)) {
      return false;
    }
  }
  return true;
}

/**
 * Converts nothing; says what to do when an encrypted payload reaches a process without the keys
 * (a codec with the keys decrypts payloads before any converter sees them).
 */
class EncryptedPayloadGuard implements PayloadConverterWithEncoding {
  readonly encodingType = ENCRYPTED_ENCODING;

  toPayload(): undefined {
    return undefined;
  }

  fromPayload<T>(payload: Payload): T {
    const keyId = payload.metadata?.[ENCRYPTION_KEY_ID_METADATA_KEY];
    const key = keyId === undefined || keyId === null ? undefined : decode(keyId);
    throw new PayloadDecryptionError(
      `A payload is encrypted${key === undefined ? '' : ` with key '${key}'`}, and this process has no encryption keys: ` +
        'set POCKETFLOW_ENCRYPTION_KEYS to the keys the worker uses.',
      key,
    );
  }
}

/** The converter the workflow bundle, the worker and the clients all use (Temporal looks for this name). */
export const payloadConverter = new CompositePayloadConverter(
  new UndefinedPayloadConverter(),
  new BinaryPayloadConverter(),
  new PortableJsonPayloadConverter(),
  new EncryptedPayloadGuard(),
);

/** Temporal refuses payloads past 2 MB; refuse earlier with a message that says what to do. */
export const MAX_PAYLOAD_BYTES = 1_900_000;

/** The size in bytes of the payload that carries `value`, as the flows' payload converter encodes it. */
export function payloadBytes(value: unknown): number {
  return bytesOfPayload(payloadConverter.toPayload(value));
}

/** The size in bytes of `payload`, as `payloadBytes` weighs it: for a value already encoded. */
export function bytesOfPayload(payload: Payload): number {
  return (payload.data?.byteLength ?? 0) + (payload.metadata?.[TYPES_METADATA_KEY]?.byteLength ?? 0);
}

/**
 * Whether the payload of `value` passes `limit` bytes: `payloadBytes` only for a value that may,
 * since encoding a payload to weigh it costs as much as the payload itself. A plain JSON value is
 * weighed by an upper bound first (every character of a string escaped, a number at its longest).
 */
export function payloadPasses(value: unknown, limit: number): number | undefined {
  const bound = plainJsonBound(value, limit);
  if (bound !== undefined && bound <= limit) {
    return undefined;
  }
  const bytes = payloadBytes(value);
  return bytes > limit ? bytes : undefined;
}

/** At least the bytes of plain JSON `value` in UTF-8; undefined past `limit`, or when `value` is not plain JSON (the converter then weighs it). */
function plainJsonBound(value: unknown, limit: number, depth = 0): number | undefined {
  switch (typeof value) {
    case 'string':
      // A UTF-16 unit is at most 3 bytes of UTF-8, or 6 escaped (\u001f): 6 bounds both.
      return value.length * 6 + 2;
    case 'number':
    case 'boolean':
      return 24;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) {
    return 4;
  }
  // Shared references and cycles are weighed by the converter; a deep value too.
  if (depth > 32) {
    return undefined;
  }
  const proto = Object.getPrototypeOf(value) as object | null;
  let total = 2;
  if (proto === Array.prototype) {
    for (const item of value as unknown[]) {
      const bound = plainJsonBound(item, limit, depth + 1);
      if (bound === undefined) {
        return undefined;
      }
      total += bound + 1;
      if (total > limit) {
        return undefined;
      }
    }
    return total;
  }
  if (proto !== Object.prototype && proto !== null) {
    return undefined;
  }
  for (const key in value) {
    const bound = plainJsonBound((value as Record<string, unknown>)[key], limit, depth + 1);
    if (bound === undefined) {
      return undefined;
    }
    total += key.length * 6 + 4 + bound;
    if (total > limit) {
      return undefined;
    }
  }
  return total;
}
