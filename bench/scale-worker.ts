// The scale benchmark's worker, in its own process so that its peak memory is its own.
// Usage: node --import tsx bench/scale-worker.ts <address> <taskQueue> <bundlePath>
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createFlowWorker } from '../src/temporal/worker.js';
import { scaleFlows } from './scale-flows.js';

Runtime.install({ logger: new DefaultLogger('WARN') });
const [address, taskQueue, bundlePath] = process.argv.slice(2) as [string, string, string];
const connection = await NativeConnection.connect({ address });
const worker = await createFlowWorker({
  flows: scaleFlows,
  taskQueue,
  connection,
  versioning: false,
  log: () => {},
  workflowBundle: { codePath: bundlePath },
});
const running = worker.run();
process.stdout.write('worker ready\n');
process.once('SIGTERM', () => worker.shutdown());
await running;
await connection.close();
