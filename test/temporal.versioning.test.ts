// Worker Versioning settings and the pieces of the deploy commands that need no server.
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { AsyncFlow, AsyncNode } from '../src/core/index.js';
import { conciseReplayMessage, divergingNode } from '../src/temporal/replay-check.js';
import { runsQuery } from '../src/temporal/visibility.js';
import { defineFlows } from '../src/workflow.js';
import {
  buildIdOfCode,
  resolveVersioning,
  versioningSettings,
  VersioningSettingError,
  workerDeploymentOptions,
} from '../src/temporal/versioning.js';

const EventType = temporal.api.enums.v1.EventType;

describe('versioning settings', () => {
  it('runs unversioned without a deployment name, or when told to', () => {
    expect(versioningSettings(undefined, {})).toBeUndefined();
    expect(versioningSettings(false, { TEMPORAL_DEPLOYMENT_NAME: 'shop' })).toBeUndefined();
    expect(resolveVersioning(undefined, () => 'code')).toEqual({ kind: 'unversioned' });
    expect(workerDeploymentOptions({ kind: 'unversioned' })).toEqual({});
  });

  it('takes the deployment and build id from the environment, and options over it', () => {
    expect(versioningSettings(undefined, { TEMPORAL_DEPLOYMENT_NAME: 'shop', TEMPORAL_WORKER_BUILD_ID: 'v7' })).toEqual({
      deploymentName: 'shop',
      buildId: 'v7',
      currentWhenFirst: true,
    });
    expect(versioningSettings({ deploymentName: 'mine', buildId: 'b2' }, { TEMPORAL_DEPLOYMENT_NAME: 'shop' })).toMatchObject({
      deploymentName: 'mine',
      buildId: 'b2',
    });
  });

  it('derives the build id from the bundle: equal code, equal id; other code, other id', () => {
    const settings = versioningSettings(undefined, { TEMPORAL_DEPLOYMENT_NAME: 'shop' });
    const one = resolveVersioning(settings, () => 'bundle one');
    expect(one).toMatchObject({ kind: 'versioned', deploymentName: 'shop', buildId: buildIdOfCode('bundle one') });
    expect(buildIdOfCode('bundle one')).not.toBe(buildIdOfCode('bundle two'));
    // The inline source map names files by absolute path: it does not count.
    const mapped = (where: string) => `code\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(where).toString('base64')}\n`;
    expect(buildIdOfCode(mapped('/work/app/src/flow.ts'))).toBe(buildIdOfCode(mapped('/home/ci/app/src/flow.ts')));
    expect(buildIdOfCode('x')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('pins flows by default on a versioned worker', () => {
    const options = workerDeploymentOptions(resolveVersioning({ deploymentName: 'shop', buildId: 'b1', currentWhenFirst: true }, () => ''));
    expect(options.workerDeploymentOptions).toEqual({
      version: { deploymentName: 'shop', buildId: 'b1' },
      useWorkerVersioning: true,
      defaultVersioningBehavior: 'PINNED',
    });
  });

  it('refuses a deployment name Temporal would refuse, saying what to use', () => {
    expect(() => versioningSettings(undefined, { TEMPORAL_DEPLOYMENT_NAME: 'shop.eu' })).toThrow(VersioningSettingError);
    expect(() => versioningSettings(undefined, { TEMPORAL_DEPLOYMENT_NAME: 'shop.eu' })).toThrow(/TEMPORAL_DEPLOYMENT_NAME must not contain '\.'/);
    expect(() => versioningSettings({ buildId: 'has space', deploymentName: 'shop' }, {})).toThrow(/versioning\.buildId/);
  });
});

class Step extends AsyncNode {
  override async execAsync(): Promise<string> {
    return 'done';
  }
}

describe('a flow’s versioning behaviour', () => {
  it('is pinned unless the registered flow chooses auto-upgrade', () => {
    const flows = defineFlows({
      pinned: () => new AsyncFlow(new Step({ name: 'A' })),
      upgrading: { build: () => new AsyncFlow(new Step({ name: 'B' })), versioning: 'auto-upgrade' },
    });
    expect(flows.versioningOf('pinned')).toBe('PINNED');
    expect(flows.versioningOf('upgrading')).toBe('AUTO_UPGRADE');
  });
});

describe('replay reports', () => {
  const keyword = (value: string) => ({ data: new Uint8Array(Buffer.from(JSON.stringify(value))), metadata: {} });
  const history = temporal.api.history.v1.History.fromObject({
    events: [
      { eventId: 1, eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED },
      { eventId: 5, eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, activityTaskScheduledEventAttributes: { activityType: { name: 'Prepare' } } },
      {
        eventId: 13,
        eventType: EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
        upsertWorkflowSearchAttributesEventAttributes: { searchAttributes: { indexedFields: { PocketFlowNode: keyword('Approve') } } },
      },
      { eventId: 20, eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, activityTaskScheduledEventAttributes: { activityType: { name: 'Finish' } } },
    ],
  });

  it('names the node the history had reached at the event the replay stopped on', () => {
    expect(divergingNode(history, 'Nondeterminism error: Activity machine does not handle this event: HistoryEvent(id: 13, UpsertWorkflowSearchAttributes)')).toBe('Approve');
    expect(divergingNode(history, 'HistoryEvent(id: 5, ActivityTaskScheduled)')).toBe('Prepare');
  });

  it('names the activity a mismatch quotes when the message gives no event', () => {
    expect(divergingNode(history, "Activity type of scheduled event 'Finish' does not match activity type of activity command 'Extra'")).toBe('Finish');
  });

  it('keeps the failure’s own message out of the replayer’s wrapping', () => {
    const wrapped =
      'Replay failed with a nondeterminism error. Details: Workflow activation completion failed: Failure { failure: Some(Failure { message: "[TMPRL1100] Nondeterminism error: Activity type of scheduled event \'Gather\' does not match", source: "" }) }';
    expect(conciseReplayMessage(wrapped)).toBe("[TMPRL1100] Nondeterminism error: Activity type of scheduled event 'Gather' does not match");
    expect(conciseReplayMessage('plain\nsecond line')).toBe('plain');
  });

  it('queries open or closed runs of the project’s flows, narrowed by a filter', () => {
    expect(runsQuery(['a', "b'c"], {})).toBe("WorkflowType IN ('a', 'b\\'c') AND ExecutionStatus = 'Running'");
    expect(runsQuery(['a'], { closed: true, extra: "WorkflowId = 'x'" })).toBe(
      "WorkflowType IN ('a') AND ExecutionStatus != 'Running' AND (WorkflowId = 'x')",
    );
  });
});
