/**
 * Connection settings from Temporal's environment-configuration conventions: TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE and the config file.
 */
import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { clientDataConverter } from './data-converter.js';
import { ServerUnreachableError } from './errors.js';

export interface ConnectionSettings {
  address: string;
  namespace: string;
  options: NativeConnectionOptions;
}

/** Reads the settings; `address` overrides what the environment says. */
export function connectionSettings(address?: string): ConnectionSettings {
  const config = loadClientConnectConfig();
  const options = { ...config.connectionOptions, ...(address === undefined ? {} : { address }) };
  return {
    // Unconfigured, the local dev server: on TEMPORAL_DEV_PORT when that moves it.
    address: options.address ?? `127.0.0.1:${process.env['TEMPORAL_DEV_PORT'] || 7233}`,
    namespace: config.namespace ?? 'default',
    options,
  };
}

/** Connects a client, failing fast with ServerUnreachableError (whose message ends with `hint` when given). */
export async function connectClient(settings: ConnectionSettings, hint?: string): Promise<Client> {
  try {
    const connection = await Connection.connect({
      address: settings.address,
      tls: settings.options.tls,
      apiKey: settings.options.apiKey,
      metadata: settings.options.metadata,
      connectTimeout: 5000,
    });
    await connection.workflowService.getSystemInfo({});
    return new Client({ connection, namespace: settings.namespace, dataConverter: clientDataConverter() });
  } catch (error) {
    throw new ServerUnreachableError(settings.address, error, hint);
  }
}
