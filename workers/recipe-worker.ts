// The Recipe Finder's worker. Connection settings follow Temporal's environment conventions
// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, TEMPORAL_PROFILE);
// the task queue is TEMPORAL_TASK_QUEUE. SIGINT or SIGTERM drains it and exits.
import { NativeConnection } from '@temporalio/worker';
import { DEFAULT_TASK_QUEUE } from '../src/recipe/flows.js';
import { createRecipeWorker } from '../src/recipe/worker.js';
import { connectionSettings } from '../src/temporal/connection.js';

const settings = connectionSettings();
const taskQueue = process.env['TEMPORAL_TASK_QUEUE'] || DEFAULT_TASK_QUEUE;
const connection = await NativeConnection.connect(settings.options);
const worker = await createRecipeWorker({ connection, namespace: settings.namespace, taskQueue });
console.log(`Worker polling task queue '${taskQueue}' on ${settings.address} (namespace ${settings.namespace}).`);
await worker.run();
await connection.close();
console.log('Worker stopped.');
