/** Temporal's list filter (visibility queries) as the command line writes it, and the runs a filter lists. */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers.js';
import { extstoreInboundOptions, visit, walkListWorkflowExecutionsResponse } from '@temporalio/common/lib/internal-non-workflow/index.js';

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

/** A listed run; `memoError` says why its memo could not be decoded here (it is then empty). */
export type ListedRun = WorkflowExecutionInfo & { memoError?: string };

/**
 * The runs that `query` finds, newest first, page by page, as `client.workflow.list` gives them,
 * except that a run whose memo this process cannot decode (encrypted with keys it lacks) is still
 * listed, with an empty memo and `memoError`, instead of ending the listing for every run.
 */
export async function* listRuns(client: Client, query: string): AsyncGenerator<ListedRun> {
  const { namespace, loadedDataConverter } = client.options;
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({ namespace, query, nextPageToken });
    // Payloads kept in external storage are brought back first, as the SDK's own listing does.
    await visit(page, walkListWorkflowExecutionsResponse, extstoreInboundOptions(loadedDataConverter.externalStorage));
    for (const raw of page.executions) {
      const run: ListedRun = await executionInfoFromRaw(raw, loadedDataConverter, raw, namespace).catch(async (error: unknown) => ({
        ...(await executionInfoFromRaw({ ...raw, memo: null }, loadedDataConverter, raw, namespace)),
        memoError: (error as Error).message,
      }));
      yield run;
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken !== undefined);
}
