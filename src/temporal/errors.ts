/**
 * Errors of the Temporal runtime: the workflow, the activities and the client helpers. Each has
 * a stable `name`, which is also the failure `type` when it ends a workflow run.
 */
import { PocketFlowError } from '../core/index.js';
import { quoteList } from '../core/internal.js';

/** The workflow was started with an input that is not `{ flow, shared, params? }`. */
export class InvalidFlowInputError extends PocketFlowError {}

/** A node's input would be past Temporal's payload limit. */
export class PayloadTooLargeError extends PocketFlowError {
  readonly node: string;
  readonly bytes: number;

  /** `message` replaces the one about a node's input, for another payload (what a fork re-uses). */
  constructor(node: string, bytes: number, message?: string) {
    super(
      message === undefined
        ? `The input of node '${node}' is ${bytes} bytes, over Temporal's payload limit (about 2 MB). ` +
            `Keep large data outside the flow (a file or blob store) and pass a reference in prep.`
        : `${message} (${bytes} bytes, over Temporal's payload limit of about 2 MB)`,
    );
    this.node = node;
    this.bytes = bytes;
  }
}

/** A workflow id that names no run. */
export class UnknownRunError extends PocketFlowError {
  readonly workflowId: string;

  constructor(workflowId: string) {
    super(`No flow run with workflow id '${workflowId}' (a closed run is kept only for its namespace's retention). List runs to see the ids that exist.`);
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

/** A workflow bundle that cannot serve the worker's flows: a worker refuses it at start. */
export class WorkflowBundleError extends PocketFlowError {}

/** The namespace lacks the search attributes that a command needs. */
export class SearchAttributesMissingError extends PocketFlowError {}

/** A flow named by the caller is not registered. */
export class UnknownFlowError extends PocketFlowError {
  readonly flow: string;

  constructor(flow: string, known: readonly string[]) {
    const nearest = nearestName(flow, known);
    super(
      `Unknown flow '${flow}'${nearest === undefined ? '' : ` (did you mean '${nearest}'?)`}. The registered flows are: ${quoteList(known)}.`,
    );
    this.flow = flow;
  }
}

/** A node named by a run (an activity, or a run that continued as new) is not in the flow this code builds. */
export class UnknownNodeError extends PocketFlowError {
  readonly flow: string;
  readonly node: string;

  constructor(flow: string, node: string, hint: string) {
    super(`Flow '${flow}' has no node '${node}'. ${hint}`);
    this.flow = flow;
    this.node = node;
  }
}

/** The name in `names` closest to `name` by edit distance, when it is close enough to be a typo. */
function nearestName(name: string, names: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of names) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (best === undefined || distance < best.distance) {
      best = { name: candidate, distance };
    }
  }
  return best !== undefined && best.distance <= Math.max(2, Math.floor(name.length / 3)) ? best.name : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
