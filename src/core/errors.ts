/**
 * Every error the core throws on purpose. Each has a stable `name` (used as the failure `type`
 * when it crosses the Temporal activity boundary), typed fields, and a message that says what
 * broke, where, and what to do.
 */

/** The base of every error thrown by pocketflow-temporal. */
export class PocketFlowError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Options of `FlowFailure`. */
export interface FlowFailureOptions {
  /** The failure's type on Temporal, for clients to match on; default the class's name, `'FlowFailure'`. */
  type?: string;
  /** Values the failure carries on Temporal (its `details`), for the client that reads the failure. */
  details?: unknown[];
  cause?: unknown;
}

/**
 * Ends a run on purpose: `throw new FlowFailure('No recipe fits', { type: 'NoRecipe' })` in prep
 * or post. In-process the run throws it, as any error. On Temporal the run fails with an
 * `ApplicationFailure` of type `type` that names the flow and the node, where another error thrown
 * by prep or post only fails the workflow task and waits for a fixed build.
 */
export class FlowFailure extends PocketFlowError {
  readonly type: string;
  readonly details: unknown[];

  constructor(message: string, options: FlowFailureOptions = {}) {
    super(message, { cause: options.cause });
    this.type = options.type ?? this.name;
    this.details = options.details ?? [];
  }
}

/** A graph or node was wired or configured wrongly; raised when the flow is built or prepared. */
export class FlowDefinitionError extends PocketFlowError {
  /** The flow or node at fault, when there is one. */
  readonly node: string | undefined;

  constructor(message: string, node?: string) {
    super(message);
    this.node = node;
  }
}

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

/** One place in a value that cannot cross a step, and why. */
export interface Unportable {
  /** Where, from the value's root `$`: `$.recipes[2].seen`. */
  path: string;
  reason: string;
}

/**
 * A value that crosses a step (the shared store, a prep or exec result, params) holds something
 * that Temporal's payloads cannot carry exactly. Raised in both runtimes, where the value is made.
 */
export class NotSerializableError extends PocketFlowError {
  /** What the value is: "the shared store", "the exec result", ... */
  readonly what: string;
  /** The node that made it, when a node did. */
  readonly node: string | undefined;
  readonly path: string;
  readonly reason: string;

  constructor(details: Unportable & { what: string; node?: string | undefined }) {
    const where = details.node === undefined ? capitalize(details.what) : `Node '${details.node}': ${details.what}`;
    super(
      `${where} holds ${details.reason} at ${details.path}, which cannot cross a step. ` +
        `Keep such values plain data (${PORTABLE_KINDS_TEXT}).`,
    );
    this.what = details.what;
    this.node = details.node;
    this.path = details.path;
    this.reason = details.reason;
  }
}


const PORTABLE_KINDS_TEXT =
  'plain objects, arrays, strings, numbers, booleans, null, undefined, BigInt, Date, Map, Set, RegExp and typed arrays';

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A person's answer was refused by the node that asked for it. */
export class InvalidInputError extends PocketFlowError {
  readonly node: string;
  readonly answer: unknown;
  readonly reason: string;

  constructor(node: string, answer: unknown, reason: string) {
    super(`Answer ${JSON.stringify(answer)} refused by node '${node}': ${reason}`);
    this.node = node;
    this.answer = answer;
    this.reason = reason;
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

/** A node asked a person for input in a run that was given no input source. */
export class NoInputSourceError extends PocketFlowError {
  readonly node: string;

  constructor(node: string) {
    super(
      `Node '${node}' asked a person for input, but this run has no input source. ` +
        `Pass one: runAsync(shared, { input: new TerminalInput() }) or { input: new ScriptedInput([...]) }.`,
    );
    this.node = node;
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

/** A flow named by the caller is not registered. */
export class UnknownFlowError extends PocketFlowError {
  readonly flow: string;

  constructor(flow: string, known: readonly string[]) {
    super(
      `Unknown flow '${flow}' (registered: ${quoteList(known)}). ` +
        `Register it with defineFlows({ '${flow}': factory }) in the module that the workflow bundle and the worker share.`,
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

/** Formats names as `'a', 'b'`, or `none` for an empty list. */
export function quoteList(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.map((n) => `'${n}'`).join(', ');
}

/** A short description of a value for error messages: `the string "x"`, `an instance of Map`, `number 3`. */
export function describeValue(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (value === undefined) {
    return 'undefined';
  }
  if (typeof value === 'string') {
    return `the string ${JSON.stringify(value)}`;
  }
  if (typeof value === 'function') {
    return `a function${value.name ? ` '${value.name}'` : ''}`;
  }
  if (typeof value === 'object') {
    const ctor = (value as object).constructor;
    return ctor && ctor !== Object ? `an instance of ${ctor.name}` : 'a plain object';
  }
  return `${typeof value} ${String(value)}`;
}
