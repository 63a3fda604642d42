/**
 * The command line's project file: `pocketflow.config.ts` at a project's root tells
 * `pocketflow-temporal` (run, start, list, status, respond, attach, graph, worker) which flows
 * the project registers, its task queue and how to start its worker.
 *
 * @example
 * ```ts
 * // pocketflow.config.ts
 * import { defineProject } from 'pocketflow-temporal/cli';
 * import { flows } from './workflows/flows.js';
 *
 * export default defineProject({
 *   flows,
 *   taskQueue: 'my-flows',
 *   createWorker: async (options) => (await import('./workers/worker.js')).createMyWorker(options),
 * });
 * ```
 */
export { defineProject, NoProjectError, PROJECT_FILE } from './project.js';
export type { ProjectConfig } from './project.js';
