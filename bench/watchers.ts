/**
 * A process of readers for benchmark 7: `node --import tsx bench/watchers.ts <address> <count>`
 * opens `count` connections to the server, says `ready`, then for each `watch <workflowId>` line on
 * stdin reads that run's events with `count` streamFlow iterators at once, one per connection, as
 * that many `watch` commands would. It says `watching <id>` once every reader has its first event,
 * and `done <id> <fewest> <most>` (events read by a reader) once every reader reached the run's end.
 */
import { createInterface } from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import { clientDataConverter } from '../src/temporal/data-converter.js';
import { streamFlow } from '../src/temporal/event-stream.js';

const [address, countArg] = process.argv.slice(2);
const count = Number(countArg);
if (address === undefined || !Number.isInteger(count) || count < 1) {
  throw new Error('Usage: watchers.ts <address> <count>');
}

const clients = await Promise.all(
  Array.from({ length: count }, async () => new Client({ connection: await Connection.connect({ address }), dataConverter: clientDataConverter() })),
);
console.log('ready');

async function watch(workflowId: string): Promise<void> {
  let started = 0;
  const events = await Promise.all(
    clients.map(async (client) => {
      let read = 0;
      for await (const _event of streamFlow(client, workflowId)) {
        if (++read === 1 && ++started === clients.length) {
          console.log(`watching ${workflowId}`);
        }
      }
      return read;
    }),
  );
  console.log(`done ${workflowId} ${Math.min(...events)} ${Math.max(...events)}`);
}

for await (const line of createInterface({ input: process.stdin })) {
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
