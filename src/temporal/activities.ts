/**
 * The activity side of the Temporal runtime: one activity per node, named after it, that runs
 * the node's exec (and one per custom fallback). Runs in the worker, never in the workflow.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import {
  type AnyNode,
  type ExecRunner,
  InputUnavailableError,
  type Logger,
  type RunContext,
} from '../core/index.js';
import {
  type ExecActivityInput,
  fallbackActivityName,
  type FallbackActivityInput,
} from './definitions.js';
import type { FlowRegistry } from './registry.js';

/** Options of `createFlowActivities`. */
export interface FlowActivityOptions {
  /** Dependencies handed to exec through `this.services()` (HTTP clients, LLM clients, endpoints). */
  services?: unknown;
}

type ActivityFn = (input: never) => Promise<unknown>;

/** Builds the worker's activities: one per node of every registered flow. */
export function createFlowActivities(
  registry: FlowRegistry,
  options: FlowActivityOptions = {},
): Record<string, ActivityFn> {
  const activities: Record<string, ActivityFn> = {};
  for (const { node } of registry.activityNodes()) {
    activities[node.name] = (input: ExecActivityInput) => runExec(registry, options, input);
    if (node.hasCustomFallback) {
      activities[fallbackActivityName(node.name)] = (input: FallbackActivityInput) =>
        runFallback(registry, options, input);
    }
  }
  return activities;
}

async function runExec(registry: FlowRegistry, options: FlowActivityOptions, input: ExecActivityInput): Promise<unknown> {
  const step = stepFor(registry, options, input);
  step.curRetry = Context.current().info.attempt - 1;
  return step._callExec(input.input);
}

async function runFallback(
  registry: FlowRegistry,
  options: FlowActivityOptions,
  input: FallbackActivityInput,
): Promise<unknown> {
  const step = stepFor(registry, options, input);
  step.curRetry = step.maxRetries - 1;
  const error = new Error(input.error.message);
  error.name = input.error.type;
  return step._callFallback(input.input, error);
}

function stepFor(registry: FlowRegistry, options: FlowActivityOptions, input: ExecActivityInput): AnyNode {
  const node = registry.node(input.flow, input.node);
  if (node === undefined) {
    throw ApplicationFailure.nonRetryable(
      `This worker has no node '${input.node}' in flow '${input.flow}'. ` +
        `Deploy the worker with the same flow definitions as the workflow bundle.`,
      'UnknownNodeError',
    );
  }
  const step = node.clone();
  step.setParams(input.params ?? {});
  step._ctx = activityContext(node.name, options.services);
  return step;
}

const activityLogger: Logger = {
  debug: (message, attrs) => log.debug(message, attrs),
  info: (message, attrs) => log.info(message, attrs),
  warn: (message, attrs) => log.warn(message, attrs),
  error: (message, attrs) => log.error(message, attrs),
};

const noNestedExec: ExecRunner = {
  exec() {
    throw new Error('A node cannot run another exec from inside its own exec.');
  },
};

function activityContext(node: string, services: unknown): RunContext {
  return {
    executor: noNestedExec,
    input: {
      ask() {
        throw new InputUnavailableError(node, 'exec, which runs in a Temporal activity');
      },
    },
    logger: activityLogger,
    services,
    heartbeat: (details?: unknown) => Context.current().heartbeat(details),
  };
}
