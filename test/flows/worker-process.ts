// A worker for the test flows in its own process, so that a test can kill it with SIGKILL.
// Usage: node --import tsx test/flows/worker-process.ts <address> <taskQueue> <bundlePath>
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createFlowWorker } from '../../src/temporal/worker.js';
import { testFlows } from './registry.js';

Runtime.install({ logger: new DefaultLogger('WARN') });
const [address, taskQueue, bundlePath] = process.argv.slice(2) as [string, string, string];
const connection = await NativeConnection.connect({ address });
const worker = await createFlowWorker({
  flows: testFlows,
  taskQueue,
  connection,
  workflowBundle: { codePath: bundlePath },
});
const running = worker.run();
process.stdout.write('worker ready\n');
await running;
await connection.close();
