// Deploying a changed flow on a real server: Worker Versioning keeps a waiting run on the build
// it started on while new runs take the new build; check-replay finds the runs a change would
// break; upgrade moves a run whose post threw to a fixed build, and refuses a build that diverges.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFlowWorkflows } from '../src/temporal/bundle.js';
import { failureMessage } from '../src/temporal/data-converter.js';
import { answerFlow, flowResult, getFlowState, startFlow } from '../src/temporal/client.js';
import { createFlowActivities } from '../src/temporal/activities.js';
import { runVersioning } from '../src/temporal/deployments.js';
import { buildIdOfCode, describeDeployment } from '../src/temporal/versioning.js';
import { type DeployBuild, deployFlows, type DeployShared } from './flows/deploy.js';
import { runCli } from './setup/cli.js';
import { connectClient, type RunningWorker, startWorker, uniqueQueue, waitFor } from './setup/harness.js';

const EventType = temporal.api.enums.v1.EventType;
const root = join(import.meta.dirname, '..');
const deploymentName = `deploy-${randomUUID().slice(0, 8)}`;
const taskQueue = uniqueQueue('deploy');
const bundles = new Map<DeployBuild, { code: string }>();
const buildIds = new Map<DeployBuild, string>();
const workers: RunningWorker[] = [];
let client: Client;

/** The command line in a checkout of build `build`. */
const cli = (build: DeployBuild, args: string[]) =>
  runCli(['--config', 'test/flows/deploy.config.ts', ...args], {
    env: { DEPLOY_TEST_BUILD: String(build), TEMPORAL_TASK_QUEUE: taskQueue, TEMPORAL_DEPLOYMENT_NAME: deploymentName },
  });

const startBuildWorker = async (build: DeployBuild): Promise<void> => {
  workers.push(
    await startWorker(taskQueue, { flows: deployFlows(build), bundle: bundles.get(build), versioning: { deploymentName } }),
  );
};

const currentBuild = async (): Promise<string | undefined> => {
  const described = await describeDeployment(client.workflowService, 'default', deploymentName);
  return described?.workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId ?? undefined;
};

const waitingFor = (workflowId: string) =>
  waitFor(async () => ((await getFlowState(client, workflowId)).pending.length === 1 ? true : undefined), `${workflowId} to ask`);

const activityTypes = async (workflowId: string): Promise<string[]> => {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    .map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? '');
};

const failedTaskMessage = async (workflowId: string): Promise<string | undefined> => {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const failed = (history.events ?? []).find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
  return failureMessage(client, failed?.workflowTaskFailedEventAttributes?.failure);
};

beforeAll(async () => {
  client = await connectClient();
  for (const build of [1, 2, 3] as const) {
    const bundle = await bundleFlowWorkflows(join(root, `test/flows/deploy-build${build}.ts`));
    bundles.set(build, bundle);
    buildIds.set(build, buildIdOfCode(bundle.code));
  }
  await startBuildWorker(1);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
});

describe('deploying a changed flow', () => {
  const runA = `approval-a-${randomUUID().slice(0, 8)}`;
  const runB = `approval-b-${randomUUID().slice(0, 8)}`;
  const repair = `repair-${randomUUID().slice(0, 8)}`;
  const upgrading = `upgrading-${randomUUID().slice(0, 8)}`;

  it('derives build ids from the bundle: the same code agrees from any working folder, changed code differs', () => {
    // A worker started from another folder bundles the same code into the same build.
    const elsewhere = execFileSync(
      process.execPath,
      ['--import', import.meta.resolve('tsx'), join(root, 'test/setup/print-build-id.ts'), join(root, 'test/flows/deploy-build1.ts')],
      { cwd: tmpdir(), encoding: 'utf8' },
    );
    expect(elsewhere.trim()).toBe(buildIds.get(1));
    expect(new Set(buildIds.values()).size).toBe(3);
  });

  it("makes a deployment's first build current once its worker polls", async () => {
    expect(await waitFor(async () => ((await currentBuild()) === buildIds.get(1) ? true : undefined), 'build 1 to be current')).toBe(true);
  });

  it('keeps every other node’s activity type when a node is added in the middle', () => {
    const names = (build: DeployBuild) => Object.keys(createFlowActivities(deployFlows(build)));
    const one = names(1);
    const two = names(2);
    expect(two.filter((n) => !one.includes(n))).toEqual(['Added']);
    expect(one.every((n) => two.includes(n))).toBe(true);
  });

  it('runs a pinned flow on the current build and leaves a post that throws as a failed workflow task', async () => {
    await startFlow(client, { flow: 'deploy-approval', taskQueue, workflowId: runA, shared: {} });
    await waitingFor(runA);
    expect(await runVersioning(client, runA)).toMatchObject({ deploymentName, buildId: buildIds.get(1), behavior: 'pinned' });

    await startFlow(client, { flow: 'deploy-upgrading', taskQueue, workflowId: upgrading, shared: {} });
    await waitingFor(upgrading);
    expect(await runVersioning(client, upgrading)).toMatchObject({ buildId: buildIds.get(1), behavior: 'auto-upgrade' });

    await startFlow(client, { flow: 'deploy-repair', taskQueue, workflowId: repair, shared: {} });
    const message = await waitFor(() => failedTaskMessage(repair), 'the repair run’s failed workflow task');
    expect(message).toContain("'deploy-repair'");
    expect(message).toContain("'Summarize'");
    expect(message).toMatch(/TypeError/);
    expect((await client.workflow.getHandle(repair).describe()).status.name).toBe('RUNNING');
  });

  it('status names the build a run is on, and the failing step with what to do', async () => {
    const status = await waitFor(async () => {
      const result = await cli(1, ['status', repair]);
      return result.stdout.includes('Failing:') ? result : undefined;
    }, 'status to show the failing workflow task');
    expect(status.stdout).toContain(`Build:    ${buildIds.get(1)} of deployment '${deploymentName}' (pinned)`);
    expect(status.stdout).toMatch(/Failing: {2}Flow 'deploy-repair' failed at node 'Summarize': TypeError/);
    expect(status.stdout).toContain(`pocketflow-temporal upgrade ${repair} --to <build>`);
    expect(status.code).toBe(0);
  });

  it('check-replay finds no break against the code the runs started on', async () => {
    const result = await cli(1, ['check-replay', '--flow', 'deploy-approval']);
    expect(result.stdout).toContain('none would break');
    expect(result.code).toBe(0);
  });

  it('check-replay reports a waiting run that a new node before its wait would break, and exits 1', async () => {
    const result = await cli(2, ['check-replay', '--flow', 'deploy-approval']);
    expect(result.code).toBe(1);
    const line = result.stdout.split('\n').find((l) => l.startsWith(runA));
    expect(line).toBeDefined();
    expect(line).toContain(`${deploymentName}:${buildIds.get(1)}`);
    expect(line).toContain("diverges where its history is at node 'Approve': [TMPRL1100] Nondeterminism error");
  });

  it('starts new runs on a promoted build while the waiting run finishes on its own build', async () => {
    await startBuildWorker(2);
    const buildTwo = buildIds.get(2) as string;
    const promoted = await waitFor(async () => {
      const result = await cli(2, ['promote', buildTwo]);
      return result.code === 0 ? result : undefined;
    }, 'build 2 to be promoted');
    expect(promoted.stdout).toContain(`Build ${buildTwo} is the current version`);
    // Visibility (the open-run counts) catches up with the promotion within moments.
    const versions = await waitFor(async () => {
      const result = await cli(2, ['versions']);
      const drained = new RegExp(`${buildIds.get(1)}\\s+draining\\s+3\\b`);
      return result.code === 0 && drained.test(result.stdout) ? result : undefined;
    }, 'versions to show build 1 draining with 3 open runs');
    expect(versions.stdout).toMatch(new RegExp(`${buildTwo}\\s+current\\s+0\\b`));

    await startFlow(client, { flow: 'deploy-approval', taskQueue, workflowId: runB, shared: {} });
    await waitingFor(runB);
    expect(await activityTypes(runB)).toEqual(['Prepare', 'Added']);

    await answerFlow(client, runA, 'y');
    await answerFlow(client, runB, 'y');
    const a = (await flowResult(client, runA)).shared as DeployShared;
    const b = (await flowResult(client, runB)).shared as DeployShared;
    expect(a).toMatchObject({ finishedBy: 1, trail: ['Prepare', 'Approve', 'Finish'] });
    expect(b).toMatchObject({ finishedBy: 2, trail: ['Prepare', 'Added', 'Approve', 'Finish'] });
    expect(await activityTypes(runA)).not.toContain('Added');
  });

  it('forks a run of build 1 on that build with --build source, and on the current build without', async () => {
    // runA ran Prepare, Approve, Finish on build 1; build 2 is current now.
    const onSource = `${runA}-fork-source`;
    const pinned = await cli(1, ['fork', runA, '--at', '2', '--build', 'source', '--id', onSource]);
    expect(pinned.stderr).toContain(`a fork of ${runA} at step 2 (Approve)`);
    expect(pinned.code).toBe(0);
    const onCurrent = `${runA}-fork-current`;
    const current = await cli(1, ['fork', runA, '--at', '2', '--id', onCurrent]);
    expect(current.code).toBe(0);
    await waitingFor(onSource);
    await waitingFor(onCurrent);
    expect(await runVersioning(client, onSource)).toMatchObject({ deploymentName, buildId: buildIds.get(1), behavior: 'pinned', override: true });
    expect(await runVersioning(client, onCurrent)).toMatchObject({ deploymentName, buildId: buildIds.get(2), override: false });
    await answerFlow(client, onSource, 'y');
    await answerFlow(client, onCurrent, 'y');
    // Both start at Approve with the store as it was: each build finishes its own way.
    expect((await flowResult(client, onSource)).shared).toMatchObject({ finishedBy: 1, trail: ['Prepare', 'Approve', 'Finish'] });
    expect((await flowResult(client, onCurrent)).shared).toMatchObject({ finishedBy: 2, trail: ['Prepare', 'Approve', 'Finish'] });
    expect(await activityTypes(onSource)).not.toContain('Added');
  });

  it('moves a run of an auto-upgrade flow to the promoted build, which upgrade leaves to it', async () => {
    const upgrade = await cli(2, ['upgrade', upgrading, '--to', buildIds.get(2) as string]);
    expect(upgrade.stdout).toContain(`${upgrading}: left as it is: its flow auto-upgrades`);
    expect(upgrade.code).toBe(0);
    expect(await runVersioning(client, upgrading)).toMatchObject({ behavior: 'auto-upgrade', override: false });
    await answerFlow(client, upgrading, 'y');
    expect((await flowResult(client, upgrading)).shared).toMatchObject({ finishedBy: 2, trail: ['Approve', 'Finish'] });
  });

  it('refuses to upgrade a run to a build that diverges, and leaves it where it is', async () => {
    const refusedBeforeItRuns = await cli(3, ['upgrade', repair, '--to', buildIds.get(3) as string]);
    expect(refusedBeforeItRuns.stdout).toContain(`refused, deployment '${deploymentName}' has no build ${buildIds.get(3)}`);
    await startBuildWorker(3);
    await waitFor(async () => {
      const described = await describeDeployment(client.workflowService, 'default', deploymentName);
      return described?.workerDeploymentInfo?.versionSummaries?.some((v) => v.deploymentVersion?.buildId === buildIds.get(3)) ? true : undefined;
    }, 'build 3 to be known');
    const result = await cli(3, ['upgrade', repair, '--to', buildIds.get(3) as string]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${repair}: refused`);
    expect(result.stdout).toContain("diverges where its history is at node 'Gather': [TMPRL1100] Nondeterminism error: Activity type of scheduled event 'Gather'");
    expect(await runVersioning(client, repair)).toMatchObject({ buildId: buildIds.get(1), override: false });
  });

  it('says in one line what is wrong with a deploy command, and exits 1, or 2 for a usage mistake', async () => {
    const unknown = await cli(2, ['versions', '--deployment', 'no-such-deployment']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toContain("No worker deployment 'no-such-deployment' in namespace 'default'");
    const noDeployment = await runCli(['--config', 'test/flows/deploy.config.ts', 'versions'], {
      env: { DEPLOY_TEST_BUILD: '2', TEMPORAL_DEPLOYMENT_NAME: '' },
    });
    expect(noDeployment.code).toBe(2);
    expect(noDeployment.stderr).toBe(
      'error: Which deployment? Pass --deployment <name>, or set TEMPORAL_DEPLOYMENT_NAME as for the workers.\n',
    );
    const neither = await cli(2, ['upgrade', '--to', 'x']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('Name the runs to upgrade: a workflow id, or --query <filter>');
    const ramp = await cli(2, ['promote', 'x', '--ramp', '150']);
    expect(ramp.code).toBe(2);
    expect(ramp.stderr).toContain('--ramp must be a percentage from 0 to 100');
    const notBuilt = await cli(2, ['promote', 'never-built']);
    expect(notBuilt.code).toBe(1);
    expect(notBuilt.stderr).toContain(`Deployment '${deploymentName}' has no build 'never-built' yet`);
  });

  it('refuses an upgrade run from a checkout of another build', async () => {
    const result = await cli(2, ['upgrade', repair, '--to', buildIds.get(3) as string]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`This checkout's workflow code is build ${buildIds.get(2)}`);
  });

  it('moves the run whose post threw to the fixed build, where it completes', async () => {
    const result = await cli(2, ['upgrade', repair, '--to', buildIds.get(2) as string]);
    expect(result.stdout).toContain(`${repair}: moved from build ${buildIds.get(1)} to ${buildIds.get(2)}`);
    expect(result.code).toBe(0);
    const done = await flowResult(client, repair);
    expect(done.shared).toMatchObject({ result: 'summarized by build 2', trail: ['Gather', 'Summarize'] });
  });
});
