/**
 * The client side of pocketflow-temporal: start flow runs, read their state, answer their
 * prompts, await or cancel them, list their steps and fork them. Loads the Temporal client, not the
 * worker or any flow code (reading steps loads the worker's replayer when it is called).
 *
 * @example
 * ```ts
 * import { answerFlow, connectClient, connectionSettings, flowResult, startFlow } from 'pocketflow-temporal/client';
 *
 * // Converts payloads with the flows' converter, and encrypts them when POCKETFLOW_ENCRYPTION_KEYS is set.
 * const client = await connectClient(connectionSettings());
 * await startFlow(client, { flow: 'publish', taskQueue: 'my-flows', workflowId: 'post-42', shared: { topic: 'tides' } });
 * await answerFlow(client, 'post-42', 'y');
 * const { shared, action } = await flowResult(client, 'post-42');
 * ```
 */
export { answerFlow, cancelFlow, describeFlowRun, flowResult, getFlowState, startFlow } from './temporal/client.js';
export type { StartFlowOptions } from './temporal/client.js';
export { streamFlow } from './temporal/event-stream.js';
export { flowSteps, forkFlow, HistoryReplayError } from './temporal/time-travel.js';
export type { FlowRunSteps, ForkFlowOptions, ReplayProblem, StartedFork, StepsOptions, StoreEdit } from './temporal/time-travel.js';
export { forkRecordOf, forkSummary } from './temporal/lineage.js';
export type { SkippedEvents, StreamFlowOptions } from './temporal/event-stream.js';
export { connectClient, connectionSettings } from './temporal/connection.js';
export type { ConnectionSettings } from './temporal/connection.js';
export { clientDataConverter, failureMessage, payloadCodecsFromEnv } from './temporal/data-converter.js';
export { failureConverter } from './temporal/failure-converter.js';
export type { PayloadCodecOptions } from './temporal/data-converter.js';
export { payloadConverter, PortableJsonPayloadConverter } from './temporal/payload-converter.js';
export { AesGcmCodec, ENCRYPTION_KEYS_ENV, encryptionCodecFromEnv, encryptionKeysFromEnv } from './temporal/encryption.js';
export type { EncryptionKeys } from './temporal/encryption.js';
export {
  AnswerRefusedError,
  EncryptionConfigError,
  PayloadDecryptionError,
  SearchAttributesMissingError,
  RunAlreadyStartedError,
  ServerUnreachableError,
  UnknownFlowError,
  UnknownRunError,
} from './temporal/errors.js';
export {
  answerSignal,
  answerUpdate,
  FLOW_SEARCH_ATTRIBUTES,
  FORK_SEARCH_ATTRIBUTE,
  NODE_SEARCH_ATTRIBUTE,
  stateQuery,
  WAITING_SEARCH_ATTRIBUTE,
} from './temporal/definitions.js';
export { missingSearchAttributes, requireSearchAttributes, searchAttributesCommand } from './temporal/search-attributes.js';
export { ForkPointError, NotSerializableError, PocketFlowError } from './core/index.js';

export type {
  AnswerAccepted,
  AnswerInput,
  EventPage,
  FlowRunState,
  FlowWorkflow,
  FlowWorkflowInput,
  FlowWorkflowResult,
  ForkRecord,
  PendingPrompt,
  RefusedAnswer,
  StepRecord,
} from './temporal/definitions.js';
export type { EventError, EventStep, FlowEvent, RecordedStep, RunEvent } from './core/index.js';
