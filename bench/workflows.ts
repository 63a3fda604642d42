/** The bench's workflow bundle: the flow workflows for the bench flows, and the hand-written baselines. */
import { condition, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import { createFlowWorkflows } from '../src/workflow.js';
import type { HandWrittenActivities } from './activities.js';
import { benchAnswerSignal, benchWaitingQuery } from './definitions.js';
import { benchFlows } from './flows.js';
import { ACTIVITY_TIMEOUT } from './work.js';

const workflows = createFlowWorkflows(benchFlows);
// Every flow's runs (a run's workflow type is its flow's name), and the child workflows of big batches.
export default workflows.flow;
export const { pocketflowBatchChunk, pocketflowBatchFlowChunk } = workflows;

const { noop, sleepItem, sleepItems, stamp } = proxyActivities<HandWrittenActivities>({
  startToCloseTimeout: ACTIVITY_TIMEOUT,
  retry: { maximumAttempts: 1 },
});

const local = proxyLocalActivities<HandWrittenActivities>({
  startToCloseTimeout: ACTIVITY_TIMEOUT,
  retry: { maximumAttempts: 1 },
});

/** Calls the no-op activity `steps` times, one after another. */
export async function noopChain(steps: number): Promise<number> {
  for (let i = 0; i < steps; i++) {
    await noop();
  }
  return steps;
}

/** Calls the no-op as a local activity `steps` times, one after another. */
export async function noopChainLocal(steps: number): Promise<number> {
  for (let i = 0; i < steps; i++) {
    await local.noop();
  }
  return steps;
}

/** Runs `items` sleeping activities at once. */
export async function fanOut(items: number): Promise<number> {
  const results = await Promise.all(Array.from({ length: items }, (_, i) => sleepItem(i)));
  return results.length;
}

/** Runs `items` sleeping items in activities of `group` items each, all at once. */
export async function fanOutGrouped(items: number, group: number): Promise<number> {
  const groups = Array.from({ length: Math.ceil(items / group) }, (_, g) => Array.from({ length: Math.min(group, items - g * group) }, (_, i) => g * group + i));
  const results = await Promise.all(groups.map((one) => sleepItems(one)));
  return results.flat().length;
}

/** Waits for an answer, then runs the stamp activity; `total` times. */
export async function humanLoop(total: number): Promise<number> {
  const inbox: string[] = [];
  let asked = 0;
  let waiting = false;
  setHandler(benchAnswerSignal, (answer: string) => {
    inbox.push(answer);
  });
  setHandler(benchWaitingQuery, () => ({ asked, waiting }));
  for (let answer = 1; answer <= total; answer++) {
    asked = answer;
    waiting = true;
    await condition(() => inbox.length > 0);
    waiting = false;
    inbox.shift();
    await stamp(answer);
  }
  return total;
}
