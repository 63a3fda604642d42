/**
 * pocketflow-temporal: PocketFlow's nodes and flows in TypeScript, run in-process or durably on
 * Temporal. This entry is the in-process runtime: nodes, flows, input sources. It loads no part
 * of the Temporal SDK; the Temporal sides have their own entries:
 * `pocketflow-temporal/workflow` (flow modules and the workflow bundle),
 * `pocketflow-temporal/worker`, `pocketflow-temporal/client` and `pocketflow-temporal/dev-server`.
 *
 * @example
 * ```ts
 * import { AsyncFlow, AsyncNode, TerminalInput } from 'pocketflow-temporal';
 *
 * class Greet extends AsyncNode<{ name?: string }> {
 *   async prepAsync(shared: { name?: string }) {
 *     shared.name = await this.getUserInput('Your name?');
 *   }
 * }
 * await new AsyncFlow(new Greet()).runAsync({}, { input: new TerminalInput() });
 * ```
 */
export * from './core/index.js';
export { InputClosedError, TerminalInput } from './terminal/terminal-input.js';
