// The worker: the workflow bundle, and one activity per node whose exec does I/O. Connection
// settings follow Temporal's environment configuration (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, ...).
import { fileURLToPath } from 'node:url';
import { NativeConnection } from '@temporalio/worker';
import { connectionSettings, createFlowWorker, type FlowWorker, type FlowWorkerOptions } from 'pocketflow-temporal/worker';
import { createWriter } from '../activities/writer.js';
import { flows } from '../workflows/flows.js';
import type { Writer } from '../workflows/publish.js';

/** The bundle entry beside this file: the .ts when run from source, the .js once compiled. */
const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

/** Creates (but does not run) the worker; what is not given comes from the environment. */
export async function createPublishWorker(options: Partial<FlowWorkerOptions<Writer>> = {}): Promise<FlowWorker> {
  const settings = connectionSettings();
  return createFlowWorker({
    flows,
    taskQueue: process.env['TEMPORAL_TASK_QUEUE'] || 'publishing',
    connection: options.connection ?? (await NativeConnection.connect(settings.options)),
    namespace: options.namespace ?? settings.namespace,
    workflowsPath: WORKFLOWS_PATH,
    services: createWriter(),
    ...options,
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const worker = await createPublishWorker();
  console.log(`worker ready: polling task queue '${worker.options.taskQueue}'`);
  await worker.run();
}
