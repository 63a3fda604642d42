/**
 * The worker's runtime: its log lines, one per entry, and Temporal's SDK metrics (workflow task
 * failures, activity failures, schedule-to-start latency, slots, pollers) served for Prometheus
 * when POCKETFLOW_METRICS_ADDRESS is set (off by default).
 */
import { isIP } from 'node:net';
import { IllegalStateError } from '@temporalio/common';
import { DefaultLogger, type LogEntry, type LogLevel, Runtime, type RuntimeOptions } from '@temporalio/worker';
import { WorkerSettingError } from './worker-env.js';

/** The environment variable that turns the Prometheus endpoint on: `host:port`, e.g. `127.0.0.1:9464`. */
export const METRICS_ADDRESS_ENV = 'POCKETFLOW_METRICS_ADDRESS';

let installed: { metrics: string | undefined } | undefined;

/** The metrics address the environment asks for, or undefined when metrics are off. */
export function metricsAddressFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const raw = env[METRICS_ADDRESS_ENV]?.trim();
  if (raw === undefined || raw === '') {
    return undefined;
  }
  // Temporal's runtime binds a socket address: an IP literal and a port, no host name.
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(raw);
  const ip = match?.[1] ?? match?.[2];
  if (match === null || ip === undefined || isIP(ip) === 0 || Number(match[3]) > 65535) {
    throw new WorkerSettingError(
      `${METRICS_ADDRESS_ENV} must be an IP address and a port, such as 127.0.0.1:9464 or [::1]:9464 (0.0.0.0:9464 in a container), got ${JSON.stringify(raw)}.`,
    );
  }
  return raw;
}

/** A JSON replacer that writes an error as its name and message (its stack would span lines). */
function errorsAsText(_key: string, value: unknown): unknown {
  return value instanceof Error ? `${value.name}: ${value.message}` : value;
}

/** A log entry as one line: time, level, message, and its metadata as JSON. */
export function logLine(entry: LogEntry): string {
  const meta = entry.meta === undefined || Object.keys(entry.meta).length === 0 ? '' : ` ${JSON.stringify(entry.meta, errorsAsText)}`;
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  return `${time} [${entry.level}] ${entry.message}${meta}`;
}

/**
 * The worker's default logger: entries at `level` and above, one line each (the SDK's own spreads
 * an entry's metadata over several), warnings and errors on stderr.
 */
function oneLineLogger(level: LogLevel = 'INFO'): DefaultLogger {
  return new DefaultLogger(level, (entry) => {
    const line = `${logLine(entry)}\n`;
    if (entry.level === 'WARN' || entry.level === 'ERROR') {
      process.stderr.write(line);
    } else {
      process.stdout.write(line);
    }
  });
}

/**
 * Installs Temporal's runtime (once per process) with `options` (by default the one-line logger),
 * plus a Prometheus endpoint at POCKETFLOW_METRICS_ADDRESS (served at `/metrics`) when that is
 * set; returns that address. Must run before the process makes its first connection or worker:
 * when a runtime exists already (the application installed its own), it is kept as it is, unless
 * metrics were asked for, which it could not serve.
 */
export function installWorkerRuntime(options: RuntimeOptions = {}, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const address = metricsAddressFromEnv(env);
  if (installed !== undefined) {
    return installed.metrics;
  }
  const metrics = address === undefined ? options.telemetryOptions?.metrics : { prometheus: { bindAddress: address } };
  try {
    Runtime.install({ logger: oneLineLogger(), ...options, telemetryOptions: { ...options.telemetryOptions, metrics } });
  } catch (error) {
    if (error instanceof IllegalStateError && address === undefined) {
      installed = { metrics: undefined };
      return undefined;
    }
    if (error instanceof IllegalStateError) {
      throw new WorkerSettingError(
        `${METRICS_ADDRESS_ENV} is set, but Temporal's runtime was created before metrics could be turned on ` +
          '(a NativeConnection or a worker was made first). Call installWorkerRuntime() before making the connection, ' +
          'or let createFlowWorker make it.',
      );
    }
    throw error;
  }
  installed = { metrics: address };
  return address;
}
