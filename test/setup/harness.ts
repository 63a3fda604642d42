// Helpers for tests on the real server: a client, and a worker on a fresh task queue.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { inject } from 'vitest';
import { clientDataConverter } from '../../src/temporal/data-converter.js';
import { createFlowWorker, type FlowWorker } from '../../src/temporal/worker.js';
import type { FlowRegistry } from '../../src/temporal/registry.js';
import type { WorkerVersioningOptions } from '../../src/temporal/versioning.js';
import { testFlows } from '../flows/registry.js';

let runtimeQuiet = false;

/** Keeps the worker runtime's own logging to warnings, so test output stays readable. */
function quietRuntime(): void {
  if (!runtimeQuiet) {
    runtimeQuiet = true;
    Runtime.install({ logger: { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} } });
  }
}

export function address(): string {
  return inject('temporalAddress');
}

export async function connectClient(namespace = 'default'): Promise<Client> {
  return new Client({ connection: await Connection.connect({ address: address() }), namespace, dataConverter: clientDataConverter() });
}

export function uniqueQueue(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface RunningWorker {
  worker: FlowWorker;
  stop(): Promise<void>;
}

/** Starts a worker for the test flows (or `flows`) on `taskQueue`. */
export async function startWorker(
  taskQueue: string,
  options: {
    flows?: FlowRegistry;
    services?: unknown;
    bundlePath?: string;
    bundle?: { code: string };
    namespace?: string;
    log?: (message: string) => void;
    versioning?: WorkerVersioningOptions;
    payloadCodecs?: PayloadCodec[];
  } = {},
): Promise<RunningWorker> {
  quietRuntime();
  const connection = await NativeConnection.connect({ address: address() });
  const worker = await createFlowWorker({
    flows: options.flows ?? testFlows,
    taskQueue,
    connection,
    namespace: options.namespace,
    log: options.log,
    services: options.services,
    payloadCodecs: options.payloadCodecs,
    versioning: options.versioning ?? false,
    workflowBundle: options.bundle ?? { codePath: options.bundlePath ?? inject('workflowBundlePath') },
  });
  const running = worker.run();
  return {
    worker,
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** Runs `fn` with a worker on a fresh task queue, and stops the worker afterwards. */
export async function withWorker<T>(
  prefix: string,
  fn: (taskQueue: string) => Promise<T>,
  options: { flows?: FlowRegistry; services?: unknown; bundlePath?: string } = {},
): Promise<T> {
  const taskQueue = uniqueQueue(prefix);
  const running = await startWorker(taskQueue, options);
  try {
    return await fn(taskQueue);
  } finally {
    await running.stop();
  }
}

/** Polls `probe` every 200 ms until it gives a value (errors count as none), failing after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Starts a worker for the test flows in its own process (test/flows/worker-process.ts), so that a test can kill it. */
export function spawnWorkerProcess(taskQueue: string): Promise<ChildProcess> {
  const root = join(import.meta.dirname, '..', '..');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'test/flows/worker-process.ts'), address(), taskQueue, inject('workflowBundlePath')],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker ready')) {
        resolve(child);
      }
    });
    child.once('exit', (code) => reject(new Error(`worker process exited early with ${code}`)));
  });
}
