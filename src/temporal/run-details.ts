/**
 * What the Web UI shows of a run before it does anything (beside the summary its registration
 * gives): static details holding the flow's graph (Mermaid) and its nodes with the retry
 * policy and timeouts their execs run with.
 */
import { type AnyFlow, type AnyNode, Flow, toMermaid } from '../core/index.js';
import { HAS_EXEC, reachableNodes } from '../core/internal.js';
import { DEFAULT_START_TO_CLOSE } from './definitions.js';


/** The run's static details, in Markdown: the graph and a table of the nodes. */
export function runDetails(name: string, flow: AnyFlow): string {
  const rows = reachableNodes(flow).map((node) => {
    const [runsAs, tries, wait, timeouts] = execColumns(node);
    return `| \`${node.name}\` | ${node.constructor.name} | ${runsAs} | ${tries} | ${wait} | ${timeouts} |`;
  });
  return [
    `**Flow \`${name}\`**`,
    '```mermaid',
    toMermaid(flow),
    '```',
    '| Node | Class | Exec runs as | Tries | Wait between | Timeouts |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function execColumns(node: AnyNode): [string, string, string, string] {
  if (node instanceof Flow) {
    return ['a nested flow', '', '', ''];
  }
  if (node.waitsForPerson) {
    return ['the workflow: a wait for a person', '', '', ''];
  }
  if (!node[HAS_EXEC]) {
    return ['nothing (no exec)', '', '', ''];
  }
  const t = node.options.temporal ?? {};
  const runsAs = t.local === true ? 'local activity' : t.taskQueue === undefined ? 'activity' : `activity on task queue \`${t.taskQueue}\``;
  const timeouts = [
    `start-to-close ${String(t.startToCloseTimeout ?? DEFAULT_START_TO_CLOSE)}`,
    t.scheduleToCloseTimeout === undefined ? undefined : `schedule-to-close ${String(t.scheduleToCloseTimeout)}`,
    t.heartbeatTimeout === undefined ? undefined : `heartbeat ${String(t.heartbeatTimeout)}`,
  ].filter((part) => part !== undefined);
  const backoff = (t.backoffCoefficient ?? 1) === 1 ? '' : `, backoff ×${t.backoffCoefficient}`;
  return [runsAs, String(node.maxRetries), `${node.wait} s${backoff}`, timeouts.join(', ')];
}
