// The same flow definitions, run in-process and on a real Temporal server (with activities, and
// with local activities), end the same way; an error that a fixed build can repair ends the run
// in-process, and on Temporal fails only the workflow task, leaving the run open.
import { WorkflowFailedError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { type RunEvent, ScriptedInput, silentLogger } from '../src/core/index.js';
import { type SkippedEvents, streamFlow } from '../src/temporal/event-stream.js';
import { failureMessage } from '../src/temporal/data-converter.js';
import { answerFlow, flowResult, startFlow } from '../src/temporal/client.js';
import { localName } from './flows/registry.js';
import { flowCases, tableServices } from './flows/table.js';
import { connectClient, waitFor, withWorker } from './setup/harness.js';

async function runInProcess(name: string, events: RunEvent[] = []): Promise<{ shared: object; action: string | undefined }> {
  const c = flowCases[name]!;
  const shared = structuredClone(c.shared) as Record<string, unknown>;
  const action = await c
    .build()
    .runAsync(shared, { input: new ScriptedInput(c.answers ?? []), logger: silentLogger, services: tableServices, onEvent: (event) => events.push(event) });
  return { shared, action };
}

/**
 * The events as a comparison sees them: in order; or, where steps run side by side (a parallel batch
 * interleaves its items in whichever order they go, in every runtime), each step's events in order,
 * the steps one after another by number.
 */
function comparable(name: string, events: ReadonlyArray<RunEvent | SkippedEvents>): unknown[] {
  const kept = events.filter((event): event is RunEvent => event.type !== 'skipped');
  const plain = kept.map(({ offset: _offset, ...event }) => event as Record<string, unknown>);
  if (/parallel|concurrency/.test(name) || flowCases[name]!.sideBySide === true) {
    // Sort is stable: events of one step and item keep their order; the run's own events come last.
    const place = (event: Record<string, unknown>): number[] => [Number(event['step'] ?? Number.MAX_SAFE_INTEGER), Number(event['item'] ?? -1)];
    plain.sort((a, b) => {
      const [stepA, itemA] = place(a);
      const [stepB, itemB] = place(b);
      return stepA! - stepB! || itemA! - itemB!;
    });
  }
  return plain.map((event) => JSON.stringify(event));
}

async function runOnTemporal(
  name: string,
  registered: string,
  taskQueue: string,
): Promise<{
  shared: object;
  action: string | undefined;
  events: number[];
  continued: boolean;
  told: Array<RunEvent | SkippedEvents>;
  live: Array<RunEvent | SkippedEvents>;
}> {
  const c = flowCases[name]!;
  const client = await connectClient();
  const workflowId = `${registered}-${taskQueue}`;
  await startFlow(client, { flow: registered, taskQueue, workflowId, shared: c.shared });
  // A reader from the start, as the run goes: what exec sends, it takes from the history.
  const live = (async () => {
    const read: Array<RunEvent | SkippedEvents> = [];
    for await (const event of streamFlow(client, workflowId)) {
      read.push(event);
    }
    return read;
  })();
  const result = await (async () => {
    for (const answer of c.answers ?? []) {
      if (answer !== null) {
        await answerFlow(client, workflowId, answer, { wait: 'signal' });
      }
    }
    return flowResult(client, workflowId);
  })().catch(async (error: unknown) => {
    // A failed run tells its end too: the reader is done before the failure is passed on.
    await live;
    throw error;
  });
  const handle = client.workflow.getHandle(workflowId);
  const history = await handle.fetchHistory();
  const events = (history.events ?? []).map((event) => Number(event.eventType));
  // A run that continued as new finished in a later run than the first.
  const info = (await handle.describe()).raw.workflowExecutionInfo;
  const continued = info?.firstRunId !== info?.execution?.runId;
  const told: Array<RunEvent | SkippedEvents> = [];
  for await (const event of streamFlow(client, workflowId)) {
    told.push(event);
  }
  return { shared: result.shared, action: result.action ?? undefined, events, continued, told, live: await live };
}

/**
 * Starts a row whose error only fails the workflow task on Temporal, and returns that failure's
 * message and the run's status once the history shows it; then terminates the run.
 */
async function failedTaskOnTemporal(
  name: string,
  registered: string,
  taskQueue: string,
): Promise<{ message: string; status: string }> {
  const client = await connectClient();
  const workflowId = `${registered}-${taskQueue}`;
  const handle = await startFlow(client, { flow: registered, taskQueue, workflowId, shared: flowCases[name]!.shared });
  try {
    const message = await waitFor(async () => {
      const history = await handle.fetchHistory();
      const failed = history.events?.find((event) => event.workflowTaskFailedEventAttributes != null);
      return failureMessage(client, failed?.workflowTaskFailedEventAttributes?.failure);
    }, 'a failed workflow task');
    return { message, status: (await handle.describe()).status.name };
  } finally {
    await handle.terminate('the test has seen the failed workflow task');
  }
}

/** A worker for the table's flows, with the services the table's runs are given in-process too. */
function withTableWorker<T>(fn: (taskQueue: string) => Promise<T>): Promise<T> {
  return withWorker('table', fn, { services: tableServices });
}

const { EventType } = temporal.api.enums.v1;
const ACTIVITY_SCHEDULED = EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED;
const CHILD_STARTED = EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED;
/** A local activity's result is recorded as a marker. */
const MARKER_RECORDED = EventType.EVENT_TYPE_MARKER_RECORDED;

describe('one table of flows, two runtimes', () => {
  for (const local of [false, true]) {
    const kind = local ? 'local activities' : 'activities';
    it.concurrent.each(Object.keys(flowCases))(`%s ends the same in-process and on Temporal with ${kind}`, async (name) => {
      const expected = flowCases[name]!.expected;
      const registered = local ? localName(name) : name;
      if ('error' in expected) {
        await expect(runInProcess(name)).rejects.toThrow(expected.inProcess ?? expected.error);
        if (expected.repairable === true) {
          const failed = await withTableWorker((taskQueue) => failedTaskOnTemporal(name, registered, taskQueue));
          expect(failed.status).toBe('RUNNING');
          expect(failed.message.startsWith(`Flow '${registered}' failed at node '`)).toBe(true);
          expect(failed.message).toMatch(expected.error);
          return;
        }
        await withTableWorker(async (taskQueue) => {
          const failure = await runOnTemporal(name, registered, taskQueue).catch((e: unknown) => e);
          expect(failure).toBeInstanceOf(WorkflowFailedError);
          expect((failure as WorkflowFailedError).cause?.message).toMatch(expected.error);
        });
        return;
      }
      const told: RunEvent[] = [];
      const inProcess = await runInProcess(name, told);
      expect(inProcess).toEqual(expected);
      const durable = await withTableWorker((taskQueue) => runOnTemporal(name, registered, taskQueue));
      expect({ shared: durable.shared, action: durable.action }).toEqual(expected);
      // Read as it happened, the run told what a reader of the closed run reads, numbered the same (a run that continued as new keeps only its latest).
      const kept = durable.told.filter((event) => event.type !== 'skipped');
      expect(durable.live.slice(-kept.length)).toEqual(kept);
      expect(durable.live.map((event) => ('offset' in event ? event.offset : -1))).toEqual(durable.live.map((_, index) => index));
      // The same events, in the same order, where the run keeps them all: a local activity publishes nothing, and a
      // chunk in a child run tells its steps to none; a run that continued as new carries only its latest events.
      if (!local && !/-in-children(-|$)/.test(name)) {
        const durableEvents = comparable(name, durable.told);
        expect(durableEvents).toEqual(comparable(name, told).slice(-durableEvents.length));
        expect(durableEvents.length).toBeGreaterThan(0);
      }
      const activities = flowCases[name]!.activities;
      if (!local && activities !== undefined) {
        expect(durable.events.filter((type) => type === ACTIVITY_SCHEDULED)).toHaveLength(activities);
      }
      expect(durable.continued).toBe(name.endsWith('-continues-as-new'));
      expect(durable.events.includes(CHILD_STARTED)).toBe(/-in-children(-|$)/.test(name));
      if (local) {
        expect(durable.events).not.toContain(ACTIVITY_SCHEDULED);
      }
    });
  }

  it('records a local activity as a marker in the history, not as activity events', async () => {
    const durable = await withTableWorker((taskQueue) =>
      runOnTemporal('retries-counted-by-attempt', localName('retries-counted-by-attempt'), taskQueue),
    );
    expect(durable.events).toContain(MARKER_RECORDED);
    expect(durable.events).not.toContain(ACTIVITY_SCHEDULED);
  });
});
