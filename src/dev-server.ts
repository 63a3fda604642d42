/**
 * A local Temporal dev server for development and tests: finds (or installs) the Temporal CLI
 * and runs `temporal server start-dev` on 127.0.0.1.
 *
 * @example
 * ```ts
 * import { startDevServer } from 'pocketflow-temporal/dev-server';
 *
 * const server = await startDevServer({ uiPort: 8233 });
 * console.log(server.address, server.uiUrl);
 * await server.stop();
 * ```
 */
export { freePort, isServerReachable, startDevServer } from './temporal/dev-server.js';
export type { DevServer, DevServerOptions } from './temporal/dev-server.js';
export { resolveTemporalCli } from './temporal/cli-binary.js';
export { DevServerError } from './temporal/errors.js';
