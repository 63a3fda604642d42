/** Reads a run's history: event counts by type, encoded size, server-side duration, event times. */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

const { temporal } = proto;

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

export interface HistoryStats {
  events: number;
  bytes: number;
  /** WorkflowExecutionStarted to the closing event, by the server's clock. */
  serverMs: number;
  byType: Record<string, number>;
  /** Time the worker held workflow tasks: the sum of WorkflowTaskStarted to its Completed or Failed event. */
  workflowTaskMs: number;
  /** Median WorkflowTaskScheduled to WorkflowTaskStarted: how long a workflow task waited for the worker. */
  workflowTaskWaitMedianMs: number;
  /** Median ActivityTaskStarted to ActivityTaskCompleted. */
  activityRunMedianMs: number;
  /** Where the time of a run with activities goes, by the server's clock (see `activityTimeline`). */
  timeline: ActivityTimeline;
}

export interface TimedEvent {
  type: string;
  timeMs: number;
  eventId: number;
  /** For activity started, completed and failed events: the ActivityTaskScheduled they belong to. */
  scheduledEventId?: number;
}

/** Milliseconds from WorkflowExecutionStarted, unless said otherwise. */
export interface ActivityTimeline {
  activities: number;
  /** The first workflow task: scheduled, picked up by the worker, completed (the activities are scheduled then). */
  firstTaskStartedMs: number;
  firstTaskCompletedMs: number;
  /** ActivityTaskStarted of the first and of the last activity to start. */
  firstActivityStartedMs: number;
  lastActivityStartedMs: number;
  /** ActivityTaskScheduled → ActivityTaskStarted: how long an activity waited for a worker slot or a poll. */
  activityWaitMedianMs: number;
  activityWaitP95Ms: number;
  activityWaitMaxMs: number;
  /** ActivityTaskStarted → ActivityTaskCompleted. */
  activityRunMedianMs: number;
  activityRunMaxMs: number;
  lastActivityCompletedMs: number;
  /** The closing event. */
  closedMs: number;
  /** Workflow tasks: count, summed Started → Completed, summed Scheduled → Started. */
  workflowTasks: number;
  workflowTaskHeldMs: number;
  workflowTaskWaitedMs: number;
}

export interface FetchedHistory {
  stats: HistoryStats;
  events: TimedEvent[];
}

/** Epoch milliseconds (with the sub-millisecond part) of a protobuf timestamp. */
export function timestampMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (ts === null || ts === undefined) {
    return Number.NaN;
  }
  return Number(String(ts.seconds ?? 0)) * 1000 + (ts.nanos ?? 0) / 1e6;
}

function typeName(event: HistoryEvent): string {
  const name = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? `EVENT_TYPE_${String(event.eventType)}`;
  return name
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m: string, _sep: string, letter: string) => letter.toUpperCase());
}

/** Fetches the history of `workflowId` and summarizes it. */
export async function fetchHistory(client: Client, workflowId: string): Promise<FetchedHistory> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const raw = history.events ?? [];
  const events = raw.map(timedEvent);
  const byType: Record<string, number> = {};
  for (const event of events) {
    byType[event.type] = (byType[event.type] ?? 0) + 1;
  }
  const spans = workflowTaskSpans(events);
  const first = events[0];
  const last = events[events.length - 1];
  return {
    stats: {
      events: events.length,
      bytes: temporal.api.history.v1.History.encode(history).finish().length,
      serverMs: first === undefined || last === undefined ? Number.NaN : last.timeMs - first.timeMs,
      byType,
      workflowTaskMs: spans.held.reduce((total, ms) => total + ms, 0),
      workflowTaskWaitMedianMs: median(spans.waited),
      activityRunMedianMs: median(spans.activityRuns),
      timeline: activityTimeline(events),
    },
    events,
  };
}

function timedEvent(event: HistoryEvent): TimedEvent {
  const scheduled =
    event.activityTaskStartedEventAttributes?.scheduledEventId ??
    event.activityTaskCompletedEventAttributes?.scheduledEventId ??
    event.activityTaskFailedEventAttributes?.scheduledEventId ??
    event.activityTaskTimedOutEventAttributes?.scheduledEventId;
  return {
    type: typeName(event),
    timeMs: timestampMs(event.eventTime),
    eventId: Number(String(event.eventId ?? 0)),
    ...(scheduled === undefined || scheduled === null ? {} : { scheduledEventId: Number(String(scheduled)) }),
  };
}

function quantileOf(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const position = (sorted.length - 1) * q;
  const low = sorted[Math.floor(position)] as number;
  const high = sorted[Math.ceil(position)] as number;
  return low + (high - low) * (position - Math.floor(position));
}

/** Where a run's time goes: its workflow tasks, and when its activities waited, started and finished. */
export function activityTimeline(events: readonly TimedEvent[]): ActivityTimeline {
  const t0 = events[0]?.timeMs ?? Number.NaN;
  const scheduledAt = new Map<number, number>();
  const startedAt = new Map<number, number>();
  const waits: number[] = [];
  const runs: number[] = [];
  const starts: number[] = [];
  let lastCompleted = Number.NaN;
  let firstTaskStarted = Number.NaN;
  let firstTaskCompleted = Number.NaN;
  for (const event of events) {
    if (event.type === 'ActivityTaskScheduled') {
      scheduledAt.set(event.eventId, event.timeMs);
    } else if (event.type === 'ActivityTaskStarted' && event.scheduledEventId !== undefined) {
      startedAt.set(event.scheduledEventId, event.timeMs);
      starts.push(event.timeMs - t0);
      const scheduled = scheduledAt.get(event.scheduledEventId);
      if (scheduled !== undefined) {
        waits.push(event.timeMs - scheduled);
      }
    } else if (event.type === 'ActivityTaskCompleted' && event.scheduledEventId !== undefined) {
      const started = startedAt.get(event.scheduledEventId);
      if (started !== undefined) {
        runs.push(event.timeMs - started);
      }
      lastCompleted = event.timeMs - t0;
    } else if (event.type === 'WorkflowTaskStarted' && Number.isNaN(firstTaskStarted)) {
      firstTaskStarted = event.timeMs - t0;
    } else if (event.type === 'WorkflowTaskCompleted' && Number.isNaN(firstTaskCompleted)) {
      firstTaskCompleted = event.timeMs - t0;
    }
  }
  const spans = workflowTaskSpans(events);
  const last = events[events.length - 1];
  return {
    activities: scheduledAt.size,
    firstTaskStartedMs: firstTaskStarted,
    firstTaskCompletedMs: firstTaskCompleted,
    firstActivityStartedMs: starts.length === 0 ? Number.NaN : Math.min(...starts),
    lastActivityStartedMs: starts.length === 0 ? Number.NaN : Math.max(...starts),
    activityWaitMedianMs: quantileOf(waits, 0.5),
    activityWaitP95Ms: quantileOf(waits, 0.95),
    activityWaitMaxMs: waits.length === 0 ? Number.NaN : Math.max(...waits),
    activityRunMedianMs: quantileOf(runs, 0.5),
    activityRunMaxMs: runs.length === 0 ? Number.NaN : Math.max(...runs),
    lastActivityCompletedMs: lastCompleted,
    closedMs: last === undefined ? Number.NaN : last.timeMs - t0,
    workflowTasks: spans.held.length,
    workflowTaskHeldMs: spans.held.reduce((total, ms) => total + ms, 0),
    workflowTaskWaitedMs: spans.waited.reduce((total, ms) => total + ms, 0),
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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function workflowTaskSpans(events: readonly TimedEvent[]): { held: number[]; waited: number[]; activityRuns: number[] } {
  const held: number[] = [];
  const waited: number[] = [];
  const activityRuns: number[] = [];
  let scheduledAt: number | undefined;
  let startedAt: number | undefined;
  let activityStartedAt: number | undefined;
  for (const event of events) {
    switch (event.type) {
      case 'WorkflowTaskScheduled':
        scheduledAt = event.timeMs;
        break;
      case 'WorkflowTaskStarted':
        if (scheduledAt !== undefined) {
          waited.push(event.timeMs - scheduledAt);
        }
        startedAt = event.timeMs;
        break;
      case 'WorkflowTaskCompleted':
      case 'WorkflowTaskFailed':
      case 'WorkflowTaskTimedOut':
        if (startedAt !== undefined) {
          held.push(event.timeMs - startedAt);
        }
        startedAt = undefined;
        scheduledAt = undefined;
        break;
      case 'ActivityTaskStarted':
        activityStartedAt = event.timeMs;
        break;
      case 'ActivityTaskCompleted':
        if (activityStartedAt !== undefined) {
          activityRuns.push(event.timeMs - activityStartedAt);
        }
        activityStartedAt = undefined;
        break;
      default:
        activityStartedAt = undefined;
    }
  }
  return { held, waited, activityRuns };
}
