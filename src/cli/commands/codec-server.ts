/** `codec-server`: serves the encryption codec to the Temporal Web UI and CLI in the foreground. */
import { startCodecServer } from '../../temporal/codec-server.js';
import { ENCRYPTION_KEYS_ENV, encryptionCodecFromEnv } from '../../temporal/encryption.js';
import { EncryptionConfigError } from '../../temporal/errors.js';
import type { CliContext } from '../context.js';
import { untilStopped } from '../stop.js';

/** The environment variable that holds the bearer token the codec server asks for (never a flag, so it stays out of `ps`). */
export const CODEC_TOKEN_ENV = 'POCKETFLOW_CODEC_TOKEN';

export interface CodecServerCommandOptions {
  port: number;
  host: string;
  /** The Web UI origins allowed to call the server. */
  uiOrigin: string[];
}

/** Serves the codec of POCKETFLOW_ENCRYPTION_KEYS until SIGINT or SIGTERM. */
export async function codecServerCommand(ctx: CliContext, options: CodecServerCommandOptions): Promise<number> {
  const codec = encryptionCodecFromEnv();
  if (codec === undefined) {
    throw new EncryptionConfigError(
      `Encryption is not configured, so there is nothing to decode: set ${ENCRYPTION_KEYS_ENV} to the keys the worker uses ` +
        '(<keyId>:<base64 of 32 bytes>, comma-separated; make a key with: openssl rand -base64 32).',
    );
  }
  const token = process.env[CODEC_TOKEN_ENV] || undefined;
  const server = await startCodecServer({ codecs: [codec], host: options.host, port: options.port, token, origins: options.uiOrigin });
  ctx.out(
    `Codec server on ${server.url} (keys ${codec.keyIds.join(', ')}; ${token === undefined ? 'no token' : `token from ${CODEC_TOKEN_ENV}`}; ` +
      `UI origins ${options.uiOrigin.join(', ')}). Point the UI at it: temporal server start-dev --ui-codec-endpoint ${server.url}\n`,
  );
  await untilStopped();
  await server.close();
  return 0;
}
