/**
 * Worker Versioning: which Worker Deployment Version a worker runs as (a deployment name and a
 * build id), where the build id comes from, and the first version of a deployment made current.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import { PocketFlowError } from '../core/index.js';

/** The environment variable that names the Worker Deployment; unset, workers run unversioned. */
export const DEPLOYMENT_NAME_ENV = 'TEMPORAL_DEPLOYMENT_NAME';

/** The environment variable that sets the build id; unset, it is derived from the workflow bundle's content. */
export const BUILD_ID_ENV = 'TEMPORAL_WORKER_BUILD_ID';

/** How a worker takes part in Worker Versioning. */
export interface WorkerVersioningOptions {
  /** The Worker Deployment (a service's name). Default: TEMPORAL_DEPLOYMENT_NAME; unset, the worker runs unversioned. */
  deploymentName?: string;
  /** This build's id. Default: TEMPORAL_WORKER_BUILD_ID, else a hash of the workflow bundle (same code, same id). */
  buildId?: string;
  /**
   * Make this version current when the deployment has no current version yet (its first build),
   * once the worker polls; otherwise new runs would wait for a version nobody promoted. Default true.
   */
  currentWhenFirst?: boolean;
}

/** A worker's versioning as configured: a deployment, and its build id when one is given. */
export interface VersioningSettings {
  deploymentName: string;
  /** Undefined: derive it from the workflow bundle's content. */
  buildId: string | undefined;
  currentWhenFirst: boolean;
}

/** A worker's versioning, resolved: unversioned, or a deployment version. */
export type ResolvedVersioning =
  | { kind: 'unversioned' }
  | { kind: 'versioned'; deploymentName: string; buildId: string; buildIdSource: string; currentWhenFirst: boolean };

/** A deployment name or build id Temporal would refuse. */
export class VersioningSettingError extends PocketFlowError {}

/**
 * The build id of a workflow bundle: the first 16 hex digits of the SHA-256 of its code, without
 * its inline source map (which names the files by their absolute paths on the machine that bundled).
 */
export function buildIdOfCode(code: string): string {
  const withoutMap = code.replace(/^\/\/# sourceMappingURL=data:.*$/gm, '');
  return createHash('sha256').update(withoutMap).digest('hex').slice(0, 16);
}

/** The code of a workflow bundle given as code or as a file. */
export function bundleCode(bundle: { code: string } | { codePath: string }): string {
  return 'code' in bundle ? bundle.code : readFileSync(bundle.codePath, 'utf8');
}

/** The deployment name TEMPORAL_DEPLOYMENT_NAME gives, trimmed; undefined when unset or blank. */
export function deploymentNameFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return nonEmpty(env[DEPLOYMENT_NAME_ENV]);
}

/** The build id TEMPORAL_WORKER_BUILD_ID gives, trimmed; undefined when unset or blank. */
export function buildIdFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return nonEmpty(env[BUILD_ID_ENV]);
}

/** A worker's versioning from its options and the environment; undefined when it runs unversioned. */
export function versioningSettings(
  options: WorkerVersioningOptions | false | undefined,
  env: NodeJS.ProcessEnv = process.env,
): VersioningSettings | undefined {
  if (options === false) {
    return undefined;
  }
  const deploymentName = options?.deploymentName ?? deploymentNameFromEnv(env);
  if (deploymentName === undefined) {
    return undefined;
  }
  checkPart(deploymentName, options?.deploymentName === undefined ? DEPLOYMENT_NAME_ENV : 'versioning.deploymentName', true);
  const buildId = options?.buildId ?? buildIdFromEnv(env);
  if (buildId !== undefined) {
    checkPart(buildId, options?.buildId === undefined ? BUILD_ID_ENV : 'versioning.buildId', false);
  }
  return { deploymentName, buildId, currentWhenFirst: options?.currentWhenFirst ?? true };
}

/** The versioning a worker runs with; `code` is the workflow bundle's code, for a build id not given. */
export function resolveVersioning(settings: VersioningSettings | undefined, code: () => string): ResolvedVersioning {
  if (settings === undefined) {
    return { kind: 'unversioned' };
  }
  return {
    kind: 'versioned',
    deploymentName: settings.deploymentName,
    buildId: settings.buildId ?? buildIdOfCode(code()),
    buildIdSource: settings.buildId === undefined ? "from the workflow bundle's content" : 'given',
    currentWhenFirst: settings.currentWhenFirst,
  };
}

/** The SDK's worker option for a resolved versioning: pinned by default, each flow may choose auto-upgrade. */
export function workerDeploymentOptions(versioning: ResolvedVersioning): Partial<WorkerOptions> {
  if (versioning.kind === 'unversioned') {
    return {};
  }
  return {
    workerDeploymentOptions: {
      version: { deploymentName: versioning.deploymentName, buildId: versioning.buildId },
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'PINNED',
    },
  };
}

/** The name Temporal's list filter and UI give a version: `<deployment>:<build id>`. */
export function versionKey(deploymentName: string, buildId: string): string {
  return `${deploymentName}:${buildId}`;
}

/** What `setVersion` did. */
export type SetVersionOutcome = 'set' | 'unknown-deployment' | 'unknown-build' | 'had-a-current-version';

/**
 * Makes `buildId` the deployment's current version (or ramps it to `percent`), once the server
 * knows the build (its workers have polled). With `onlyFirst`, only if the deployment never had a
 * current version: a deployment rolled back to unversioned on purpose stays so.
 */
export async function setVersion(
  service: WorkflowService,
  namespace: string,
  target: { deploymentName: string; buildId: string },
  options: { percent?: number; onlyFirst?: boolean; identity?: string } = {},
): Promise<SetVersionOutcome> {
  const described = await describeDeployment(service, namespace, target.deploymentName);
  const info = described?.workerDeploymentInfo;
  if (described === undefined || info === undefined || info === null) {
    return 'unknown-deployment';
  }
  if (!(info.versionSummaries ?? []).some((v) => v.deploymentVersion?.buildId === target.buildId)) {
    return 'unknown-build';
  }
  const routing = info.routingConfig;
  if (options.onlyFirst === true && (routing?.currentVersionChangedTime != null || routing?.rampingDeploymentVersion?.buildId)) {
    return 'had-a-current-version';
  }
  const request = {
    namespace,
    deploymentName: target.deploymentName,
    buildId: target.buildId,
    conflictToken: described.conflictToken,
    identity: options.identity,
  };
  if (options.percent === undefined) {
    await service.setWorkerDeploymentCurrentVersion(request);
  } else {
    await service.setWorkerDeploymentRampingVersion({ ...request, percentage: options.percent });
  }
  return 'set';
}

/**
 * Makes a worker's build its deployment's current version if the deployment never had one (its
 * first build), once the server has seen the build's workers poll (up to `timeoutMs`).
 */
export async function makeCurrentWhenFirst(
  connection: NativeConnection,
  namespace: string,
  target: { deploymentName: string; buildId: string },
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<SetVersionOutcome | 'timed-out'> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline && options.signal?.aborted !== true) {
    try {
      const outcome = await setVersion(connection.workflowService, namespace, target, { onlyFirst: true, identity: 'pocketflow-temporal worker' });
      if (outcome === 'set' || outcome === 'had-a-current-version') {
        return outcome;
      }
    } catch (error) {
      // Another worker changed the deployment between the look and the change (a stale conflict token): look again.
      if (!CONFLICT_CODES.has((error as { code?: number }).code ?? -1)) {
        throw error;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return 'timed-out';
}

/** gRPC codes of a change refused because the deployment changed meanwhile (FAILED_PRECONDITION, ABORTED). */
const CONFLICT_CODES = new Set([9, 10]);

type WorkflowService = NativeConnection['workflowService'];

/** The deployment, or undefined when the server does not know it yet. */
export async function describeDeployment(service: WorkflowService, namespace: string, deploymentName: string) {
  try {
    return await service.describeWorkerDeployment({ namespace, deploymentName });
  } catch (error) {
    if ((error as { code?: number }).code === 5) {
      return undefined;
    }
    throw error;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Temporal refuses '.' in deployment names and long ids; say so at start rather than at the first poll. */
function checkPart(value: string, where: string, isDeployment: boolean): void {
  if (isDeployment && value.includes('.')) {
    throw new VersioningSettingError(`${where} must not contain '.', got ${JSON.stringify(value)}. Use '-' or '_' instead.`);
  }
  if (value.length > 200 || /\s/.test(value)) {
    throw new VersioningSettingError(`${where} must be at most 200 characters with no spaces, got ${JSON.stringify(value)}.`);
  }
}
