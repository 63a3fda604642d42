// The flow in-process, with no server: you answer in the terminal (`npm run local`).
import { TerminalInput } from 'pocketflow-temporal';
import { createWriter } from './activities/writer.js';
import { createPublishFlow, type Shared } from './workflows/publish.js';

const shared: Shared = {};
const input = new TerminalInput();
try {
  await createPublishFlow().setParams({ style: 'brief' }).runAsync(shared, { services: createWriter(), input });
} finally {
  input.close();
}
console.log(JSON.stringify(shared));
