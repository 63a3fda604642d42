/** The worker every Temporal benchmark runs on, its settings, and the runtime that counts its warnings instead of printing them. */
import { NativeConnection, Runtime } from '@temporalio/worker';
import { createFlowActivities } from '../src/temporal/activities.js';
import { createFlowWorker, type FlowWorker } from '../src/temporal/worker.js';
import { createHandWrittenActivities } from './activities.js';
import { benchFlows } from './flows.js';
import { createReplyServices } from './llm-services.js';
import type { LlmStandIn } from './llm-stand-in.js';
import type { StampBoard } from './temporal.js';

/** Worker settings shared by every Temporal benchmark, ours and hand-written. */
export const workerSettings = {
  maxConcurrentActivityTaskExecutions: 1000,
  maxConcurrentActivityTaskPolls: 100,
  maxConcurrentWorkflowTaskExecutions: 40,
  maxConcurrentWorkflowTaskPolls: 10,
  maxCachedWorkflows: 100,
};

/** Worker and core warnings by message, counted instead of printed. */
export const workerWarnings = new Map<string, number>();

function countWarning(message: string): void {
  workerWarnings.set(message, (workerWarnings.get(message) ?? 0) + 1);
}

/** Installs Temporal's runtime with its warnings counted in `workerWarnings`; once per process, before any connection. */
export function quietRuntime(): void {
  Runtime.install({
    logger: {
      log(level: string, message: string) {
        if (level === 'WARN' || level === 'ERROR') {
          countWarning(message);
        }
      },
      trace() {},
      debug() {},
      info() {},
      warn(message: string) {
        countWarning(message);
      },
      error(message: string) {
        countWarning(message);
      },
    },
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'WARN' }, forward: {} } },
  });
}

/** The one worker of a dev server: the bench flows' activities and the hand-written ones, with the bench's settings. */
export function benchWorker(
  connection: NativeConnection,
  taskQueue: string,
  bundle: { code: string },
  stamps: StampBoard,
  llm: LlmStandIn,
): Promise<FlowWorker> {
  const services = { stamp: (answer: number) => stamps.stamp(answer), ...createReplyServices(llm) };
  return createFlowWorker({
    flows: benchFlows,
    taskQueue,
    connection,
    workflowBundle: bundle,
    worker: {
      ...workerSettings,
      activities: { ...createFlowActivities(benchFlows, { services }), ...createHandWrittenActivities(stamps) },
    },
  });
}
