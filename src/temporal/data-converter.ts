/**
 * How flow runs' data is converted and encoded, alike in the worker, the client helpers and the
 * command line: the portable payload converter and the failure converter that puts messages in a
 * payload always, the encryption codec when POCKETFLOW_ENCRYPTION_KEYS is set.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Client, WorkflowClient } from '@temporalio/client';
import type { DataConverter, LoadedDataConverter, PayloadCodec, ProtoFailure } from '@temporalio/common';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow/index.js';
import { encryptionCodecFromEnv } from './encryption.js';
import { failureConverter } from './failure-converter.js';
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
    failureConverter,
    payloadCodecs: options.payloadCodecs ?? payloadCodecsFromEnv(),
  };
}

/** A worker's data converter; the same payload and failure converters also go into every workflow bundle. */
export function workerDataConverter(options: PayloadCodecOptions = {}): DataConverter {
  return {
    payloadConverterPath: payloadConverterPath(),
    failureConverterPath: failureConverterPath(),
    payloadCodecs: options.payloadCodecs ?? payloadCodecsFromEnv(),
  };
}

let tsRequireRegistered = false;

/** The file of the payload converter module, for the bundler and the worker (see `converterModulePath`). */
export function payloadConverterPath(): string {
  return converterModulePath('payload-converter');
}

/** The file of the failure converter module, for the bundler and the worker (see `converterModulePath`). */
export function failureConverterPath(): string {
  return converterModulePath('failure-converter');
}

/**
 * The file of a converter module beside this one. The bundler reads it, and the worker loads it
 * with `require`: compiled, that is the `.js`; run from source (tsx, vitest), the `.ts`, which
 * `require` then loads through tsx's hook.
 */
function converterModulePath(name: string): string {
  const compiled = fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  if (existsSync(compiled)) {
    return compiled;
  }
  const source = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  if (!tsRequireRegistered) {
    tsRequireRegistered = true;
    const { register } = createRequire(import.meta.url)('tsx/cjs/api') as { register: () => unknown };
    register();
  }
  return source;
}

/**
 * The message of a failure as a raw history holds it (`handle.fetchHistory()` does not decode),
 * decrypted and decoded with the client's data converter; undefined when there is no failure.
 */
export async function failureMessage(
  client: Client | WorkflowClient,
  failure: ProtoFailure | null | undefined,
): Promise<string | undefined> {
  const { loadedDataConverter } = 'workflow' in client ? client.workflow.options : client.options;
  const error = await decodeOptionalFailureToOptionalError(loadedDataConverter, failure);
  return error?.message;
}
