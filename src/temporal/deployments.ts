/**
 * What a person deploying a changed flow needs from the server: the deployment's versions and the
 * runs each holds, promoting a build, the build a run is on, and moving a pinned run to another.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import proto from '@temporalio/proto';
import { PocketFlowError } from '../core/index.js';
import { failureMessage } from './data-converter.js';
import { describeDeployment, setVersion, versionKey } from './versioning.js';
import { quoted } from './visibility.js';

const { temporal } = proto;
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
      role: roleOf(summary, routing),
      openRuns: count,
      createdAt: timestampToDate(summary.createTime),
    });
  }
  return rows.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
}

type VersionSummary = proto.temporal.api.deployment.v1.WorkerDeploymentInfo.IWorkerDeploymentVersionSummary;

function roleOf(summary: VersionSummary, routing: proto.temporal.api.deployment.v1.IRoutingConfig | null | undefined): string {
  const Status = temporal.api.enums.v1.WorkerDeploymentVersionStatus;
  switch (summary.status) {
    case Status.WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT:
      return 'current';
    case Status.WORKER_DEPLOYMENT_VERSION_STATUS_RAMPING:
      return `ramping ${routing?.rampingVersionPercentage ?? 0}%`;
    case Status.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING:
      return 'draining';
    case Status.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED:
      return 'drained';
    default:
      return 'inactive';
  }
}

/** Makes `buildId` the deployment's current version, or ramps it to `percent` of new runs. */
export async function promoteVersion(client: Client, deploymentName: string, buildId: string, percent?: number): Promise<void> {
  const outcome = await setVersion(client.workflowService, client.options.namespace, { deploymentName, buildId }, { percent, identity: client.options.identity });
  if (outcome === 'unknown-deployment') {
    throw new UnknownDeploymentError(deploymentName, client.options.namespace);
  }
  if (outcome === 'unknown-build') {
    throw new PocketFlowError(
      `Deployment '${deploymentName}' has no build '${buildId}' yet: start its workers first (a version exists once they poll). ` +
        `See the builds with: npx pocketflow-temporal versions.`,
    );
  }
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

/**
 * The message of the run's latest failed workflow task, when its current task keeps failing (it
 * failed at least once since the last one that completed). Without `anyAttempt`, only once the
 * task's retries began (attempt 2 or more): a look at the run's description, no history read.
 */
export async function failingTaskMessage(
  client: Client,
  described: WorkflowExecutionDescription,
  options: { anyAttempt?: boolean } = {},
): Promise<string | undefined> {
  if (options.anyAttempt !== true && Number(described.raw.pendingWorkflowTask?.attempt ?? 0) < 2) {
    return undefined;
  }
  const history = await client.workflow.getHandle(described.workflowId, described.runId).fetchHistory();
  const events = history.events ?? [];
  const failed = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED).at(-1);
  const completed = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).at(-1);
  if (failed === undefined || Number(completed?.eventId ?? 0) > Number(failed.eventId ?? 0)) {
    return undefined;
  }
  return (await failureMessage(client, failed.workflowTaskFailedEventAttributes?.failure)) ?? 'the workflow task fails (see the worker log)';
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

function timestampToDate(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): Date | undefined {
  if (ts?.seconds === undefined || ts.seconds === null) {
    return undefined;
  }
  return new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6));
}
