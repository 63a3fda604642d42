/**
 * What a person deploying a changed flow needs from the server: the deployment's versions and the
 * runs each holds, a replay of open runs against a build's workflow code, and moving pinned runs
 * to another build once their histories replay cleanly on it.
 */
import type { Client, WorkflowExecutionDescription, WorkflowExecutionInfo } from '@temporalio/client';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { PocketFlowError } from '../core/index.js';
import { workerDataConverter } from './data-converter.js';
import { FLOW_WORKFLOW_TYPE, flowOfRun, NODE_SEARCH_ATTRIBUTE } from './definitions.js';
import { describeDeployment, versionKey } from './versioning.js';

const { temporal } = proto;
type History = proto.temporal.api.history.v1.IHistory;
const EventType = temporal.api.enums.v1.EventType;

/** A deployment name that names no Worker Deployment in the namespace. */
export class UnknownDeploymentError extends PocketFlowError {
  readonly deploymentName: string;

  constructor(deploymentName: string, namespace: string) {
    super(
      `No worker deployment '${deploymentName}' in namespace '${namespace}'. Start a worker with ` +
        `TEMPORAL_DEPLOYMENT_NAME=${deploymentName} (it registers its version when it polls), or name another deployment.`,
    );
    this.deploymentName = deploymentName;
  }
}

/** One version of a deployment, as `versions` shows it. */
export interface DeploymentVersionRow {
  buildId: string;
  /** current, ramping (with its percentage), draining, drained, inactive. */
  role: string;
  /** Open runs on this version (pinned to it, or auto-upgrade runs it holds now). */
  openRuns: number;
  createdAt: Date | undefined;
}

/** The versions of a deployment, newest first, with how many open runs each holds. */
export async function deploymentVersions(client: Client, deploymentName: string): Promise<DeploymentVersionRow[]> {
  const described = await describeDeployment(client.workflowService, client.options.namespace, deploymentName);
  const info = described?.workerDeploymentInfo;
  if (info === undefined || info === null) {
    throw new UnknownDeploymentError(deploymentName, client.options.namespace);
  }
  const routing = info.routingConfig;
  const rows: DeploymentVersionRow[] = [];
  for (const summary of info.versionSummaries ?? []) {
    const buildId = summary.deploymentVersion?.buildId ?? '';
    const { count } = await client.workflow.count(
      `ExecutionStatus = 'Running' AND TemporalWorkerDeploymentVersion = ${quoted(versionKey(deploymentName, buildId))}`,
    );
    rows.push({
      buildId,
      role: roleOf(buildId, summary, routing),
      openRuns: count,
      createdAt: timestampToDate(summary.createTime),
    });
  }
  return rows.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
}

type VersionSummary = proto.temporal.api.deployment.v1.WorkerDeploymentInfo.IWorkerDeploymentVersionSummary;

function roleOf(buildId: string, summary: VersionSummary, routing: proto.temporal.api.deployment.v1.IRoutingConfig | null | undefined): string {
  if (routing?.currentDeploymentVersion?.buildId === buildId) {
    return 'current';
  }
  if (routing?.rampingDeploymentVersion?.buildId === buildId) {
    return `ramping ${routing.rampingVersionPercentage ?? 0}%`;
  }
  const drainage = summary.drainageInfo?.status ?? summary.drainageStatus;
  if (drainage === temporal.api.enums.v1.VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINING) {
    return 'draining';
  }
  if (drainage === temporal.api.enums.v1.VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED) {
    return 'drained';
  }
  return 'inactive';
}

/** Makes `buildId` the deployment's current version, or ramps it to `percent` of new runs. */
export async function promoteVersion(client: Client, deploymentName: string, buildId: string, percent?: number): Promise<void> {
  const described = await describeDeployment(client.workflowService, client.options.namespace, deploymentName);
  const known = described?.workerDeploymentInfo?.versionSummaries?.some((v) => v.deploymentVersion?.buildId === buildId);
  if (described === undefined) {
    throw new UnknownDeploymentError(deploymentName, client.options.namespace);
  }
  if (known !== true) {
    throw new PocketFlowError(
      `Deployment '${deploymentName}' has no build '${buildId}' yet: start its workers first (a version exists once they poll). ` +
        `See the builds with: pocketflow-temporal versions.`,
    );
  }
  const request = { namespace: client.options.namespace, deploymentName, buildId, conflictToken: described.conflictToken, identity: client.options.identity };
  if (percent === undefined) {
    await client.workflowService.setWorkerDeploymentCurrentVersion(request);
  } else {
    await client.workflowService.setWorkerDeploymentRampingVersion({ ...request, percentage: percent });
  }
}

/** An open or recent run to replay. */
export interface RunToReplay {
  workflowId: string;
  runId: string;
  flow: string;
  /** The build the run is on (`<deployment>:<build id>`), when versioned. */
  version: string | undefined;
  history: History;
}

/** The runs that `query` finds (newest first, at most `limit`), each with its history. */
export async function runsToReplay(client: Client, query: string, limit: number): Promise<RunToReplay[]> {
  const runs: RunToReplay[] = [];
  for await (const run of client.workflow.list({ query })) {
    if (runs.length >= limit) {
      break;
    }
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    runs.push({ workflowId: run.workflowId, runId: run.runId, flow: flowOfRun(run), version: versionOfRun(run), history });
  }
  return runs;
}

function versionOfRun(run: WorkflowExecutionInfo): string | undefined {
  const value = run.searchAttributes?.['TemporalWorkerDeploymentVersion'];
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

/** The query for the project's runs: open ones (or closed ones), of `flows`, narrowed by a user's `extra` filter. */
export function runsQuery(flows: string[], options: { closed?: boolean; extra?: string }): string {
  const types = [...flows, FLOW_WORKFLOW_TYPE].map(quoted).join(', ');
  const clauses = [`WorkflowType IN (${types})`, options.closed === true ? "ExecutionStatus != 'Running'" : "ExecutionStatus = 'Running'"];
  if (options.extra !== undefined && options.extra.trim() !== '') {
    clauses.push(`(${options.extra})`);
  }
  return clauses.join(' AND ');
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
  const byRun = new Map(runs.map((run) => [run.runId, run]));
  const verdicts: ReplayVerdict[] = [];
  const histories = runs.map((run) => ({ workflowId: run.workflowId, history: run.history }));
  const results = Worker.runReplayHistories(
    { workflowBundle: { code }, dataConverter: workerDataConverter(), replayName: 'pocketflow-check-replay' },
    histories,
  );
  for await (const result of results) {
    const run = byRun.get(result.runId) ?? runs.find((r) => r.workflowId === result.workflowId);
    if (run === undefined) {
      continue;
    }
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
  const upTo = Number.isNaN(eventId) ? events.length : events.findIndex((e) => Number(e.eventId) === eventId) + 1;
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

/** The build a run is on and how it moves between builds. */
export interface RunVersioning {
  deploymentName: string;
  buildId: string;
  behavior: 'pinned' | 'auto-upgrade';
  /** True when `upgrade` (a versioning override) put it there. */
  override: boolean;
}

/** The build a run is on and how it moves, from its description. */
export async function runVersioning(client: Client, workflowId: string): Promise<RunVersioning | undefined> {
  return versioningOfDescription(await client.workflow.getHandle(workflowId).describe());
}

/** The build a described run is on; undefined for a run on unversioned workers. */
export function versioningOfDescription(described: WorkflowExecutionDescription): RunVersioning | undefined {
  const info = described.raw.workflowExecutionInfo?.versioningInfo;
  const version = info?.versioningOverride?.pinned?.version ?? info?.deploymentVersion;
  if (info === undefined || info === null || !version?.deploymentName || !version.buildId) {
    return undefined;
  }
  const pinned =
    info.versioningOverride?.pinned != null || info.behavior === temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_PINNED;
  return {
    deploymentName: version.deploymentName,
    buildId: version.buildId,
    behavior: pinned ? 'pinned' : 'auto-upgrade',
    override: info.versioningOverride?.pinned != null,
  };
}

/** The message of the run's latest failed workflow task, when its current task keeps failing. */
export async function failingTaskMessage(client: Client, described: WorkflowExecutionDescription): Promise<string | undefined> {
  if (Number(described.raw.pendingWorkflowTask?.attempt ?? 0) < 2) {
    return undefined;
  }
  const history = await client.workflow.getHandle(described.workflowId, described.runId).fetchHistory();
  const failed = (history.events ?? []).filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED).at(-1);
  return failed?.workflowTaskFailedEventAttributes?.failure?.message ?? 'the workflow task fails (see the worker log)';
}

/** Pins a run to a build of its deployment (Temporal's versioning override). */
export async function pinRun(client: Client, workflowId: string, deploymentName: string, buildId: string): Promise<void> {
  await client.workflowService.updateWorkflowExecutionOptions({
    namespace: client.options.namespace,
    workflowExecution: { workflowId },
    workflowExecutionOptions: {
      versioningOverride: {
        pinned: {
          behavior: temporal.api.workflow.v1.VersioningOverride.PinnedOverrideBehavior.PINNED_OVERRIDE_BEHAVIOR_PINNED,
          version: { deploymentName, buildId },
        },
      },
    },
    updateMask: { paths: ['versioning_override'] },
  });
}

/** A string literal of Temporal's list filter. */
export function quoted(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function timestampToDate(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): Date | undefined {
  if (ts?.seconds === undefined || ts.seconds === null) {
    return undefined;
  }
  return new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6));
}
