// Time travel on a real server: a run's steps read from its history with no worker up equal the
// steps the same flow records in-process, and a fork from a step ends as the same fork in-process.
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { ForkPointError, NotSerializableError, type RecordedStep, ScriptedInput, silentLogger } from '../src/core/index.js';
import { answerFlow, flowResult, startFlow } from '../src/temporal/client.js';
import { FORK_SEARCH_ATTRIBUTE, type FlowWorkflowResult } from '../src/temporal/definitions.js';
import { UnknownRunError } from '../src/temporal/errors.js';
import { forkRecordOf } from '../src/temporal/lineage.js';
import { flowSteps, forkFlow, HistoryReplayError } from '../src/temporal/time-travel.js';
import { flowCases, tableServices } from './flows/table.js';
import { runCli } from './setup/cli.js';
import { connectClient, withWorker } from './setup/harness.js';

const WORKFLOWS = join(import.meta.dirname, 'flows', 'workflows.ts');
const CHANGED_WORKFLOWS = join(import.meta.dirname, 'flows', 'workflows-changed.ts');
const PROJECT = join(import.meta.dirname, 'flows', 'project.config.ts');

/** The rows whose steps all run in the run itself (a chunk in a child run records its steps in that run), and end without error. */
const rows = Object.keys(flowCases).filter((name) => !('error' in flowCases[name]!.expected) && !/-in-children(-|$)/.test(name));

async function inProcessSteps(name: string): Promise<RecordedStep[]> {
  const c = flowCases[name]!;
  const steps: RecordedStep[] = [];
  await c.build().runAsync(structuredClone(c.shared) as Record<string, unknown>, {
    input: new ScriptedInput(c.answers ?? []),
    logger: silentLogger,
    services: tableServices,
    onStep: (step) => steps.push(step),
  });
  return steps;
}

/** Steps as a comparison sees them: where items or param sets run side by side, their numbers and stores depend on which finished first. */
function comparable(name: string, steps: readonly RecordedStep[]): unknown[] {
  const c = flowCases[name]!;
  if (/parallel|concurrency/.test(name) || c.sideBySide === true) {
    return steps.map((s) => JSON.stringify([s.node, s.path, s.action, s.execs.map(({ result: _result, ...exec }) => exec)])).sort();
  }
  // In-process, a nested flow's step is told when it finishes, after its own steps; a history's steps are listed by number.
  return [...steps].sort((a, b) => a.step - b.step);
}

/** Runs a row of the table on Temporal to its end, its answers sent as the table gives them. */
async function runRow(client: Client, name: string, taskQueue: string, workflowId: string): Promise<FlowWorkflowResult> {
  const c = flowCases[name]!;
  await startFlow(client, { flow: name, taskQueue, workflowId, shared: c.shared });
  for (const answer of c.answers ?? []) {
    if (answer !== null) {
      await answerFlow(client, workflowId, answer, { wait: 'signal' });
    }
  }
  return flowResult(client, workflowId);
}

describe('the steps of a run on Temporal', () => {
  it.concurrent.each(rows)('%s: read from the history with no worker up, equal the steps recorded in-process', async (name) => {
    const client = await connectClient();
    const workflowId = `steps-${name}-${Date.now()}`;
    await withWorker(
      'steps',
      async (taskQueue) => {
        await runRow(client, name, taskQueue, workflowId);
      },
      { services: tableServices },
    );
    // The worker has stopped: the steps come from the history alone.
    const read = await flowSteps(client, workflowId, { workflowsPath: WORKFLOWS });
    expect(read.problem).toBeUndefined();
    const expected = await inProcessSteps(name);
    expect(read.steps.length).toBeGreaterThan(0);
    expect(comparable(name, read.steps)).toEqual(comparable(name, expected));
  });
});

/** The rows a fork can re-run from the middle: their prompts all get answers (a timeout's wait is not re-used). */
const forkable = rows.filter((name) => !(flowCases[name]!.answers ?? []).includes(null));

describe('a fork on Temporal', () => {
  it.concurrent.each(forkable)('%s: from its middle step, with the store unchanged, ends as its source and as the same fork in-process', async (name) => {
    const c = flowCases[name]!;
    const client = await connectClient();
    const workflowId = `fork-source-${name}-${Date.now()}`;
    await withWorker(
      'fork',
      async (taskQueue) => {
        const source = await runRow(client, name, taskQueue, workflowId);
        const read = await flowSteps(client, workflowId, { workflowsPath: WORKFLOWS });
        const candidates = read.steps.filter((step) => step.frames !== undefined);
        if (candidates.length === 0) {
          // Every step ran inside a parallel batch flow: a fork is refused before anything starts.
          const inside = read.steps[0] as RecordedStep;
          await expect(forkFlow(client, workflowId, { workflowsPath: WORKFLOWS, at: inside.step })).rejects.toThrow(ForkPointError);
          await expect(forkFlow(client, workflowId, { workflowsPath: WORKFLOWS, at: inside.step })).rejects.toThrow(/ran inside a parallel batch flow/);
          return;
        }
        const at = candidates[Math.floor(candidates.length / 2)] as RecordedStep;
        const started = await forkFlow(client, workflowId, { workflowsPath: WORKFLOWS, at: at.step, answers: 'reuse' });
        const forked = await flowResult(client, started.workflowId);
        expect({ shared: forked.shared, action: forked.action }).toEqual({ shared: source.shared, action: source.action });
        // The fork knows its source, in every run it continued as new into.
        const described = await client.workflow.getHandle(started.workflowId).describe();
        expect(forkRecordOf(described)).toEqual({ of: workflowId, runId: read.runIds.at(-1), step: at.step, node: at.node });
        expect(described.typedSearchAttributes.get(FORK_SEARCH_ATTRIBUTE)).toBe(workflowId);
        // In-process, the same fork of the same steps ends the same.
        const steps = await inProcessSteps(name);
        const inProcessAt = steps.find((step) => step.step === at.step) as RecordedStep;
        const shared = structuredClone(inProcessAt.before) as Record<string, unknown>;
        const action = await c.build().runAsync(shared, {
          logger: silentLogger,
          services: tableServices,
          input: new ScriptedInput([]),
          fork: { at: inProcessAt, from: steps, answers: 'reuse' },
        });
        expect({ shared, action }).toEqual({ shared: forked.shared, action: forked.action });
      },
      { services: tableServices },
    );
  });
});

describe('steps and forks that cannot be exact', () => {
  it('lists all 300 steps of a long run that continued as new, through the command line with no worker up', async () => {
    const client = await connectClient();
    const workflowId = `three-hundred-${Date.now()}`;
    await withWorker('steps-300', async (taskQueue) => {
      await startFlow(client, { flow: 'three-hundred-steps', taskQueue, workflowId });
      await flowResult(client, workflowId);
    });
    const listed = await runCli(['steps', workflowId, '--config', PROJECT]);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(`Run ${workflowId}: flow three-hundred-steps, COMPLETED, 300 steps, in 3 runs (continued as new).`);
    const numbers = [...listed.stdout.matchAll(/^Step (\d+) {2}AsyncFlow > Count {2}-> (again|\(no action\))$/gm)].map((m) => Number(m[1]));
    expect(Array.from({ length: 300 }, (_, i) => i + 1).filter((n) => !numbers.includes(n))).toEqual([]);
    expect(numbers).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(listed.stdout).toContain('Step 300  AsyncFlow > Count  -> (no action)\n  exec: 299 => 300\n  store: n = 300\n');
  });

  it('says where the checkout\'s code parts from a history, lists the steps before it, and forks nothing from it', async () => {
    const client = await connectClient();
    const workflowId = `replay-parts-${Date.now()}`;
    await withWorker('steps-parts', async (taskQueue) => {
      await startFlow(client, { flow: 'replay-demo', taskQueue, workflowId });
      await flowResult(client, workflowId);
    });
    const read = await flowSteps(client, workflowId, { workflowsPath: CHANGED_WORKFLOWS });
    expect(read.problem?.node).toBe('Two');
    expect(read.steps.map((step) => step.node)).toEqual(['One']);
    await expect(forkFlow(client, workflowId, { workflowsPath: CHANGED_WORKFLOWS, at: 1 })).rejects.toThrow(HistoryReplayError);
    await expect(forkFlow(client, workflowId, { workflowsPath: CHANGED_WORKFLOWS, at: 1 })).rejects.toThrow(
      new RegExp(`^Run ${workflowId}'s history does not replay with this checkout's workflow code: it parts at node 'Two'`),
    );
    // With the code it ran on, the same history replays.
    expect((await flowSteps(client, workflowId, { workflowsPath: WORKFLOWS })).steps.map((step) => step.node)).toEqual(['One', 'Two']);
  });

  it('refuses a store edit that cannot cross and a run that does not exist, starting nothing', async () => {
    const client = await connectClient();
    const workflowId = `fork-refusals-${Date.now()}`;
    await withWorker('fork-refusals', async (taskQueue) => {
      await startFlow(client, { flow: 'nested-flow', taskQueue, workflowId, shared: flowCases['nested-flow']!.shared });
      await flowResult(client, workflowId);
    });
    const edit = forkFlow(client, workflowId, { workflowsPath: WORKFLOWS, at: 1, workflowId: `${workflowId}-bad`, set: [{ path: 'callback', value: () => 1 }] });
    await expect(edit).rejects.toThrow(NotSerializableError);
    await expect(client.workflow.getHandle(`${workflowId}-bad`).describe()).rejects.toThrow(/not found/i);
    await expect(flowSteps(client, `${workflowId}-nope`, { workflowsPath: WORKFLOWS })).rejects.toThrow(UnknownRunError);
  });
});
