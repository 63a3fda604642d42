/**
 * The runtime-agnostic core: nodes, flows and the orchestration loop. Safe to import from
 * Temporal workflow code (no Node built-in, no network).
 */
export {
  AsyncBatchNode,
  AsyncHumanNode,
  AsyncNode,
  AsyncParallelBatchNode,
  BaseNode,
  BatchNode,
  Node,
  createRunContext,
} from './node.js';
export type { Action, AnyNode, Duration, InputOptions, NodeOptions, Params, TemporalNodeOptions } from './node.js';
export {
  AsyncBatchFlow,
  AsyncFlow,
  AsyncParallelBatchFlow,
  BatchFlow,
  Flow,
  failedNodeOf,
  orchestrate,
  prepareFlow,
  reachableNodes,
} from './flow.js';
export type { FlowOptions } from './flow.js';
export { directExecutor, mapWithLimit, toError } from './exec.js';
export { ScriptedInput, TerminalInput, refusalOf, terminalInput } from './terminal-input.js';
export { toMermaid } from './graph.js';
export { assertJsonSerializable } from './serializable.js';
export { consoleLogger, silentLogger } from './logger.js';
export type { Logger } from './logger.js';
export * from './errors.js';
export type {
  ExecCall,
  ExecRunner,
  InputRequest,
  InputSource,
  PendingInput,
  RunContext,
  RunOptions,
  StepObserver,
} from './context.js';
