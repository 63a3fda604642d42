/** A fork's lineage, as its memo records it: which run it was forked from, at which step. */
import { FORK_MEMO, type ForkRecord } from './definitions.js';

/** What a run recorded of its source, from its memo (a description or a listed run); undefined for a run that is no fork. */
export function forkRecordOf(run: { memo?: Record<string, unknown> }): ForkRecord | undefined {
  const record = run.memo?.[FORK_MEMO] as Partial<ForkRecord> | undefined;
  if (typeof record !== 'object' || record === null || typeof record.of !== 'string' || typeof record.step !== 'number') {
    return undefined;
  }
  return { of: record.of, runId: record.runId ?? '', step: record.step, node: record.node ?? '' };
}

/** How a fork reads in the Web UI, `status`, `list` and the inbox: "fork of <id> at step N (node)". */
export function forkSummary(record: ForkRecord): string {
  return `fork of ${record.of} at step ${record.step} (${record.node})`;
}
