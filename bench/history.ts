/** Reads a run's history: event counts by type, encoded size, and where its time went by the server's clock. */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { summarize } from './stats.js';

const { temporal } = proto;

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

export interface HistoryStats {
  events: number;
  bytes: number;
  /** WorkflowExecutionStarted to the closing event. */
  serverMs: number;
  byType: Record<string, number>;
  /** Time the worker held workflow tasks: the sum of WorkflowTaskStarted to its Completed, Failed or TimedOut. */
  workflowTaskMs: number;
  /** Median WorkflowTaskScheduled → WorkflowTaskStarted: how long a workflow task waited for the worker. */
  workflowTaskWaitMedianMs: number;
  /** Median ActivityTaskStarted → ActivityTaskCompleted. */
  activityRunMedianMs: number;
  /** For each signal, the time until the next ActivityTaskStarted. */
  signalToActivityStartMs: number[];
}

export interface TimedEvent {
  /** The event type's name, as the Web UI shows it: `WorkflowTaskStarted`. */
  type: string;
  /** Epoch ms. */
  timeMs: number;
}

function timestampMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return ts === null || ts === undefined ? Number.NaN : Number(String(ts.seconds ?? 0)) * 1000 + (ts.nanos ?? 0) / 1e6;
}

function typeName(event: HistoryEvent): string {
  const name = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? `EVENT_TYPE_${String(event.eventType)}`;
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m: string, _sep: string, letter: string) => letter.toUpperCase());
}

/** Fetches the history of `workflowId`, its events and their summary. */
export async function fetchHistory(client: Client, workflowId: string): Promise<{ stats: HistoryStats; events: TimedEvent[] }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = (history.events ?? []).map((event) => ({ type: typeName(event), timeMs: timestampMs(event.eventTime) }));
  const byType: Record<string, number> = {};
  const activityStarted = new Map<string, number>();
  const activityRuns: number[] = [];
  const taskWaits: number[] = [];
  const taskHeld: number[] = [];
  const signalToActivityStartMs: number[] = [];
  let taskScheduledAt = Number.NaN;
  let taskStartedAt = Number.NaN;
  let signalAt: number | undefined;
  (history.events ?? []).forEach((raw, index) => {
    const { type, timeMs: at } = events[index] as TimedEvent;
    byType[type] = (byType[type] ?? 0) + 1;
    switch (type) {
      case 'WorkflowTaskScheduled':
        taskScheduledAt = at;
        break;
      case 'WorkflowTaskStarted':
        taskWaits.push(at - taskScheduledAt);
        taskStartedAt = at;
        break;
      case 'WorkflowTaskCompleted':
      case 'WorkflowTaskFailed':
      case 'WorkflowTaskTimedOut':
        taskHeld.push(at - taskStartedAt);
        break;
      case 'WorkflowExecutionSignaled':
        signalAt = at;
        break;
      case 'ActivityTaskStarted':
        activityStarted.set(String(raw.activityTaskStartedEventAttributes?.scheduledEventId), at);
        if (signalAt !== undefined) {
          signalToActivityStartMs.push(at - signalAt);
          signalAt = undefined;
        }
        break;
      case 'ActivityTaskCompleted':
        activityRuns.push(at - (activityStarted.get(String(raw.activityTaskCompletedEventAttributes?.scheduledEventId)) ?? Number.NaN));
        break;
    }
  });
  return {
    stats: {
      events: events.length,
      bytes: temporal.api.history.v1.History.encode(history).finish().length,
      serverMs: (events.at(-1)?.timeMs ?? Number.NaN) - (events[0]?.timeMs ?? Number.NaN),
      byType,
      workflowTaskMs: taskHeld.reduce((total, ms) => total + ms, 0),
      workflowTaskWaitMedianMs: summarize(taskWaits).median,
      activityRunMedianMs: summarize(activityRuns).median,
      signalToActivityStartMs,
    },
    events,
  };
}
