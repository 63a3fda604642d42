// What the `pocketflow-temporal` command line knows of this project: its flows, its task queue and
// its worker (loaded only by the commands that run one: run, attach, worker).
import { defineProject } from 'pocketflow-temporal/cli';
import { flows } from './workflows/flows.js';

export default defineProject({
  flows,
  taskQueue: 'publishing',
  workflowsPath: './workflows/index.ts',
  defaultFlow: 'publish',
  createWorker: async (options) => (await import('./workers/publish-worker.js')).createPublishWorker(options),
  createServices: async () => (await import('./activities/writer.js')).createWriter(),
  answers: { approve: 'y', reject: 'n' },
});
