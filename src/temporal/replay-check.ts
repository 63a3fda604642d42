/**
 * Replaying runs against workflow code without a worker and without a change on the server: which
 * runs a build would break, and at which node.
 */
import type { Client, WorkflowExecutionDescription, WorkflowExecutionInfo } from '@temporalio/client';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workerDataConverter } from './data-converter.js';
import { NODE_SEARCH_ATTRIBUTE } from './definitions.js';
import { versioningOfDescription } from './deployments.js';
import { versionKey } from './versioning.js';
import { listRuns } from './visibility.js';

const { temporal } = proto;
type History = proto.temporal.api.history.v1.IHistory;
const EventType = temporal.api.enums.v1.EventType;

/** An open or recent run to replay. */
export interface RunToReplay {
  workflowId: string;
  runId: string;
  flow: string;
  /** The build the run is on (`<deployment>:<build id>`), when versioned. */
  version: string | undefined;
  /** True when the run stays on its build (Worker Versioning's pinned behaviour). */
  pinned: boolean;
  /** True for a run that has ended (replayed only to check queries against it). */
  closed: boolean;
  history: History;
}

/** The runs that `query` finds (newest first, at most `limit`), each with its history. */
export async function runsToReplay(client: Client, query: string, limit: number): Promise<RunToReplay[]> {
  const runs: RunToReplay[] = [];
  for await (const run of listRuns(client, query)) {
    if (runs.length >= limit) {
      break;
    }
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    const version = keyword(run, 'TemporalWorkerDeploymentVersion');
    const pinned = keyword(run, 'TemporalWorkflowVersioningBehavior') === 'Pinned';
    const closed = run.status.name !== 'RUNNING';
    runs.push({ workflowId: run.workflowId, runId: run.runId, flow: run.type, version, pinned, closed, history });
  }
  return runs;
}

/** A described run, with its history read now. */
export async function runToReplay(client: Client, described: WorkflowExecutionDescription): Promise<RunToReplay> {
  const history = await client.workflow.getHandle(described.workflowId, described.runId).fetchHistory();
  const versioning = versioningOfDescription(described);
  return {
    workflowId: described.workflowId,
    runId: described.runId,
    flow: described.type,
    version: versioning === undefined ? undefined : versionKey(versioning.deploymentName, versioning.buildId),
    pinned: versioning?.behavior === 'pinned',
    closed: described.status.name !== 'RUNNING',
    history,
  };
}

function keyword(run: WorkflowExecutionInfo, name: string): string | undefined {
  const value = run.searchAttributes?.[name];
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

/** What replaying one run against some workflow code found. */
export interface ReplayVerdict {
  run: RunToReplay;
  /** Undefined when the run replays cleanly. */
  problem?: {
    /** The node where the code first parts from the history, when it can be told. */
    node: string | undefined;
    /** True for a change of the flow's steps (nondeterminism); false for an error the code throws on replay. */
    diverges: boolean;
    message: string;
  };
}

/** Replays each run's history against the workflow bundle `code`, as a worker of that code would. */
export async function replayRuns(code: string, runs: RunToReplay[]): Promise<ReplayVerdict[]> {
  const verdicts: ReplayVerdict[] = [];
  const histories = runs.map((run) => ({ workflowId: run.workflowId, history: run.history }));
  const results = Worker.runReplayHistories(
    { workflowBundle: { code }, dataConverter: workerDataConverter(), replayName: 'pocketflow-check-replay' },
    histories,
  );
  // The results come in the order of the histories.
  for await (const result of results) {
    const run = runs[verdicts.length] as RunToReplay;
    if (result.error === undefined) {
      verdicts.push({ run });
      continue;
    }
    const message = result.error.message;
    const diverges = result.error.name === 'DeterminismViolationError' || /nondetermin/i.test(message);
    verdicts.push({ run, problem: { node: divergingNode(run.history, message), diverges, message: conciseReplayMessage(message) } });
  }
  return verdicts;
}

/** The failure's own message out of the replayer's report (which wraps it in Rust debug output), on one line. */
export function conciseReplayMessage(message: string): string {
  const inner = /message: "((?:[^"\\]|\\.)*)"/.exec(message)?.[1];
  return (inner ?? message.split('\n')[0] ?? '').replace(/\\"/g, '"');
}

/**
 * The node at which a replay failed: the node whose event the failure names (an activity of that
 * node, or the run's move to it), else the last node the history reached before that event.
 */
export function divergingNode(history: History, message: string): string | undefined {
  const events = history.events ?? [];
  const eventId = Number(/(?:event[ _]?id|\bid)\s*[:=]?\s*(\d+)/i.exec(message)?.[1] ?? Number.NaN);
  let upTo = Number.isNaN(eventId) ? events.length : events.findIndex((e) => Number(e.eventId) === eventId) + 1;
  // An event that names no node (the memo's waiting record, say) was written with the rest of its
  // workflow task's commands: the node that task moved to is the one named among them.
  const at = events[upTo - 1];
  const task = at === undefined || nodeOfEvent(at) !== undefined ? undefined : workflowTaskOf(at);
  while (task !== undefined && upTo < events.length && workflowTaskOf(events[upTo] as proto.temporal.api.history.v1.IHistoryEvent) === task) {
    upTo += 1;
  }
  let node: string | undefined;
  for (const event of events.slice(0, upTo > 0 ? upTo : events.length)) {
    node = nodeOfEvent(event) ?? node;
  }
  const named = [...message.matchAll(/'([^']+)'/g)].map((m) => baseNode(m[1] as string)).find((name) => nodesOfHistory(events).has(name));
  return Number.isNaN(eventId) ? (named ?? node) : (node ?? named);
}

function nodesOfHistory(events: proto.temporal.api.history.v1.IHistoryEvent[]): Set<string> {
  return new Set(events.map(nodeOfEvent).filter((n): n is string => n !== undefined));
}

/** The workflow task whose commands wrote an event (its WorkflowTaskCompleted event id), for events that commands write. */
function workflowTaskOf(event: proto.temporal.api.history.v1.IHistoryEvent): string | undefined {
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventAttributes') && value !== null && typeof value === 'object' && 'workflowTaskCompletedEventId' in value) {
      return String((value as { workflowTaskCompletedEventId: unknown }).workflowTaskCompletedEventId);
    }
  }
  return undefined;
}

/** The node an event belongs to: an exec activity's node, or the node a search-attribute upsert moved to. */
function nodeOfEvent(event: proto.temporal.api.history.v1.IHistoryEvent): string | undefined {
  if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
    const type = event.activityTaskScheduledEventAttributes?.activityType?.name;
    return type === undefined || type === null ? undefined : baseNode(type);
  }
  if (event.eventType === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES) {
    const payload = event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[NODE_SEARCH_ATTRIBUTE.name];
    const data = payload?.data;
    if (data === undefined || data === null) {
      return undefined;
    }
    try {
      const value: unknown = JSON.parse(Buffer.from(data).toString('utf8'));
      return typeof value === 'string' && value !== '' ? value : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A node's name from its activity type (`Node`, `Node.fallback`). */
function baseNode(activityType: string): string {
  return activityType.replace(/\.fallback$/, '');
}
