/** How errors leave a flow's workflow: failures that end the run, named after the flow and the node. */
import { ApplicationFailure, TemporalFailure } from '@temporalio/workflow';
import { type PocketFlowError, UnknownFlowError } from '../../core/index.js';
import { failedNodeOf, toError } from '../../core/internal.js';
import { FLOW_WORKFLOW_TYPE, type FlowWorkflowInput } from '../definitions.js';
import { InvalidFlowInputError } from '../errors.js';
import type { FlowRegistry } from '../registry.js';

/** A failure that ends the run (not a workflow-task retry), typed with the error's name. */
export function endingFailure(error: PocketFlowError): ApplicationFailure {
  return ApplicationFailure.create({ message: error.message, type: error.name, nonRetryable: true, cause: error });
}

/**
 * Returns the flow a run runs (its workflow type; for the `runFlow` type, the input's `flow`), or
 * throws an ending failure unless that names a registered flow and the input carries a shared store.
 */
export function checkInput(input: unknown, workflowType: string, registry: FlowRegistry): string {
  const given = input as Partial<FlowWorkflowInput> | undefined;
  const shape = 'The workflow input must be { shared: object, params?: object, flow?: string }.';
  if (typeof given !== 'object' || given === null) {
    throw endingFailure(new InvalidFlowInputError(shape));
  }
  const flow = workflowType === FLOW_WORKFLOW_TYPE ? given.flow : workflowType;
  if (typeof flow !== 'string') {
    throw endingFailure(new InvalidFlowInputError(`${shape} A run of type '${FLOW_WORKFLOW_TYPE}' names its flow in 'flow'.`));
  }
  if (given.flow !== undefined && given.flow !== flow) {
    throw endingFailure(
      new InvalidFlowInputError(`The input names flow '${String(given.flow)}', but the run's workflow type is '${flow}'. Leave 'flow' out.`),
    );
  }
  if (!registry.has(flow)) {
    throw endingFailure(new UnknownFlowError(flow, registry.names));
  }
  if (typeof given.shared !== 'object' || given.shared === null || Array.isArray(given.shared)) {
    throw endingFailure(new InvalidFlowInputError('The shared store must be a JSON object.'));
  }
  return flow;
}

/** Turns an error that escaped the flow into a failure that ends the run, naming the flow and the node. */
export function nodeFailure(flow: string, error: unknown): ApplicationFailure {
  const node = failedNodeOf(error);
  const root = rootCause(error);
  const where = node === undefined ? `Flow '${flow}' failed` : `Flow '${flow}' failed at node '${node}'`;
  return ApplicationFailure.create({
    message: `${where}: ${root.message}`,
    type: root.type,
    nonRetryable: true,
    details: [{ flow, node: node ?? null }],
    cause: error instanceof Error ? error : undefined,
  });
}

/** The innermost message and type of an error, looking through Temporal's failure wrappers. */
export function rootCause(error: unknown): { message: string; type: string } {
  let current: unknown = error;
  while (current instanceof TemporalFailure && current.cause !== undefined) {
    current = current.cause;
  }
  if (current instanceof ApplicationFailure) {
    return { message: current.message, type: current.type ?? 'Error' };
  }
  if (current instanceof TemporalFailure) {
    return { message: current.message, type: current.name };
  }
  const plain = toError(current);
  return { message: plain.message, type: plain.name };
}
