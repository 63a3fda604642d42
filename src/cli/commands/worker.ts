/** `worker`: runs the project's worker in the foreground. */
import { NativeConnection } from '@temporalio/worker';
import { PocketFlowError } from '../../core/index.js';
import { connectionSettings } from '../../temporal/connection.js';
import { ServerUnreachableError } from '../../temporal/errors.js';
import { installWorkerRuntime } from '../../temporal/metrics.js';
import { type CliContext, taskQueueOf } from '../context.js';

/** Runs the project's worker until SIGINT or SIGTERM drains it. */
export async function workerCommand(ctx: CliContext): Promise<number> {
  const project = await ctx.needProject('worker');
  if (project.createWorker === undefined) {
    throw new PocketFlowError(`${ctx.configPath} has no createWorker; add one to run a worker.`);
  }
  const settings = connectionSettings();
  installWorkerRuntime();
  const connection = await NativeConnection.connect({ ...settings.options, address: settings.address }).catch((error: unknown) => {
    throw new ServerUnreachableError(settings.address, error, 'Start one (npx pocketflow-temporal server start), or set TEMPORAL_ADDRESS to a running server.');
  });
  const taskQueue = taskQueueOf(project);
  const worker = await project.createWorker({ connection, namespace: settings.namespace, taskQueue });
  ctx.out(`Worker polling task queue '${taskQueue}' on ${settings.address} (namespace ${settings.namespace}).\n`);
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
  return 0;
}
