/** `versions`, `promote`, `check-replay`, `upgrade`: deploying a changed flow while runs are in flight. */
import type { Client } from '@temporalio/client';
import { PocketFlowError } from '../../core/index.js';
import { UnknownFlowError } from '../../temporal/errors.js';
import { cachedFlowBundle } from '../../temporal/bundle.js';
import { describeFlowRun } from '../../temporal/client.js';
import { deploymentVersions, pinRun, promoteVersion, versioningOfDescription } from '../../temporal/deployments.js';
import { type ReplayVerdict, replayRuns, runsToReplay, runToReplay } from '../../temporal/replay-check.js';
import { BUILD_ID_ENV, buildIdFromEnv, buildIdOfCode, DEPLOYMENT_NAME_ENV, deploymentNameFromEnv, describeDeployment } from '../../temporal/versioning.js';
import { listRuns, runsQuery } from '../../temporal/visibility.js';
import { type CliContext, UsageError } from '../context.js';
import type { ProjectConfig } from '../project.js';
import { connect, installQuietRuntime } from '../server.js';

/** The deployment a command is about: --deployment, else TEMPORAL_DEPLOYMENT_NAME (what the workers are given). */
function deploymentOf(given: string | undefined): string {
  const name = given ?? deploymentNameFromEnv();
  if (name === undefined) {
    throw new UsageError(`Which deployment? Pass --deployment <name>, or set ${DEPLOYMENT_NAME_ENV} as for the workers.`);
  }
  return name;
}

/** Lists the deployment's versions: which is current or ramping, and how many open runs each still holds. */
export async function versionsCommand(ctx: CliContext, options: { deployment?: string }): Promise<number> {
  const deploymentName = deploymentOf(options.deployment);
  const { client } = await connect();
  const rows = await deploymentVersions(client, deploymentName);
  ctx.out(`Deployment '${deploymentName}':\n`);
  if (rows.length === 0) {
    ctx.out('No versions yet: start a worker of this deployment.\n');
    return 0;
  }
  const table = [['BUILD', 'ROLE', 'OPEN RUNS', 'CREATED'], ...rows.map((r) => [r.buildId, r.role, String(r.openRuns), r.createdAt?.toISOString() ?? '-'])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) {
    ctx.out(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
  }
  for (const row of rows) {
    if (row.openRuns === 0 && row.role === 'drained') {
      ctx.out(`Build ${row.buildId} is drained (no open run holds it): its workers can stop.\n`);
    } else if (row.role === 'inactive' && rows.indexOf(row) === 0) {
      ctx.out(`Build ${row.buildId} is the newest and takes no new runs yet: promote it with npx pocketflow-temporal promote ${row.buildId}.\n`);
    }
  }
  return 0;
}

/** Makes a build the deployment's current version (new runs start on it), or ramps it to a share of new runs. */
export async function promoteCommand(
  ctx: CliContext,
  buildId: string,
  options: { deployment?: string; ramp?: number },
): Promise<number> {
  const deploymentName = deploymentOf(options.deployment);
  const { client } = await connect();
  await promoteVersion(client, deploymentName, buildId, options.ramp);
  ctx.out(
    options.ramp === undefined
      ? `Build ${buildId} is the current version of '${deploymentName}': new runs start on it; pinned runs stay on their builds.\n`
      : `Build ${buildId} takes ${options.ramp}% of new runs of '${deploymentName}'.\n`,
  );
  return 0;
}

/** The project's bundle entry, bundled: the workflow code of this checkout, and its build id. */
async function checkoutCode(ctx: CliContext, project: ProjectConfig, command: string): Promise<{ code: string; buildId: string }> {
  if (project.workflowsPath === undefined) {
    throw new PocketFlowError(`'${command}' replays histories against the workflow code: set workflowsPath in ${ctx.configPath}.`);
  }
  // The replay worker's own log goes to the worker log file, not into the report.
  installQuietRuntime();
  const { code } = await cachedFlowBundle(project.workflowsPath);
  return { code, buildId: buildIdFromEnv() ?? buildIdOfCode(code) };
}

/**
 * Replays the histories of open runs (and of recent closed ones with `closed`) against this
 * checkout's workflow code; prints each run that would break, with the node where the code parts
 * from its history. Exit 1 when any would.
 */
export async function checkReplayCommand(
  ctx: CliContext,
  options: { flow?: string; query?: string; limit: number; closed?: number },
): Promise<number> {
  const project = await ctx.needProject('check-replay');
  if (options.flow !== undefined && !project.flows.has(options.flow)) {
    throw new UnknownFlowError(options.flow, project.flows.names);
  }
  const flows = options.flow === undefined ? project.flows.names : [options.flow];
  const { client } = await connect();
  const [{ code, buildId }, open, closed] = await Promise.all([
    checkoutCode(ctx, project, 'check-replay'),
    runsToReplay(client, runsQuery(flows, { extra: options.query }), options.limit),
    options.closed === undefined ? [] : runsToReplay(client, runsQuery(flows, { closed: true, extra: options.query }), options.closed),
  ]);
  const verdicts = await replayRuns(code, [...open, ...closed]);
  const broken = verdicts.filter((v) => v.problem !== undefined);
  for (const verdict of broken) {
    ctx.out(`${describeBreak(verdict)}${pinnedElsewhere(verdict, buildId)}\n`);
  }
  ctx.out(
    `${verdicts.length} run${verdicts.length === 1 ? '' : 's'} replayed against this checkout's workflow code (build ${buildId}): ` +
      `${broken.length === 0 ? 'none would break' : `${broken.length} would break`}.\n`,
  );
  return broken.length === 0 ? 0 : 1;
}

/** One line on a run whose history the code cannot replay. */
function describeBreak(verdict: ReplayVerdict): string {
  const { run, problem } = verdict;
  const where = problem?.node === undefined ? '' : ` where its history is at node '${problem.node}'`;
  const what = problem?.diverges === true ? `diverges${where}` : `fails on replay${where}`;
  const on = run.version === undefined ? 'unversioned' : `on ${run.version}`;
  return `${run.workflowId}\t${run.flow}\t${on}\t${what}: ${problem?.message ?? ''}`;
}

/** A note on a breaking run that is pinned to another build: it meets this code only if moved. */
function pinnedElsewhere(verdict: ReplayVerdict, buildId: string): string {
  const version = verdict.run.version;
  if (verdict.run.closed) {
    return ' (closed: only a query would replay it)';
  }
  return verdict.run.pinned && version !== undefined && !version.endsWith(`:${buildId}`)
    ? ' (pinned to its build: it meets this code only if upgraded)'
    : '';
}

/**
 * Moves pinned runs (one by workflow id, or every open run a query finds) to build `to`, each
 * only after its history replays cleanly against that build's code, which must be this checkout's.
 */
export async function upgradeCommand(
  ctx: CliContext,
  workflowId: string | undefined,
  options: { to: string; query?: string; limit: number },
): Promise<number> {
  if ((workflowId === undefined) === (options.query === undefined)) {
    throw new UsageError('Name the runs to upgrade: a workflow id, or --query <filter> (not both).');
  }
  const project = await ctx.needProject('upgrade');
  const { client } = await connect();
  const { code, buildId } = await checkoutCode(ctx, project, 'upgrade');
  if (buildId !== options.to) {
    throw new PocketFlowError(
      `This checkout's workflow code is build ${buildId}, not ${options.to}: upgrade replays each run against the code it moves ` +
        `the run to. Run it from build ${options.to}'s checkout (or set ${BUILD_ID_ENV} as that build's workers do).`,
    );
  }
  const query = runsQuery(project.flows.names, { extra: options.query });
  const ids: string[] = workflowId === undefined ? [] : [workflowId];
  if (workflowId === undefined) {
    for await (const run of listRuns(client, query)) {
      if (ids.length >= options.limit) {
        break;
      }
      ids.push(run.workflowId);
    }
  }
  if (ids.length === 0) {
    throw new PocketFlowError(`No open run matches ${options.query}.`);
  }
  let refused = 0;
  for (const id of ids) {
    const outcome = await upgradeRun(client, id, options.to, code);
    ctx.out(`${id}: ${outcome.text}\n`);
    refused += outcome.refused ? 1 : 0;
  }
  return refused === 0 ? 0 : 1;
}

/**
 * Moves one run to build `to` once its history, read again just before the move, replays on
 * `code`: a run that moved on meanwhile is replayed again, so no step goes unchecked.
 */
async function upgradeRun(client: Client, workflowId: string, to: string, code: string): Promise<{ text: string; refused: boolean }> {
  const handle = client.workflow.getHandle(workflowId);
  for (let attempt = 0; attempt < 3; attempt++) {
    const described = await describeFlowRun(client, workflowId);
    if (described.status.name !== 'RUNNING') {
      return { text: `refused, the run is ${described.status.name.toLowerCase()}.`, refused: true };
    }
    const versioning = versioningOfDescription(described);
    if (versioning === undefined) {
      return { text: 'refused, the run is not on a versioned build (it runs on whichever worker polls its task queue).', refused: true };
    }
    if (versioning.behavior === 'auto-upgrade') {
      return { text: `left as it is: its flow auto-upgrades, so it moves to the current build by itself (promote ${to}).`, refused: false };
    }
    if (versioning.buildId === to) {
      return { text: `already on build ${to}.`, refused: false };
    }
    const known = await describeDeployment(client.workflowService, client.options.namespace, versioning.deploymentName);
    if (!(known?.workerDeploymentInfo?.versionSummaries ?? []).some((v) => v.deploymentVersion?.buildId === to)) {
      return { text: `refused, deployment '${versioning.deploymentName}' has no build ${to} (start its workers first).`, refused: true };
    }
    const run = await runToReplay(client, described);
    const [verdict] = await replayRuns(code, [run]);
    if (verdict?.problem !== undefined) {
      return { text: `refused, left on build ${versioning.buildId}: ${describeBreak(verdict).split('\t').slice(3).join(' ')}`, refused: true };
    }
    const replayedUpTo = Number(run.history.events?.at(-1)?.eventId ?? 0);
    if (Number((await handle.describe()).historyLength) > replayedUpTo) {
      continue;
    }
    await pinRun(client, workflowId, versioning.deploymentName, to);
    return { text: `moved from build ${versioning.buildId} to ${to} (its history replays cleanly there).`, refused: false };
  }
  return { text: 'refused, the run kept moving while its history was checked: try again.', refused: true };
}
