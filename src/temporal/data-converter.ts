/**
 * How flow runs' data is converted and encoded, alike in the worker, the client helpers and the
 * command line: the portable payload converter always, the encryption codec when
 * POCKETFLOW_ENCRYPTION_KEYS is set.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import {
  type DataConverter,
  defaultFailureConverter,
  type LoadedDataConverter,
  type PayloadCodec,
} from '@temporalio/common';
import { encryptionCodecFromEnv } from './encryption.js';
import { payloadConverter } from './payload-converter.js';

/** What decides how a run's payloads are encoded. */
export interface PayloadCodecOptions {
  /** Codecs applied to every payload, in order (decoding in reverse). Default: from the environment. */
  payloadCodecs?: PayloadCodec[];
}

/** The codecs the environment asks for: the AES-256-GCM codec when POCKETFLOW_ENCRYPTION_KEYS is set, else none. */
export function payloadCodecsFromEnv(env: NodeJS.ProcessEnv = process.env): PayloadCodec[] {
  const codec = encryptionCodecFromEnv(env);
  return codec === undefined ? [] : [codec];
}

/** A client's data converter (`new Client({ connection, dataConverter })`). */
export function clientDataConverter(options: PayloadCodecOptions = {}): LoadedDataConverter {
  return {
    payloadConverter,
    failureConverter: defaultFailureConverter,
    payloadCodecs: options.payloadCodecs ?? payloadCodecsFromEnv(),
  };
}

/** A worker's data converter; the same payload converter also goes into every workflow bundle. */
export function workerDataConverter(options: PayloadCodecOptions = {}): DataConverter {
  return { payloadConverterPath: payloadConverterPath(), payloadCodecs: options.payloadCodecs ?? payloadCodecsFromEnv() };
}

let tsRequireRegistered = false;

/**
 * The file of the payload converter module. The bundler reads it, and the worker loads it with
 * `require`: compiled, that is the `.js` beside this file; run from source (tsx, vitest), the
 * `.ts`, which `require` then loads through tsx's hook.
 */
export function payloadConverterPath(): string {
  const compiled = fileURLToPath(new URL('./payload-converter.js', import.meta.url));
  if (existsSync(compiled)) {
    return compiled;
  }
  const source = fileURLToPath(new URL('./payload-converter.ts', import.meta.url));
  if (!tsRequireRegistered) {
    tsRequireRegistered = true;
    const { register } = createRequire(import.meta.url)('tsx/cjs/api') as { register: () => unknown };
    register();
  }
  return source;
}
