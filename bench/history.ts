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
  timeline: ActivityTimeline;
}

/** Milliseconds from WorkflowExecutionStarted, unless said otherwise. */
export interface ActivityTimeline {
  /** The first workflow task completed: a fan-out's activities are all scheduled then. */
  firstTaskCompletedMs: number;
  lastActivityStartedMs: number;
  /** ActivityTaskScheduled → ActivityTaskStarted: how long an activity waited for a worker slot or a poll. */
  activityWaitMedianMs: number;
  activityWaitP95Ms: number;
  /** ActivityTaskStarted → ActivityTaskCompleted. */
  activityRunMedianMs: number;
  lastActivityCompletedMs: number;
  workflowTasks: number;
}

export interface TimedEvent {
  type: string;
  /** Epoch ms. */
  timeMs: number;
  eventId: number;
  /** For activity started, completed and failed events: the ActivityTaskScheduled they belong to. */
  scheduledEventId?: number;
}

function timestampMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return ts === null || ts === undefined ? Number.NaN : Number(String(ts.seconds ?? 0)) * 1000 + (ts.nanos ?? 0) / 1e6;
}

function timedEvent(event: HistoryEvent): TimedEvent {
  const name = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? `EVENT_TYPE_${String(event.eventType)}`;
  const type = name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m: string, _sep: string, letter: string) => letter.toUpperCase());
  const scheduled =
    event.activityTaskStartedEventAttributes?.scheduledEventId ??
    event.activityTaskCompletedEventAttributes?.scheduledEventId ??
    event.activityTaskFailedEventAttributes?.scheduledEventId ??
    event.activityTaskTimedOutEventAttributes?.scheduledEventId;
  return {
    type,
    timeMs: timestampMs(event.eventTime),
    eventId: Number(String(event.eventId ?? 0)),
    ...(scheduled === undefined || scheduled === null ? {} : { scheduledEventId: Number(String(scheduled)) }),
  };
}

/** Fetches the history of `workflowId`, its events and their summary. */
export async function fetchHistory(client: Client, workflowId: string): Promise<{ stats: HistoryStats; events: TimedEvent[] }> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = (history.events ?? []).map(timedEvent);
  const t0 = events[0]?.timeMs ?? Number.NaN;
  const byType: Record<string, number> = {};
  const activityScheduled = new Map<number, number>();
  const activityStarted = new Map<number, number>();
  const activityWaits: number[] = [];
  const activityRuns: number[] = [];
  const taskWaits: number[] = [];
  const taskHeld: number[] = [];
  let taskScheduledAt: number | undefined;
  let taskStartedAt: number | undefined;
  const timeline = { firstTaskCompletedMs: Number.NaN, lastActivityStartedMs: -Infinity, lastActivityCompletedMs: Number.NaN };
  for (const event of events) {
    byType[event.type] = (byType[event.type] ?? 0) + 1;
    const at = event.timeMs;
    const activity = event.scheduledEventId;
    switch (event.type) {
      case 'WorkflowTaskScheduled':
        taskScheduledAt = at;
        break;
      case 'WorkflowTaskStarted':
        if (taskScheduledAt !== undefined) {
          taskWaits.push(at - taskScheduledAt);
        }
        taskStartedAt = at;
        break;
      case 'WorkflowTaskCompleted':
      case 'WorkflowTaskFailed':
      case 'WorkflowTaskTimedOut':
        if (taskStartedAt !== undefined) {
          taskHeld.push(at - taskStartedAt);
        }
        if (event.type === 'WorkflowTaskCompleted' && Number.isNaN(timeline.firstTaskCompletedMs)) {
          timeline.firstTaskCompletedMs = at - t0;
        }
        taskScheduledAt = undefined;
        taskStartedAt = undefined;
        break;
      case 'ActivityTaskScheduled':
        activityScheduled.set(event.eventId, at);
        break;
      case 'ActivityTaskStarted':
        if (activity !== undefined) {
          activityStarted.set(activity, at);
          activityWaits.push(at - (activityScheduled.get(activity) ?? Number.NaN));
          timeline.lastActivityStartedMs = Math.max(timeline.lastActivityStartedMs, at - t0);
        }
        break;
      case 'ActivityTaskCompleted':
        if (activity !== undefined) {
          activityRuns.push(at - (activityStarted.get(activity) ?? Number.NaN));
          timeline.lastActivityCompletedMs = at - t0;
        }
        break;
    }
  }
  const waits = summarize(activityWaits);
  const runs = summarize(activityRuns);
  return {
    stats: {
      events: events.length,
      bytes: temporal.api.history.v1.History.encode(history).finish().length,
      serverMs: (events[events.length - 1]?.timeMs ?? Number.NaN) - t0,
      byType,
      workflowTaskMs: taskHeld.reduce((total, ms) => total + ms, 0),
      workflowTaskWaitMedianMs: summarize(taskWaits).median,
      activityRunMedianMs: runs.median,
      timeline: { ...timeline, activityWaitMedianMs: waits.median, activityWaitP95Ms: waits.p95, activityRunMedianMs: runs.median, workflowTasks: taskHeld.length },
    },
    events,
  };
}

/** For each signal, the time until the next activity started, by the server's clock. */
export function signalToActivityStart(events: readonly TimedEvent[]): number[] {
  const latencies: number[] = [];
  let signalAt: number | undefined;
  for (const event of events) {
    if (event.type === 'WorkflowExecutionSignaled') {
      signalAt = event.timeMs;
    } else if (event.type === 'ActivityTaskStarted' && signalAt !== undefined) {
      latencies.push(event.timeMs - signalAt);
      signalAt = undefined;
    }
  }
  return latencies;
}
