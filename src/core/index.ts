/**
 * The core: PocketFlow's model (nodes, flows, batch and parallel variants, retries and fallback)
 * and the one orchestration loop that every runtime runs. No I/O and no Node built-in, so that
 * deterministic orchestration code may import it. What the runtimes share beyond this public surface lives in
 * `./internal.js`.
 */
export {
  AsyncBatchNode,
  AsyncHumanNode,
  AsyncNode,
  AsyncParallelBatchNode,
  BaseNode,
  BatchNode,
  Node,
} from './node.js';
export { AsyncBatchFlow, AsyncFlow, AsyncParallelBatchFlow, BatchFlow, Flow } from './flow.js';
export { ScriptedInput } from './input.js';
export { toMermaid } from './graph.js';
export { assertPortable } from './serializable.js';
export { ForkPointError, forkMemoOf } from './steps.js';
export { consoleLogger, silentLogger } from './logger.js';
export {
  AsyncRunRequiredError,
  FlowDefinitionError,
  FlowFailure,
  InputUnavailableError,
  InvalidInputError,
  NoInputSourceError,
  NoMoreInputError,
  NotSerializableError,
  PocketFlowError,
  ServicesUnavailableError,
  SyncFlowAsyncNodeError,
} from './errors.js';

export type { Action, AnyNode, BatchMode, InputOptions, NodeOptions, Params, RuntimeNodeOptions } from './node.js';
export type { AnyFlow, FlowOptions } from './flow.js';
export type { FlowFailureOptions, Unportable } from './errors.js';
export type { Logger } from './logger.js';
export type { EventError, EventStep, FlowEvent, RunEvent } from './events.js';
export type { InputRequest, InputSource, PendingInput, RunOptions, StepObserver } from './run.js';
export type {
  AnswersChoice,
  ForkMemo,
  ForkOptions,
  RecordedAnswer,
  RecordedExec,
  RecordedStep,
  RerunChoice,
  ReusableAnswer,
  ReusableExec,
  StepFrame,
} from './steps.js';
