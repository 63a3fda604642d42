import { type AnyFlow, Flow } from './flow.js';
import { ownNodes } from './node.js';
import type { AnyNode } from './node.js';

/** Renders a flow's graph as a Mermaid flowchart; nested flows become subgraphs. */
export function toMermaid(flow: AnyFlow): string {
  const lines = ['flowchart TD'];
  const ids = new Map<AnyNode, string>();
  const idOf = (node: AnyNode): string => {
    let id = ids.get(node);
    if (id === undefined) {
      id = `n${ids.size}`;
      ids.set(node, id);
    }
    return id;
  };
  const render = (inner: AnyFlow, indent: string): void => {
    const own = ownNodes(inner);
    for (const node of own) {
      if (node instanceof Flow) {
        lines.push(`${indent}subgraph ${idOf(node)}["${escape(node.name)}"]`);
        render(node, `${indent}  `);
        lines.push(`${indent}end`);
      } else {
        lines.push(`${indent}${idOf(node)}["${escape(node.name)}"]`);
      }
    }
    for (const node of own) {
      for (const [action, next] of node.successors) {
        const label = action === 'default' ? '' : `|"${escape(action)}"|`;
        lines.push(`${indent}${idOf(node)} -->${label} ${idOf(next)}`);
      }
    }
  };
  render(flow, '  ');
  return lines.join('\n');
}

function escape(text: string): string {
  return text.replace(/"/g, '#quot;');
}
