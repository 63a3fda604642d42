/**
 * Every error the library throws on purpose. Each has a stable `name` (used as the
 * failure `type` when it crosses the Temporal activity boundary), typed fields, and a
 * message that says what broke, where, and what to do.
 */

/** The base of every error thrown by pocketflow-temporal. */
export class PocketFlowError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A graph or node was wired or configured wrongly; raised when the flow is built. */
export class FlowDefinitionError extends PocketFlowError {}

/** `run()` was called on a node that only has an async lifecycle. */
export class AsyncRunRequiredError extends PocketFlowError {
  readonly node: string;

  constructor(node: string) {
    super(`Node '${node}' is async: call runAsync(shared) instead of run(shared).`);
    this.node = node;
  }
}

/** A synchronous `Flow` reached an async node. */
export class SyncFlowAsyncNodeError extends PocketFlowError {
  readonly flow: string;
  readonly node: string;

  constructor(flow: string, node: string) {
    super(
      `Flow '${flow}' is synchronous but node '${node}' is async. ` +
        `Use AsyncFlow for flows that contain async nodes, and call runAsync(shared).`,
    );
    this.flow = flow;
    this.node = node;
  }
}

/** A value in the shared store (or another payload) cannot be stored as JSON. */
export class NotSerializableError extends PocketFlowError {
  readonly path: string;

  constructor(what: string, path: string, reason: string) {
    super(
      `${what} is not JSON-serialisable at ${path}: ${reason}. ` +
        `Keep only plain data (objects, arrays, strings, finite numbers, booleans, null) there.`,
    );
    this.path = path;
  }
}

/** A person's answer was refused by the node that asked for it. */
export class InvalidInputError extends PocketFlowError {
  readonly node: string;
  readonly answer: unknown;

  constructor(node: string, answer: unknown, reason: string) {
    super(`Answer ${JSON.stringify(answer)} refused by node '${node}': ${reason}`);
    this.node = node;
    this.answer = answer;
  }
}

/** A scripted input source ran out of answers. */
export class NoMoreInputError extends PocketFlowError {
  readonly prompt: string;

  constructor(prompt: string) {
    super(`No scripted answer left for the prompt ${JSON.stringify(prompt)}. Add one more answer to the ScriptedInput.`);
    this.prompt = prompt;
  }
}

/** A person's input was requested from code that cannot wait for one (exec running in an activity). */
export class InputUnavailableError extends PocketFlowError {
  readonly node: string;

  constructor(node: string, where: string) {
    super(
      `Node '${node}' asked a person for input in ${where}, where no person can answer. ` +
        `Ask in prep or post, or make the node an AsyncHumanNode so that its exec waits for the answer.`,
    );
    this.node = node;
  }
}

/** Standard input closed while a prompt waited for an answer. */
export class InputClosedError extends PocketFlowError {
  constructor() {
    super('Standard input closed before an answer was given.');
  }
}

/** A flow or workflow run named by the caller does not exist. */
export class UnknownFlowError extends PocketFlowError {
  readonly flow: string;

  constructor(flow: string, known: readonly string[]) {
    super(`Unknown flow '${flow}' (registered: ${quoteList(known)}). Register it with defineFlows({ '${flow}': factory }).`);
    this.flow = flow;
  }
}

/** Formats names as `'a', 'b'`, or `none` for an empty list. */
export function quoteList(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.map((n) => `'${n}'`).join(', ');
}
