/** Client helpers: start a flow run, read its state, answer its prompts, await or cancel it. */
import {
  type Client,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowExecutionDescription,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { CompositePayloadConverter } from '@temporalio/common';
import { assertPortable, type Params, PocketFlowError, silentLogger } from '../core/index.js';
import {
  type AnswerAccepted,
  answerSignal,
  answerUpdate,
  type FlowRunState,
  type FlowWorkflow,
  type FlowWorkflowInput,
  type FlowWorkflowResult,
  stateQuery,
  WAITING_SEARCH_ATTRIBUTE,
} from './definitions.js';
import { AnswerRefusedError, RunAlreadyStartedError, UnknownFlowError, UnknownRunError } from './errors.js';
import { PortableJsonPayloadConverter } from './payload-converter.js';
import { missingSearchAttributes } from './search-attributes.js';
import { runDetails } from './run-details.js';
import type { FlowRegistry } from './registry.js';

export interface StartFlowOptions {
  flow: string;
  taskQueue: string;
  workflowId: string;
  shared?: object;
  params?: Params;
  /**
   * When given, an unknown flow name is refused before anything reaches the server, and the run
   * gets the flow's summary and its graph as static details in the Web UI.
   */
  flows?: FlowRegistry;
  /** Shown in the Web UI next to the run (default: the flow's `summary`, else its name). */
  summary?: string;
}

/**
 * Starts a flow run; a shared store or params that cannot cross a step are refused first. The
 * client must use the flows' data converter (`clientDataConverter()`, as `connectClient` does).
 */
export async function startFlow(
  client: Client,
  options: StartFlowOptions,
): Promise<WorkflowHandleWithFirstExecutionRunId<FlowWorkflow>> {
  assertFlowClient(client);
  const shared = options.shared ?? {};
  if (typeof shared !== 'object' || shared === null || Array.isArray(shared)) {
    throw new PocketFlowError('The shared store must be a plain object.');
  }
  assertPortable(shared, 'the shared store');
  assertPortable(options.params ?? {}, 'the flow params');
  if (options.flows !== undefined && !options.flows.has(options.flow)) {
    throw new UnknownFlowError(options.flow, options.flows.names);
  }
  const input: FlowWorkflowInput = { flow: options.flow, shared, params: options.params ?? {} };
  const flow = options.flows?.build(options.flow, silentLogger);
  // Where the namespace has the flows' search attributes, the run starts with them and keeps them current.
  const findable = (await missingSearchAttributes(client))?.length === 0;
  try {
    return await client.workflow.start<FlowWorkflow>(options.flow, {
      args: [input],
      taskQueue: options.taskQueue,
      workflowId: options.workflowId,
      staticSummary:
        options.summary ??
        (flow === undefined || options.flows === undefined
          ? `PocketFlow flow '${options.flow}'`
          : options.flows.summaryOf(options.flow, shared, { ...flow.params, ...input.params })),
      staticDetails: flow === undefined ? undefined : runDetails(options.flow, flow),
      memo: { flow: options.flow },
      typedSearchAttributes: findable ? [{ key: WAITING_SEARCH_ATTRIBUTE, value: false }] : undefined,
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) {
      throw new RunAlreadyStartedError(options.workflowId);
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
  const handle = client.workflow.getHandle<FlowWorkflow>(workflowId);
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
  return withKnownRun(workflowId, () => client.workflow.getHandle<FlowWorkflow>(workflowId).result());
}

/** The run's description (status, task queue, start time, memo) from the server; needs no worker. */
export async function describeFlowRun(client: Client, workflowId: string): Promise<WorkflowExecutionDescription> {
  return withKnownRun(workflowId, () => client.workflow.getHandle(workflowId).describe());
}

/** Asks the run to cancel. */
export async function cancelFlow(client: Client, workflowId: string): Promise<void> {
  await withKnownRun(workflowId, () => client.workflow.getHandle(workflowId).cancel());
}

/**
 * Refuses a client without the flows' payload converter: through the SDK's plain JSON one, a Date
 * would arrive as a string and a Map as `{}`, and the run would differ from in-process.
 */
function assertFlowClient(client: Client): void {
  const converter = client.options.loadedDataConverter.payloadConverter;
  const portable =
    converter instanceof CompositePayloadConverter &&
    converter.converters.some((c) => c instanceof PortableJsonPayloadConverter);
  if (!portable) {
    throw new PocketFlowError(
      "This client converts payloads with the SDK's plain JSON converter, which changes Dates, Maps, Sets and BigInts. " +
        'Create it with the flows\' data converter: new Client({ connection, dataConverter: clientDataConverter() }), or use connectClient().',
    );
  }
}

/** Runs `action` on run `workflowId`, saying an unknown run as `UnknownRunError`. */
export async function withKnownRun<T>(workflowId: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      throw new UnknownRunError(workflowId);
    }
    throw error;
  }
}
