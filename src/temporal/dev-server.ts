/** Starts and stops a local Temporal dev server (`temporal server start-dev`) on 127.0.0.1. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { resolveTemporalCli } from './cli-binary.js';
import { FLOW_SEARCH_ATTRIBUTES } from './definitions.js';
import { DevServerError } from './errors.js';

export interface DevServerOptions {
  /** gRPC port (default: a free one). */
  port?: number;
  /** Web UI port; the UI is off when unset and `ui` is false. */
  uiPort?: number;
  ui?: boolean;
  /** Keep state in this SQLite file (default: in memory, lost on exit). */
  dbFilename?: string;
  /** Write the server's output here instead of discarding it. */
  logFile?: string;
  /** Let the server outlive this process. */
  detached?: boolean;
  /** Dynamic config values, merged over `DEV_SERVER_DYNAMIC_CONFIG`. */
  dynamicConfig?: Record<string, string | number | boolean>;
  /** The codec server the Web UI decodes payloads through (`pocketflow-temporal codec-server`). */
  uiCodecEndpoint?: string;
  log?: (message: string) => void;
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  pid: number;
  stop(): Promise<void>;
}

/**
 * The dynamic config every dev server of the project starts with. The history service reads its
 * transfer queue (which hands each new workflow and activity task to the matching service) at most
 * `history.transferProcessorMaxPollRPS` times a second, 20 by default: one sequential step then
 * waits up to 50 ms for that read whatever the worker does. Measured on these 2-core machines, every
 * value from 100 up brings a step from 50 ms to 13-15 ms under load; 250 is the smallest that never
 * held a step back (its floor is 4 ms), and no value raised the server's idle or per-step CPU.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, string | number | boolean>> = {
  'history.transferProcessorMaxPollRPS': 250,
};

/** Returns a TCP port that is free on 127.0.0.1 now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts the dev server and resolves once it answers on gRPC. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const binary = resolveTemporalCli(options.log);
  const port = options.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  let uiUrl: string | undefined;
  if (options.ui === false || (options.ui === undefined && options.uiPort === undefined)) {
    args.push('--headless');
  } else {
    const uiPort = options.uiPort ?? (await freePort());
    args.push('--ui-port', String(uiPort));
    uiUrl = `http://127.0.0.1:${uiPort}`;
    if (options.uiCodecEndpoint !== undefined) {
      args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
    }
  }
  // The search attributes the runs keep, so that runs can be found by node and by waiting.
  for (const [name, type] of Object.entries(FLOW_SEARCH_ATTRIBUTES)) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  for (const [key, value] of Object.entries({ ...DEV_SERVER_DYNAMIC_CONFIG, ...options.dynamicConfig })) {
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  }
  if (options.dbFilename !== undefined) {
    mkdirSync(dirname(options.dbFilename), { recursive: true });
    args.push('--db-filename', options.dbFilename);
  }
  const out = options.logFile === undefined ? 'ignore' : openSync(options.logFile, 'a');
  const child: ChildProcess = spawn(binary, args, {
    stdio: ['ignore', out, out],
    detached: options.detached ?? false,
  });
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });
  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== undefined) {
      throw new DevServerError(`The Temporal dev server ${exited} before it was ready (${binary} ${args.join(' ')}).`);
    }
    if (await isServerReachable(address)) {
      break;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new DevServerError(`The Temporal dev server did not answer on ${address} within 60 s.`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (options.detached) {
    child.unref();
  }
  return {
    address,
    uiUrl,
    pid: child.pid as number,
    async stop() {
      if (exited !== undefined) {
        return;
      }
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** True when a Temporal frontend answers at `address` within a few seconds. */
export async function isServerReachable(address: string, timeoutMs = 3000): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => {});
  }
}
