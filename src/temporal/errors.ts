/**
 * Errors of the Temporal runtime: the workflow, the activities and the client helpers. Each has
 * a stable `name`, which is also the failure `type` when it ends a workflow run.
 */
import { PocketFlowError } from '../core/index.js';

/** The workflow was started with an input that is not `{ flow, shared, params? }`. */
export class InvalidFlowInputError extends PocketFlowError {}

/** A node's input would be past Temporal's payload limit. */
export class PayloadTooLargeError extends PocketFlowError {
  readonly node: string;
  readonly bytes: number;

  constructor(node: string, bytes: number) {
    super(
      `The input of node '${node}' is ${bytes} bytes, over Temporal's payload limit (about 2 MB). ` +
        `Keep large data outside the flow (a file or blob store) and pass a reference in prep.`,
    );
    this.node = node;
    this.bytes = bytes;
  }
}

/** A workflow id that names no run. */
export class UnknownRunError extends PocketFlowError {
  readonly workflowId: string;

  constructor(workflowId: string) {
    super(`No flow run with workflow id '${workflowId}'. List runs to see the ids that exist.`);
    this.workflowId = workflowId;
  }
}

/** A workflow id that is already taken by a running run. */
export class RunAlreadyStartedError extends PocketFlowError {
  readonly workflowId: string;

  constructor(workflowId: string) {
    super(`A run with workflow id '${workflowId}' is already running. Choose another id or attach to it.`);
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

/** The Temporal server could not be reached. */
export class ServerUnreachableError extends PocketFlowError {
  readonly address: string;

  constructor(address: string, cause: unknown, hint = 'Start one, or set TEMPORAL_ADDRESS to a running server.') {
    super(`Cannot reach the Temporal server at ${address}. ${hint}`, { cause });
    this.address = address;
  }
}

/** An answer that is not `{ answer: string, requestId?: number }`. */
export class MalformedAnswerError extends PocketFlowError {}

/** An answer named no prompt that is waiting for one. */
export class NoPromptWaitingError extends PocketFlowError {}

/** The local Temporal dev server (or the Temporal CLI that holds it) could not be found, installed or started. */
export class DevServerError extends PocketFlowError {}

/**
 * The encryption keys (POCKETFLOW_ENCRYPTION_KEYS, or the keys given to the codec) are malformed, or
 * missing where a command needs them. The message names the entry by position and key id, never
 * its key material.
 */
export class EncryptionConfigError extends PocketFlowError {
  /** The 1-based position of the faulty entry, when one entry is at fault. */
  readonly entry: number | undefined;
  /** The key id at fault, when it could be read. */
  readonly keyId: string | undefined;

  constructor(message: string, fields: { entry?: number; keyId?: string } = {}) {
    super(message);
    this.entry = fields.entry;
    this.keyId = fields.keyId;
  }
}

/** An encrypted payload could not be decrypted: its key is not configured, or authentication failed. */
export class PayloadDecryptionError extends PocketFlowError {
  /** The key id the payload names, when it names one. */
  readonly keyId: string | undefined;

  constructor(message: string, keyId: string | undefined, cause?: unknown) {
    super(message, { cause });
    this.keyId = keyId;
  }
}

/** The namespace lacks the search attributes that a command needs. */
export class SearchAttributesMissingError extends PocketFlowError {}
