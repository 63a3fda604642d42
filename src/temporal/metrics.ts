/**
 * The worker's metrics: Temporal's SDK metrics (workflow task failures, activity failures,
 * schedule-to-start latency, slots, pollers) served for Prometheus when POCKETFLOW_METRICS_ADDRESS
 * is set. Off by default.
 */
import { IllegalStateError } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import { WorkerSettingError } from './worker-env.js';

/** The environment variable that turns the Prometheus endpoint on: `host:port`, e.g. `127.0.0.1:9464`. */
export const METRICS_ADDRESS_ENV = 'POCKETFLOW_METRICS_ADDRESS';

let installedAt: string | undefined;

/** The metrics address the environment asks for, or undefined when metrics are off. */
export function metricsAddressFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env[METRICS_ADDRESS_ENV]?.trim();
  if (raw === undefined || raw === '') {
    return undefined;
  }
  const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(raw);
  if (match === null || Number(match[2]) > 65535) {
    throw new WorkerSettingError(`${METRICS_ADDRESS_ENV} must be host:port, such as 127.0.0.1:9464, got ${JSON.stringify(raw)}.`);
  }
  return raw;
}

/**
 * Installs Temporal's runtime with a Prometheus endpoint at `address` (served at `/metrics`).
 * Must run before the process makes its first connection or worker; a second call with the
 * same address does nothing.
 */
export function installMetrics(address: string): void {
  if (installedAt === address) {
    return;
  }
  try {
    Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: address } } } });
  } catch (error) {
    if (error instanceof IllegalStateError) {
      throw new WorkerSettingError(
        `${METRICS_ADDRESS_ENV} is set, but Temporal's runtime was created before metrics could be turned on ` +
          '(a NativeConnection or a worker was made first). Call installMetricsFromEnv() before making the connection, ' +
          'or let createFlowWorker make it.',
      );
    }
    throw error;
  }
  installedAt = address;
}

/** Turns the Prometheus endpoint on when POCKETFLOW_METRICS_ADDRESS is set; returns the address, if any. */
export function installMetricsFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const address = metricsAddressFromEnv(env);
  if (address !== undefined) {
    installMetrics(address);
  }
  return address;
}
