/**
 * The runtime-agnostic core: nodes, flows, input sources, errors. Safe to import from Temporal
 * workflow code (no Node built-in, no network). What the runtimes share beyond this public
 * surface lives in `./internal.js`.
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
  SyncFlowAsyncNodeError,
  UnknownFlowError,
  UnknownNodeError,
} from './errors.js';

export type {
  Action,
  AnyNode,
  BatchMode,
  Duration,
  InputOptions,
  NodeOptions,
  Params,
  TemporalNodeOptions,
  ChildBatchOptions,
} from './node.js';
export type { AnyFlow, FlowOptions } from './flow.js';
export type { FlowFailureOptions, Unportable } from './errors.js';
export type { Logger } from './logger.js';
export type { InputRequest, InputSource, PendingInput, RunOptions, StepObserver } from './context.js';
