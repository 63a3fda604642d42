/** Wires a Temporal worker for registered flows: the workflow bundle plus one activity per node. */
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { PocketFlowError } from '../core/index.js';
import { createFlowActivities } from './activities.js';
import { connectionSettings } from './connection.js';
import { readFileSync } from 'node:fs';
import { bundleFlowWorkflows, checkWorkflowBundle, chooseWorkflowCode, type PrebuiltBundleOptions } from './bundle.js';
import { type PayloadCodecOptions, workerDataConverter } from './data-converter.js';
import { installWorkerRuntime } from './metrics.js';
import { searchAttributesCommand, searchAttributesMissingOn } from './search-attributes.js';
import type { FlowRegistry } from './registry.js';
import {
  bundleCode,
  DEPLOYMENT_NAME_ENV,
  makeCurrentWhenFirst,
  type ResolvedVersioning,
  resolveVersioning,
  versionKey,
  versioningSettings,
  workerDeploymentOptions,
  type WorkerVersioningOptions,
} from './versioning.js';
import { DEFAULT_STICKY_TIMEOUT } from './worker-env.js';

/** The worker options; `services` is required when the flows declare a services type. */
export type FlowWorkerOptions<Svc = unknown> = FlowWorkerBaseOptions<Svc> &
  (unknown extends Svc ? { services?: Svc } : { services: Svc });

/** What every worker takes. */
export interface FlowWorkerBaseOptions<Svc = unknown> extends PayloadCodecOptions {
  flows: FlowRegistry<Svc>;
  taskQueue: string;
  /**
   * The workflow bundle entry: a module that exports `createFlowWorkflows(flows)`'s workflows (its
   * `flow` as default, the chunk workflows by name); or give `workflowBundle`.
   */
  workflowsPath?: string;
  /** A bundle already in memory or on disk (see `bundleFlowWorkflows`). */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /**
   * A bundle built ahead (`writeWorkflowBundle`), used when it matches its sources; otherwise the
   * worker bundles `workflowsPath` at start. The worker says which it uses.
   */
  prebuiltBundle?: PrebuiltBundleOptions;
  /**
   * The connection to the server. Default: one made from Temporal's environment configuration
   * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_PROFILE, ...), closed when the worker stops.
   */
  connection?: NativeConnection;
  /** Default: the environment configuration's namespace (TEMPORAL_NAMESPACE), or `default`. */
  namespace?: string;
  /**
   * Any other worker option (slots, cache size, identity, ...); `workerOptionsFromEnv()` reads the
   * common ones from the environment. `stickyQueueScheduleToStartTimeout` defaults to 1 s here (the
   * SDK's is 10 s), so that a run whose worker died is taken over by another within a second.
   */
  worker?: Partial<WorkerOptions>;
  /**
   * Worker Versioning: the worker runs as a Worker Deployment Version when a deployment name is
   * given here or in TEMPORAL_DEPLOYMENT_NAME (build id: TEMPORAL_WORKER_BUILD_ID, else derived from
   * the workflow bundle's content). Flows are pinned to the build they start on unless registered
   * with `versioning: 'auto-upgrade'`. `false`: unversioned whatever the environment says.
   */
  versioning?: WorkerVersioningOptions | false;
  /** Told where the worker connects and where its workflow code comes from (default: the console). */
  log?: (message: string) => void;
}

/**
 * Creates (but does not run) a worker for the given flows. Its workflow bundle is checked first:
 * one that cannot serve the flows is refused (WorkflowBundleError) before anything connects.
 */
export async function createFlowWorker<Svc>(options: FlowWorkerOptions<Svc>): Promise<FlowWorker> {
  const log = options.log ?? console.log;
  // Before any connection: Temporal's runtime takes its metrics settings when it is created.
  const metrics = installWorkerRuntime();
  if (metrics !== undefined) {
    log(`Metrics for Prometheus at http://${metrics}/metrics.`);
  }
  const code = await workflowCode(options, log);
  checkWorkflowBundle(code.code, options.flows.names, code.source);
  // Deployment options given with the SDK's own worker options win: then they say how the worker is versioned.
  const settingsOfVersioning = options.worker?.workerDeploymentOptions === undefined ? versioningSettings(options.versioning) : undefined;
  const versioning = resolveVersioning(settingsOfVersioning, () => bundleCode({ code: code.code }));
  // Temporal's environment configuration fills in only what the caller left out.
  const settings = options.connection === undefined || options.namespace === undefined ? connectionSettings() : undefined;
  const connection =
    options.connection ?? (await NativeConnection.connect({ ...settings?.options, address: settings?.address }));
  const namespace = options.namespace ?? settings?.namespace;
  if (options.connection === undefined) {
    log(`Worker connecting to ${settings?.address}, namespace ${namespace} (Temporal's environment configuration).`);
  }
  const worker = await Worker.create({
    taskQueue: options.taskQueue,
    connection,
    namespace,
    activities: createFlowActivities(options.flows, { services: options.services }),
    stickyQueueScheduleToStartTimeout: DEFAULT_STICKY_TIMEOUT,
    dataConverter: workerDataConverter({ payloadCodecs: options.payloadCodecs }),
    workflowBundle: { code: code.code },
    ...workerDeploymentOptions(versioning),
    ...options.worker,
  });
  if (options.worker?.workerDeploymentOptions === undefined) {
    reportVersioning(versioning, options.versioning === false ? 'versioning: false' : `no ${DEPLOYMENT_NAME_ENV}`, log);
  }
  await reportMissingSearchAttributes(connection, namespace ?? 'default', log);
  return new FlowWorker(worker, {
    whileRunning: (signal) => promoteFirstVersion(versioning, connection, namespace ?? 'default', log, signal),
    after: options.connection === undefined ? () => connection.close() : undefined,
  });
}

/** What runs beside a worker while it polls, and after it stopped. */
interface RunHooks {
  whileRunning: (signal: AbortSignal) => Promise<void>;
  after: (() => Promise<void>) | undefined;
}

/**
 * A Temporal worker for registered flows. `run()` runs it until `shutdown()` (or SIGINT / SIGTERM),
 * and around that run makes a deployment's first build current and closes a connection the
 * worker made itself. The SDK's worker is `worker`, for everything else it offers.
 */
export class FlowWorker {
  readonly worker: Worker;
  readonly #hooks: RunHooks;

  constructor(worker: Worker, hooks: RunHooks) {
    this.worker = worker;
    this.#hooks = hooks;
  }

  /** The worker's options, as Temporal resolved them (its task queue, identity, ...). */
  get options(): Worker['options'] {
    return this.worker.options;
  }

  /** The worker's state: INITIALIZED, RUNNING, STOPPING, DRAINING, DRAINED, STOPPED or FAILED. */
  getState(): ReturnType<Worker['getState']> {
    return this.worker.getState();
  }

  /** Starts the worker's graceful shutdown; `run()` resolves once it has stopped. */
  shutdown(): void {
    this.worker.shutdown();
  }

  /** Polls until the worker shuts down. */
  async run(): Promise<void> {
    const stopped = new AbortController();
    const beside = this.#hooks.whileRunning(stopped.signal);
    try {
      await this.worker.run();
    } finally {
      stopped.abort();
      await beside;
      await this.#hooks.after?.();
    }
  }
}

/** The worker's workflow code: a bundle given or prebuilt, else the entry bundled now; and how to name it in messages. */
async function workflowCode(options: FlowWorkerOptions<unknown>, log: (message: string) => void): Promise<{ code: string; source: string }> {
  const given = options.workflowBundle;
  if (given !== undefined) {
    return 'code' in given
      ? { code: given.code, source: options.workflowsPath ?? 'The workflow bundle given' }
      : { code: readFileSync(given.codePath, 'utf8'), source: options.workflowsPath ?? given.codePath };
  }
  const choice = options.prebuiltBundle === undefined ? undefined : chooseWorkflowCode(options.prebuiltBundle);
  if (choice?.kind === 'prebuilt') {
    log(`Workflow code: ${choice.reason}.`);
    return { code: readFileSync(choice.codePath, 'utf8'), source: options.workflowsPath ?? choice.codePath };
  }
  if (options.workflowsPath === undefined) {
    throw new PocketFlowError(
      `createFlowWorker needs workflowsPath (the module that exports createFlowWorkflows(flows)'s workflows) or a workflow bundle${choice === undefined ? '' : `, and there is ${choice.reason}`}.`,
    );
  }
  if (choice !== undefined) {
    log(`Workflow code: bundled from ${options.workflowsPath} at start (${choice.reason}; writeWorkflowBundle, or npm run build:workflows in this project, builds it ahead).`);
  }
  return { code: (await bundleFlowWorkflows(options.workflowsPath)).code, source: options.workflowsPath };
}

/** Says once, at start, which command adds the search attributes the namespace lacks (flows run without them). */
async function reportMissingSearchAttributes(connection: NativeConnection, namespace: string, log: (message: string) => void): Promise<void> {
  const missing = await searchAttributesMissingOn(connection.operatorService, namespace);
  if (missing !== undefined && missing.length > 0) {
    log(
      `Namespace '${namespace}' lacks the search attributes ${missing.join(', ')}: runs cannot be found by node or by waiting ` +
        `(list --waiting, the inbox). Add them with: ${searchAttributesCommand(namespace, missing)}`,
    );
  }
}

/** Says once, at start, how the worker takes part in Worker Versioning. */
function reportVersioning(versioning: ResolvedVersioning, why: string, log: (message: string) => void): void {
  if (versioning.kind === 'unversioned') {
    log(
      `Worker runs unversioned (${why}): a deploy that changes a flow's graph or its prep or post ` +
        `breaks the runs in flight. See README, "Deploying a changed flow".`,
    );
    return;
  }
  log(
    `Worker Deployment Version ${versionKey(versioning.deploymentName, versioning.buildId)} (build id ${versioning.buildIdSource}): ` +
      'runs stay on the build they started on, except flows registered with auto-upgrade.',
  );
}

/** Makes a deployment's first version current once its worker polls, so that new runs do not wait for a promotion. */
async function promoteFirstVersion(
  versioning: ResolvedVersioning,
  connection: NativeConnection,
  namespace: string,
  log: (message: string) => void,
  signal: AbortSignal,
): Promise<void> {
  if (versioning.kind === 'unversioned' || !versioning.currentWhenFirst) {
    return;
  }
  const version = versionKey(versioning.deploymentName, versioning.buildId);
  try {
    const outcome = await makeCurrentWhenFirst(connection, namespace, versioning, { signal });
    if (outcome === 'set') {
      log(`Build ${versioning.buildId} is the first of deployment '${versioning.deploymentName}': made it the current version.`);
    } else if (outcome === 'timed-out' && !signal.aborted) {
      log(`Deployment '${versioning.deploymentName}' has no current version and ${version} could not be made current: new runs wait. Run: npx pocketflow-temporal promote ${versioning.buildId} --deployment ${versioning.deploymentName}`);
    }
  } catch (error) {
    log(`Could not make ${version} the first current version of '${versioning.deploymentName}': ${(error as Error).message}. New runs wait until a build is promoted (npx pocketflow-temporal promote).`);
  }
}
