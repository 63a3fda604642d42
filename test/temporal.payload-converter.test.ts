// The flows' payload converter: exact round trips, plain JSON for every other reader, old payloads still read.
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { NotSerializableError } from '../src/core/index.js';
import { payloadConverter, TYPES_METADATA_KEY } from '../src/temporal/payload-converter.js';

const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

describe('the flows payload converter', () => {
  it('brings back Dates, Maps, Sets, BigInts, undefined, odd numbers and cycles as they went in', () => {
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic['self'] = cyclic;
    const value = {
      at: new Date(Date.UTC(2026, 0, 2)),
      seen: new Map<unknown, unknown>([[{ id: 1 }, new Set([1n, 2n])]]),
      missing: undefined,
      list: [undefined, NaN, -0, Infinity],
      pattern: /a+b/gi,
      bytes: new Uint8Array([0, 255]),
      cyclic,
    };
    const back = payloadConverter.fromPayload<typeof value>(payloadConverter.toPayload(value));
    expect(back).toEqual(value);
    expect(Object.keys(back)).toContain('missing');
    expect(back.at).toBeInstanceOf(Date);
    expect(Object.is(back.list[2], -0)).toBe(true);
    expect((back.cyclic['self'] as unknown) === back.cyclic).toBe(true);
    expect(payloadConverter.fromPayload(payloadConverter.toPayload(10n))).toBe(10n);
    expect(payloadConverter.fromPayload(payloadConverter.toPayload(undefined))).toBeUndefined();
  });

  it('writes plain JSON that any reader understands, with the lost types in the metadata', () => {
    const payload = payloadConverter.toPayload({ at: new Date(0), n: 1 });
    expect(text(payload.metadata?.['encoding'])).toBe('json/plain');
    expect(JSON.parse(text(payload.data))).toEqual({ at: '1970-01-01T00:00:00.000Z', n: 1 });
    expect(JSON.parse(text(payload.metadata?.[TYPES_METADATA_KEY]))).toMatchObject({ values: { at: ['Date'] } });
    expect(defaultPayloadConverter.fromPayload(payload)).toEqual({ at: '1970-01-01T00:00:00.000Z', n: 1 });
  });

  it('leaves plain JSON values exactly as the SDK writes them, and reads payloads written without it', () => {
    const plain = { recipe: 'Soup', tags: ['quick'], n: 1.5, ok: true, none: null };
    const ours = payloadConverter.toPayload(plain);
    const sdk = defaultPayloadConverter.toPayload(plain);
    expect(ours).toEqual(sdk);
    expect(payloadConverter.fromPayload(sdk)).toEqual(plain);
  });

  it('refuses a value that would change shape, naming where', () => {
    class Point {
      x = 1;
    }
    expect(() => payloadConverter.toPayload({ p: [new Point()] })).toThrow(NotSerializableError);
    expect(() => payloadConverter.toPayload({ p: [new Point()] })).toThrow(/instance of Point .* at \$\.p\[0\]/);
  });
});

describe('keys that superjson refuses', () => {
  it('carries plain JSON with keys such as constructor and __proto__ as JSON', () => {
    const value = JSON.parse('{"words":{"constructor":2,"prototype":1},"__proto__":{"x":1}}') as object;
    const payload = payloadConverter.toPayload(value);
    expect(payload.metadata?.[TYPES_METADATA_KEY]).toBeUndefined();
    expect(payloadConverter.fromPayload(payload)).toEqual(JSON.parse(text(payload.data)));
  });
});
