/**
 * A process of readers for section 8: `node --import tsx bench/watchers.ts <address> <count>` opens
 * `count` connections to the server, says `ready`, then for each `watch <workflowId>` line on stdin
 * reads that run's events with `count` streamFlow iterators at once, one per connection, as that
 * many `watch` commands would. It says `watching <id>` once every reader has its first event; when
 * every reader has reached the run's end, `arrivals <id> <json>` (per reader, when each token of the
 * stand-in's reply arrived, by token index, epoch ms: performance.timeOrigin + performance.now())
 * and then `done <id> <fewest> <most> <queries> <history reads>` (events read by a reader; the
 * readers' queries and history calls on that run, all readers together).
 */
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import { clientDataConverter } from '../src/temporal/data-converter.js';
import { streamFlow } from '../src/temporal/event-stream.js';
import { pieceIndex } from './llm-stand-in.js';

const [address, countArg] = process.argv.slice(2);
const count = Number(countArg);
if (address === undefined || !Number.isInteger(count) || count < 1) {
  throw new Error('Usage: watchers.ts <address> <count>');
}

const calls = { queries: 0, historyReads: 0 };
const clients = await Promise.all(
  Array.from({ length: count }, async () => {
    const client = new Client({ connection: await Connection.connect({ address }), dataConverter: clientDataConverter() });
    // Each reader's own connection, its calls counted.
    const service = client.connection.workflowService;
    const query = service.queryWorkflow.bind(service);
    const history = service.getWorkflowExecutionHistory.bind(service);
    service.queryWorkflow = ((...args: Parameters<typeof query>) => {
      calls.queries += 1;
      return query(...args);
    }) as typeof query;
    service.getWorkflowExecutionHistory = ((...args: Parameters<typeof history>) => {
      calls.historyReads += 1;
      return history(...args);
    }) as typeof history;
    return client;
  }),
);
console.log('ready');

async function watch(workflowId: string): Promise<void> {
  let started = 0;
  // Runs are watched one at a time: the calls from here on are this run's.
  const before = { ...calls };
  const read = await Promise.all(
    clients.map(async (client) => {
      let events = 0;
      const arrivedAt: number[] = [];
      for await (const event of streamFlow(client, workflowId)) {
        const at = performance.timeOrigin + performance.now();
        events += 1;
        if (events === 1 && ++started === clients.length) {
          console.log(`watching ${workflowId}`);
        }
        const index = event.type === 'text' ? pieceIndex(event.text) : undefined;
        if (index !== undefined) {
          arrivedAt[index] = Math.round(at * 100) / 100;
        }
      }
      return { events, arrivedAt };
    }),
  );
  console.log(`arrivals ${workflowId} ${JSON.stringify(read.map((reader) => reader.arrivedAt))}`);
  const events = read.map((reader) => reader.events);
  console.log(`done ${workflowId} ${Math.min(...events)} ${Math.max(...events)} ${calls.queries - before.queries} ${calls.historyReads - before.historyReads}`);
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const [command, workflowId] = line.split(' ');
  if (command === 'watch' && workflowId !== undefined) {
    void watch(workflowId).catch((error: unknown) => {
      console.log(`failed ${workflowId} ${error instanceof Error ? error.message : String(error)}`);
    });
  }
}
for (const client of clients) {
  await client.connection.close();
}
