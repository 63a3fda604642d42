/** Temporal's list filter (visibility queries) as the command line writes it. */
/** A string literal of Temporal's list filter. */
export function quoted(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The query for the project's runs: open ones (or closed ones), of `flows`, narrowed by a user's `extra` filter. */
export function runsQuery(flows: string[], options: { closed?: boolean; extra?: string }): string {
  const types = flows.map(quoted).join(', ');
  const clauses = [`WorkflowType IN (${types})`, options.closed === true ? "ExecutionStatus != 'Running'" : "ExecutionStatus = 'Running'"];
  if (options.extra !== undefined && options.extra.trim() !== '') {
    clauses.push(`(${options.extra})`);
  }
  return clauses.join(' AND ');
}
