/**
 * How errors leave a flow's workflow, named after the flow and the node: a failure that ends the
 * run, or an error that fails only the workflow task, so that the run waits for a fixed build.
 */
import { ApplicationFailure, TemporalFailure } from '@temporalio/workflow';
import { type AnyNode, FlowFailure, type PocketFlowError, type StepObserver } from '../../core/index.js';
import { toError } from '../../core/internal.js';
import type { FlowWorkflowInput } from '../definitions.js';
import { InvalidFlowInputError, UnknownFlowError } from '../errors.js';
import type { FlowRegistry } from '../registry.js';

/** A failure that ends the run (not a workflow-task retry), typed with the error's name. */
export function endingFailure(error: PocketFlowError): ApplicationFailure {
  return ApplicationFailure.create({ message: error.message, type: error.name, nonRetryable: true, cause: error });
}

/**
 * Returns the flow a run runs (its workflow type), or throws an ending failure unless that names a
 * registered flow and the input carries a shared store.
 */
export function checkInput(input: unknown, workflowType: string, registry: FlowRegistry): string {
  const given = input as Partial<FlowWorkflowInput> | undefined;
  if (typeof given !== 'object' || given === null) {
    throw endingFailure(new InvalidFlowInputError('The workflow input must be { flow: string, shared: object, params?: object }.'));
  }
  if (given.flow !== undefined && given.flow !== workflowType) {
    throw endingFailure(
      new InvalidFlowInputError(`The input names flow '${String(given.flow)}', but the run's workflow type is '${workflowType}'. Start the run with the flow's name as its type.`),
    );
  }
  if (!registry.has(workflowType)) {
    throw endingFailure(new UnknownFlowError(workflowType, registry.names));
  }
  if (typeof given.shared !== 'object' || given.shared === null || Array.isArray(given.shared)) {
    throw endingFailure(new InvalidFlowInputError('The shared store must be a JSON object.'));
  }
  return workflowType;
}

/**
 * Remembers, for each error that escaped a step, the innermost node whose step threw it: the
 * observer a run (or a chunk of one) gives its flow, so that a failure can name the node.
 */
export class FailedSteps implements StepObserver {
  readonly #nodes = new WeakMap<object, string>();

  onStepError(step: AnyNode, error: unknown): void {
    if (typeof error === 'object' && error !== null && !this.#nodes.has(error)) {
      this.#nodes.set(error, step.name);
    }
  }

  /** The innermost node whose step threw `error`, if a step threw it. */
  nodeOf(error: unknown): string | undefined {
    return typeof error === 'object' && error !== null ? this.#nodes.get(error) : undefined;
  }
}

/** What becomes of an error that escaped a flow's run. */
export type EscapedError =
  | { endsRun: true; failure: ApplicationFailure }
  | { endsRun: false; error: Error; node: string | undefined };

/**
 * Sorts an error that escaped the flow. A failure ends the run when the error or one of its causes
 * is a Temporal failure (an exec that failed after its retries and fallback arrives as an
 * ActivityFailure; an ApplicationFailure thrown on purpose) or a FlowFailure. Any other error
 * comes from the workflow's own code (prep, post, a human node's exec, the checks between steps):
 * it fails only the workflow task, which Temporal retries, so a fixed build continues the run.
 */
export function escapedError(flow: string, error: unknown, node: string | undefined): EscapedError {
  const where = node === undefined ? `Flow '${flow}' failed` : `Flow '${flow}' failed at node '${node}'`;
  const meant = causesOf(error).find((e) => e instanceof FlowFailure || e instanceof TemporalFailure);
  if (meant instanceof FlowFailure) {
    const failure = ApplicationFailure.create({
      message: `${where}: ${meant.message}`,
      type: meant.type,
      nonRetryable: true,
      details: meant.details,
      cause: toError(error),
    });
    return { endsRun: true, failure };
  }
  if (meant !== undefined) {
    const reason = rootCause(meant);
    const failure = ApplicationFailure.create({
      message: `${where}: ${reason.message}`,
      type: reason.type,
      nonRetryable: true,
      details: [{ flow, node: node ?? null }],
      cause: toError(error),
    });
    return { endsRun: true, failure };
  }
  const plain = toError(error);
  const task = new Error(`${where}: ${plain.name}: ${plain.message}`, { cause: plain });
  task.name = plain.name;
  if (plain.stack !== undefined) {
    task.stack = plain.stack;
  }
  return { endsRun: false, error: task, node };
}

/** The error and its causes, outermost first. */
function causesOf(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && !chain.includes(current); ) {
    chain.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

/**
 * The message and type of the error a failure stands for: the first ApplicationFailure inside
 * Temporal's wrappers (an ActivityFailure wraps the one exec threw, which may carry causes of its
 * own), else the innermost failure. As in-process, where a fallback gets the error exec threw.
 */
export function rootCause(error: unknown): { message: string; type: string } {
  let current = error;
  while (current instanceof TemporalFailure && !(current instanceof ApplicationFailure) && current.cause !== undefined) {
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
