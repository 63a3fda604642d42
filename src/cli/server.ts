/** Reaching a Temporal server from the command line: the configured one, or a local dev server started on demand. */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection } from '@temporalio/worker';
import type { FlowWorker } from '../temporal/worker.js';
import { PocketFlowError } from '../core/index.js';
import { connectClient, type ConnectionSettings, connectionSettings } from '../temporal/connection.js';
import { isServerReachable, startDevServer } from '../temporal/dev-server.js';
import { installWorkerRuntime, logLine } from '../temporal/metrics.js';
import type { CliContext } from './context.js';
import { dataDir, taskQueueOf } from './context.js';

/** Connects to the server that Temporal's environment configuration names. */
export async function connect(): Promise<{ client: Client; settings: ConnectionSettings }> {
  const settings = connectionSettings();
  const configured = Boolean(process.env['TEMPORAL_ADDRESS'] || process.env['TEMPORAL_PROFILE']);
  const hint = configured
    ? 'Check TEMPORAL_ADDRESS (or the profile) and that the server runs.'
    : "Start one ('pocketflow-temporal run' starts a local one), or set TEMPORAL_ADDRESS to a running server.";
  return { client: await connectClient(settings, hint), settings };
}

/**
 * Where the Web UI shows a run: TEMPORAL_UI_URL, or for a server on this machine the dev server's UI
 * (its gRPC port + 1000); undefined when it cannot be known.
 */
export function runLink(settings: ConnectionSettings, workflowId: string): string | undefined {
  const local = /^(127\.0\.0\.1|localhost):(\d+)$/.exec(settings.address);
  const ui = process.env['TEMPORAL_UI_URL'] || (local === null ? undefined : `http://127.0.0.1:${Number(local[2]) + 1000}`);
  return ui === undefined ? undefined : `${ui.replace(/\/$/, '')}/namespaces/${settings.namespace}/workflows/${encodeURIComponent(workflowId)}`;
}

/** Keeps the worker runtime's log out of the conversation: warnings go to a file. */
export function installQuietRuntime(): string {
  const logFile = join(dataDir(), 'worker.log');
  mkdirSync(dataDir(), { recursive: true });
  installWorkerRuntime({
    // The native side's warnings (a failing workflow task, a nondeterminism on replay) go the same way.
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
    logger: new DefaultLogger('WARN', (entry) => {
      appendFileSync(logFile, `${logLine(entry)}\n`);
    }),
  });
  return logFile;
}

/** Where the pid of the dev server that `run` or `attach` started is kept. */
export function devServerPidFile(): string {
  return join(dataDir(), 'temporal-server.pid');
}

/** The ports of the local dev server: TEMPORAL_DEV_PORT (7233) and TEMPORAL_DEV_UI_PORT (gRPC port + 1000). */
export function localServerPorts(): { port: number; uiPort: number } {
  const port = Number(process.env['TEMPORAL_DEV_PORT'] || 7233);
  return { port, uiPort: Number(process.env['TEMPORAL_DEV_UI_PORT'] || port + 1000) };
}

/** Connects to TEMPORAL_ADDRESS (or a profile), or a local server, starting one when none answers. */
export async function ensureServer(ctx: CliContext): Promise<{ settings: ConnectionSettings; uiUrl: string | undefined }> {
  if (process.env['TEMPORAL_ADDRESS'] || process.env['TEMPORAL_PROFILE']) {
    return { settings: connectionSettings(), uiUrl: process.env['TEMPORAL_UI_URL'] };
  }
  const { port, uiPort } = localServerPorts();
  const address = `127.0.0.1:${port}`;
  const uiUrl = process.env['TEMPORAL_UI_URL'] || `http://127.0.0.1:${uiPort}`;
  if (!(await isServerReachable(address))) {
    ctx.out(`No Temporal server on ${address}; starting a local dev server...\n`);
    const server = await startDevServer({
      port,
      uiPort,
      dbFilename: join(dataDir(), 'temporal.db'),
      logFile: join(dataDir(), 'temporal-server.log'),
      detached: true,
      // The variable the Web UI's image reads for the same setting.
      uiCodecEndpoint: process.env['TEMPORAL_CODEC_ENDPOINT'] || undefined,
      log: (message) => ctx.out(`${message}\n`),
    });
    writeFileSync(devServerPidFile(), `${server.pid}\n`);
    ctx.out(`Temporal dev server running (pid ${server.pid}), data in ${join(dataDir(), 'temporal.db')}.\n`);
    ctx.out('Stop it with: npx pocketflow-temporal server stop\n');
  }
  return { settings: connectionSettings(address), uiUrl };
}

/** Starts the project's worker in this process; `done` settles when it has stopped and its connection closed. */
export async function startLocalWorker(
  ctx: CliContext,
  settings: ConnectionSettings,
): Promise<{ worker: FlowWorker; done: Promise<void> }> {
  const project = await ctx.needProject('worker');
  if (project.createWorker === undefined) {
    throw new PocketFlowError(`${ctx.configPath} has no createWorker, so no worker can run here; pass --no-worker and run one elsewhere.`);
  }
  // Before the connection: Temporal's runtime takes its metrics settings when it is created.
  installWorkerRuntime();
  const connection = await NativeConnection.connect(settings.options);
  // What the worker says about itself goes to its log file, not into the conversation.
  const log = (message: string): void => appendFileSync(join(dataDir(), 'worker.log'), `${new Date().toISOString()} ${message}\n`);
  const worker = await project.createWorker({ connection, namespace: settings.namespace, taskQueue: taskQueueOf(project), log });
  const done = worker.run().finally(() => connection.close());
  return { worker, done };
}
