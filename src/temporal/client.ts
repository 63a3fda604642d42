/** Client helpers: start a flow run, read its state, answer its prompts, await or cancel it. */
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { assertJsonSerializable, type Params, PocketFlowError, UnknownFlowError } from '../core/index.js';
import {
  type AnswerAccepted,
  answerSignal,
  answerUpdate,
  FLOW_WORKFLOW_TYPE,
  type FlowRunState,
  type FlowWorkflowInput,
  type FlowWorkflowResult,
  stateQuery,
} from './definitions.js';
import type { FlowRegistry } from './registry.js';

/** A workflow id that names no run. */
export class UnknownRunError extends PocketFlowError {
  readonly workflowId: string;

  constructor(workflowId: string) {
    super(`No flow run with workflow id '${workflowId}'. List runs to see the ids that exist.`);
    this.workflowId = workflowId;
  }
}

/** An answer that the run refused or could not take. */
export class AnswerRefusedError extends PocketFlowError {
  readonly workflowId: string;

  constructor(workflowId: string, reason: string) {
    super(`Run '${workflowId}' refused the answer: ${reason}`);
    this.workflowId = workflowId;
  }
}

export interface StartFlowOptions {
  flow: string;
  taskQueue: string;
  workflowId: string;
  shared?: object;
  params?: Params;
  /** When given, an unknown flow name is refused before anything reaches the server. */
  flows?: FlowRegistry;
  /** Shown in the Web UI next to the run. */
  summary?: string;
}

/** Starts a flow run; a shared store or params that are not plain JSON are refused first. */
export async function startFlow(client: Client, options: StartFlowOptions): Promise<WorkflowHandleWithFirstExecutionRunId> {
  const shared = options.shared ?? {};
  if (typeof shared !== 'object' || shared === null || Array.isArray(shared)) {
    throw new PocketFlowError('The shared store must be a plain object.');
  }
  assertJsonSerializable(shared, 'The shared store');
  assertJsonSerializable(options.params ?? {}, 'The flow params');
  if (options.flows !== undefined && !options.flows.has(options.flow)) {
    throw new UnknownFlowError(options.flow, options.flows.names);
  }
  const input: FlowWorkflowInput = { flow: options.flow, shared, params: options.params ?? {} };
  try {
    return await client.workflow.start(FLOW_WORKFLOW_TYPE, {
      args: [input],
      taskQueue: options.taskQueue,
      workflowId: options.workflowId,
      staticSummary: options.summary ?? `PocketFlow flow '${options.flow}'`,
      memo: { flow: options.flow },
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new PocketFlowError(
        `A run with workflow id '${options.workflowId}' is already running. Choose another id or attach to it.`,
      );
    }
    throw error;
  }
}

/** Reads a run's state (needs a worker to be running). */
export async function getFlowState(client: Client, workflowId: string): Promise<FlowRunState> {
  return withKnownRun(workflowId, () => client.workflow.getHandle(workflowId).query(stateQuery));
}

/**
 * Answers a run's pending prompt. With `wait: 'update'` (the default) the run checks the answer
 * and refuses a wrong one at once (a worker must be running); with `wait: 'signal'` the answer
 * is recorded even while no worker runs, and checked when the run reaches it.
 */
export async function answerFlow(
  client: Client,
  workflowId: string,
  answer: string,
  options: { requestId?: number; wait?: 'update' | 'signal' } = {},
): Promise<AnswerAccepted | undefined> {
  const payload = { answer, ...(options.requestId === undefined ? {} : { requestId: options.requestId }) };
  const handle = client.workflow.getHandle(workflowId);
  return withKnownRun(workflowId, async () => {
    if (options.wait === 'signal') {
      await handle.signal(answerSignal, payload);
      return undefined;
    }
    try {
      return await handle.executeUpdate(answerUpdate, { args: [payload] });
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        throw new AnswerRefusedError(workflowId, (error.cause as Error | undefined)?.message ?? error.message);
      }
      throw error;
    }
  });
}

/** Waits for the run to finish and returns its shared store and last action. */
export async function flowResult(client: Client, workflowId: string): Promise<FlowWorkflowResult> {
  return withKnownRun(workflowId, () => client.workflow.getHandle(workflowId).result() as Promise<FlowWorkflowResult>);
}

/** Asks the run to cancel. */
export async function cancelFlow(client: Client, workflowId: string): Promise<void> {
  await withKnownRun(workflowId, () => client.workflow.getHandle(workflowId).cancel());
}

async function withKnownRun<T>(workflowId: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      throw new UnknownRunError(workflowId);
    }
    throw error;
  }
}
